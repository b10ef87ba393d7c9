// The run contract (architecture.md): captures first, then sinks, senders and the scenario timeline,
// then captures flushed, pcaps analysed, expectations judged, results.json written.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeRun } from './analyze.js';
import { DISAGREEMENT_LIMIT_MS, type Results } from '../analysis/results.js';
import { startCaptures, stopCaptures } from './capture/tcpdump.js';
import { wallClockNs } from './exec.js';
import { distEntry } from './paths.js';
import type { RealtimeTimeline } from './scenario/realtime.js';
import type { PlannedAction } from './scenario/schedule.js';
import {
  runScenario,
  sleepUntil,
  monotonicClock,
  type ScenarioExecutor,
  type ScenarioRecord,
} from './scenario/timeline.js';
import type { ExecOptions, ExecResult, Runtime, SpawnOptions, Subprocess } from './runtime/runtime.js';
import type { ResolvedLab, ScenarioEvent } from './topology/types.js';
import { udpSendArgs, udpSinkArgs } from '../traffic/argv.js';
import { iperf3ClientArgsFor, iperf3ServerArgs } from '../traffic/iperf3.js';

/** What a run needs of a lab that is up; StartedLab (lab.ts) is one. */
export interface RunnableLab {
  readonly name: string;
  readonly lab: ResolvedLab;
  readonly runtimeKind: Runtime['kind'];
  readonly outDir: string;
  readonly l2: ScenarioExecutor;
  node(name: string): {
    exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
    spawn(argv: string[], options?: SpawnOptions): Subprocess;
  };
  /** Rejects when an agent exits during the run. */
  agentFailure(): Promise<never>;
  /**
   * The real-time applier and its witness (scenario/realtime.ts); without it the scenario runs
   * through `l2` on the orchestrator's own timers.
   */
  timeline?: {
    start(): Promise<RealtimeTimeline>;
    plan(events: ScenarioEvent[], t0MonoNs: bigint): PlannedAction[];
  };
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Progress lines (human). */
  onEvent?: (line: string) => void;
}

export interface RunResult {
  passed: boolean;
  resultsFile: string;
  results: Results;
}

interface Started {
  name: string;
  proc: Subprocess;
  stdoutFile: string;
}

/** Waits until every flow's destination holds its address (a mobile node's SLAAC address included). */
async function settle(lab: RunnableLab, signal?: AbortSignal, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (const f of lab.lab.traffic) {
    for (;;) {
      signal?.throwIfAborted();
      const r = await lab.node(f.to).exec(['ip', '-6', '-o', 'addr', 'show'], { reject: false });
      const present = r.stdout.split('\n').some((l) => l.includes(` ${f.toAddress}/`) && !l.includes('tentative'));
      if (present) break;
      if (performance.now() > deadline) {
        throw new Error(`node ${f.to} never got ${f.toAddress} (flow ${f.id}) within ${timeoutMs} ms`);
      }
      await new Promise((res) => setTimeout(res, 50));
    }
  }
}

