// Kernel changes (routes, addresses, nft sets) are asynchronous (`ip`, `nft` processes) but a
// machine's actions must take effect in the order it returned them: a tunnel-down before the next
// tunnel-up, the home address off the TUN before it goes on the radio. One queue per role runs them
// one after another; a failure is reported and the queue goes on with the next action.
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(private readonly onError: (label: string, err: unknown) => void) {}

  push(label: string, fn: () => Promise<void> | void): void {
    this.#pending++;
    this.#tail = this.#tail
      .then(fn)
      .catch((err) => this.onError(label, err))
      .finally(() => {
        this.#pending--;
      });
  }

  /** Settles when everything pushed so far has run. */
  idle(): Promise<void> {
    return this.#tail;
  }

  get pending(): number {
    return this.#pending;
  }
}
