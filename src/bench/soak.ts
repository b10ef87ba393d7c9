// `make soak`: every shipped lab (topologies/*.yaml) SOAK times (default 20) through the built CLI on
// the netns runtime, then a check that each run left nothing (src/lab/leftovers.ts). Prints per lab
// passes/runs, median and worst interruption and the packets lost, from each run's results.json.
// Exits 1 when a run failed or left something. SOAK_LABS=smoke,mipv6 chooses labs; the output of
// run i of a lab is out/soak/<lab>/<i>/, whose pcaps are kept only when the run failed.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../analysis/results.js';
import { leftovers } from '../lab/leftovers.js';
import { distEntry, PROJECT_ROOT } from '../lab/paths.js';

interface RunOutcome {
  code: number | null;
  /** Why it failed, in a line: the failed expectations, the CLI's error, or what was left. */
  why?: string;
  left: string[];
  interruptionsMs: number[];
  lost: number;
  unresumed: number;
}

const cli = distEntry('cli/main.js');

/** The CLI's run of one lab, with a deadline; its results.json read back. */
async function runOnce(file: string, out: string, timeoutMs: number): Promise<RunOutcome> {
  const name = `sk${randomBytes(3).toString('hex')}`;
  rmSync(out, { recursive: true, force: true });
  const { code, stdout } = await execCli(
    ['run', file, '--runtime', 'netns', '--name', name, '--out', out, '--json'],
    timeoutMs,
  );
  const o: RunOutcome = { code, left: [], interruptionsMs: [], lost: 0, unresumed: 0 };
  const resultsFile = path.join(out, 'results.json');
  if (existsSync(resultsFile)) {
    const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results;
    for (const h of r.handovers) {
      if (h.interruptionMs !== null && h.interruptionMs !== undefined) o.interruptionsMs.push(h.interruptionMs);
      o.lost += h.lost ?? 0;
      if (!h.resumed) o.unresumed++;
    }
    const failed = r.expectations.filter((e) => !e.held);
    if (failed.length)
      o.why = failed
        .map((e) => `${e.expectation}: ${String(e.measured)}${e.detail ? ` (${e.detail})` : ''}`)
        .join('; ');
  }
  if (code !== 0 && !o.why) o.why = errorOf(stdout) ?? `exit ${code}`;
  o.left = leftovers(name);
  if (o.left.length) {
    // Remove them so the next runs start clean; the report still counts this run as failed.
    await execCli(['down', name], 60_000);
  }
  if (code === 0 && o.left.length === 0) rmSync(path.join(out, 'pcap'), { recursive: true, force: true });
  return o;
}

function errorOf(stdout: string): string | undefined {
  try {
    return (JSON.parse(stdout) as { error?: string }).error;
  } catch {
    return stdout.trim().split('\n')[0] || undefined;
  }
}

function execCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    // SIGINT first: the CLI tears its lab down on it; SIGKILL if it does not end.
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

function labs(): { name: string; file: string }[] {
  const dir = path.join(PROJECT_ROOT, 'topologies');
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f.replace(/\.yaml$/, ''), file: path.join(dir, f) }));
  const chosen = (process.env.SOAK_LABS ?? '').split(/[\s,]+/).filter(Boolean);
  if (!chosen.length) return all;
  const unknown = chosen.filter((c) => !all.some((l) => l.name === c.replace(/\.yaml$/, '')));
  if (unknown.length)
    throw new Error(`SOAK_LABS: no lab ${unknown.join(', ')} in topologies/ (${all.map((l) => l.name).join(', ')})`);
  return all.filter((l) => chosen.some((c) => c.replace(/\.yaml$/, '') === l.name));
}

function durationMsOf(file: string): number {
  const m = /^duration:\s*([\d.]+)\s*(ms|s)\b/m.exec(readFileSync(file, 'utf8'));
  if (!m) return 30_000;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)} ms`);

async function main(): Promise<number> {
  const n = Number(process.env.SOAK ?? '20');
  if (!Number.isInteger(n) || n < 1) throw new Error(`SOAK must be a whole number >= 1, got ${process.env.SOAK}`);
  const outRoot = path.join(PROJECT_ROOT, 'out', 'soak');
  let bad = 0;
  const rows: string[] = [];
  for (const lab of labs()) {
    const timeoutMs = durationMsOf(lab.file) + 120_000;
    const outcomes: RunOutcome[] = [];
    for (let i = 1; i <= n; i++) {
      const o = await runOnce(lab.file, path.join(outRoot, lab.name, String(i)), timeoutMs);
      outcomes.push(o);
      const ok = o.code === 0 && o.left.length === 0;
      if (!ok) bad++;
      console.log(
        `${lab.name} ${i}/${n}: ${ok ? 'pass' : 'FAIL'}` +
          (o.interruptionsMs.length
            ? ` interruption ${o.interruptionsMs.map((x) => x.toFixed(1)).join(',')} ms lost ${o.lost}`
            : '') +
          (o.why ? ` — ${o.why}` : '') +
          (o.left.length ? ` — left: ${o.left.join(', ')}` : ''),
      );
    }
    const passes = outcomes.filter((o) => o.code === 0 && o.left.length === 0).length;
    const all = outcomes.flatMap((o) => o.interruptionsMs);
    const lost = outcomes.map((o) => o.lost);
    rows.push(
      [
        lab.name.padEnd(18),
        `${passes}/${n}`.padStart(7),
        ms(median(all)).padStart(11),
        ms(all.length ? Math.max(...all) : null).padStart(11),
        String(lost.reduce((a, b) => a + b, 0)).padStart(6),
        String(Math.max(...lost)).padStart(9),
        String(outcomes.reduce((a, o) => a + o.unresumed, 0)).padStart(9),
        String(outcomes.filter((o) => o.left.length).length).padStart(5),
      ].join(' '),
    );
  }
  console.log(`\nsoak: ${n} run(s) per lab on netns (out/soak/<lab>/<i>/; pcaps kept for failed runs)`);
  console.log(
    `${'lab'.padEnd(18)} ${'passes'.padStart(7)} ${'median int'.padStart(11)} ${'worst int'.padStart(11)} ${'lost'.padStart(6)} ${'worst run'.padStart(9)} ${'unresumed'.padStart(9)} ${'left'.padStart(5)}`,
  );
  for (const r of rows) console.log(r);
  console.log(bad ? `\n${bad} run(s) failed or left something` : '\nevery run passed and left nothing');
  return bad ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`soak: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
