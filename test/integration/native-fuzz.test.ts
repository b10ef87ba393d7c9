// Fuzzes the addon's packet parsing (native/offload.c: software GSO for raw6SendTunnelled, GRO for
// tunWriteMany) under AddressSanitizer and UBSan with the plain C harness native/fuzz/offload-fuzz.c
// (native/README.md, "Fuzzing"). 100,000 inputs here; MIPSHOP_FUZZ_RUNS=10000000 (or
// `make fuzz-native`) for a long run, MIPSHOP_FUZZ_SEED to replay a failure.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { IN_CI, skipReason } from '../support/prereq.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HARNESS = path.join(ROOT, 'build-fuzz/offload-fuzz');
const RUNS = Number(process.env.MIPSHOP_FUZZ_RUNS ?? 100_000);
const SEED = process.env.MIPSHOP_FUZZ_SEED ?? String(Date.now());
const SANITIZER_REPORT = /AddressSanitizer|LeakSanitizer|runtime error:/;
const ENV = { ...process.env, ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'print_stacktrace=1' };

/** gcc finds libasan and libubsan (gcc -print-file-name answers the bare name when it does not). */
function sanitizerRuntimes(): string | null {
  for (const lib of ['libasan.so', 'libubsan.so']) {
    const found = execFileSync('gcc', [`-print-file-name=${lib}`], { encoding: 'utf8' }).trim();
    if (!path.isAbsolute(found)) {
      if (IN_CI) throw new Error(`prerequisite missing under CI=true: ${lib} (gcc's sanitizer runtime)`);
      return lib;
    }
  }
  return null;
}

const skip = skipReason({ tools: ['gcc', 'make'] });

describe.skipIf(skip)('native offload fuzzing (AddressSanitizer, UBSan)', () => {
  let missing: string | null = null;

  beforeAll(() => {
    missing = sanitizerRuntimes();
    if (!missing) execFileSync('make', ['-s', '-C', ROOT, 'build-fuzz/offload-fuzz'], { stdio: 'pipe' });
  });

  it('has a live sanitizer: an out-of-bounds read is reported', (ctx) => {
    if (missing) ctx.skip(`missing ${missing}`);
    const r = spawnSync(HARNESS, ['canary'], { env: ENV, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/AddressSanitizer: heap-buffer-overflow/);
  });

  it(
    `survives ${RUNS} random, truncated and lying super-packets with every property holding`,
    (ctx) => {
      if (missing) ctx.skip(`missing ${missing}`);
      const r = spawnSync(HARNESS, [String(RUNS), SEED], { env: ENV, encoding: 'utf8', maxBuffer: 1 << 24 });
      const output = `${r.stdout}${r.stderr}`;
      expect(output).not.toMatch(SANITIZER_REPORT);
      expect(r.status, output).toBe(0);
      expect(r.stdout).toMatch(/: ok$/m);
    },
    Math.max(300_000, RUNS / 10),
  );
});
