// RADIUS client retransmission (RFC 5080 §2.2.1, the DHCPv6 model of RFC 3315 §14): the first timeout
// RT = IRT + RAND*IRT, then RT = 2*RTprev + RAND*RTprev, held at MRT + RAND*MRT; at most MRC
// retransmissions (0: no limit) and MRD in all (0: no limit). RAND is uniform in [-0.1, 0.1].
// Pure: the caller passes `random` (0..1) and `now`.

export interface RetransmitParameters {
  irtMs: number;
  mrc: number;
  mrtMs: number;
  mrdMs: number;
}

/** RFC 5080 §2.2.1's defaults. */
export const RFC5080_DEFAULTS: RetransmitParameters = { irtMs: 2000, mrc: 5, mrtMs: 16_000, mrdMs: 30_000 };

export class RetransmitSchedule {
  readonly #p: RetransmitParameters;
  readonly #random: () => number;
  readonly #startMs: number;
  #rt = 0;
  #retransmissions = 0;

  constructor(p: RetransmitParameters, startMs: number, random: () => number) {
    this.#p = p;
    this.#startMs = startMs;
    this.#random = random;
  }

  #rand(): number {
    return (this.#random() * 2 - 1) * 0.1;
  }

  /** When the transmission made at `nowMs` times out; the first call is for the first transmission. */
  nextTimeout(nowMs: number): number {
    const p = this.#p;
    this.#rt = this.#rt === 0 ? p.irtMs + this.#rand() * p.irtMs : 2 * this.#rt + this.#rand() * this.#rt;
    if (p.mrtMs > 0 && this.#rt > p.mrtMs) this.#rt = p.mrtMs + this.#rand() * p.mrtMs;
    const at = nowMs + this.#rt;
    // The exchange ends at MRD after the first transmission at the latest.
    return p.mrdMs > 0 ? Math.min(at, this.#startMs + p.mrdMs) : at;
  }

  /** At a timeout: whether to retransmit (else the exchange has failed). */
  retransmit(nowMs: number): boolean {
    const p = this.#p;
    if (p.mrc > 0 && this.#retransmissions >= p.mrc) return false;
    if (p.mrdMs > 0 && nowMs - this.#startMs >= p.mrdMs) return false;
    this.#retransmissions++;
    return true;
  }

  get retransmissions(): number {
    return this.#retransmissions;
  }
}
