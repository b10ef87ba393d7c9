// Proxy Mobile IPv6 (pmipv6-lab.ts). Prints figures; asserts nothing.
// 1. RFC 5213, RFC 5949 predictive and reactive, and RFC 6058 on the same move
//    (topologies/pmipv6-transient.yaml: mn, a plain host, ap1/mag1 -> ap2/mag2, 100 ms L2 gap, 200
//    packets/s each way, the LMA 20 ms from the MAGs): per variant, median [min-max] over PMIPV6_RUNS
//    runs (default 3) of the downlink (flow 1) and uplink (flow 2) interruption and loss from
//    results.json, the handover's protocol/mode as results.json names it, and the bytes (whole frames,
//    both directions) of Mobility Header packets on the LMA's link and the MAGs' core links within
//    ±1 s of the detach, from our own decoding of the captures.
// 2. The LMA under many nodes: PMIPV6_SCALE_NODES (default 100) plain hosts over 4 MAGs, each moving
//    once to the next AP, PMIPV6_SCALE_SPACING_MS (default 150) apart; the LMA agent's CPU time (utime
//    + stime, /proc/<pid>/stat) from the run's start (every node registered) to the end of its
//    timeline, per PBU accepted meanwhile, beside its idle CPU, and whether every node ended
//    registered at the MAG of its last AP.
// PMIPV6_VARIANTS=pmipv6,transient narrows part 1; PMIPV6_SCALE_NODES=0 skips part 2. The integration
// tests run the MAG and LMA agents under `chrt -r 5` (MIPSHOP_AGENT_RT_PRIORITY=5); the header line says
// whether this run does.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sendControl } from '../agent/control-client.js';
import { decodeFrame, emptyStats } from '../analysis/frames.js';
import { readCapture } from '../analysis/pcap/read.js';
import { Lab, type StartedLab } from '../lab/lab.js';
import { controlSocketPath } from '../lab/names.js';
import { PROJECT_ROOT } from '../lab/paths.js';
import type { RunOptions, RunResult } from '../lab/run.js';
import { resolveLab } from '../lab/topology/resolve.js';
import { labSchema } from '../lab/topology/schema.js';
import { NextHeader } from '../wire/ipv6.js';
import { cpuMs } from './proc.js';
import {
  SCALE_AFTER_MS,
  SCALE_MAGS,
  scaleLab,
  scaleLastAp,
  scaleNodeId,
  type ScaleOptions,
  VARIANTS,
  type Variant,
  variantText,
} from './pmipv6-lab.js';

const RUNS = Number(process.env.PMIPV6_RUNS ?? '3');
const WANTED = (process.env.PMIPV6_VARIANTS?.split(',').filter(Boolean) ?? [...VARIANTS]) as Variant[];
const SCALE_NODES = Number(process.env.PMIPV6_SCALE_NODES ?? '100');
// Node i+1 leaves the MAG node i joins (the next AP), so that MAG's two station reports are
// (spacing - 50 ms) apart. When the kernel holds node i's detach back longer than that, the
// timeline applier (native/timeline/applier.c) gets the later report due first, waits for the
// earlier one on the same socket and never applies it: the run does not end. 150 ms keeps 100 ms of
// margin; stalls of 60-70 ms were seen here with other labs running.
const SCALE_SPACING_MS = Number(process.env.PMIPV6_SCALE_SPACING_MS ?? '150');
/** A run that has not ended this long after its timeline is stopped (the abort tears its timeline down). */
const RUN_SLACK_MS = 60_000;
/** Signalling is counted this long either side of the detach. */
const WINDOW_MS = 1000;
/** The LMA's quiet spell before the moves, to tell its idle CPU from its PBU work. */
const IDLE_MS = 4000;
/** The LMA's link and the MAGs' core links (each node's eth1: its first link, to cr). */
const LMA_POINT = 'lma-eth1';
const MAG_POINTS = ['mag1-eth1', 'mag2-eth1'];

interface Sample {
  down: { interruptionMs: number | null; lost: number | null };
  up: { interruptionMs: number | null; lost: number | null };
  mode: string;
  lmaBytes: number;
  magBytes: number;
}

/** Bytes of the frames that carry a Mobility Header at any depth of tunnelling, in [from, to] ns. */
async function mhBytes(pcap: string, fromNs: bigint, toNs: bigint): Promise<number> {
  let bytes = 0;
  const stats = emptyStats();
  const frames = await readCapture(pcap, { allowTruncated: true });
  frames.forEach((c, i) => {
    if (c.timestampNs < fromNs || c.timestampNs > toNs) return;
    const f = decodeFrame(c, i, stats);
    if (f && [f.ipv6, ...f.tunnels].some((w) => w.upperLayer === NextHeader.MobilityHeader)) bytes += c.originalLength;
  });
  return bytes;
}

