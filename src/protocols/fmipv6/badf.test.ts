import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as mh from '../../wire/mh/index.js';
import type { FastBindingUpdate } from '../../wire/mh/fmipv6.js';
import { BADF_OPTION_TYPE, badfAuthenticator, locateBadf, sealFbu, verifyFbu } from './badf.js';
import { predictiveFbu, reactiveFbu } from './mobile-node-messages.js';

const MAC = Buffer.from('020000000001', 'hex');
const PCOA = 'fd00:1:a1::200:ff:fe00:1';
const NCOA = 'fd00:1:a2::200:ff:fe00:1';
const PAR = 'fd00:1:a1::1';
const SA = { spi: 0x1234abcd, key: Buffer.alloc(20, 7) };
const route = { src: PCOA, dst: PAR };
const lookup = (spi: number) => (spi === SA.spi ? SA : undefined);

describe('BADF (RFC 5568 §6.4.5)', () => {
  const fbu = predictiveFbu(77, 10, NCOA, MAC);
  const bytes = sealFbu(fbu, route, SA);

  it('is the last option: type 21, length 16, the SPI, 12 octets of authenticator; the MH ends on 8 octets', () => {
    const loc = locateBadf(bytes)!;
    expect(loc).not.toBeNull();
    expect(bytes[loc.offset]).toBe(BADF_OPTION_TYPE);
    expect(bytes[loc.offset + 1]).toBe(16);
    expect(bytes.readUInt32BE(loc.offset + 2)).toBe(SA.spi);
    expect(bytes.length % 8).toBe(0);
    const d = mh.decode(bytes);
    expect(d.ok && d.value.type).toBe('FastBindingUpdate');
  });

  it('authenticator = First(96, HMAC-SHA1(key, NCoA | PAR | MH up to the authenticator, checksum 0))', () => {
    const loc = locateBadf(bytes)!;
    const data = Buffer.from(bytes.subarray(0, loc.offset + 6));
    data.writeUInt16BE(0, 4);
    const want = createHmac('sha1', SA.key).update(ipv6(NCOA)).update(ipv6(PAR)).update(data).digest().subarray(0, 12);
    expect(loc.authenticator).toEqual(want);
    expect(badfAuthenticator(SA.key, NCOA, PAR, bytes, loc.offset)).toEqual(want);
  });

  it('verifies; refuses a missing option, an unknown or zero SPI, another key, a changed field', () => {
    expect(verifyFbu(lookup, fbu, route, bytes)).toEqual({ ok: true, spi: SA.spi });
    expect(verifyFbu(lookup, fbu, route, mh.encode(fbu))).toEqual({ ok: false, reason: 'no-badf' });
    expect(verifyFbu(lookup, fbu, route, sealFbu(fbu, route, { ...SA, spi: 9 }))).toEqual({
      ok: false,
      reason: 'wrong-spi',
    });
    expect(verifyFbu(() => SA, fbu, route, sealFbu(fbu, route, { ...SA, spi: 0 }))).toEqual({
      ok: false,
      reason: 'wrong-spi',
    });
    expect(verifyFbu(lookup, fbu, route, sealFbu(fbu, route, { ...SA, key: Buffer.alloc(20, 8) }))).toEqual({
      ok: false,
      reason: 'bad-authenticator',
    });
    const other: FastBindingUpdate = { ...fbu, lifetime: 11 };
    const tampered = Buffer.from(bytes);
    tampered.writeUInt16BE(11, 10); // Lifetime (RFC 6275 §6.1.7 layout)
    expect(verifyFbu(lookup, other, route, tampered)).toEqual({ ok: false, reason: 'bad-authenticator' });
    // Sent to another PAR, or naming another NCoA: the authenticator covers both.
    expect(verifyFbu(lookup, fbu, { ...route, dst: 'fd00:1:a1::2' }, bytes).ok).toBe(false);
  });

  it('a reactive FBU binds its source (the NCoA)', () => {
    const r = reactiveFbu(5, 10, MAC);
    const rb = sealFbu(r, { src: NCOA, dst: PAR }, SA);
    expect(verifyFbu(lookup, r, { src: NCOA, dst: PAR }, rb)).toEqual({ ok: true, spi: SA.spi });
    const loc = locateBadf(rb)!;
    expect(loc.authenticator).toEqual(badfAuthenticator(SA.key, NCOA, PAR, rb, loc.offset));
  });
});

function ipv6(a: string): Buffer {
  const [h, t] = a.split('::') as [string, string | undefined];
  const head = h ? h.split(':') : [];
  const tail = t ? t.split(':') : [];
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail];
  return Buffer.from(groups.map((g) => g.padStart(4, '0')).join(''), 'hex');
}
