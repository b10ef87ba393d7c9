// The one seeded generator tests use (mulberry32), so a failing run is replayed from its seed.

export interface SeededRandom {
  /** Uniform in [0, 1). */
  (): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One byte, 0-255. */
  byte(): number;
  bytes(length: number): Buffer;
}

export function seededRandom(seed: number): SeededRandom {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const byte = (): number => int(256);
  return Object.assign(next, { int, byte, bytes: (length: number) => Buffer.from(Array.from({ length }, byte)) });
}
