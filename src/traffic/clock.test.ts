import { describe, expect, it } from 'vitest';
import { realtimeNs } from './clock.js';

describe('clock', () => {
  it('realtimeNs is the wall clock in ns', () => {
    const ns = realtimeNs();
    expect(Number(ns / 1_000_000n) - Date.now()).toBeLessThan(50);
    expect(Math.abs(Number(ns / 1_000_000n) - Date.now())).toBeLessThan(50);
  });
});
