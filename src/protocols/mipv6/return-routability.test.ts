import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyPseudoHeaderChecksum } from '../../wire/checksum.js';
import * as mh from '../../wire/mh/index.js';
import {
  bindingManagementKey,
  careOfKeygenToken,
  homeKeygenToken,
  locateBindingAuthorization,
  MAX_NONCE_LIFETIME_MS,
  NonceTable,
  sealWithBindingAuthorization,
  verifyBindingAuthorization,
} from './return-routability.js';

const KCN = Buffer.from('000102030405060708090a0b0c0d0e0f10111213', 'hex');
const NONCE = Buffer.from('a1a2a3a4a5a6a7a8', 'hex');
const HOA = '2001:db8:1::100';
const COA = '2001:db8:2::200';
const CN = '2001:db8:9::9';
const hex = (s: string) => Buffer.from(s.replace(/[^0-9a-f]/g, ''), 'hex');
// The addresses as 16 bytes, written out by hand (not through the wire layer).
const HOA_BYTES = hex('20010db8 00010000 00000000 00000100');
const COA_BYTES = hex('20010db8 00020000 00000000 00000200');
const CN_BYTES = hex('20010db8 00090000 00000000 00000009');

describe('keygen tokens and Kbm (RFC 6275 §5.2.5)', () => {
  it('home token = First(64, HMAC_SHA1(Kcn, HoA | nonce | 0x00)), care-of token with 0x01', () => {
    const home = createHmac('sha1', KCN)
      .update(Buffer.concat([HOA_BYTES, NONCE, Buffer.from([0])]))
      .digest()
      .subarray(0, 8);
    const careOf = createHmac('sha1', KCN)
      .update(Buffer.concat([COA_BYTES, NONCE, Buffer.from([1])]))
      .digest()
      .subarray(0, 8);
    expect(homeKeygenToken(KCN, HOA, NONCE)).toEqual(home);
    expect(careOfKeygenToken(KCN, COA, NONCE)).toEqual(careOf);
    // The final octet tells them apart: same address, same nonce, different tokens.
    expect(homeKeygenToken(KCN, HOA, NONCE)).not.toEqual(careOfKeygenToken(KCN, HOA, NONCE));
  });

  it('Kbm = SHA1(home | care-of) to register, SHA1(home) to deregister', () => {
    const h = homeKeygenToken(KCN, HOA, NONCE);
    const c = careOfKeygenToken(KCN, COA, NONCE);
    expect(bindingManagementKey(h, c)).toEqual(
      createHash('sha1')
        .update(Buffer.concat([h, c]))
        .digest(),
    );
    expect(bindingManagementKey(h)).toEqual(createHash('sha1').update(h).digest());
    expect(bindingManagementKey(h)).toHaveLength(20);
  });
});

describe('Binding Authorization Data (RFC 6275 §6.2.7)', () => {
  const kbm = bindingManagementKey(homeKeygenToken(KCN, HOA, NONCE), careOfKeygenToken(KCN, COA, NONCE));
  const bu = mh.bindingUpdate({
    sequenceNumber: 7,
    lifetime: 100,
    acknowledge: true,
    options: [{ type: 'NonceIndices', homeNonceIndex: 3, careOfNonceIndex: 4 }],
  });
  const sealed = sealWithBindingAuthorization(bu, kbm, COA, CN, { src: HOA, dst: CN });

  it('is the last option, 12 bytes at 8n+2, and the MH checksum covers it with HoA as source', () => {
    const at = locateBindingAuthorization(sealed.bytes)!;
    expect(at).toEqual({ offset: 20, length: 12 });
    expect(sealed.bytes.length).toBe(32);
    expect(verifyPseudoHeaderChecksum(HOA, CN, 135, sealed.bytes)).toBe(true);
    const d = mh.decode(sealed.bytes);
    expect(d.ok && d.value.type === 'BindingUpdate' && d.value.options.map((o) => o.type)).toEqual([
      'NonceIndices',
      'BindingAuthorizationData',
    ]);
  });

  it('authenticator = First(96, HMAC_SHA1(Kbm, CoA | CN | MH without the authenticator, checksum 0)), computed here independently', () => {
    const b = sealed.bytes;
    const mhData = Buffer.concat([b.subarray(0, 4), Buffer.from([0, 0]), b.subarray(6, 20), b.subarray(32)]);
    const expected = createHmac('sha1', kbm)
      .update(Buffer.concat([COA_BYTES, CN_BYTES, mhData]))
      .digest()
      .subarray(0, 12);
    expect(b.subarray(20, 32)).toEqual(expected);
    expect(verifyBindingAuthorization(kbm, COA, CN, b)).toBe(true);
  });

  it('fails for another key, care-of address, correspondent, or any changed byte outside the checksum', () => {
    expect(verifyBindingAuthorization(bindingManagementKey(Buffer.alloc(8)), COA, CN, sealed.bytes)).toBe(false);
    expect(verifyBindingAuthorization(kbm, HOA, CN, sealed.bytes)).toBe(false);
    expect(verifyBindingAuthorization(kbm, COA, HOA, sealed.bytes)).toBe(false);
    for (let i = 0; i < sealed.bytes.length; i++) {
      const c = Buffer.from(sealed.bytes);
      c[i]! ^= 0x01;
      const ok = verifyBindingAuthorization(kbm, COA, CN, c);
      expect(ok, `byte ${i}`).toBe(i === 4 || i === 5);
    }
  });

  it('refuses a message without the option, or with an option after it', () => {
    expect(verifyBindingAuthorization(kbm, COA, CN, mh.encode(bu))).toBe(false);
    const after = mh.encode({
      ...sealed.message,
      options: [...sealed.message.options, { type: 'BindingRefreshAdvice', refreshInterval: 1 }],
    });
    expect(locateBindingAuthorization(after)).toBeNull();
  });
});

describe('NonceTable (RFC 6275 §5.2.7)', () => {
  let seed = 0;
  const random = (n: number) => Buffer.alloc(n, ++seed);

  it('hands out one nonce per 30 s, indices counting up, each valid for MAX_NONCE_LIFETIME', () => {
    const t = new NonceTable({ randomBytes: random });
    const a = t.current(0);
    expect(t.current(29_999)).toBe(a);
    const b = t.current(30_000);
    expect(b.index).toBe((a.index + 1) & 0xffff);
    expect(b.nonce).not.toEqual(a.nonce);
    expect(t.lookup(a.index, MAX_NONCE_LIFETIME_MS - 1)).toEqual(a.nonce);
    expect(t.lookup(a.index, MAX_NONCE_LIFETIME_MS)).toBeUndefined();
    expect(t.lookup(b.index, MAX_NONCE_LIFETIME_MS)).toEqual(b.nonce);
    expect(t.lookup((b.index + 5) & 0xffff, 31_000)).toBeUndefined();
  });

  it('holds at most lifetime / regeneration + 1 nonces however long it runs', () => {
    const t = new NonceTable({ randomBytes: random });
    for (let now = 0; now < 3_600_000; now += 1_000) t.current(now);
    expect(t.size).toBeLessThanOrEqual(9);
  });
});
