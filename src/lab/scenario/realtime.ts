// Runs a lab's timeline through the real-time applier (native/timeline/applier.c) in the air
// namespace, with `ip -ts -o monitor link` beside it as the witness (docs/decisions.md, "The
// timeline is applied by a real-time helper"). Both are started before the run's t0; the whole
// schedule is written to the applier at once.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { run } from '../exec.js';
import { airNetns, labStateDir } from '../names.js';
import { apBridge, radioFarEnd } from '../net/ifnames.js';
import { forgetProcess, recordProcess } from '../net/state.js';
import { PROJECT_ROOT } from '../paths.js';
import type { ScenarioAction, ScenarioEvent } from '../topology/types.js';
import { buildRecords } from './records.js';
import {
  type ApEventAction,
  type ApplierReport,
  applierLine,
  type LinkEvent,
  type PlannedAction,
  parseApplierLine,
  parseLinkShow,
  parseMonitorLine,
  LAST_FRAME,
  REF_REAL_NS,
} from './schedule.js';
import type { ScenarioRecord } from './timeline.js';

export const TIMELINE_HELPER = path.join(PROJECT_ROOT, 'build', 'Release', 'mipshop-timeline');
/** SCHED_FIFO priorities (sched(7)): above the flow senders' `chrt -r 10`; the witness just below the applier. */
const APPLIER_PRIORITY = 50;
const WITNESS_PRIORITY = 49;
/** Bounds on what the two processes can make us hold. */
const MAX_LINE = 70_000;
const MAX_EVENTS = 200_000;

/** An action that follows another one's application, e.g. an AP's station-left after a detach. */
export interface FollowUp {
  delayMs: number;
  action: ApEventAction;
}

export interface PlanContext {
  lab: string;
  /** CLOCK_MONOTONIC ns of the run's t0 (process.hrtime.bigint()). */
  t0MonoNs: bigint;
  socketOf(node: string): string;
  /** The fields of a trigger about an AP (what a scan reports: docs/agent.md). */
  apFields(ap: string): Record<string, unknown>;
  /** Whether an AP isolates its stations' ports (its attaches set the flag). */
  isolated?(ap: string): boolean;
  followUps?(action: ScenarioAction): FollowUp[];
  /** A trigger that goes to another node's agent (a plain host's, to its serving AP's router). */
  triggerRoute?(action: ScenarioAction): { node: string; fields: Record<string, unknown> } | undefined;
}

/** The applier's schedule for a lab's events, in time order (ties in file order), follow-ups after their action. */
export function planScenario(events: ScenarioEvent[], ctx: PlanContext): PlannedAction[] {
  const out: PlannedAction[] = [];
  const sorted = [...events].sort((a, b) => a.atMs - b.atMs);
  /** Each node's last link action so far: an attach right after a detach keeps the gap from it. */
  const lastLink = new Map<string, { id: number; atMs: number; detach: boolean }>();
  for (const [i, ev] of sorted.entries()) {
    const a = ev.action;
    const id = out.length;
    const monoNs = ctx.t0MonoNs + BigInt(Math.round(ev.atMs * 1e6));
    const prev = a.kind === 'trigger' ? undefined : lastLink.get(a.node);
    if (a.kind !== 'trigger') lastLink.set(a.node, { id, atMs: ev.atMs, detach: a.kind === 'detach' });
    const route = a.kind === 'trigger' ? ctx.triggerRoute?.(a) : undefined;
    const op: PlannedAction['op'] =
      a.kind === 'detach'
        ? { kind: 'detach', ifname: radioFarEnd(a.node), ...nextBridge(sorted, i, a.node, ctx) }
        : a.kind === 'attach'
          ? {
              kind: 'attach',
              ifname: radioFarEnd(a.node),
              bridge: apBridge(a.ap),
              ...(ctx.isolated?.(a.ap) ? { isolated: true } : {}),
            }
          : {
              kind: 'send',
              socket: ctx.socketOf(route?.node ?? a.node),
              request: { op: 'l2', event: a.trigger, ...(a.ap ? ctx.apFields(a.ap) : {}), ...route?.fields },
            };
    // The gap is what a lab sets for a move (the time the radio is off): when the kernel holds a
    // detach back (rtnl_lock, taken by other labs' link changes), the attach keeps its distance.
    const at: PlannedAction['at'] =
      a.kind === 'attach' && prev?.detach
        ? { after: prev.id, delayNs: BigInt(Math.round((ev.atMs - prev.atMs) * 1e6)), fallbackMonoNs: monoNs }
        : { monoNs };
    out.push({ id, action: a, at, op });
    for (const f of ctx.followUps?.(a) ?? []) out.push(followUp(out.length, id, f, ctx));
  }
  return out;
}

