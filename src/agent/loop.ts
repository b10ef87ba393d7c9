// Drives a pure protocol machine (src/protocols/*) from real events: inputs from sockets or the
// control channel are fed to `handle(now, input)`, the returned actions are performed, and one timer
// is re-armed for the machine's `nextDeadline()` (smoltcp's poll / poll_delay; style-anchors §4.5).
// The machine never reads the clock: the loop passes `clock.now()` (performance.now(), monotonic ms).

import { TICK, type Machine, type Tick } from '../protocols/core/index.js';

export type TimerHandle = unknown;

/** Time and timers, injected so the loop can be tested with a manual clock. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The machine's side of the world: where inputs come from and how actions are performed. */
export interface MachineIo<I, A> {
  /** Called once by runMachine; the io calls `feed` with each batch of decoded inputs. */
  start?(feed: (inputs: readonly I[]) => void): void;
  /** Performs one action (send a packet, change a route ...). */
  perform(action: A, now: number): void;
  /** Releases sockets; called by RunningMachine.stop(). */
  close?(): void;
}

/**
 * Inputs from sockets opened before the machine runs wait here; `start` (a MachineIo's) then feeds
 * `first` and the waiting inputs in order, and later pushes go straight in.
 */
export class Inbox<I> {
  #feed: ((inputs: readonly I[]) => void) | null = null;
  readonly #early: I[] = [];

  push(input: I): void {
    if (this.#feed) this.#feed([input]);
    else this.#early.push(input);
  }

  start(feed: (inputs: readonly I[]) => void, first: readonly I[] = []): void {
    this.#feed = feed;
    const waiting = [...first, ...this.#early.splice(0)];
    if (waiting.length) feed(waiting);
  }
}

export interface RunOptions {
  /** A throw from the machine or from perform() is a bug: it goes here (default: rethrow). */
  onError?: (err: unknown) => void;
}

export interface RunningMachine<I> {
  /** Feeds inputs that do not come from io.start (e.g. L2 triggers from the control channel). */
  feed(inputs: readonly I[]): void;
  /** Monotonic ms the timer is armed for, or null. */
  readonly armedFor: number | null;
  stop(): void;
}

export function runMachine<I, A>(
  machine: Machine<I, A>,
  io: MachineIo<I, A>,
  clock: Clock = realClock,
  opts: RunOptions = {},
): RunningMachine<I> {
  let timer: TimerHandle | null = null;
  let armedFor: number | null = null;
  let stopped = false;
  const fail = (err: unknown): void => {
    if (opts.onError) opts.onError(err);
    else throw err;
  };

  // A throw spoils only its own input or action: the rest of the batch is handled, and the timer is
  // re-armed, so a machine that met a bug keeps serving (onError counts it).
  const step = (inputs: readonly (I | Tick)[]): void => {
    if (stopped) return;
    for (const input of inputs) {
      const now = clock.now();
      let actions: readonly A[];
      try {
        actions = machine.handle(now, input);
      } catch (err) {
        fail(err);
        continue;
      }
      for (const action of actions) {
        try {
          io.perform(action, now);
        } catch (err) {
          fail(err);
        }
      }
    }
    try {
      rearm();
    } catch (err) {
      fail(err);
    }
  };

  const rearm = (): void => {
    if (stopped) return;
    const deadline = machine.nextDeadline();
    if (deadline === armedFor) return;
    if (timer !== null) clock.clearTimer(timer);
    timer = null;
    armedFor = deadline;
    if (deadline === null) return;
    // Timers have ms granularity: round up so the tick never comes before the deadline.
    const delay = Math.max(0, Math.ceil(deadline - clock.now()));
    timer = clock.setTimer(() => {
      timer = null;
      armedFor = null;
      step([TICK]);
    }, delay);
  };

  try {
    io.start?.((inputs) => step(inputs));
  } catch (err) {
    fail(err);
  }
  // The first tick lets the machine act at start (e.g. an initial Router Advertisement).
  step([TICK]);

  return {
    feed: (inputs) => step(inputs),
    get armedFor() {
      return armedFor;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clock.clearTimer(timer);
      timer = null;
      armedFor = null;
      io.close?.();
    },
  };
}

/** A clock for tests: time moves only when `advance` is called; due timers fire in order. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + delayMs, fn });
    return id;
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  /** Moves time to now + ms, firing each due timer at its own time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }
}
