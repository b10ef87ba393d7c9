// Predictive FMIPv6 handovers (topologies/fmipv6-predictive.yaml, changed by handover-lab.ts): the
// interruption and loss at the receiving application against the link-going-down lead, and against
// the number of mobile nodes moving, with the agents' CPU time per handover (utime + stime of every
// agent process over the run, /proc/<pid>/stat). Prints a table; asserts nothing.
// HANDOVER_LEADS=12,50 HANDOVER_NODES=1,10 HANDOVER_SPACING_MS=0 HANDOVER_NODES_LEAD_MS=12 narrow or change the
// sweep.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sendControl } from '../agent/control-client.js';
import type { Results } from '../analysis/results.js';
import { needsAgent } from '../lab/agents.js';
import { Lab, type StartedLab } from '../lab/lab.js';
import { controlSocketPath } from '../lab/names.js';
import { PROJECT_ROOT } from '../lab/paths.js';
import { resolveLab } from '../lab/topology/resolve.js';
import { labSchema } from '../lab/topology/schema.js';
import { handoverLab, type MoveOptions, parseLab } from './handover-lab.js';
import { cpuMs } from './proc.js';

const LEADS = list(process.env.HANDOVER_LEADS, [12, 50, 100, 200, 500]);
const NODES = list(process.env.HANDOVER_NODES, [1, 10, 20, 50]);
const SPACING_MS = Number(process.env.HANDOVER_SPACING_MS ?? '100');
/** The lead of the sweep over the number of nodes: the base lab's (100 ms). */
const BASE_LEAD_MS = Number(process.env.HANDOVER_NODES_LEAD_MS ?? '100');

function list(text: string | undefined, dflt: number[]): number[] {
  return text ? text.split(',').map(Number) : dflt;
}

interface Row {
  label: string;
  handovers: number;
  resumed: number;
  l2GapMs: number[];
  interruptionMs: number[];
  lost: number;
  buffered: number;
  cpuMsPerHandover: number | null;
  flowsLost: number;
  flowsSent: number;
  bugs: number;
}

async function agentPids(lab: StartedLab): Promise<number[]> {
  const pids: number[] = [];
  for (const n of lab.lab.nodes.filter(needsAgent)) {
    const r = await sendControl(controlSocketPath(lab.name, n.name), { op: 'status' });
    if (r.ok && r.status) pids.push(r.status.pid);
  }
  return pids;
}

async function measure(label: string, o: MoveOptions, ticksPerS: number): Promise<Row> {
  const text = readFileSync(path.join(PROJECT_ROOT, 'topologies/fmipv6-predictive.yaml'), 'utf8');
  const name = `bh${randomBytes(3).toString('hex')}`;
  const resolved = resolveLab(labSchema.parse(handoverLab(parseLab(text), o, name)), '<handover bench>');
  const outDir = mkdtempSync(path.join(tmpdir(), 'mlab-bench-handover-'));
  const lab = await Lab.up(resolved, { name, outDir });
  let results: Results;
  let cpu: number | null = null;
  try {
    const pids = await agentPids(lab);
    const before = pids.map((p) => cpuMs(p, ticksPerS));
    results = (await lab.run()).results;
    const after = pids.map((p) => cpuMs(p, ticksPerS));
    if (before.every((b) => b !== null) && after.every((a) => a !== null))
      cpu = after.reduce((s, a, i) => s + a! - before[i]!, 0);
  } finally {
    await lab.down();
  }
  rmSync(path.join(outDir, 'pcap'), { recursive: true, force: true });
  const hs = results.handovers;
  return {
    label,
    handovers: hs.length,
    resumed: hs.filter((h) => h.resumed).length,
    l2GapMs: hs.map((h) => h.l2GapMs).filter((x): x is number => typeof x === 'number'),
    interruptionMs: hs.map((h) => h.interruptionMs).filter((x): x is number => typeof x === 'number'),
    lost: hs.reduce((s, h) => s + (h.lost ?? 0), 0),
    buffered: hs.reduce((s, h) => s + (h.buffered ?? 0), 0),
    cpuMsPerHandover: cpu !== null && hs.length ? cpu / hs.length : null,
    flowsLost: results.flows.reduce((s, f) => s + f.lost, 0),
    flowsSent: results.flows.reduce((s, f) => s + f.sent, 0),
    bugs: Object.values(results.agents ?? {}).reduce((s, a) => s + a.bugs, 0),
  };
}

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f1 = (v: number | null, w: number): string => (v === null ? '-' : v.toFixed(1)).padStart(w);

function print(rows: Row[]): void {
  console.log(
    `  ${'case'.padEnd(22)} ${'HOs'.padStart(4)} ${'resumed'.padStart(7)} ${'L2 gap'.padStart(7)} ${'int med'.padStart(8)} ${'int max'.padStart(8)} ${'lost'.padStart(5)} ${'flows lost/sent'.padStart(16)} ${'buffered'.padStart(8)} ${'CPU ms/HO'.padStart(9)} ${'bugs'.padStart(4)}`,
  );
  for (const r of rows)
    console.log(
      `  ${r.label.padEnd(22)} ${String(r.handovers).padStart(4)} ${String(r.resumed).padStart(7)} ${f1(median(r.l2GapMs), 7)} ${f1(median(r.interruptionMs), 8)} ${f1(r.interruptionMs.length ? Math.max(...r.interruptionMs) : null, 8)} ${String(r.lost).padStart(5)} ${`${r.flowsLost}/${r.flowsSent}`.padStart(16)} ${String(r.buffered).padStart(8)} ${f1(r.cpuMsPerHandover, 9)} ${String(r.bugs).padStart(4)}`,
    );
}

async function section(title: string, cases: [string, MoveOptions][], ticksPerS: number): Promise<void> {
  console.log(title);
  const rows: Row[] = [];
  for (const [label, o] of cases) {
    try {
      rows.push(await measure(label, o, ticksPerS));
    } catch (err) {
      console.log(`  ${label}: could not run: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  print(rows);
}

export async function run(): Promise<void> {
  const ticksPerS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  console.log(
    'predictive FMIPv6 (fmipv6-predictive.yaml): 100 ms L2 gap, 200 pps per mobile node; interruption (ms) and lost at the receiving capture point; CPU: all agents over the run / handovers',
  );
  await section(
    'against the link-going-down lead (1 mobile node)',
    LEADS.map((lead) => [`lead ${lead} ms`, { leadMs: lead, mobileNodes: 1, spacingMs: 0 }]),
    ticksPerS,
  );
  await section(
    `against the number of mobile nodes (lead ${BASE_LEAD_MS} ms, ${SPACING_MS ? `${SPACING_MS} ms apart` : 'all at once'})`,
    NODES.map((n) => [`${n} node(s)`, { leadMs: BASE_LEAD_MS, mobileNodes: n, spacingMs: SPACING_MS }]),
    ticksPerS,
  );
}
