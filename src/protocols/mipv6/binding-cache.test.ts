import { describe, expect, it } from 'vitest';
import { BindingCache, type BindingCacheEntry } from './binding-cache.js';
import { isNewerSequence, nextSequence } from './sequence.js';

const entry = (hoa: string, expiresAt: number): BindingCacheEntry => ({
  homeAddress: hoa,
  careOfAddress: '2001:db8:a1::10',
  lifetimeS: 60,
  expiresAt,
  sequenceNumber: 1,
  homeRegistration: true,
  nai: 'mn@lab',
  registeredAt: 0,
});

describe('sequence numbers modulo 2^16 (RFC 6275 §9.5.1)', () => {
  it.each([
    [11, 10, true],
    [10, 10, false],
    [9, 10, false],
    [0, 65535, true], // wrap-around
    [5, 65530, true],
    [65535, 0, false],
    [10 + 32767, 10, true], // the edge of the 2^15 window
    [10 + 32768, 10, false],
  ])('isNewerSequence(%i, %i) = %s', (received, last, newer) => {
    expect(isNewerSequence(received, last)).toBe(newer);
  });

  it('nextSequence wraps 65535 → 0', () => {
    expect(nextSequence(65535)).toBe(0);
    expect(nextSequence(1)).toBe(2);
  });
});

describe('BindingCache (RFC 6275 §9.1)', () => {
  it('keeps one entry per home address, replacing on upsert', () => {
    const c = new BindingCache();
    expect(c.upsert(entry('2001:db8:1::100', 1000))).toBeUndefined();
    const prev = c.upsert({ ...entry('2001:db8:1::100', 2000), careOfAddress: '2001:db8:a2::10' });
    expect(prev?.careOfAddress).toBe('2001:db8:a1::10');
    expect(c.size).toBe(1);
    expect(c.get('2001:db8:1::100')?.careOfAddress).toBe('2001:db8:a2::10');
  });

  it('expires entries whose lifetime ran out, and reports the earliest expiry', () => {
    const c = new BindingCache();
    c.upsert(entry('2001:db8:1::100', 1000));
    c.upsert(entry('2001:db8:1::200', 3000));
    expect(c.nextExpiry()).toBe(1000);
    expect(c.expire(999)).toEqual([]);
    expect(c.expire(1000).map((e) => e.homeAddress)).toEqual(['2001:db8:1::100']);
    expect(c.nextExpiry()).toBe(3000);
    c.delete('2001:db8:1::200');
    expect(c.nextExpiry()).toBeNull();
  });

  it('hands out copies, so callers cannot change the cache by accident', () => {
    const c = new BindingCache();
    c.upsert(entry('2001:db8:1::100', 1000));
    c.entries()[0]!.careOfAddress = 'x';
    expect(c.get('2001:db8:1::100')?.careOfAddress).toBe('2001:db8:a1::10');
  });
});
