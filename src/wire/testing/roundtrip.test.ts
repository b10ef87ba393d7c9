import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as fragment from '../ext/fragment.js';
import * as optionsHeader from '../ext/hop-by-hop-dest-options.js';
import * as routing from '../ext/routing-type2.js';
import * as icmpv6 from '../icmpv6/header.js';
import * as ndOptionCodec from '../icmpv6/nd-options.js';
import * as ipv6Codec from '../ipv6.js';
import * as mh from '../mh/header.js';
import * as mobilityOptionCodec from '../mh/options/codec.js';
import type { MobilityOption } from '../mh/options/types.js';
import { buildIpv6Packet } from '../packet.js';
import { checkCodec } from './codec-checks.js';
import * as udp from '../udp.js';
import { bytes, icmpv6Message, ipv6, mobilityMessage, mobilityOption, ndOption } from './arbitraries.js';

const RUNS = { numRuns: 1000 };

describe('property: decode(encode(m)) equals m', () => {
  test('every Mobility Header message (with canonical padding), incl. encode at an offset', () => {
    fc.assert(
      fc.property(mobilityMessage, (m) => checkCodec(mh, m, undefined, { prefixes: false })),
      RUNS,
    );
  });
  test('MH length is a multiple of 8 and Header Len matches (RFC 6275 §6.1.1)', () => {
    fc.assert(
      fc.property(mobilityMessage, (m) => {
        const b = mh.encode(m);
        expect(b.length % 8).toBe(0);
        expect((b[1]! + 1) * 8).toBe(b.length);
      }),
      RUNS,
    );
  });
  test('option alignment: every aligned option sits at its xn+y offset', () => {
    const ALIGN: Record<number, [number, number]> = {
      2: [2, 0],
      3: [8, 6],
      4: [2, 0],
      5: [8, 2],
      9: [4, 1],
      10: [8, 2],
      22: [8, 4],
      26: [8, 6],
      27: [8, 2],
      34: [8, 4],
    };
    fc.assert(
      fc.property(mobilityMessage, (m) => {
        if (m.type === 'Unknown') return;
        const b = mh.encode(m);
        const kept = mh.decode(b, 0, { keepPadding: true });
        if (!kept.ok) throw new Error(kept.error.message);
        if (kept.value.type === 'Unknown') throw new Error('decoded as Unknown');
        const options: MobilityOption[] = kept.value.options;
        // With padding kept, the options cover the MH from their start to its end: walk their Type bytes.
        let p = b.length - options.reduce((n, o) => n + mobilityOptionCodec.encodingLength(o), 0);
        for (const o of options) {
          const t = b[p]!;
          const a = ALIGN[t];
          if (o.type !== 'Pad1' && o.type !== 'PadN' && a) expect(((p % a[0]) + a[0]) % a[0]).toBe(a[1]);
          p += mobilityOptionCodec.encodingLength(o);
        }
      }),
      RUNS,
    );
  });
  test('with keepPadding, encode(decode(bytes)) is byte-exact', () => {
    fc.assert(
      fc.property(mobilityMessage, ipv6, ipv6, (m, src, dst) => {
        const b = mh.encode(m, undefined, 0, { addresses: { src, dst } });
        const d = mh.decode(b, 0, { keepPadding: true, verify: { src, dst } });
        if (!d.ok) throw new Error(d.error.message);
        expect(mh.encode(d.value, undefined, 0, { addresses: { src, dst } }).equals(b)).toBe(true);
      }),
      RUNS,
    );
  });
  test('every mobility option alone', () => {
    fc.assert(
      fc.property(mobilityOption, (o) => checkCodec(mobilityOptionCodec, o, undefined)),
      RUNS,
    );
  });
  test('every ICMPv6 message, and the checksum verifies', () => {
    fc.assert(
      fc.property(icmpv6Message, ipv6, ipv6, (m, src, dst) => {
        checkCodec(icmpv6, m, undefined, { prefixes: false });
        const b = icmpv6.encode(m, undefined, 0, { addresses: { src, dst } });
        expect(icmpv6.decode(b, 0, { verify: { src, dst } }).ok).toBe(true);
      }),
      RUNS,
    );
  });
  test('every ND option alone', () => {
    fc.assert(
      fc.property(ndOption, (o) => checkCodec(ndOptionCodec, o, undefined, { prefixes: false })),
      RUNS,
    );
  });
  test('IPv6 header, extension headers, UDP', () => {
    const hdr = fc.record({
      trafficClass: fc.integer({ min: 0, max: 255 }),
      flowLabel: fc.integer({ min: 0, max: 0xfffff }),
      payloadLength: fc.integer({ min: 0, max: 0xffff }),
      nextHeader: fc.integer({ min: 0, max: 255 }),
      hopLimit: fc.integer({ min: 0, max: 255 }),
      src: ipv6,
      dst: ipv6,
    });
    fc.assert(
      fc.property(hdr, (h) => checkCodec(ipv6Codec, h)),
      { numRuns: 100 },
    );
    const opt = fc.oneof(
      fc.record({ type: fc.constant('HomeAddress' as const), homeAddress: ipv6 }),
      fc.record({
        type: fc.constant('Unknown' as const),
        optionType: fc.integer({ min: 2, max: 255 }).filter((t) => t !== 201),
        data: bytes(0, 20),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.array(opt, { maxLength: 4 }), (nextHeader, options) =>
        checkCodec(optionsHeader, { nextHeader, options }),
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        ipv6,
        (nextHeader, segmentsLeft, homeAddress) =>
          checkCodec(routing, { nextHeader, routingType: 2, segmentsLeft, homeAddress }),
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0x1fff }),
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffffffff }),
        (nextHeader, fragmentOffset, moreFragments, identification) =>
          checkCodec(fragment, { nextHeader, fragmentOffset, moreFragments, identification }),
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        bytes(0, 64),
        (srcPort, dstPort, checksum, payload) => checkCodec(udp, { srcPort, dstPort, checksum, payload }),
      ),
      { numRuns: 300 },
    );
  });
  test('buildIpv6Packet + walkIpv6 + MH verify: the checksum uses HoA/RH2 substitutions', () => {
    fc.assert(
      fc.property(
        mobilityMessage,
        ipv6,
        ipv6,
        ipv6,
        fc.boolean(),
        fc.boolean(),
        (m, src, dst, hoa, withHao, withRh2) => {
          const extensions = [
            ...(withRh2
              ? [{ kind: 'Routing' as const, routingType: 2 as const, segmentsLeft: 1, homeAddress: hoa }]
              : []),
            ...(withHao
              ? [{ kind: 'DestinationOptions' as const, options: [{ type: 'HomeAddress' as const, homeAddress: hoa }] }]
              : []),
          ];
          const pkt = buildIpv6Packet({ src, dst, extensions, upper: { nextHeader: 135, encode: () => mh.encode(m) } });
          const w = ipv6Codec.walkIpv6(pkt);
          if (!w.ok) throw new Error(w.error.message);
          expect(w.value.upperLayer).toBe(135);
          const addrs = { src: withHao ? hoa : src, dst: withRh2 ? hoa : dst };
          expect(ipv6Codec.pseudoHeaderAddresses(w.value)).toEqual(addrs);
          const d = mh.decode(pkt, w.value.upperOffset, { verify: addrs });
          if (!d.ok) throw new Error(d.error.message);
          expect(d.value).toEqual(m);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