export async function runLab(lab: RunnableLab, options: RunOptions = {}): Promise<RunResult> {
  const { signal } = options;
  const say = options.onEvent ?? (() => {});
  const outDir = lab.outDir;
  const logDir = path.join(outDir, 'logs');
  const pcapDir = path.join(outDir, 'pcap');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(pcapDir, { recursive: true });
  const procs: Started[] = [];
  const captures = await startCaptures(lab.name, lab.lab.capture, outDir);
  say(`capturing on ${captures.length} interfaces`);
  let records: ScenarioRecord[] = [];
  let t0Ns = 0n;
  let timeline: RealtimeTimeline | null = null;
  try {
    if (lab.timeline) {
      timeline = await lab.timeline.start();
      const warn = timeline.warnings();
      if (warn) say(warn);
    }
    await settle(lab, signal);
    // Sinks and servers first, so the first packet has somewhere to go.
    for (const f of lab.lab.traffic) {
      const stdoutFile = path.join(logDir, `flow${f.id}-${f.kind === 'udp' ? 'sink' : 'iperf3-server'}.json`);
      const argv =
        f.kind === 'udp'
          ? [
              process.execPath,
              distEntry('traffic/main.js'),
              ...udpSinkArgs(f.port, path.join(logDir, `flow${f.id}-sink.jsonl`)),
            ]
          : ['iperf3', ...iperf3ServerArgs({ port: f.port, oneOff: true })];
      procs.push({
        name: `flow ${f.id} receiver`,
        proc: lab.node(f.to).spawn(argv, { stdoutFile, stderrFile: `${stdoutFile}.err` }),
        stdoutFile,
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    // A round-robin real-time priority keeps a loaded machine from starving the sender for tens of
    // milliseconds, which would show up as false interruptions (netns nodes share the host's scheduler).
    const realtime = lab.runtimeKind === 'netns' ? ['chrt', '-r', '10'] : [];
    const clock = monotonicClock;
    // process.hrtime is CLOCK_MONOTONIC (libuv's uv_hrtime), the applier's clock for deadlines.
    const t0MonoNs = process.hrtime.bigint();
    const t0 = clock.now();
    t0Ns = timeline ? timeline.wallOf(t0MonoNs) : wallClockNs();
    const senders = (async () => {
      const byStart = [...lab.lab.traffic].sort((a, b) => a.startMs - b.startMs);
      for (const f of byStart) {
        await sleepUntil(clock, t0 + f.startMs, signal);
        const stdoutFile = path.join(logDir, `flow${f.id}-${f.kind === 'udp' ? 'sender' : 'iperf3-client'}.json`);
        const argv =
          f.kind === 'udp'
            ? [
                ...realtime,
                process.execPath,
                distEntry('traffic/main.js'),
                ...udpSendArgs({
                  flowId: f.id,
                  to: f.toAddress,
                  port: f.port,
                  ratePps: f.ratePps,
                  sizeBytes: f.sizeBytes,
                  durationMs: f.durationMs,
                }),
              ]
            : ['iperf3', ...iperf3ClientArgsFor(f)];
        procs.push({
          name: `flow ${f.id} sender`,
          proc: lab.node(f.from).spawn(argv, { stdoutFile, stderrFile: `${stdoutFile}.err` }),
          stdoutFile,
        });
        say(`flow ${f.id} started: ${f.from} -> ${f.to} (${f.toAddress})`);
      }
    })();
    const played =
      timeline && lab.timeline
        ? timeline.run(lab.timeline.plan(lab.lab.scenario, t0MonoNs), t0MonoNs, signal)
        : runScenario(lab.lab.scenario, lab.l2, t0, clock, signal);
    const scenario = played.then((r) => {
      records = r;
      for (const rec of r)
        say(
          `${(rec.startedMs / 1000).toFixed(3)} s ${describe(rec)}${rec.error ? ` FAILED: ${rec.error}` : ''}${disagreement(rec)}`,
        );
    });
    const crashed = lab.agentFailure();
    crashed.catch(() => undefined);
    await Promise.race([
      (async () => {
        await Promise.all([senders, scenario]);
        await sleepUntil(clock, t0 + lab.lab.durationMs, signal);
      })(),
      crashed,
    ]);
  } finally {
    timeline?.close();
    // Senders first (their last packets must reach the sinks), then receivers, then captures.
    for (const p of [...procs].reverse()) p.proc.kill('SIGTERM');
    await Promise.all(procs.map((p) => withTimeout(p.proc.exited, 3000).catch(() => p.proc.kill('SIGKILL'))));
    await stopCaptures(captures);
  }
  say('analysing captures');
  const results = await analyzeRun({
    lab: lab.lab,
    runtime: lab.runtimeKind,
    t0Ns,
    outDir,
    scenario: records,
    summaries: readSummaries(procs),
  });
  const resultsFile = path.join(outDir, 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  return { passed: results.expectations.every((e) => e.held), resultsFile, results };
}

function describe(rec: ScenarioRecord): string {
  const a = rec.action;
  switch (a.kind) {
    case 'attach':
      return `attach ${a.node} to ${a.ap}`;
    case 'detach':
      return `detach ${a.node}`;
    case 'trigger':
      return `trigger ${a.trigger} on ${a.node}${a.ap ? ` toward ${a.ap}` : ''}`;
    case 'ap-event':
      return `${a.ap}: ${a.event} ${a.station} to ${a.router}`;
  }
}

/** The witness and the applier more than DISAGREEMENT_LIMIT_MS apart: the action's time is suspect. */
function disagreement(rec: ScenarioRecord): string {
  const d = rec.disagreementMs;
  return d !== undefined && Math.abs(d) > DISAGREEMENT_LIMIT_MS ? ` (witness and applier ${d} ms apart)` : '';
}

function readSummaries(procs: Started[]): unknown[] {
  const out: unknown[] = [];
  for (const p of procs) {
    try {
      const text = readFileSync(p.stdoutFile, 'utf8').trim();
      const last = text.split('\n').filter(Boolean).pop();
      if (last?.startsWith('{')) out.push(JSON.parse(last));
    } catch {
      // a receiver that printed nothing
    }
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
