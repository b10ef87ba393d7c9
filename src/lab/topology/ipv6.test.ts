import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eui64InterfaceId, formatIPv6, hashedMac, parseIPv6, parsePrefix, slaacAddress, ulaPrefixFor } from './ipv6.js';

describe('IPv6 text', () => {
  it.each([
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'], // RFC 5952 §4.2.1
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: the first of equal runs
    ['2001:DB8::AAAA', '2001:db8::aaaa'], // §4.3: lowercase
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
  ])('%s is written %s (RFC 5952)', (input, text) => {
    expect(formatIPv6(parseIPv6(input)!)).toBe(text);
  });

  it.each(['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', '1.2.3.4', ''])('rejects %s', (bad) => {
    expect(parseIPv6(bad)).toBeUndefined();
  });

  it('round-trips any 128-bit value', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (v) => parseIPv6(formatIPv6(v)) === v));
  });

  it('rejects prefixes with host bits set', () => {
    expect(parsePrefix('2001:db8::1/64')).toBeUndefined();
    expect(parsePrefix('2001:db8::/64')).toEqual({ network: parseIPv6('2001:db8::'), length: 64 });
  });
});

describe('SLAAC addresses (modified EUI-64, RFC 4291 App. A)', () => {
  it('matches the RFC example: 34-56-78-9A-BC-DE gives 3656:78ff:fe9a:bcde', () => {
    expect(eui64InterfaceId('34:56:78:9a:bc:de')).toBe(0x365678fffe9abcden);
    expect(slaacAddress('fe80::/64', '34:56:78:9a:bc:de')).toBe('fe80::3656:78ff:fe9a:bcde');
  });

  it('inverts the universal/local bit of a locally administered MAC', () => {
    expect(slaacAddress('2001:db8:0:a001::/64', '02:00:00:00:00:01')).toBe('2001:db8:0:a001:0:ff:fe00:1');
  });

  it('needs a /64', () => {
    expect(() => slaacAddress('2001:db8::/48', '02:00:00:00:00:01')).toThrow(RangeError);
  });
});

describe('derived identifiers', () => {
  it('hashed MACs are locally administered unicast (I/G 0, U/L 1)', () => {
    for (const seed of ['a', 'b', 'lab/r1/eth1', 'x'.repeat(100)]) {
      const first = parseInt(hashedMac(seed).slice(0, 2), 16);
      expect(first & 0x01).toBe(0);
      expect(first & 0x02).toBe(2);
    }
  });

  it('a lab name gives a stable ULA /48 in fd00::/8 (RFC 4193 §3.2)', () => {
    const p = ulaPrefixFor('smoke');
    expect(p).toBe(ulaPrefixFor('smoke'));
    expect(p).not.toBe(ulaPrefixFor('smoke2'));
    expect(parsePrefix(p)?.length).toBe(48);
    expect(p.startsWith('fd')).toBe(true);
  });
});
