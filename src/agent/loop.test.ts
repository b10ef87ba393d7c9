import { describe, expect, it } from 'vitest';
import type { Machine, Tick } from '../protocols/core/index.js';
import { ManualClock, runMachine, type MachineIo } from './loop.js';

/** A machine that wants a tick every `period` ms and echoes inputs; records what it was handed. */
class Metronome implements Machine<{ kind: 'ping'; n: number }, string> {
  next: number | null = null;
  readonly seen: string[] = [];
  constructor(private readonly period: number | null) {}
  handle(now: number, input: { kind: 'ping'; n: number } | Tick): string[] {
    this.seen.push(`${now}:${input.kind}`);
    if (input.kind === 'ping') return [`pong${input.n}@${now}`];
    if (this.period === null) return [];
    if (this.next === null || now >= this.next) {
      const out = this.next === null ? [] : [`beat@${now}`];
      this.next = now + this.period;
      return out;
    }
    return [];
  }
  nextDeadline(): number | null {
    return this.next;
  }
}

function recordingIo<I>(
  performed: string[],
): MachineIo<I, string> & { feed?: (i: readonly I[]) => void; closed: boolean } {
  const io = {
    closed: false,
    feed: undefined as ((i: readonly I[]) => void) | undefined,
    start(feed: (i: readonly I[]) => void) {
      io.feed = feed;
    },
    perform(a: string) {
      performed.push(a);
    },
    close() {
      io.closed = true;
    },
  };
  return io;
}

describe('runMachine', () => {
  it('ticks at start, then at each deadline, with one timer armed', () => {
    const clock = new ManualClock(100);
    const m = new Metronome(30);
    const performed: string[] = [];
    const run = runMachine(m, recordingIo(performed), clock);
    expect(m.seen).toEqual(['100:tick']);
    expect(run.armedFor).toBe(130);
    expect(clock.pending).toBe(1);
    clock.advance(29);
    expect(performed).toEqual([]);
    clock.advance(1);
    expect(performed).toEqual(['beat@130']);
    clock.advance(60);
    expect(performed).toEqual(['beat@130', 'beat@160', 'beat@190']);
    expect(clock.pending).toBe(1);
  });

  it('feeds inputs from the io with the current time and performs the actions in order', () => {
    const clock = new ManualClock(0);
    const m = new Metronome(null);
    const performed: string[] = [];
    const io = recordingIo<{ kind: 'ping'; n: number }>(performed);
    const run = runMachine(m, io, clock);
    expect(run.armedFor).toBeNull();
    expect(clock.pending).toBe(0);
    clock.advance(7);
    io.feed!([
      { kind: 'ping', n: 1 },
      { kind: 'ping', n: 2 },
    ]);
    run.feed([{ kind: 'ping', n: 3 }]);
    expect(performed).toEqual(['pong1@7', 'pong2@7', 'pong3@7']);
  });

  it('re-arms for an earlier deadline after an input', () => {
    const clock = new ManualClock(0);
    const m: Machine<{ kind: 'soon' }, string> = {
      d: 1_000 as number | null,
      handle(now: number, input: { kind: 'soon' } | Tick) {
        if (input.kind === 'soon') this.d = now + 5;
        else if (this.d !== null && now >= this.d) {
          this.d = null;
          return [`fired@${now}`];
        }
        return [];
      },
      nextDeadline() {
        return this.d;
      },
    } as Machine<{ kind: 'soon' }, string> & { d: number | null };
    const performed: string[] = [];
    const run = runMachine(m, recordingIo(performed), clock);
    expect(run.armedFor).toBe(1_000);
    clock.advance(10);
    run.feed([{ kind: 'soon' }]);
    expect(run.armedFor).toBe(15);
    expect(clock.pending).toBe(1); // the old timer was cleared
    clock.advance(5);
    expect(performed).toEqual(['fired@15']);
    expect(run.armedFor).toBeNull();
    expect(clock.pending).toBe(0);
  });

  it('rounds a fractional deadline up so the tick never comes early', () => {
    const clock = new ManualClock(0);
    const m = new Metronome(2.5);
    const run = runMachine(m, recordingIo([]), clock);
    expect(run.armedFor).toBe(2.5);
    clock.advance(2);
    expect(m.seen).toEqual(['0:tick']);
    clock.advance(1);
    expect(m.seen).toEqual(['0:tick', '3:tick']);
  });

  it('stop() clears the timer, closes the io and ignores later inputs', () => {
    const clock = new ManualClock(0);
    const m = new Metronome(10);
    const io = recordingIo<{ kind: 'ping'; n: number }>([]);
    const run = runMachine(m, io, clock);
    run.stop();
    expect(io.closed).toBe(true);
    expect(clock.pending).toBe(0);
    io.feed!([{ kind: 'ping', n: 1 }]);
    clock.advance(100);
    expect(m.seen).toEqual(['0:tick']);
  });

  it('hands a throw from the machine to onError and stays usable', () => {
    const clock = new ManualClock(0);
    const errors: unknown[] = [];
    let explode = false;
    const m: Machine<{ kind: 'x' }, string> = {
      handle() {
        if (explode) throw new Error('boom');
        return [];
      },
      nextDeadline: () => null,
    };
    const run = runMachine(m, recordingIo([]), clock, { onError: (e) => errors.push(e) });
    explode = true;
    run.feed([{ kind: 'x' }]);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('boom');
  });

  it('after a throw handles the rest of the batch, performs the other actions and keeps its timer', () => {
    const clock = new ManualClock(0);
    const errors: string[] = [];
    const performed: string[] = [];
    const m = new Metronome(10);
    const throwing: Machine<{ kind: 'ping'; n: number }, string> = {
      handle: (now, input) => {
        if (input.kind === 'ping' && input.n === 1) throw new Error('machine bug');
        return m.handle(now, input);
      },
      nextDeadline: () => m.nextDeadline(),
    };
    const io = recordingIo<{ kind: 'ping'; n: number }>(performed);
    io.perform = (a: string) => {
      if (a.startsWith('pong2')) throw new Error('perform bug');
      performed.push(a);
    };
    const run = runMachine(throwing, io, clock, { onError: (e) => errors.push((e as Error).message) });
    run.feed([
      { kind: 'ping', n: 1 },
      { kind: 'ping', n: 2 },
      { kind: 'ping', n: 3 },
    ]);
    expect(errors).toEqual(['machine bug', 'perform bug']);
    expect(performed).toEqual(['pong3@0']);
    clock.advance(10);
    expect(performed).toEqual(['pong3@0', 'beat@10']);
    expect(run.armedFor).toBe(20);
  });

  it('rethrows a machine error when no onError is given', () => {
    const m: Machine<never, string> = {
      handle() {
        throw new Error('bug');
      },
      nextDeadline: () => null,
    };
    expect(() => runMachine(m, recordingIo([]), new ManualClock())).toThrow('bug');
  });
});
