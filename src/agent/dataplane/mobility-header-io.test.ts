// mobility-header-io.ts without root: packets built for HAO and RH2 (RFC 6275 §6.1.7 pseudo-header,
// RFC 8200 §4.1 order), the nft ruleset text, and the AF_PACKET receiver over the fake binding
// (with fuzzed frames: never a throw, always a counter).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createFakeNative } from '../../native/testing/fake.js';
import { macToBytes } from '../../wire/address.js';
import { verifyPseudoHeaderChecksum } from '../../wire/checksum.js';
import { walkIpv6 } from '../../wire/ipv6.js';
import {
  buildMobilityPacket,
  filterTableName,
  mobilityFilterRuleset,
  openMobilityReceiver,
  type ReceivedMobilityHeader,
} from './mobility-header-io.js';

const COA = '2001:db8:2::10';
const HA = '2001:db8:2::1';
const HOA = '2001:db8:1::55';
// A 16-byte BU (RFC 6275 §6.1.7): Payload Proto 59, Header Len 1, type 5, checksum 0 (to be filled).
const BU = Buffer.from([59, 1, 5, 0, 0, 0, 0x12, 0x34, 0x80, 0, 0, 10, 1, 2, 0, 0]);

describe('buildMobilityPacket', () => {
  it('HAO: Destination Options with the home address; checksum over the HoA, not the CoA', () => {
    const p = buildMobilityPacket({ src: COA, dst: HA, homeAddress: HOA, mh: BU });
    const w = walkIpv6(p);
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    expect(w.value.extensions.map((e) => e.kind)).toEqual(['DestinationOptions']);
    expect(w.value.upperLayer).toBe(135);
    const mh = p.subarray(w.value.upperOffset);
    expect(verifyPseudoHeaderChecksum(HOA, HA, 135, mh)).toBe(true);
    expect(verifyPseudoHeaderChecksum(COA, HA, 135, mh)).toBe(false);
    expect(BU.readUInt16BE(4)).toBe(0); // the caller's bytes are not modified
  });

  it('RH2: type 2 routing header, Segments Left 1; checksum over the final destination (HoA)', () => {
    const p = buildMobilityPacket({ src: HA, dst: COA, routingHomeAddress: HOA, mh: BU });
    const w = walkIpv6(p);
    if (!w.ok) throw new Error(w.error.message);
    expect(w.value.extensions).toMatchObject([{ kind: 'Routing', routingType: 2, segmentsLeft: 1, homeAddress: HOA }]);
    expect(verifyPseudoHeaderChecksum(HA, HOA, 135, p.subarray(w.value.upperOffset))).toBe(true);
  });

  it('both: the routing header comes before the Destination Options header (RFC 8200 §4.1)', () => {
    const p = buildMobilityPacket({
      src: COA,
      dst: HA,
      homeAddress: HOA,
      routingHomeAddress: '2001:db8:1::66',
      mh: BU,
    });
    const w = walkIpv6(p);
    expect(w.ok && w.value.extensions.map((e) => e.kind)).toEqual(['Routing', 'DestinationOptions']);
  });
});

describe('nft filters', () => {
  it('drops Destination Options and type 2 routing headers to our addresses at prerouting priority -300', () => {
    const r = mobilityFilterRuleset('mipshop_ha', ['2001:DB8:2:0::1']);
    expect(r).toContain('type filter hook prerouting priority -300; policy accept;');
    expect(r).toContain('ip6 daddr @mobility_addresses exthdr dst exists counter drop');
    expect(r).toContain('ip6 daddr @mobility_addresses rt type 2 counter drop');
    expect(r).toContain('add element ip6 mipshop_ha mobility_addresses { 2001:db8:2::1 }');
    expect(r.startsWith('table ip6 mipshop_ha\ndelete table ip6 mipshop_ha\n')).toBe(true);
    expect(mobilityFilterRuleset('t', [])).not.toContain('add element');
  });
  it('table names are nft identifiers', () => {
    expect(filterTableName('ha-1.lab')).toBe('mipshop_ha_1_lab');
  });
});

