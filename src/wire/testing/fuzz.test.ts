import { describe, expect, test } from 'vitest';
import { corpus, DECODERS, fuzzDecoder } from './fuzz.js';

// Every decoder gets random bytes and mutated spec vectors: no throw, well-formed results. The unit
// suite runs 100k inputs per decoder with a fixed seed; `make fuzz` runs this file with more:
//   FUZZ_COUNT=10000000 [FUZZ_SEED=N] [FUZZ_DECODER=walkIpv6] npx vitest run src/wire/testing/fuzz.test.ts
// A failure names the decoder, the seed and the input to replay.
const onDemand = process.env.FUZZ_COUNT !== undefined;
const count = onDemand ? Number(process.env.FUZZ_COUNT) : 100_000;
const seed =
  process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : onDemand ? Date.now() >>> 0 : 0xc0ffee;
const only = process.env.FUZZ_DECODER;
const names = only ? [only] : Object.keys(DECODERS);
// An on-demand run takes as long as it needs.
const timeoutMs = onDemand ? 24 * 3600_000 : undefined;

describe(`fuzz: decoders never throw on network bytes (${count} inputs each, seed ${seed})`, () => {
  test('the run is well specified', () => {
    expect(
      Number.isInteger(count) && count > 0,
      `FUZZ_COUNT must be a positive integer, got ${process.env.FUZZ_COUNT}`,
    ).toBe(true);
    expect(Number.isInteger(seed), `FUZZ_SEED must be an integer, got ${process.env.FUZZ_SEED}`).toBe(true);
    expect(DECODERS, `FUZZ_DECODER: known decoders are ${Object.keys(DECODERS).join(', ')}`).toHaveProperty(names[0]!);
  });

  const seeds = corpus();
  for (const name of names.filter((n) => DECODERS[n])) {
    test(
      name,
      () => {
        const t0 = performance.now();
        const r = fuzzDecoder(name, count, seed, seeds);
        if (onDemand) {
          const s = (performance.now() - t0) / 1000;
          console.log(
            `fuzz  ${name.padEnd(22)} ${r.inputs} inputs  ${r.ok} decoded  ${r.failed} rejected  ${s.toFixed(1)} s`,
          );
        }
        expect(r.ok + r.failed).toBe(count);
        expect(r.failed).toBeGreaterThan(0); // the mutations do reach the error paths
      },
      timeoutMs,
    );
  }
});
