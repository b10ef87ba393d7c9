// Runs a lab's scenario timeline: each event at its offset from the run's start, with millisecond
// precision, recording when each action was really applied (the measures use these times).

import type { ScenarioAction, ScenarioEvent } from '../topology/types.js';
import type { TimelineAction } from './schedule.js';

export interface ScenarioExecutor {
  /** Each returns the wall-clock time (ns since the Unix epoch) at which the change took effect. */
  detach(node: string): Promise<bigint>;
  attach(node: string, ap: string): Promise<bigint>;
  trigger(node: string, trigger: string, ap?: string): Promise<bigint>;
}

export interface ScenarioRecord {
  /** Scheduled offset from the run's start (ms); for a derived action, its reference's applied time plus the delay. */
  atMs: number;
  action: TimelineAction;
  /** Offset from the run's start at which the action was begun (ms). */
  startedMs: number;
  /** Wall-clock time the action took effect, ns since the Unix epoch (as in pcaps). */
  appliedNs: string;
  /**
   * Who measured appliedNs: the witness (`ip monitor` in the air saw the link change), the
   * real-time applier (its own report), or the orchestrator (the Node runner below).
   */
  timeSource?: 'witness' | 'applier' | 'orchestrator';
  /** The applier's report when the witness's time is used, and witness minus applier (ms). */
  applierNs?: string;
  disagreementMs?: number;
  /** A derived action: the index of the record it follows and the delay after that one was applied. */
  after?: { index: number; delayMs: number };
  /**
   * A station-left report: the last frame the AP's port sent the station before the leave (its
   * kernel time, ns since the epoch, and first bytes in hex), or null when it saw none.
   */
  lastFrame?: { ns: string; head: string } | null;
  error?: string;
}

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

/** Sleeps until the monotonic clock reaches `targetMs`: a timer for most of it, a short spin for the rest. */
export async function sleepUntil(clock: Clock, targetMs: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    const left = targetMs - clock.now();
    if (left <= 0) return;
    if (left > 3) await new Promise((r) => setTimeout(r, left - 2));
    else await new Promise((r) => setImmediate(r));
  }
}

/**
 * Applies each event at its offset; an action that fails is recorded and the timeline goes on.
 * Actions are ordered per channel, not globally: detach/attach share the lab's one L2 channel, and
 * triggers to a node's agent keep their order, but an agent slow to answer a trigger does not hold
 * back a detach scheduled after it (the lead time between them is the lab's to choose).
 * Records come back in time order (ties in file order).
 */
export async function runScenario(
  events: ScenarioEvent[],
  exec: ScenarioExecutor,
  startMs: number,
  clock: Clock = monotonicClock,
  signal?: AbortSignal,
): Promise<ScenarioRecord[]> {
  const sorted = [...events].sort((a, b) => a.atMs - b.atMs);
  const chains = new Map<string, Promise<unknown>>();
  const records = sorted.map((ev) => {
    const channel = ev.action.kind === 'trigger' ? `agent ${ev.action.node}` : 'air';
    const done = (chains.get(channel) ?? Promise.resolve()).then(async (): Promise<ScenarioRecord> => {
      await sleepUntil(clock, startMs + ev.atMs, signal);
      const startedMs = clock.now() - startMs;
      const rec: ScenarioRecord = {
        atMs: ev.atMs,
        action: ev.action,
        startedMs,
        appliedNs: '0',
        timeSource: 'orchestrator',
      };
      try {
        rec.appliedNs = String(await apply(exec, ev.action));
      } catch (err) {
        rec.error = err instanceof Error ? err.message : String(err);
      }
      return rec;
    });
    chains.set(channel, done);
    return done;
  });
  return Promise.all(records);
}

function apply(exec: ScenarioExecutor, a: ScenarioAction): Promise<bigint> {
  switch (a.kind) {
    case 'detach':
      return exec.detach(a.node);
    case 'attach':
      return exec.attach(a.node, a.ap);
    case 'trigger':
      return exec.trigger(a.node, a.trigger, a.ap);
  }
}
