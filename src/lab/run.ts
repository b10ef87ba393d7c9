// The run contract (architecture.md): captures first (already listening since before the agents when
// Lab.up started them, UpOptions.capture), then sinks, senders and the scenario timeline,
// then captures flushed, pcaps analysed, expectations judged, results.json written.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeRun, sinkRecordFile } from './analyze.js';
import { type AgentReport, DISAGREEMENT_LIMIT_MS, type Results } from '../analysis/results.js';
import { agentBugsVerdict } from './agent-reports.js';
import { reportTopology } from './report-topology.js';
import { TOPOLOGY_FILE } from '../report/topology.js';
import { writeReport } from '../report/write.js';
import { type Capture, startCaptures, stopCaptures } from './capture/tcpdump.js';
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
import type { ResolvedLab, ScenarioEvent, UdpFlowSpec } from './topology/types.js';
import { udpSendGroupArgs, udpSinkArgs } from '../traffic/argv.js';
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
  /** Captures Lab.up started before the agents (UpOptions.capture); null: the run starts them. */
  takeCaptures?(): Capture[] | null;
  /** Each agent's bug count, read from its status (agent-reports.ts). */
  agentReports(): Promise<Record<string, AgentReport>>;
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

/** results.json: the analysis, and the scenario as applied (each L2 action, then the AP reports it caused). */

export interface RunResult {
  passed: boolean;
  resultsFile: string;
  results: Results;
}

interface Started {
  name: string;
  proc: Subprocess;
  stdoutFile: string;
  /** A sender group prints one summary line per flow; the others one summary, the last line. */
  lines?: 'all';
}

