import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as accessAuth from './access-auth.js';
import { decryptMppeKey, mppeRecvKey, responseAuthenticatorValid, vendorAttribute } from './radius-crypto.js';

describe('access authentication messages', () => {
  const msgs: accessAuth.AccessAuthMessage[] = [
    { type: 'Start', nai: 'mn@fmipv6.lab' },
    { type: 'Challenge', identifier: 7, challenge: Buffer.alloc(16, 1) },
    { type: 'Response', identifier: 7, response: Buffer.alloc(16, 2), nai: 'mn@fmipv6.lab' },
    { type: 'Result', status: 0, spi: 0xdeadbeef, lifetimeS: 3600 },
  ];
  it('round trip, with golden bytes for the Result', () => {
    for (const m of msgs) {
      const d = accessAuth.decode(accessAuth.encode(m));
      expect(d.ok && d.value).toEqual(m);
    }
    expect(accessAuth.encode(msgs[3]!).toString('hex')).toBe('0104000d00deadbeef00000e10');
  });
  it('bad bytes give an error, never a throw', () => {
    const good = accessAuth.encode(msgs[2]!);
    for (let n = 0; n < good.length; n++) expect(accessAuth.decode(good.subarray(0, n)).ok).toBe(false);
    const v = Buffer.from(good);
    v[0] = 2;
    expect(accessAuth.decode(v).ok).toBe(false);
    const t = Buffer.from(good);
    t[1] = 9;
    expect(accessAuth.decode(t).ok).toBe(false);
    const zeroNai = accessAuth.encode({ type: 'Start', nai: 'x' });
    zeroNai[4] = 0;
    expect(accessAuth.decode(zeroNai).ok).toBe(false);
  });
});

/** RFC 2548 §2.4.3 encryption, as a server does it. */
function encryptMppe(key: Buffer, secret: string, ra: Buffer, salt: Buffer): Buffer {
  const p0 = Buffer.concat([Buffer.from([key.length]), key]);
  const p = Buffer.concat([p0, Buffer.alloc((16 - (p0.length % 16)) % 16)]);
  const c = Buffer.alloc(p.length);
  let prev = Buffer.concat([ra, salt]);
  for (let i = 0; i < p.length; i += 16) {
    const b = createHash('md5').update(secret).update(prev).digest();
    for (let j = 0; j < 16; j++) c[i + j] = p[i + j]! ^ b[j]!;
    prev = c.subarray(i, i + 16);
  }
  return Buffer.concat([salt, c]);
}

function accept(attrs: Buffer, ra: Buffer, secret: string): Buffer {
  const pkt = Buffer.concat([Buffer.from([2, 42, 0, 0]), Buffer.alloc(16), attrs]);
  pkt.writeUInt16BE(pkt.length, 2);
  const auth = createHash('md5').update(pkt.subarray(0, 4)).update(ra).update(pkt.subarray(20)).update(secret).digest();
  auth.copy(pkt, 4);
  return pkt;
}

describe('Access-Accept checks', () => {
  const ra = Buffer.alloc(16, 0x5a);
  const key = Buffer.alloc(20, 0x33);
  const enc = encryptMppe(key, 's3', ra, Buffer.from([0x80, 0x01]));
  const vsa = Buffer.concat([Buffer.from([26, 8 + enc.length, 0, 0, 1, 0x37, 17, 2 + enc.length]), enc]);
  const pkt = accept(vsa, ra, 's3');
  it('MS-MPPE-Recv-Key decrypts to the key (RFC 2548 §2.4.3)', () => {
    expect(vendorAttribute(pkt, 311, 17)).toEqual(enc);
    expect(decryptMppeKey(enc, 's3', ra)).toEqual(key);
    expect(mppeRecvKey(pkt, 's3', ra)).toEqual(key);
    expect(mppeRecvKey(pkt, 'other', ra)).not.toEqual(key);
    expect(decryptMppeKey(Buffer.from([0, 1, ...enc.subarray(2)]), 's3', ra)).toBeNull(); // salt's high bit clear
  });
  it('a forged Accept (another secret, another request, a changed byte) fails the Response Authenticator', () => {
    expect(responseAuthenticatorValid(pkt, ra, 's3')).toBe(true);
    expect(responseAuthenticatorValid(accept(vsa, ra, 'guess'), ra, 's3')).toBe(false);
    expect(responseAuthenticatorValid(pkt, Buffer.alloc(16), 's3')).toBe(false);
    const changed = Buffer.from(pkt);
    changed[30] = changed[30]! ^ 1;
    expect(responseAuthenticatorValid(changed, ra, 's3')).toBe(false);
    expect(responseAuthenticatorValid(pkt.subarray(0, 10), ra, 's3')).toBe(false);
  });
});
