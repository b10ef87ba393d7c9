import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bytesToIpv6, bytesToMac, ipv6ToBytes, macToBytes } from './address.js';
import { pseudoHeaderChecksum } from './checksum.js';
import * as ethernet from './ethernet.js';
import * as optionsHeader from './ext/hop-by-hop-dest-options.js';
import * as ipv6 from './ipv6.js';
import { buildIpv6Packet } from './packet.js';
import { checkCodec, hex } from './testing/codec-checks.js';
import * as udp from './udp.js';

// Spec Appendix A vector 1: BU with HAO (tshark 4.0.17 shows csum 0x5bc8).
const V1 =
  '6000000000383c4020010db800020000000000000000010020010db8000100000000000000000001870201020000c91020010db80001000000000000000001003b0305005bc803e8d00000640100031020010db8000200000000000000000100';
// Vector 2: BA with RH2.
const V2 =
  '6000000000282b4020010db800010000000000000000000120010db8000200000000000000000100870202010000000020010db80001000000000000000001003b0106005aca008003e800640202005a';

describe('address', () => {
  test.each([
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: one zero group is not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // tie: the first
    ['fe80::', 'fe80::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
  ])('%s -> %s', (input, canonical) => {
    const b = ipv6ToBytes(input);
    expect(b.length).toBe(16);
    expect(bytesToIpv6(b)).toBe(canonical);
  });
  test('rejects bad text', () => {
    for (const s of [
      '',
      '1::2::3',
      '2001:db8',
      'g::1',
      '1:2:3:4:5:6:7:8:9',
      ':1',
      '1:',
      '1:::2',
      '12345::',
      '::1.2.3',
      '1.2.3.4::',
      '1:2:3:4:5:6:7:8::',
    ]) {
      expect(() => ipv6ToBytes(s), s).toThrow();
    }
  });
  test('more text forms', () => {
    expect(ipv6ToBytes('1::').toString('hex')).toBe('00010000000000000000000000000000');
    expect(ipv6ToBytes('1:2:3:4:5:6:7::').toString('hex')).toBe('00010002000300040005000600070000');
    expect(ipv6ToBytes('::2:3:4:5:6:7:8').toString('hex')).toBe('00000002000300040005000600070008');
    expect(ipv6ToBytes('64:ff9b::192.0.2.33').toString('hex')).toBe('0064ff9b0000000000000000c0000221');
  });
  test('property: text <-> bytes round trip for any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        expect(ipv6ToBytes(bytesToIpv6(a)).equals(Buffer.from(a))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
  test('mac', () => {
    expect(bytesToMac(macToBytes('02:00:00:AA:bb:0c'))).toBe('02:00:00:aa:bb:0c');
    expect(() => macToBytes('02:00')).toThrow();
  });
});

describe('ethernet', () => {
  test('codec', () => {
    checkCodec(
      ethernet,
      { dst: '33:33:00:00:00:01', src: '02:00:00:aa:bb:cc', ethertype: 0x86dd },
      hex('333300000001020000aabbcc86dd'),
    );
  });
});

describe('ipv6 header', () => {
  test('codec', () => {
    checkCodec(ipv6, {
      trafficClass: 0xb8,
      flowLabel: 0x12345,
      payloadLength: 8,
      nextHeader: 135,
      hopLimit: 64,
      src: '2001:db8:9::9',
      dst: '2001:db8:2::100',
    });
  });
  test('version other than 6 is bad-value at offset 0', () => {
    const b = ipv6.encode({
      trafficClass: 0,
      flowLabel: 0,
      payloadLength: 0,
      nextHeader: 59,
      hopLimit: 1,
      src: '::',
      dst: '::',
    });
    b[0] = 0x45;
    const r = ipv6.decode(b);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-value', offset: 0 });
  });
});

describe('walkIpv6', () => {
  test('vector 1: HAO destination options then MH', () => {
    const r = ipv6.walkIpv6(hex(V1));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.extensions).toEqual([
      {
        kind: 'DestinationOptions',
        nextHeader: 135,
        options: [{ type: 'HomeAddress', homeAddress: '2001:db8:1::100' }],
      },
    ]);
    expect(r.value.upperLayer).toBe(135);
    expect(r.value.upperOffset).toBe(64);
    expect(r.value.upperLength).toBe(32);
    expect(ipv6.pseudoHeaderAddresses(r.value)).toEqual({ src: '2001:db8:1::100', dst: '2001:db8:1::1' });
    const pkt = hex(V1);
    const { src, dst } = ipv6.pseudoHeaderAddresses(r.value);
    expect(pseudoHeaderChecksum(src, dst, 135, pkt.subarray(64))).toBe(0); // verifies with the HoA
    expect(pseudoHeaderChecksum(r.value.header.src, dst, 135, pkt.subarray(64))).not.toBe(0); // not with the CoA
  });
  test('vector 2: RH2 then MH; destination is the home address', () => {
    const r = ipv6.walkIpv6(hex(V2));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.extensions).toEqual([
      { kind: 'Routing', nextHeader: 135, routingType: 2, segmentsLeft: 1, homeAddress: '2001:db8:1::100' },
    ]);
    expect(ipv6.pseudoHeaderAddresses(r.value)).toEqual({ src: '2001:db8:1::1', dst: '2001:db8:1::100' });
    expect(pseudoHeaderChecksum('2001:db8:1::1', '2001:db8:1::100', 135, hex(V2).subarray(r.value.upperOffset))).toBe(
      0,
    );
  });
  test('every prefix fails with an offset, never throws', () => {
    const b = hex(V1);
    for (let n = 0; n < b.length; n++) {
      const r = ipv6.walkIpv6(b.subarray(0, n));
      expect(r.ok).toBe(false);
    }
  });
  test('option running past the header is bad-length', () => {
    const b = hex(V1);
    b[40 + 7] = 30; // HAO Length 30 in a 24-byte header
    const r = ipv6.walkIpv6(b);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-length', offset: 47 });
  });
  test('a fragment header and no next header', () => {
    const pkt = buildIpv6Packet({
      src: '2001:db8::1',
      dst: '2001:db8::2',
      extensions: [
        { kind: 'HopByHop', options: [] },
        { kind: 'Fragment', fragmentOffset: 3, moreFragments: true, identification: 0xdeadbeef },
      ],
      upper: { nextHeader: 59, encode: () => Buffer.alloc(0) },
    });
    const r = ipv6.walkIpv6(pkt);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.extensions.map((e) => e.kind)).toEqual(['HopByHop', 'Fragment']);
    expect(r.value.upperLayer).toBe(59);
    expect(r.value.upperLength).toBe(0);
  });
});

