// The timer event of every protocol machine: the agent's loop (src/agent/loop.ts) feeds it when the
// machine's deadline has come, tests feed it by hand.

export interface Tick {
  kind: 'tick';
}

export const TICK: Tick = Object.freeze({ kind: 'tick' });