/** The bridge of the node's next link action when it is an attach (each request at a deadline waits for rtnl_lock). */
function nextBridge(
  sorted: ScenarioEvent[],
  i: number,
  node: string,
  ctx: PlanContext,
): { nextBridge?: string; isolated?: true } {
  const next = sorted.slice(i + 1).find((e) => e.action.kind !== 'trigger' && e.action.node === node);
  if (next?.action.kind !== 'attach') return {};
  return { nextBridge: apBridge(next.action.ap), ...(ctx.isolated?.(next.action.ap) ? { isolated: true } : {}) };
}

function followUp(id: number, ref: number, f: FollowUp, ctx: PlanContext): PlannedAction {
  const { ap, event, station, router } = f.action;
  return {
    id,
    action: f.action,
    at: { after: ref, delayNs: BigInt(Math.round(f.delayMs * 1e6)) },
    // atNs: when the station left or joined, the reference's applied CLOCK_REALTIME; lastFrame: the
    // last frame the port sent the station before it left (applier.c fills both in).
    op: {
      kind: 'send',
      socket: ctx.socketOf(router),
      request: {
        op: 'l2',
        event,
        ap,
        station,
        atNs: REF_REAL_NS,
        ...(event === 'station-left' ? { lastFrame: LAST_FRAME } : {}),
      },
    },
  };
}

/**
 * Starts a process of the lab whose stdout goes to a file, not a pipe: a pipe that the orchestrator
 * drains late (starved by real-time tasks on a busy machine) fills up, and a write to it would
 * stop the applier's workers or the witness's reading, and so their clocks. The witness's stderr
 * goes to the same file (nobody reads it meanwhile); the applier writes to stderr only as it starts.
 */
function start(lab: string, argv: string[], outFile: string, stderr: 'pipe' | 'file'): ChildProcess {
  const fd = openSync(outFile, 'w');
  try {
    const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', fd, stderr === 'file' ? fd : 'pipe'] });
    const pid = proc.pid;
    if (pid !== undefined) {
      recordProcess(lab, { pid, netns: airNetns(lab), argv });
      proc.on('exit', () => forgetProcess(lab, pid));
    }
    proc.on('error', () => undefined);
    return proc;
  } finally {
    closeSync(fd);
  }
}

/** The complete lines of a file written by one of our processes (a partial last line is left for later). */
function readLines(file: string): string[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((l) => l.length <= MAX_LINE);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The witness: every link change in the air namespace, stamped by ip as it reads the kernel's
 * notification. One `ip monitor` per CPU, each pinned to its CPU: a reader on a CPU that stalls
 * (real-time throttling, a descheduled virtual CPU) stamps late, so each change takes the earliest
 * stamp of the readers (a stamp can be late, never early).
 */
class Witness {
  private readonly procs: ChildProcess[] = [];
  private readonly files: string[] = [];

  constructor(private readonly lab: string) {
    for (let cpu = 0; cpu < availableParallelism(); cpu++) {
      const file = path.join(labStateDir(lab), `witness-${cpu}.out`);
      // stdbuf -oL: ip's stdio would hold the last lines in its buffer when it is stopped.
      const argv = ['taskset', '-c', String(cpu), 'chrt', '-f', String(WITNESS_PRIORITY), 'stdbuf', '-oL'];
      this.procs.push(start(lab, [...argv, 'ip', '-n', airNetns(lab), '-ts', '-o', 'monitor', 'link'], file, 'file'));
      this.files.push(file);
    }
  }

  /** Each reader's events, lo's left out, at most MAX_EVENTS each. */
  events(): LinkEvent[][] {
    return this.files.map((f) =>
      readLines(f)
        .map(parseMonitorLine)
        .filter((e): e is LinkEvent => e !== null && e.ifname !== 'lo')
        .slice(0, MAX_EVENTS),
    );
  }

  /**
   * Makes a change of lo (its queue length: the air sends nothing on lo) and waits until every reader
   * has written it down. The kernel reports changes in order, so every change made before is then
   * in the files: at the start, the witness is listening; at the end, it has seen everything.
   */
  async barrier(timeoutMs = 5000): Promise<void> {
    const los = () => this.files.map((f) => readLines(f).filter((l) => parseMonitorLine(l)?.ifname === 'lo').length);
    const before = los();
    const deadline = performance.now() + timeoutMs;
    for (let q = 1001; los().some((n, i) => n <= before[i]!); q = q === 1001 ? 1000 : 1001) {
      if (this.procs.some((p) => p.exitCode !== null))
        throw new Error(`the witness (ip monitor) in ${airNetns(this.lab)} exited`);
      if (performance.now() > deadline) throw new Error(`the witness in ${airNetns(this.lab)} saw nothing`);
      await run(['ip', '-n', airNetns(this.lab), 'link', 'set', 'dev', 'lo', 'txqueuelen', String(q)]);
      await pause(20);
    }
  }

  stop(): void {
    for (const p of this.procs) p.kill('SIGTERM');
  }
}

/** The applier process: takes the schedule, reports each action. */
class Applier {
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcess;
  private readonly file: string;
  private stderr = '';

  constructor(lab: string) {
    const netnsPath = `/run/netns/${airNetns(lab)}`;
    this.file = path.join(labStateDir(lab), 'timeline-applier.out');
    this.proc = start(
      lab,
      [TIMELINE_HELPER, '--netns', netnsPath, '--fifo', String(APPLIER_PRIORITY)],
      this.file,
      'pipe',
    );
    this.exited = new Promise((r) => this.proc.on('close', (code) => r(code)));
    this.proc.stderr?.setEncoding('utf8');
    this.proc.stderr?.on('data', (d: string) => {
      if (this.stderr.length < MAX_LINE) this.stderr += d;
    });
  }

  reports(): ApplierReport[] {
    return readLines(this.file)
      .map(parseApplierLine)
      .filter((r): r is ApplierReport => r !== null)
      .slice(0, MAX_EVENTS);
  }

  async ready(timeoutMs = 5000): Promise<Extract<ApplierReport, { kind: 'ready' }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const first = readLines(this.file)[0];
      const r = first === undefined ? null : parseApplierLine(first);
      if (r?.kind === 'ready') return r;
      if (this.proc.exitCode !== null || performance.now() > deadline)
        throw new Error(`the timeline applier did not start: ${this.stderr.trim() || 'no answer'}`);
      await pause(10);
    }
  }

  /** What it printed on stderr (a refused SCHED_FIFO), and schedule lines it refused (a bug here). */
  warnings(): string {
    const refused = this.reports().flatMap((r) =>
      r.kind === 'malformed' ? [`refused schedule line: ${r.reason}`] : [],
    );
    return [this.stderr.trim(), ...refused].filter(Boolean).join('\n');
  }

  send(plan: PlannedAction[]): void {
    this.proc.stdin?.write(plan.map((p) => `${applierLine(p)}\n`).join(''));
    this.proc.stdin?.end();
  }

  kill(): void {
    this.proc.kill('SIGTERM');
  }
}

