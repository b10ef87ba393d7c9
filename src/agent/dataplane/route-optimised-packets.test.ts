import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ipv6ToBytes } from '../../wire/address.js';
import { pseudoHeaderAddresses, walkIpv6 } from '../../wire/ipv6.js';
import { buildIpv6Packet } from '../../wire/packet.js';
import * as udp from '../../wire/udp.js';
import {
  insertHomeAddressOption,
  insertRoutingType2,
  removeHomeAddressOption,
  removeRoutingType2,
} from './route-optimised-packets.js';

const HOA = '2001:db8:1::100';
const COA = '2001:db8:a1::200';
const CN = '2001:db8:9::9';

function udpPacket(src: string, dst: string): Buffer {
  return buildIpv6Packet({
    src,
    dst,
    hopLimit: 64,
    upper: {
      nextHeader: 17,
      encode: () => udp.encode({ srcPort: 4000, dstPort: 5000, payload: Buffer.from('route optimised') }),
    },
  });
}

/** The UDP checksum verified over the pseudo-header the receiver uses (§6.3/§6.4 substitutions). */
function udpVerifies(p: Buffer): boolean {
  const w = walkIpv6(p);
  if (!w.ok) return false;
  return udp.decode(p, w.value.upperOffset, { verify: pseudoHeaderAddresses(w.value) }).ok;
}

describe('route-optimised packet rewrites (RFC 6275 §6.3, §6.4, §9.3, §11.3)', () => {
  it('MN out: source = CoA, Destination Options with PadN + HAO at 8n+6; the UDP checksum (over the HoA) still verifies', () => {
    const app = udpPacket(HOA, CN);
    const wire = insertHomeAddressOption(app, ipv6ToBytes(COA))!;
    const w = walkIpv6(wire);
    expect(w.ok && w.value.header).toMatchObject({ src: COA, dst: CN, payloadLength: app.length - 40 + 24 });
    expect(w.ok && w.value.extensions).toMatchObject([
      { kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress: HOA }] },
    ]);
    expect(wire.subarray(40, 48)).toEqual(Buffer.from([17, 2, 1, 2, 0, 0, 201, 16]));
    expect(udpVerifies(wire)).toBe(true);
    // CN in: exactly the application's packet again.
    const back = removeHomeAddressOption(wire)!;
    expect(back.packet).toEqual(app);
    expect(back.homeAddress).toEqual(ipv6ToBytes(HOA));
    expect(back.careOfAddress).toEqual(ipv6ToBytes(COA));
  });

  it('CN out: destination = CoA, type 2 routing header (Segments Left 1) with the HoA; MN in gives the packet back', () => {
    const app = udpPacket(CN, HOA);
    const wire = insertRoutingType2(app, ipv6ToBytes(COA))!;
    const w = walkIpv6(wire);
    expect(w.ok && w.value.header).toMatchObject({ src: CN, dst: COA });
    expect(w.ok && w.value.extensions).toMatchObject([
      { kind: 'Routing', routingType: 2, segmentsLeft: 1, homeAddress: HOA },
    ]);
    expect(udpVerifies(wire)).toBe(true);
    const back = removeRoutingType2(wire)!;
    expect(back.packet).toEqual(app);
    expect(back.homeAddress).toEqual(ipv6ToBytes(HOA));
  });

  it('leaves alone what it does not handle: other options, other routing types or Segments Left, Hop-by-Hop first', () => {
    const withOther = buildIpv6Packet({
      src: COA,
      dst: CN,
      extensions: [
        {
          kind: 'DestinationOptions',
          options: [
            { type: 'HomeAddress', homeAddress: HOA },
            { type: 'Unknown', optionType: 0x1e, data: Buffer.alloc(2) },
          ],
        },
      ],
      upper: { nextHeader: 59, encode: () => Buffer.alloc(0) },
    });
    expect(removeHomeAddressOption(withOther)).toBeNull();
    const rh = insertRoutingType2(udpPacket(CN, HOA), ipv6ToBytes(COA))!;
    const segLeft0 = Buffer.from(rh);
    segLeft0[43] = 0;
    expect(removeRoutingType2(segLeft0)).toBeNull();
    const hbh = buildIpv6Packet({
      src: HOA,
      dst: CN,
      extensions: [{ kind: 'HopByHop', options: [] }],
      upper: { nextHeader: 59, encode: () => Buffer.alloc(0) },
    });
    expect(insertHomeAddressOption(hbh, ipv6ToBytes(COA))).toBeNull();
    expect(insertRoutingType2(hbh, ipv6ToBytes(COA))).toBeNull();
  });

  it('never throws on 5,000 random or truncated packets', () => {
    const good = insertRoutingType2(udpPacket(CN, HOA), ipv6ToBytes(COA))!;
    const goodHao = insertHomeAddressOption(udpPacket(HOA, CN), ipv6ToBytes(COA))!;
    for (let i = 0; i < 5000; i++) {
      const r = randomBytes(i % 120);
      if (r.length) r[0] = 0x60;
      const cut = (i % 2 ? good : goodHao).subarray(0, i % 90);
      for (const p of [r, cut]) {
        expect(() => {
          removeRoutingType2(p);
          removeHomeAddressOption(p);
          insertRoutingType2(p, ipv6ToBytes(COA));
          insertHomeAddressOption(p, ipv6ToBytes(COA));
        }).not.toThrow();
      }
    }
  });
});
