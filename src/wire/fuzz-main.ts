// Fuzz the wire decoders on demand: `node dist/wire/fuzz-main.js --count 10000000 [--seed N] [--decoder name]`.
// Each decoder gets `count` inputs (random bytes and mutated spec vectors); any throw or malformed
// result stops the run with exit code 1 and prints the input to replay.

import { DECODERS, corpus, fuzzDecoder } from './testing/fuzz.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): number {
  const count = Number(arg('count') ?? 10_000_000);
  const seed = Number(arg('seed') ?? Date.now() & 0xffffffff);
  const only = arg('decoder');
  if (!Number.isInteger(count) || count <= 0) {
    console.error(`--count must be a positive integer, got ${arg('count')}`);
    return 2;
  }
  const names = only ? [only] : Object.keys(DECODERS);
  for (const n of names) {
    if (!DECODERS[n]) {
      console.error(`unknown decoder ${n}; known: ${Object.keys(DECODERS).join(', ')}`);
      return 2;
    }
  }
  const seeds = corpus();
  console.log(`fuzz: ${count} inputs per decoder, seed ${seed}`);
  for (const n of names) {
    const t0 = performance.now();
    try {
      const r = fuzzDecoder(n, count, seed, seeds);
      const s = (performance.now() - t0) / 1000;
      console.log(`fuzz  ${n.padEnd(22)} ${r.inputs} inputs  ${r.ok} decoded  ${r.failed} rejected  ${s.toFixed(1)} s`);
    } catch (e) {
      console.error(`fuzz  ${n}: FAILED\n${(e as Error).message}`);
      return 1;
    }
  }
  return 0;
}

process.exitCode = main();
