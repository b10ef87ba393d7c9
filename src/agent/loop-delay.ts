// How late the event loop runs (perf_hooks.monitorEventLoopDelay): a control line, a timer or a
// socket's batch waits at least this long behind whatever runs before it. The run's summary goes into
// the status; with `intervalMs` each window's figures are also logged (`agent.loop-delay`), to see
// where in a run the loop lagged.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from './log.js';

export interface LoopDelaySummary {
  /** Samples taken (one per `resolution` ms when the loop keeps up). */
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoopDelayWatch {
  summary(): LoopDelaySummary;
  close(): void;
}

const ms = (ns: number): number => Math.round(ns / 1e4) / 100;

function summarise(h: IntervalHistogram): LoopDelaySummary {
  if (h.count === 0) return { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
  return { count: h.count, p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
}

export function watchLoopDelay(o: { log?: Logger; intervalMs?: number; resolutionMs?: number } = {}): LoopDelayWatch {
  const whole = monitorEventLoopDelay({ resolution: o.resolutionMs ?? 2 });
  whole.enable();
  let window: IntervalHistogram | null = null;
  let timer: NodeJS.Timeout | null = null;
  if (o.intervalMs && o.log) {
    const log = o.log;
    const w = monitorEventLoopDelay({ resolution: o.resolutionMs ?? 2 });
    w.enable();
    window = w;
    timer = setInterval(() => {
      log.info('agent.loop-delay', { ...summarise(w) });
      w.reset();
    }, o.intervalMs);
    timer.unref();
  }
  return {
    summary: () => summarise(whole),
    close() {
      whole.disable();
      window?.disable();
      if (timer) clearInterval(timer);
    },
  };
}
