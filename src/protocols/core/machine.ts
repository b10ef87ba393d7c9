// What every protocol machine offers, in the manner of smoltcp's poll / poll_delay: events in, actions
// out, time injected. The caller passes `now` (monotonic ms); the machine never reads a clock.
import type { Tick } from './tick.js';

export interface Machine<I, A> {
  handle(now: number, input: I | Tick): A[];
  /** Monotonic ms when the machine next wants a tick, or null when it waits only for inputs. */
  nextDeadline(): number | null;
}
