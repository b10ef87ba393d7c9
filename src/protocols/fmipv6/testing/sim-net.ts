// A deterministic in-memory network with virtual time (style-anchors §4.4, after quinn's Pair and
// smoltcp's netsim): links with per-link delays, frames that are real IPv6 packets (built and parsed
// by src/wire), and machines driven exactly as src/agent/loop.ts drives them — `handle(now, input)`,
// then a tick at `nextDeadline()`. Time jumps to the next event; nothing sleeps.

export interface SimMachine<I, A> {
  handle(now: number, input: I | { kind: 'tick' }): A[];
  nextDeadline(): number | null;
}

interface Scheduled {
  at: number;
  seq: number;
  run: () => void;
}

export class SimNet {
  #now = 0;
  #seq = 0;
  #queue: Scheduled[] = [];

  get now(): number {
    return this.#now;
  }

  /** Runs `fn` at virtual time `at` (events at the same time run in the order they were scheduled). */
  at(at: number, fn: () => void): void {
    const e = { at: Math.max(at, this.#now), seq: ++this.#seq, run: fn };
    // Sorted insert from the back: most events are scheduled in time order.
    let i = this.#queue.length;
    while (
      i > 0 &&
      (this.#queue[i - 1]!.at > e.at || (this.#queue[i - 1]!.at === e.at && this.#queue[i - 1]!.seq > e.seq))
    )
      i--;
    this.#queue.splice(i, 0, e);
  }

  after(delayMs: number, fn: () => void): void {
    this.at(this.#now + delayMs, fn);
  }

  /** Runs every event up to and including `until`; a guard stops a livelock. */
  drive(until: number, maxEvents = 1_000_000): void {
    let n = 0;
    while (this.#queue.length && this.#queue[0]!.at <= until) {
      if (++n > maxEvents) throw new Error(`SimNet: more than ${maxEvents} events before t=${until} (livelock?)`);
      const e = this.#queue.shift()!;
      this.#now = e.at;
      e.run();
    }
    this.#now = until;
  }

  /** Hosts a machine the way runMachine does: perform every action, then re-arm one tick for nextDeadline(). */
  host<I, A>(
    machine: SimMachine<I, A>,
    perform: (action: A, now: number) => void,
  ): (input: I | { kind: 'tick' }) => void {
    let armed: number | null = null;
    let generation = 0;
    const step = (input: I | { kind: 'tick' }): void => {
      for (const a of machine.handle(this.#now, input)) perform(a, this.#now);
      const d = machine.nextDeadline();
      if (d === armed) return;
      armed = d;
      const g = ++generation;
      if (d !== null) {
        this.at(d, () => {
          if (g !== generation) return; // re-armed since
          armed = null;
          step({ kind: 'tick' });
        });
      }
    };
    return step;
  }
}
