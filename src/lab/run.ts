// The run contract (architecture.md): captures first, then sinks, senders and the scenario timeline,
// then captures flushed, pcaps analysed, expectations judged, results.json written.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeRun, sinkRecordFile } from './analyze.js';
import type { AgentReport, Results } from '../analysis/results.js';
import { agentBugsVerdict } from './agent-reports.js';
import { startCaptures, stopCaptures } from './capture/tcpdump.js';
import { distEntry } from './paths.js';
import {
  runScenario,
  sleepUntil,
  monotonicClock,
  type ScenarioExecutor,
  type ScenarioRecord,
} from './scenario/timeline.js';
import type { ExecOptions, ExecResult, Runtime, SpawnOptions, Subprocess } from './runtime/runtime.js';
import type { ResolvedLab } from './topology/types.js';
import type { ApEventRecord } from './scenario/ap-events.js';
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
  /** Each agent's bug count, read from its status (agent-reports.ts). */
  agentReports(): Promise<Record<string, AgentReport>>;
  /** The APs' station reports that followed the detaches and attaches (scenario/ap-events.ts). */
  apEvents?(): Promise<ApEventRecord[]>;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Progress lines (human). */
  onEvent?: (line: string) => void;
}

/** results.json: the analysis, and the scenario as applied (each L2 action, then the AP reports it caused). */
export type RunResults = Results & { scenario: (ScenarioRecord | ApEventRecord)[] };

export interface RunResult {
  passed: boolean;
  resultsFile: string;
  results: RunResults;
}

interface Started {
  name: string;
  proc: Subprocess;
  stdoutFile: string;
}

/**
 * Waits until every flow's destination holds its address (a mobile node's SLAAC address included),
 * and its source the address it sends from (a mobile node's home address on its agent's TUN).
 */
async function settle(lab: RunnableLab, signal?: AbortSignal, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const wanted = lab.lab.traffic.flatMap((f) => [
    { node: f.to, address: f.toAddress, flow: f.id },
    ...(f.fromAddress ? [{ node: f.from, address: f.fromAddress, flow: f.id }] : []),
  ]);
  for (const w of wanted) {
    for (;;) {
      signal?.throwIfAborted();
      const r = await lab.node(w.node).exec(['ip', '-6', '-o', 'addr', 'show'], { reject: false });
      const present = r.stdout.split('\n').some((l) => l.includes(` ${w.address}/`) && !l.includes('tentative'));
      if (present) break;
      if (performance.now() > deadline) {
        throw new Error(`node ${w.node} never got ${w.address} (flow ${w.flow}) within ${timeoutMs} ms`);
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
  try {
    await settle(lab, signal);
    // Sinks and servers first, so the first packet has somewhere to go.
    for (const f of lab.lab.traffic) {
      const stdoutFile = path.join(logDir, `flow${f.id}-${f.kind === 'udp' ? 'sink' : 'iperf3-server'}.json`);
      const argv =
        f.kind === 'udp'
          ? [
              process.execPath,
              distEntry('traffic/main.js'),
              ...udpSinkArgs(f.port, path.join(outDir, sinkRecordFile(f.id))),
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
    const t0 = clock.now();
    t0Ns = BigInt(Date.now()) * 1_000_000n;
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
                  bindAddress: f.fromAddress,
                }),
              ]
            : ['iperf3', ...iperf3ClientArgsFor(f, f.fromAddress)];
        procs.push({
          name: `flow ${f.id} sender`,
          proc: lab.node(f.from).spawn(argv, { stdoutFile, stderrFile: `${stdoutFile}.err` }),
          stdoutFile,
        });
        say(`flow ${f.id} started: ${f.from}${f.fromAddress ? ` (${f.fromAddress})` : ''} -> ${f.to} (${f.toAddress})`);
      }
    })();
    const scenario = runScenario(lab.lab.scenario, lab.l2, t0, clock, signal).then((r) => {
      records = r;
      for (const rec of r)
        say(`${(rec.startedMs / 1000).toFixed(3)} s ${describe(rec)}${rec.error ? ` FAILED: ${rec.error}` : ''}`);
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
    // Senders first (their last packets must reach the sinks), then receivers, then captures.
    for (const p of [...procs].reverse()) p.proc.kill('SIGTERM');
    await Promise.all(procs.map((p) => withTimeout(p.proc.exited, 3000).catch(() => p.proc.kill('SIGKILL'))));
    await stopCaptures(captures);
  }
  const agents = await lab.agentReports();
  say('analysing captures');
  const apEvents = (await lab.apEvents?.()) ?? [];
  const analysed = await analyzeRun({
    lab: lab.lab,
    runtime: lab.runtimeKind,
    t0Ns,
    outDir,
    scenario: records,
    summaries: readSummaries(procs),
  });
  const results: RunResults = { ...analysed, scenario: [...records, ...apEvents] };
  // Always judged: an exception in any agent fails the run (docs/agent.md, "Bugs").
  results.agents = agents;
  results.expectations.push(agentBugsVerdict(agents));
  const resultsFile = path.join(outDir, 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  return { passed: results.expectations.every((e) => e.held), resultsFile, results };
}

function describe(rec: ScenarioRecord): string {
  const a = rec.action;
  return a.kind === 'attach'
    ? `attach ${a.node} to ${a.ap}`
    : a.kind === 'detach'
      ? `detach ${a.node}`
      : `trigger ${a.trigger} on ${a.node}${a.ap ? ` toward ${a.ap}` : ''}`;
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