export interface RealtimeTimeline {
  /** CLOCK_REALTIME ns at the CLOCK_MONOTONIC instant `monoNs` (from a pair the applier read together). */
  wallOf(monoNs: bigint): bigint;
  /** Applies the plan (written at once), waits for the last action and its answers, then reads the witness. */
  run(plan: PlannedAction[], t0MonoNs: bigint, signal?: AbortSignal): Promise<ScenarioRecord[]>;
  /** Warnings the applier printed (a refused SCHED_FIFO). */
  warnings(): string;
  close(): void;
}

/** Starts the applier and the witness in the lab's air namespace and waits until both are ready. */
export async function startRealtimeTimeline(lab: string): Promise<RealtimeTimeline> {
  if (!existsSync(TIMELINE_HELPER))
    throw new Error(`${TIMELINE_HELPER} is missing; rebuild it in ${PROJECT_ROOT} with "npx node-gyp rebuild"`);
  const witness = new Witness(lab);
  const applier = new Applier(lab);
  const close = () => {
    applier.kill();
    witness.stop();
  };
  try {
    await witness.barrier();
    // Where the witness starts from: a link's first event is then a change only if it is one.
    const initial = parseLinkShow((await run(['ip', '-n', airNetns(lab), '-o', 'link', 'show'])).stdout);
    const ready = await applier.ready();
    return {
      wallOf: (monoNs) => ready.realNs + (monoNs - ready.monoNs),
      warnings: () => applier.warnings(),
      close,
      async run(plan, t0MonoNs, signal) {
        const aborted = new Promise<never>((_, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason ?? new Error('aborted')), { once: true });
        });
        aborted.catch(() => undefined);
        signal?.throwIfAborted();
        applier.send(plan);
        try {
          await Promise.race([applier.exited, aborted]);
        } finally {
          if (signal?.aborted) close();
        }
        await witness.barrier();
        witness.stop();
        const refused = applier.warnings();
        if (refused.includes('refused schedule line')) throw new Error(`timeline applier: ${refused}`);
        const t0RealNs = ready.realNs + (t0MonoNs - ready.monoNs);
        return buildRecords(plan, applier.reports(), witness.events(), { t0MonoNs, t0RealNs }, initial);
      },
    };
  } catch (err) {
    close();
    throw err;
  }
}
