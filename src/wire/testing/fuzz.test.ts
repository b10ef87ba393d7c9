import { describe, expect, test } from 'vitest';
import { corpus, DECODERS, fuzzDecoder } from './fuzz.js';

// 100k inputs per decoder (random bytes and mutated spec vectors): no throw, well-formed results.
describe('fuzz: decoders never throw on network bytes', () => {
  const seeds = corpus();
  for (const name of Object.keys(DECODERS)) {
    test(name, () => {
      const r = fuzzDecoder(name, 100_000, 0xc0ffee, seeds);
      expect(r.ok + r.failed).toBe(100_000);
      expect(r.failed).toBeGreaterThan(0); // the mutations do reach the error paths
    });
  }
});
