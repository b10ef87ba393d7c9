import { describe, expect, it } from 'vitest';
import { realtimeNs } from './clock.js';

describe('clock', () => {
  it('realtimeNs is the wall clock in ns: never ahead of Date.now(), behind by less than its millisecond', () => {
    for (let i = 0; i < 1000; i++) {
      const before = BigInt(Date.now()) * 1_000_000n;
      const ns = realtimeNs();
      const after = BigInt(Date.now() + 1) * 1_000_000n;
      expect(ns >= before - 1_000_000n).toBe(true);
      expect(ns <= after).toBe(true);
    }
  });

  it('has sub-millisecond resolution and never goes back', () => {
    let last = realtimeNs();
    let subMs = false;
    for (let i = 0; i < 1000; i++) {
      const ns = realtimeNs();
      expect(ns >= last).toBe(true);
      if (ns % 1_000_000n !== 0n) subMs = true;
      last = ns;
    }
    expect(subMs).toBe(true);
  });
});