/** lab.run(), stopped RUN_SLACK_MS after the timeline's end. */
async function runWithin(lab: StartedLab, options: RunOptions = {}): Promise<RunResult> {
  const limitMs = lab.lab.durationMs + RUN_SLACK_MS;
  try {
    return await lab.run({ ...options, signal: AbortSignal.timeout(limitMs) });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'TimeoutError')
      throw new Error(
        `the run had not ended ${limitMs / 1000} s after its start (its timeline is ${lab.lab.durationMs / 1000} s)`,
      );
    throw err;
  }
}

async function sample(variant: Variant): Promise<Sample> {
  const text = variantText(readFileSync(path.join(PROJECT_ROOT, 'topologies/pmipv6-transient.yaml'), 'utf8'), variant);
  const outDir = mkdtempSync(path.join(tmpdir(), 'mlab-bench-pmipv6-'));
  const file = path.join(outDir, `pmipv6-${variant}.yaml`);
  writeFileSync(file, text);
  try {
    const lab = await Lab.up(file, { name: `bp${randomBytes(3).toString('hex')}`, outDir });
    try {
      return await measureVariant(lab);
    } finally {
      await lab.down();
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function measureVariant(lab: StartedLab): Promise<Sample> {
  const { results } = await runWithin(lab);
  const h = results.handovers[0];
  if (!h) throw new Error('no handover in results.json');
  const flow = (id: number) => {
    const f = h.flows.find((x) => x.flow === id);
    return { interruptionMs: f?.interruptionMs ?? null, lost: f?.lost ?? null };
  };
  const detach = BigInt(h.detachNs);
  const [from, to] = [detach - BigInt(WINDOW_MS) * 1_000_000n, detach + BigInt(WINDOW_MS) * 1_000_000n];
  const pcap = (point: string) => path.join(lab.outDir, 'pcap', `${point}.pcap`);
  let magBytes = 0;
  for (const p of MAG_POINTS) magBytes += await mhBytes(pcap(p), from, to);
  return {
    down: flow(1),
    up: flow(2),
    mode: `${h.protocol ?? '?'}/${h.mode ?? '?'}`,
    lmaBytes: await mhBytes(pcap(LMA_POINT), from, to),
    magBytes,
  };
}

function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** "median [min-max]" of the numbers among `xs`; "-" without any. */
function spread(xs: readonly (number | null)[], digits: number): string {
  const v = xs.filter((x): x is number => x !== null);
  const m = median(v);
  if (m === null) return '-';
  return `${m.toFixed(digits)} [${Math.min(...v).toFixed(digits)}-${Math.max(...v).toFixed(digits)}]`;
}

async function variants(): Promise<void> {
  const rt = process.env.MIPSHOP_AGENT_RT_PRIORITY;
  console.log(
    `Proxy Mobile IPv6 variants on one move (pmipv6-transient.yaml: mn ap1/mag1 -> ap2/mag2, 100 ms L2 gap, 200 pps each way, LMA 20 ms from the MAGs); median [min-max] of ${RUNS} run(s); agents ${rt ? `under chrt -r ${rt}` : 'at normal priority'}`,
  );
  console.log(
    `  signalling: bytes of frames carrying a Mobility Header on ${LMA_POINT} (LMA) and ${MAG_POINTS.join(' + ')} (MAGs), both directions, detach ±${WINDOW_MS / 1000} s`,
  );
  const cols: [string, number][] = [
    ['variant', 18],
    ['runs', 4],
    ['down int ms', 22],
    ['down lost', 12],
    ['up int ms', 22],
    ['up lost', 12],
    ['protocol/mode', 22],
    ['LMA B', 16],
    ['MAGs B', 16],
  ];
  const row = (cells: string[]) =>
    `  ${cells.map((c, i) => (i ? c.padStart(cols[i]![1]) : c.padEnd(cols[0]![1]))).join(' ')}`;
  console.log(row(cols.map(([c]) => c)));
  for (const v of WANTED) {
    if (!VARIANTS.includes(v)) {
      console.log(`  ${v}: no such variant (${VARIANTS.join(', ')})`);
      continue;
    }
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      try {
        samples.push(await sample(v));
      } catch (err) {
        console.log(`  ${v}: run ${i + 1} could not run: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const of = (pick: (s: Sample) => number | null, digits: number) => spread(samples.map(pick), digits);
    const modes = [...new Set(samples.map((s) => s.mode))].join(',') || '-';
    console.log(
      row([
        v,
        String(samples.length),
        of((s) => s.down.interruptionMs, 1),
        of((s) => s.down.lost, 0),
        of((s) => s.up.interruptionMs, 1),
        of((s) => s.up.lost, 0),
        modes,
        of((s) => s.lmaBytes, 0),
        of((s) => s.magBytes, 0),
      ]),
    );
  }
}

interface LmaStatus {
  pid: number;
  counters: Record<string, Record<string, number>>;
  state: {
    lma: {
      machine: Record<string, number>;
      bindingCache: { mnId: string; proxyCoa: string; deregistered: boolean }[];
    };
  };
}

async function lmaStatus(lab: string): Promise<LmaStatus> {
  const r = await sendControl(controlSocketPath(lab, 'lma'), { op: 'status' });
  if (!r.ok || !r.status) throw new Error(`the LMA's agent gave no status: ${'error' in r ? r.error : ''}`);
  return r.status as unknown as LmaStatus;
}

/** Waits until the LMA holds a live binding for every node: the registrations of the lab's start. */
async function allRegistered(lab: string, nodes: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const live = (await lmaStatus(lab)).state.lma.bindingCache.filter((e) => !e.deregistered).length;
    if (live === nodes) return;
    if (performance.now() > deadline)
      throw new Error(`only ${live} of ${nodes} nodes registered ${timeoutMs / 1000} s after the lab came up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** LMA CPU ms now, and when (performance.now()). */
function cpuAt(pid: number, ticksPerS: number): { ms: number | null; at: number } {
  return { ms: cpuMs(pid, ticksPerS), at: performance.now() };
}

interface ScaleRow {
  upS: number;
  registeredS: number;
  accepted: number;
  deregistered: number;
  /** De-registrations from a MAG the node had already left (RFC 5213 §5.3.5: acknowledged, binding kept). */
  lateDeregistered: number;
  refused: number;
  /** Refused PBUs over the whole lab (registrations at the start too), by the LMA's reason. */
  refusedWhy: Record<string, number>;
  /** Nodes without a live binding at the MAG of their last AP at the end. */
  misplaced: number;
  l2Failed: number;
  cpuMs: number | null;
  /** The LMA's CPU over a quiet spell (all registered, nothing moving), per second. */
  idleMsPerS: number | null;
  windowS: number;
  /** The run's output, kept when a node or PBU went wrong. */
  keptIn?: string;
}

/** Whose binding is not live at the MAG of the node's last AP, from the agents' final status files. */
function misplaced(logs: string, o: ScaleOptions): number {
  const read = <T>(f: string): T | null =>
    existsSync(path.join(logs, f)) ? (JSON.parse(readFileSync(path.join(logs, f), 'utf8')) as T) : null;
  const lma = read<LmaStatus>('lma-agent-status.json');
  const mags = Array.from(
    { length: SCALE_MAGS },
    (_, k) => read<{ state: { mag: { address: string } } }>(`mag${k + 1}-agent-status.json`)?.state.mag.address,
  );
  const byId = new Map(lma?.state.lma.bindingCache.map((e) => [e.mnId, e]));
  let wrong = 0;
  for (let i = 0; i < o.nodes; i++) {
    const e = byId.get(scaleNodeId(i));
    if (!e || e.deregistered || e.proxyCoa !== mags[scaleLastAp(i) - 1]) wrong++;
  }
  return wrong;
}

/** The LMA log's pbu-refused events, by reason. */
function refusalReasons(logs: string): Record<string, number> {
  const file = path.join(logs, 'lma-agent.log');
  const out: Record<string, number> = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"lma.pbu-refused"')) continue;
    const e = JSON.parse(line) as { event?: string; reason?: string };
    if (e.event === 'lma.pbu-refused') out[e.reason ?? '?'] = (out[e.reason ?? '?'] ?? 0) + 1;
  }
  return out;
}

async function measureScale(o: ScaleOptions, ticksPerS: number): Promise<ScaleRow> {
  const name = `bs${randomBytes(3).toString('hex')}`;
  const resolved = resolveLab(labSchema.parse(scaleLab(o, name)), '<pmipv6 scale bench>');
  const outDir = mkdtempSync(path.join(tmpdir(), 'mlab-bench-pmipv6-scale-'));
  try {
    const t = performance.now();
    const lab = await Lab.up(resolved, { name, outDir });
    const upS = (performance.now() - t) / 1000;
    let row: Omit<ScaleRow, 'misplaced' | 'refusedWhy'>;
    try {
      await allRegistered(name, o.nodes, 60_000);
      const registeredS = (performance.now() - t) / 1000 - upS;
      const before = await lmaStatus(name);
      const idle0 = cpuAt(before.pid, ticksPerS);
      await new Promise((r) => setTimeout(r, IDLE_MS));
      const start = cpuAt(before.pid, ticksPerS);
      let end: ReturnType<typeof cpuAt> | null = null;
      // The timeline is over when the run starts its analysis; the LMA idles from there.
      const { results } = await runWithin(lab, {
        onEvent: (line) => {
          if (line === 'analysing captures') end = cpuAt(before.pid, ticksPerS);
        },
      });
      const after = await lmaStatus(name);
      const stop: ReturnType<typeof cpuAt> = end ?? cpuAt(before.pid, ticksPerS);
      const diff = (a: number | null, b: number | null) => (a !== null && b !== null ? b - a : null);
      const idle = diff(idle0.ms, start.ms);
      const count = (s: LmaStatus, key: string) => s.state.lma.machine[key] ?? 0;
      const refused = (s: LmaStatus) => s.counters.lma?.['event.pbu-refused'] ?? 0;
      row = {
        upS,
        registeredS,
        accepted: count(after, 'pbu-accepted') - count(before, 'pbu-accepted'),
        deregistered: count(after, 'pbu-deregistered') - count(before, 'pbu-deregistered'),
        lateDeregistered: count(after, 'pbu-dereg-ignored') - count(before, 'pbu-dereg-ignored'),
        refused: refused(after) - refused(before),
        l2Failed: results.scenario.filter((s) => s.error).length,
        cpuMs: diff(start.ms, stop.ms),
        idleMsPerS: idle === null ? null : idle / ((start.at - idle0.at) / 1000),
        windowS: (stop.at - start.at) / 1000,
      };
    } finally {
      await lab.down();
    }
    // Read once the agents have stopped: their status files are the final word on the bindings.
    const logs = path.join(outDir, 'logs');
    const r: ScaleRow = { ...row, misplaced: misplaced(logs, o), refusedWhy: refusalReasons(logs) };
    if (r.misplaced || r.l2Failed || Object.keys(r.refusedWhy).length) r.keptIn = outDir;
    else rmSync(outDir, { recursive: true, force: true });
    return r;
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)} (logs kept in ${outDir})`);
  }
}

async function scale(ticksPerS: number): Promise<void> {
  const o: ScaleOptions = { nodes: SCALE_NODES, spacingMs: SCALE_SPACING_MS, firstMoveMs: 1000 };
  console.log(
    `LMA scale: ${o.nodes} plain hosts over ${SCALE_MAGS} MAGs (one AP each, isolated stations), each moving once to the next AP (50 ms L2 gap), ${o.spacingMs} ms apart; LMA CPU from the run's start (all registered) to its timeline's end (last attach + ${SCALE_AFTER_MS / 1000} s); idle: the LMA over ${IDLE_MS / 1000} s just before, nothing moving`,
  );
  const t = performance.now();
  let r: ScaleRow;
  try {
    r = await measureScale(o, ticksPerS);
  } catch (err) {
    console.log(
      `  ${o.nodes} nodes: could not run (after ${((performance.now() - t) / 1000).toFixed(1)} s): ${err instanceof Error ? err.message : String(err)}`,
    );
    return;
  }
  const perPbu = (ms: number | null) => (ms === null || !r.accepted ? '-' : (ms / r.accepted).toFixed(2));
  const net = r.cpuMs === null || r.idleMsPerS === null ? null : r.cpuMs - r.idleMsPerS * r.windowS;
  const cols: [string, string][] = [
    ['nodes', String(o.nodes)],
    ['MAGs', String(SCALE_MAGS)],
    ['PBU accepted', String(r.accepted)],
    ['de-reg', String(r.deregistered)],
    ['late de-reg', String(r.lateDeregistered)],
    ['refused', String(r.refused)],
    ['not at last MAG', String(r.misplaced)],
    ['L2 failed', String(r.l2Failed)],
    ['LMA CPU ms', r.cpuMs === null ? '-' : r.cpuMs.toFixed(0)],
    ['window s', r.windowS.toFixed(2)],
    ['CPU ms/PBU', perPbu(r.cpuMs)],
    ['idle ms/s', r.idleMsPerS === null ? '-' : r.idleMsPerS.toFixed(1)],
    ['net ms/PBU', perPbu(net)],
    ['up s', r.upS.toFixed(1)],
    ['registered s', r.registeredS.toFixed(1)],
  ];
  const w = cols.map(([h, v]) => Math.max(h.length, v.length));
  console.log(`  ${cols.map(([h], i) => h.padStart(w[i]!)).join(' ')}`);
  console.log(`  ${cols.map(([, v], i) => v.padStart(w[i]!)).join(' ')}`);
  console.log(
    `  ${o.nodes - r.misplaced} of ${o.nodes} nodes ended with a live binding at the MAG of their last AP; registered s: from the lab up to every node's first binding; CPU clock ${1000 / ticksPerS} ms per tick`,
  );
  if (r.keptIn) console.log(`  logs kept in ${r.keptIn}`);
  const why = Object.entries(r.refusedWhy);
  if (why.length)
    console.log(
      `  refused PBUs over the whole lab, by the LMA's reason: ${why.map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );
}

export async function run(): Promise<void> {
  const ticksPerS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  await variants();
  if (SCALE_NODES > 0) await scale(ticksPerS);
}
