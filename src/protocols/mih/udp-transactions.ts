// RFC 5677 §6.3: over UDP an MIH message that asks for an acknowledgement (ACK-Req) is sent again when
// no ACK or response has come within TMO. TMO starts at 3 s while the round-trip time is unknown,
// doubles after each retransmission (RFC 6298's back-off) up to 30 s, and after the configured
// number of retransmissions (default 2) the transaction fails.
import type { Machine } from '../core/machine.js';
import type { Tick } from '../core/tick.js';

export interface UdpTransactionSettings {
  initialTmoMs: number;
  maxTmoMs: number;
  maxRetransmissions: number;
  /** Transactions waiting at once; a send beyond it fails at once (bounded state). */
  maxOutstanding: number;
}

export const RFC5677_TIMERS: UdpTransactionSettings = {
  initialTmoMs: 3000,
  maxTmoMs: 30_000,
  maxRetransmissions: 2,
  maxOutstanding: 64,
};

/** A transaction is known by the MIH service, action and transaction id its ACK and response keep. */
export function transactionKey(sid: number, aid: number, tid: number, peer: string): string {
  return `${peer}/${sid}.${aid}.${tid}`;
}

export type UdpTransactionInput =
  | { kind: 'send'; key: string; bytes: Buffer; peer: string }
  /** An ACK or response for `key` arrived. */
  | { kind: 'answered'; key: string };

export type UdpTransactionAction =
  | { kind: 'transmit'; key: string; bytes: Buffer; peer: string; attempt: number }
  | { kind: 'failed'; key: string; attempts: number; reason: 'no-answer' | 'too-many-outstanding' };

interface Pending {
  bytes: Buffer;
  peer: string;
  attempt: number;
  tmo: number;
  due: number;
}

export class UdpTransactions implements Machine<UdpTransactionInput, UdpTransactionAction> {
  readonly #pending = new Map<string, Pending>();
  constructor(private readonly settings: UdpTransactionSettings = RFC5677_TIMERS) {}

  get outstanding(): number {
    return this.#pending.size;
  }

  handle(now: number, input: UdpTransactionInput | Tick): UdpTransactionAction[] {
    if (input.kind === 'send') {
      if (!this.#pending.has(input.key) && this.#pending.size >= this.settings.maxOutstanding)
        return [{ kind: 'failed', key: input.key, attempts: 0, reason: 'too-many-outstanding' }];
      const tmo = this.settings.initialTmoMs;
      this.#pending.set(input.key, { bytes: input.bytes, peer: input.peer, attempt: 1, tmo, due: now + tmo });
      return [{ kind: 'transmit', key: input.key, bytes: input.bytes, peer: input.peer, attempt: 1 }];
    }
    if (input.kind === 'answered') {
      this.#pending.delete(input.key);
      return [];
    }
    const out: UdpTransactionAction[] = [];
    for (const [key, p] of this.#pending) {
      if (p.due > now) continue;
      if (p.attempt > this.settings.maxRetransmissions) {
        this.#pending.delete(key);
        out.push({ kind: 'failed', key, attempts: p.attempt, reason: 'no-answer' });
        continue;
      }
      p.attempt += 1;
      p.tmo = Math.min(p.tmo * 2, this.settings.maxTmoMs);
      p.due = now + p.tmo;
      out.push({ kind: 'transmit', key, bytes: p.bytes, peer: p.peer, attempt: p.attempt });
    }
    return out;
  }

  nextDeadline(): number | null {
    let next: number | null = null;
    for (const p of this.#pending.values()) if (next === null || p.due < next) next = p.due;
    return next;
  }
}
