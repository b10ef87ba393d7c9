// Start-up of the built programs as a user (or the lab) starts them, beside a bare `node -e 0`, and
// `up` + `down` of a chain of 10 routers and 10 hosts through the CLI, beside Mininet's `linear,10`.
// Targets: `--version` and `ls` under 0.12 s each; up + down under 0.3 x Mininet's figure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { distEntry } from '../lab/paths.js';
import { chainLabInput } from '../lab/topology/generate.js';
import { mininetUpDownSeconds } from './mininet.js';

const RUNS = 9;
const CLI = distEntry('cli/main.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Seconds from spawn to exit; a failure stops the bench (a figure of a failed command means nothing). */
function timed(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return s;
}

function medianOf(args: string[], runs = RUNS): number {
  return median(Array.from({ length: runs }, () => timed(args)));
}

const target = (value: number, limit: number) => `target < ${limit.toFixed(2)} s: ${value < limit ? 'met' : 'NOT met'}`;

export async function run(): Promise<void> {
  console.log(`start-up, median of ${RUNS} runs (load average ${loadAverage()})`);
  const bare = medianOf(['-e', '0']);
  console.log(`  node -e 0              ${bare.toFixed(3)} s (reference)`);
  for (const [label, args] of [
    ['mipshop-lab --version', [CLI, '--version']],
    ['mipshop-lab ls', [CLI, 'ls']],
  ] as const) {
    const m = medianOf([...args]);
    console.log(`  ${label.padEnd(22)} ${m.toFixed(3)} s  ${target(m, 0.12)}`);
  }
  console.log(
    `  mipshop-agent --help   ${medianOf([distEntry('agent/main.js'), '--help']).toFixed(3)} s (an agent's start-up before its roles)`,
  );

  const dir = mkdtempSync(path.join(tmpdir(), 'mlab-bench-cli-'));
  try {
    const name = `bcli${Math.random().toString(36).slice(2, 7)}`;
    const file = path.join(dir, 'chain10.yaml');
    writeFileSync(file, stringify(chainLabInput(10, name)));
    const runs: number[] = [];
    for (let i = 0; i < 5; i++)
      runs.push(timed([CLI, 'up', file, '--out', path.join(dir, 'out')]) + timed([CLI, 'down', name]));
    const ours = median(runs);
    const mn = await mininetMedian(3);
    let line = `  up + down, chain 10+10 ${ours.toFixed(3)} s (median of 5, CLI)`;
    line +=
      typeof mn === 'string'
        ? `  mininet: ${mn}`
        : `  mininet linear,10: ${mn.toFixed(2)} s (median of 3), ${target(ours, 0.3 * mn)} (0.3 x mininet)`;
    console.log(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mininet's figure is noisy too; a string when it is not installed or failed. */
async function mininetMedian(runs: number): Promise<number | string> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await mininetUpDownSeconds(10);
    if (typeof r === 'string') return r;
    xs.push(r);
  }
  return median(xs);
}

function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
