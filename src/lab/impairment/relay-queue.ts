// The arithmetic of the userspace impairment relay (relay-main.ts), pure so it is tested without
// sockets or sleeping: the caller passes `now` in milliseconds (monotonic) and a random source.
//
// Per direction, a frame meets, in order (netem's order: loss and duplication at enqueue):
//   loss        independent Bernoulli(lossPct/100)
//   duplication Bernoulli(duplicatePct/100): a second copy follows the same path
//   rate        a serialisation queue: the frame starts when the previous one has been sent at
//               rateBps and ends len*8/rate later; drop-tail when more than limitBytes wait (tbf's limit)
//   delay       propagation: + delayMs + uniform(-jitterMs, +jitterMs), never before it arrived
//   order       kept: a frame never leaves before the one ahead of it (netem would reorder jittered
//               frames; the lab asks for reordering explicitly, which is not offered yet)
// Departure times in a direction are therefore non-decreasing, and a FIFO per direction with one
// timer armed for the earliest head is all the scheduling the relay needs.
import type { Impairment } from '../topology/types.js';

export type Random = () => number;

export const DROP_LOSS = -1;
export const DROP_QUEUE = -2;

export interface ShaperOptions {
  /** Bytes that may wait for serialisation (tbf's limit); default: 100 ms at the rate, at least 32 KiB. */
  limitBytes?: number;
}

export function defaultLimitBytes(rateBps: number): number {
  return Math.max(32 * 1024, Math.round((rateBps / 8) * 0.1));
}

export class DirectionShaper {
  private readonly lossP: number;
  private readonly dupP: number;
  private readonly bytesPerMs: number;
  readonly limitBytes: number;
  /** When the last admitted frame finishes serialisation (ms). */
  private txEndMs = 0;
  /** The last departure handed out (ms): departures never go backwards. */
  private lastDepartureMs = 0;

  constructor(
    readonly imp: Impairment,
    options: ShaperOptions = {},
  ) {
    this.lossP = imp.lossPct / 100;
    this.dupP = imp.duplicatePct / 100;
    this.bytesPerMs = imp.rateBps > 0 ? imp.rateBps / 8 / 1000 : 0;
    this.limitBytes = options.limitBytes ?? defaultLimitBytes(imp.rateBps);
  }

  /** Bytes admitted but not yet serialised at `now`. */
  backlogBytes(nowMs: number): number {
    return this.bytesPerMs > 0 ? Math.max(0, this.txEndMs - nowMs) * this.bytesPerMs : 0;
  }

  /** Whether any draw is made (loss, duplication or jitter): else a frame's key need not be read. */
  get random(): boolean {
    return this.lossP > 0 || this.dupP > 0 || this.imp.jitterMs > 0;
  }

  /** Whether a frame arriving now is lost (call once per arriving frame, before admit). */
  lost(rand: Random): boolean {
    return this.lossP > 0 && rand() < this.lossP;
  }

  /** Whether a frame is sent twice (call once per frame that was not lost). */
  duplicated(rand: Random): boolean {
    return this.dupP > 0 && rand() < this.dupP;
  }

  /**
   * The time a frame of len bytes arriving at nowMs leaves, or DROP_QUEUE when the serialisation
   * queue is full.
   */
  admit(nowMs: number, len: number, rand: Random): number {
    let ready = nowMs;
    if (this.bytesPerMs > 0) {
      if (this.backlogBytes(nowMs) + len > this.limitBytes) return DROP_QUEUE;
      const start = Math.max(nowMs, this.txEndMs);
      this.txEndMs = start + len / this.bytesPerMs;
      ready = this.txEndMs;
    }
    let delay = this.imp.delayMs;
    if (this.imp.jitterMs > 0) delay += (rand() * 2 - 1) * this.imp.jitterMs;
    const departure = Math.max(ready + Math.max(0, delay), this.lastDepartureMs);
    this.lastDepartureMs = departure;
    return departure;
  }
}

/**
 * A FIFO of frames with their departure times: a ring of references (frames are not copied) that
 * grows by doubling, so steady state allocates nothing.
 */
export class FrameQueue {
  private frames: (Buffer | undefined)[];
  private due: Float64Array;
  private head = 0;
  private count = 0;

  constructor(capacity = 1024) {
    const cap = 1 << Math.ceil(Math.log2(Math.max(2, capacity)));
    this.frames = new Array<Buffer | undefined>(cap);
    this.due = new Float64Array(cap);
  }

  get length(): number {
    return this.count;
  }

  /** Departure of the first frame, or Infinity when empty. */
  headDue(): number {
    return this.count === 0 ? Infinity : (this.due[this.head] as number);
  }

  push(frame: Buffer, dueMs: number): void {
    if (this.count === this.frames.length) this.grow();
    const i = (this.head + this.count) & (this.frames.length - 1);
    this.frames[i] = frame;
    this.due[i] = dueMs;
    this.count++;
  }

  /** Removes and returns the first frame. */
  shift(): Buffer | undefined {
    if (this.count === 0) return undefined;
    const f = this.frames[this.head];
    this.frames[this.head] = undefined;
    this.head = (this.head + 1) & (this.frames.length - 1);
    this.count--;
    return f;
  }

  private grow(): void {
    const cap = this.frames.length * 2;
    const frames = new Array<Buffer | undefined>(cap);
    const due = new Float64Array(cap);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & (this.frames.length - 1);
      frames[k] = this.frames[i];
      due[k] = this.due[i] as number;
    }
    this.frames = frames;
    this.due = due;
    this.head = 0;
  }
}

/** A small fast seeded generator (xorshift32) for reproducible relay runs and tests. */
export function xorshift32(seed: number): Random {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
