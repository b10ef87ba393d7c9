import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { impairment } from '../net/fixtures.js';
import { DROP_QUEUE, DirectionShaper, FrameQueue, defaultLimitBytes, xorshift32 } from './relay-queue.js';

const never = () => 0.999999;
const half = () => 0.5;

describe('DirectionShaper', () => {
  test('delay only: a frame leaves delayMs after it arrived', () => {
    const s = new DirectionShaper(impairment({ delayMs: 20 }));
    expect(s.admit(100, 1500, half)).toBe(120);
    expect(s.admit(101, 1500, half)).toBe(121);
  });

  test('rate: 1500 B at 12 Mbit/s take 1 ms to serialise; back-to-back frames queue behind each other', () => {
    const s = new DirectionShaper(impairment({ rateBps: 12e6 }));
    expect(s.admit(0, 1500, half)).toBeCloseTo(1, 9);
    expect(s.admit(0, 1500, half)).toBeCloseTo(2, 9);
    expect(s.admit(0, 1500, half)).toBeCloseTo(3, 9);
    expect(s.backlogBytes(0)).toBeCloseTo(4500, 6);
    expect(s.backlogBytes(1.5)).toBeCloseTo(2250, 6);
    // After the queue drained, a frame starts at once.
    expect(s.admit(10, 1500, half)).toBeCloseTo(11, 9);
  });

  test('rate then delay: serialisation end plus propagation', () => {
    const s = new DirectionShaper(impairment({ rateBps: 12e6, delayMs: 20 }));
    expect(s.admit(0, 1500, half)).toBeCloseTo(21, 9);
    expect(s.admit(0, 1500, half)).toBeCloseTo(22, 9);
  });

  test('drop-tail once more than limitBytes wait, like tbf', () => {
    const s = new DirectionShaper(impairment({ rateBps: 8e6 }), { limitBytes: 3000 });
    expect(s.admit(0, 1500, half)).toBeGreaterThan(0);
    expect(s.admit(0, 1500, half)).toBeGreaterThan(0);
    expect(s.admit(0, 1500, half)).toBe(DROP_QUEUE);
    // 1 ms later 1000 bytes went out (8 Mbit/s = 1000 B/ms): room for a frame again.
    expect(s.admit(1.6, 1500, half)).toBeGreaterThan(0);
  });

  test('the default limit is 100 ms of the rate, at least 32 KiB', () => {
    expect(defaultLimitBytes(10e6)).toBe(125_000);
    expect(defaultLimitBytes(1e6)).toBe(32 * 1024);
  });

  test('jitter is uniform in delay +- jitter, and frames keep their order', () => {
    const s = new DirectionShaper(impairment({ delayMs: 10, jitterMs: 5 }));
    expect(s.admit(0, 100, () => 0)).toBe(5); // -5
    expect(s.admit(1, 100, () => 0.999999)).toBeCloseTo(16, 3); // +5
    // A draw of -5 at t=2 would give 7 < 16: held back behind the previous frame.
    expect(s.admit(2, 100, () => 0)).toBeCloseTo(16, 3);
  });

  test('property: departures never go backwards and never precede arrival + delay - jitter', () => {
    fc.assert(
      fc.property(
        fc.record({
          delay: fc.integer({ min: 0, max: 50 }),
          jitter: fc.integer({ min: 0, max: 20 }),
          rate: fc.constantFrom(0, 1e6, 1e8),
        }),
        fc.array(
          fc.record({ gap: fc.double({ min: 0, max: 5, noNaN: true }), len: fc.integer({ min: 60, max: 1514 }) }),
          { maxLength: 200 },
        ),
        fc.integer(),
        (p, frames, seed) => {
          const rnd = xorshift32(seed);
          const s = new DirectionShaper(impairment({ delayMs: p.delay, jitterMs: p.jitter, rateBps: p.rate }), {
            limitBytes: 1e9,
          });
          let now = 0;
          let last = -Infinity;
          for (const f of frames) {
            now += f.gap;
            const d = s.admit(now, f.len, rnd);
            if (d < last) return false;
            if (d < now + Math.max(0, p.delay - p.jitter) - 1e-9) return false;
            last = d;
          }
          return true;
        },
      ),
    );
  });

  test('loss and duplication are Bernoulli draws against the percentage', () => {
    const s = new DirectionShaper(impairment({ lossPct: 1, duplicatePct: 50 }));
    expect(s.lost(() => 0.0099)).toBe(true);
    expect(s.lost(() => 0.01)).toBe(false);
    expect(s.duplicated(() => 0.49)).toBe(true);
    expect(s.duplicated(never)).toBe(false);
    const rnd = xorshift32(7);
    let lost = 0;
    for (let i = 0; i < 100_000; i++) if (s.lost(rnd)) lost++;
    // Binomial(100000, 0.01): mean 1000, sd 31.5; 4 sd either side.
    expect(lost).toBeGreaterThan(874);
    expect(lost).toBeLessThan(1126);
  });

  test('no loss configured: never draws', () => {
    const s = new DirectionShaper(impairment({ delayMs: 1 }));
    expect(s.lost(() => 0)).toBe(false);
    expect(s.duplicated(() => 0)).toBe(false);
  });
});

describe('FrameQueue', () => {
  test('FIFO with due times; grows past its capacity without losing order', () => {
    const q = new FrameQueue(2);
    expect(q.headDue()).toBe(Infinity);
    expect(q.shift()).toBeUndefined();
    const bufs = Array.from({ length: 10 }, (_, i) => Buffer.from([i]));
    q.push(bufs[0]!, 1);
    q.push(bufs[1]!, 2);
    expect(q.shift()).toBe(bufs[0]);
    for (let i = 2; i < 10; i++) q.push(bufs[i]!, i + 1);
    expect(q.length).toBe(9);
    for (let i = 1; i < 10; i++) {
      expect(q.headDue()).toBe(i + 1);
      expect(q.shift()).toBe(bufs[i]);
    }
    expect(q.length).toBe(0);
  });
});

test('xorshift32 is deterministic per seed and lies in [0, 1)', () => {
  const a = xorshift32(42);
  const b = xorshift32(42);
  for (let i = 0; i < 1000; i++) {
    const x = a();
    expect(x).toBe(b());
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThan(1);
  }
});