describe('destination options', () => {
  test('the Home Address option lands on 8n+6 after any preceding option (RFC 6275 §6.3)', () => {
    for (let n = 0; n < 12; n++) {
      const h = {
        nextHeader: 135,
        options: [
          { type: 'Unknown' as const, optionType: 0x1e, data: Buffer.alloc(n, 0xaa) },
          { type: 'HomeAddress' as const, homeAddress: '2001:db8::1' },
        ],
      };
      const b = optionsHeader.encode(h);
      const at = b.indexOf(0xc9);
      expect(at % 8, `after ${n} data bytes`).toBe(6);
      expect(b.length % 8).toBe(0);
      const d = optionsHeader.decode(b);
      if (!d.ok) throw new Error(d.error.message);
      expect(d.value).toEqual(h);
    }
  });
});

describe('buildIpv6Packet', () => {
  test('rebuilds vector 1 byte for byte (lengths, chain, HAO padding, checksum with the HoA)', () => {
    const mh = hex(V1).subarray(64);
    const pkt = buildIpv6Packet({
      src: '2001:db8:2::100',
      dst: '2001:db8:1::1',
      extensions: [{ kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress: '2001:db8:1::100' }] }],
      upper: { nextHeader: 135, encode: () => mh },
    });
    expect(pkt.toString('hex')).toBe(V1);
  });
  test('rebuilds vector 2 (checksum with the RH2 home address as destination)', () => {
    const mh = Buffer.from(hex(V2).subarray(64));
    mh.writeUInt16BE(0, 4);
    const pkt = buildIpv6Packet({
      src: '2001:db8:1::1',
      dst: '2001:db8:2::100',
      extensions: [{ kind: 'Routing', routingType: 2, segmentsLeft: 1, homeAddress: '2001:db8:1::100' }],
      upper: { nextHeader: 135, encode: () => mh },
    });
    expect(pkt.toString('hex')).toBe(V2);
  });
  test('keepChecksum leaves a wrong checksum in place', () => {
    const mh = Buffer.from(hex(V2).subarray(64));
    mh.writeUInt16BE(0x1234, 4);
    const pkt = buildIpv6Packet({
      src: '2001:db8:1::1',
      dst: '2001:db8:2::100',
      upper: { nextHeader: 135, encode: () => mh },
      keepChecksum: true,
    });
    expect(pkt.readUInt16BE(44)).toBe(0x1234);
  });
});

describe('udp', () => {
  test('codec and checksum', () => {
    const d = { srcPort: 5000, dstPort: 6000, checksum: 0, payload: Buffer.from('hello') };
    checkCodec(udp, d);
    const addrs = { src: '2001:db8::1', dst: '2001:db8::2' };
    const b = udp.encode(d, undefined, 0, { addresses: addrs });
    expect(udp.decode(b, 0, { verify: addrs }).ok).toBe(true);
    b[9] = b[9]! ^ 1;
    const r = udp.decode(b, 0, { verify: addrs });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-checksum', offset: 6 });
  });
  test('built into a packet, the UDP checksum verifies', () => {
    const pkt = buildIpv6Packet({
      src: '2001:db8::1',
      dst: '2001:db8::2',
      upper: { nextHeader: 17, encode: () => udp.encode({ srcPort: 1, dstPort: 2, payload: Buffer.from([1, 2, 3]) }) },
    });
    expect(udp.decode(pkt, 40, { verify: { src: '2001:db8::1', dst: '2001:db8::2' } }).ok).toBe(true);
  });
});
