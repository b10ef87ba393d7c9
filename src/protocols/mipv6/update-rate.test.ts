import { describe, expect, it } from 'vitest';
import { UpdateRate } from './update-rate.js';

describe('UpdateRate (RFC 6275 §11.8 MAX_UPDATE_RATE)', () => {
  it('allows `rate` sends, then the next one a window after the oldest', () => {
    const r = new UpdateRate(3);
    for (const t of [0, 10, 20]) {
      expect(r.allows(t)).toBe(true);
      r.record(t);
    }
    expect(r.allows(999)).toBe(false);
    expect(r.nextAllowed()).toBe(1000);
    expect(r.allows(1000)).toBe(true);
    r.record(1000);
    expect(r.nextAllowed()).toBe(1010);
  });

  it('any 1 s window holds at most `rate` sends when every send asks first', () => {
    const r = new UpdateRate(3);
    const sent: number[] = [];
    for (let t = 0; t < 10_000; t += 7) {
      if (r.allows(t)) {
        r.record(t);
        sent.push(t);
      }
    }
    for (const t of sent) expect(sent.filter((s) => s >= t && s < t + 1000).length).toBeLessThanOrEqual(3);
    expect(sent.length).toBeGreaterThanOrEqual(29); // ~3/s over 10 s: the limit is reached, not undershot
  });

  it('refuses a rate below 1', () => {
    expect(() => new UpdateRate(0)).toThrow(RangeError);
  });
});
