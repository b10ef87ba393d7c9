// RFC 6275 §11.8: "the mobile node MUST NOT send Binding Updates to the same destination more often
// than MAX_UPDATE_RATE times per second". A sliding window over the last `rate` send times: a send is
// allowed when fewer than `rate` happened in the `windowMs` before it, so any window of that length
// holds at most `rate` sends. The state is `rate` numbers, whatever the input.

export class UpdateRate {
  readonly #sent: number[] = [];

  constructor(
    readonly rate: number,
    readonly windowMs = 1_000,
  ) {
    if (!Number.isInteger(rate) || rate < 1) throw new RangeError(`rate must be a whole number >= 1, got ${rate}`);
  }

  /** The earliest time a send is allowed (0 when one is allowed at any time from now). */
  nextAllowed(): number {
    return this.#sent.length < this.rate ? 0 : this.#sent[0]! + this.windowMs;
  }

  allows(now: number): boolean {
    return this.nextAllowed() <= now;
  }

  /** Records a send at `now`; the caller checked `allows(now)`. */
  record(now: number): void {
    this.#sent.push(now);
    if (this.#sent.length > this.rate) this.#sent.shift();
  }
}
