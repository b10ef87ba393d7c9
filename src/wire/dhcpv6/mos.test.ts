import { describe, expect, test } from 'vitest';
import { addresses, domains, encodeDomainName } from './mos.js';
import { decode, encode, oro } from './message.js';

// RFC 5678 §4 (option 54) and §5 (option 55): 2-octet sub-option code and length; §5's example
// list "example.com", "example.net" for one service type is 26 octets.
describe('RFC 5678 MoS options', () => {
  test('option 54: an IS and an ES address and an empty CS sub-option', () => {
    const v = [
      { code: 1, values: ['2001:db8:ffff::1'] },
      { code: 3, values: ['2001:db8:ffff::2'] },
      { code: 2, values: [] },
    ];
    const b = addresses.encode(v);
    expect(b.toString('hex')).toBe(
      `00010010${'20010db8ffff00000000000000000001'}00030010${'20010db8ffff00000000000000000002'}00020000`,
    );
    expect(addresses.encodingLength(v)).toBe(b.length);
    expect(addresses.decode(b)).toEqual({ ok: true, value: v, bytes: b.length });
  });

  test('option 55: two names of one service, RFC 5678 §5 example', () => {
    const v = [{ code: 1, values: ['example.com', 'example.net'] }];
    const b = domains.encode(v);
    expect(b.subarray(0, 4).toString('hex')).toBe('0001001a');
    expect(b.subarray(4).toString('hex')).toBe('076578616d706c6503636f6d00076578616d706c65036e657400');
    expect(domains.decode(b)).toEqual({ ok: true, value: v, bytes: b.length });
  });

  test('bad lengths are errors with their offset, not throws', () => {
    const r = addresses.decode(Buffer.from(`0001000f${'00'.repeat(15)}`, 'hex'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-length', offset: 2 });
    expect(addresses.decode(Buffer.from('000100', 'hex')).ok).toBe(false);
    expect(domains.decode(Buffer.from('00010002c00c', 'hex')).ok).toBe(false); // compression pointer
    expect(domains.decode(Buffer.from('0001000403616263', 'hex')).ok).toBe(false); // no zero label
  });

  test('unknown service codes are kept and re-encode byte for byte', () => {
    const r = domains.decode(Buffer.from('00090003010203', 'hex'));
    expect(r.ok && r.value[0]).toMatchObject({ code: 9, raw: Buffer.from('010203', 'hex') });
    if (r.ok) expect(domains.encode(r.value).toString('hex')).toBe('00090003010203');
  });

  test('encodeDomainName ignores a trailing dot', () => {
    expect(encodeDomainName('mih.lab.')).toEqual(Buffer.from('036d6968036c616200', 'hex'));
  });
});

describe('DHCPv6 message', () => {
  test('Information-request with an ORO for 54 and 55 (RFC 5678 §6.2.1)', () => {
    const m = { msgType: 11, transactionId: 0xabcdef, options: [oro([54, 55])] };
    const b = encode(m);
    expect(b.toString('hex')).toBe('0babcdef' + '0006000400360037');
    expect(decode(b)).toEqual({ ok: true, value: m, bytes: b.length });
  });
  test('an option running past the message is an error', () => {
    expect(decode(Buffer.from('07000001000600050036', 'hex')).ok).toBe(false);
    expect(decode(Buffer.from('0700', 'hex')).ok).toBe(false);
  });
});