describe('openMobilityReceiver over the fake binding', () => {
  const ETH = (p: Buffer) =>
    Buffer.concat([macToBytes('02:00:00:00:00:02'), macToBytes('02:00:00:00:00:01'), Buffer.from([0x86, 0xdd]), p]);
  function setup() {
    const { hub, native } = createFakeNative();
    hub.addInterface({ name: 'eth0', netns: 'mn', link: 'l', mac: '02:00:00:00:00:01', addresses: [COA] });
    hub.addInterface({ name: 'eth0', netns: 'ha', link: 'l', mac: '02:00:00:00:00:02', addresses: [HA] });
    const got: ReceivedMobilityHeader[] = [];
    const rx = openMobilityReceiver({
      native,
      netns: 'ha',
      interfaces: ['eth0'],
      addresses: [HA],
      onMessage: (m) => got.push(m),
      plainMobilityHeader: false,
    });
    const tx = native.openPacketSocket({ ifname: 'eth0', netns: 'mn' });
    return { hub, rx, tx, got };
  }
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('hands over a BU with its HAO; drops a bad checksum, a bad Payload Proto, and packets to other addresses', async () => {
    const { rx, tx, got } = setup();
    tx.send(ETH(buildMobilityPacket({ src: COA, dst: HA, homeAddress: HOA, mh: BU })));
    const badSum = buildMobilityPacket({ src: COA, dst: HA, homeAddress: HOA, mh: BU });
    badSum[badSum.length - 1]! ^= 1;
    tx.send(ETH(badSum));
    const badProto = Buffer.from(BU);
    badProto[0] = 6;
    tx.send(ETH(buildMobilityPacket({ src: COA, dst: HA, homeAddress: HOA, mh: badProto })));
    tx.send(ETH(buildMobilityPacket({ src: COA, dst: '2001:db8:2::99', homeAddress: HOA, mh: BU })));
    await tick();
    expect(got).toMatchObject([{ src: COA, dst: HA, homeAddress: HOA, via: 'packet-socket' }]);
    expect(got[0]!.mh.subarray(6)).toEqual(BU.subarray(6));
    expect(rx.stats()).toMatchObject({ fromPacketSocket: 1, badChecksum: 1, badMobilityHeader: 1, ignored: 1 });
    rx.setAddresses(['2001:db8:2::99']);
    tx.send(ETH(buildMobilityPacket({ src: COA, dst: '2001:db8:2::99', homeAddress: HOA, mh: BU })));
    await tick();
    expect(got).toHaveLength(2);
    rx.close();
    tx.close();
  });

  it('never sees frames whose first header cannot lead to a HAO or RH2 (the socket filter)', async () => {
    const { rx, tx, got } = setup();
    const udp = buildMobilityPacket({ src: COA, dst: HA, mh: BU });
    udp[6] = 17; // as a data packet: UDP first
    const tunnelled = Buffer.from(udp);
    tunnelled[6] = 41; // IPv6-in-IPv6
    for (let i = 0; i < 100; i++) tx.send(ETH(i % 2 ? udp : tunnelled));
    tx.send(ETH(buildMobilityPacket({ src: COA, dst: HA, homeAddress: HOA, mh: BU })));
    await tick();
    expect(got).toHaveLength(1);
    // Not even counted as ignored: the frames never left the kernel.
    expect(rx.stats()).toMatchObject({ fromPacketSocket: 1, ignored: 0, malformed: 0 });
    rx.close();
    tx.close();
  });

  it('fuzzed frames after a Destination Options / Routing first header: never a throw, each one counted', async () => {
    const { rx, tx } = setup();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(60, 43, 0),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 400 }),
        async (nh, body, plen) => {
          const h = Buffer.alloc(40);
          h.writeUInt32BE(0x60000000, 0);
          h.writeUInt16BE(plen, 4);
          h[6] = nh;
          h[7] = 64;
          Buffer.from([0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]).copy(h, 8);
          Buffer.from([0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]).copy(h, 24);
          tx.send(ETH(Buffer.concat([h, Buffer.from(body)])));
          n++;
        },
      ),
      { numRuns: 2000 },
    );
    await tick();
    const s = rx.stats();
    expect(s.malformed + s.ignored + s.other + s.badChecksum + s.badMobilityHeader + s.fromPacketSocket).toBe(n);
    rx.close();
    tx.close();
  });
});