/** Waits until each file holds `text` (a process's readiness line), at most `timeoutMs`. */
async function readyLines(files: string[], text: string, signal?: AbortSignal, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const has = (f: string) => existsSync(f) && readFileSync(f, 'utf8').includes(text);
  for (const f of files) {
    while (!has(f)) {
      signal?.throwIfAborted();
      if (performance.now() > deadline) throw new Error(`${f} never said "${text}" within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
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
  // Already listening since before the agents started when Lab.up was asked to (lab.ts, "captures
  // before the agents"); else started here, after the agents' first messages.
  const captures = lab.takeCaptures?.() ?? (await startCaptures(lab.name, lab.lab.capture, outDir));
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
    // A round-robin real-time priority keeps a loaded machine from starving a UDP sender or sink for
    // tens of milliseconds, which would show up as false interruptions (netns nodes share the host's
    // scheduler): a sink waiting for a CPU stamps a packet late that its socket already held. The
    // iperf3 ends keep normal priority: a TCP flow at full rate would take a core from the agents.
    const realtime = lab.runtimeKind === 'netns' ? ['chrt', '-r', '10'] : [];
    // Sinks and servers first, so the first packet has somewhere to go.
    for (const f of lab.lab.traffic) {
      const stdoutFile = path.join(logDir, `flow${f.id}-${f.kind === 'udp' ? 'sink' : 'iperf3-server'}.json`);
      const argv =
        f.kind === 'udp'
          ? [
              ...realtime,
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
    // Each Node process's start-up costs a loaded 2-core machine 100-300 ms of CPU: wait for them
    // before t0 so it is not spent inside the timeline.
    await readyLines(
      lab.lab.traffic.filter((f) => f.kind === 'udp').map((f) => path.join(logDir, `flow${f.id}-sink.json.err`)),
      'sink listening',
      signal,
    );
    if (lab.lab.traffic.some((f) => f.kind !== 'udp')) await new Promise((r) => setTimeout(r, 200));
    // One sender process per source node for all its UDP flows, started now and released at t0.
    const goFile = path.join(logDir, 'traffic-t0');
    const groups = new Map<string, UdpFlowSpec[]>();
    for (const f of lab.lab.traffic) if (f.kind === 'udp') groups.set(f.from, [...(groups.get(f.from) ?? []), f]);
    const groupErr: string[] = [];
    for (const [node, flows] of groups) {
      const flowsFile = path.join(logDir, `${node}-senders-flows.json`);
      const spec = flows.map((f) => ({
        flowId: f.id,
        to: f.toAddress,
        port: f.port,
        ratePps: f.ratePps,
        sizeBytes: f.sizeBytes,
        durationMs: f.durationMs,
        bindAddress: f.fromAddress,
        startMs: f.startMs,
      }));
      writeFileSync(flowsFile, `${JSON.stringify(spec)}\n`);
      const stdoutFile = path.join(logDir, `${node}-senders.jsonl`);
      groupErr.push(`${stdoutFile}.err`);
      procs.push({
        name: `${node}'s senders`,
        proc: lab
          .node(node)
          .spawn(
            [...realtime, process.execPath, distEntry('traffic/main.js'), ...udpSendGroupArgs(flowsFile, goFile)],
            {
              stdoutFile,
              stderrFile: `${stdoutFile}.err`,
            },
          ),
        stdoutFile,
        lines: 'all',
      });
    }
    await readyLines(groupErr, 'senders ready', signal);
    const clock = monotonicClock;
    // process.hrtime is CLOCK_MONOTONIC (libuv's uv_hrtime), the applier's clock for deadlines.
    const t0MonoNs = process.hrtime.bigint();
    const t0 = clock.now();
    t0Ns = timeline ? timeline.wallOf(t0MonoNs) : wallClockNs();
    writeFileSync(goFile, `${t0Ns}\n`);
    const senders = (async () => {
      const byStart = [...lab.lab.traffic].sort((a, b) => a.startMs - b.startMs);
      for (const f of byStart) {
        await sleepUntil(clock, t0 + f.startMs, signal);
        if (f.kind === 'iperf3') {
          const stdoutFile = path.join(logDir, `flow${f.id}-iperf3-client.json`);
          procs.push({
            name: `flow ${f.id} sender`,
            proc: lab.node(f.from).spawn(['iperf3', ...iperf3ClientArgsFor(f, f.fromAddress)], {
              stdoutFile,
              stderrFile: `${stdoutFile}.err`,
            }),
            stdoutFile,
          });
        }
        // A UDP flow's group sender starts it at this same moment (t0 + startMs) on its own.
        say(`flow ${f.id} started: ${f.from}${f.fromAddress ? ` (${f.fromAddress})` : ''} -> ${f.to} (${f.toAddress})`);
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
  const agents = await lab.agentReports();
  say('analysing captures');
  const results = await analyzeRun({
    lab: lab.lab,
    runtime: lab.runtimeKind,
    t0Ns,
    outDir,
    scenario: records,
    summaries: readSummaries(procs, logDir),
  });
  // Always judged: an exception in any agent fails the run (docs/agent.md, "Bugs").
  results.agents = agents;
  results.expectations.push(agentBugsVerdict(agents));
  const resultsFile = path.join(outDir, 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  // The report (report.html) from what the run left; a failure to draw it does not change the verdict.
  writeFileSync(path.join(outDir, TOPOLOGY_FILE), `${JSON.stringify(reportTopology(lab.lab), null, 2)}\n`);
  try {
    say(`report in ${await writeReport(outDir)}`);
  } catch (e) {
    say(`report.html not written: ${e instanceof Error ? e.message : String(e)}`);
  }
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

function readSummaries(procs: Started[], logDir: string): unknown[] {
  const out: unknown[] = [];
  for (const p of procs) {
    try {
      const lines = readFileSync(p.stdoutFile, 'utf8').trim().split('\n').filter(Boolean);
      for (const line of p.lines === 'all' ? lines : lines.slice(-1)) {
        if (!line.startsWith('{')) continue;
        const summary = JSON.parse(line) as { kind?: string; flowId?: number };
        out.push(summary);
        // Each flow's summary also in a file of its own, as when every flow had its own sender.
        if (p.lines === 'all' && summary.kind === 'udp-sender')
          writeFileSync(path.join(logDir, `flow${summary.flowId}-sender.json`), `${line}\n`);
      }
    } catch {
      // a process that printed nothing
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
