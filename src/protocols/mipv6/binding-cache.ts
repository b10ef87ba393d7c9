// The home agent's Binding Cache (RFC 6275 §9.1), keyed by home address. Each entry holds the care-of
// address, the granted lifetime and when it runs out, and the last accepted sequence number (§9.5.1).
// Pure: callers pass `now`; expiry happens when `expire(now)` is called (by the machine's tick).

export interface BindingCacheEntry {
  homeAddress: string;
  careOfAddress: string;
  /** Granted lifetime in seconds (the BA's Lifetime × 4). */
  lifetimeS: number;
  /** Monotonic ms at which the entry MUST be deleted (RFC 6275 §9.1: "lifetime ... decremented"). */
  expiresAt: number;
  /** Largest Sequence Number accepted for this home address (§9.1). */
  sequenceNumber: number;
  /** H flag of the registration (§9.1: "home registration flag"); always true here. */
  homeRegistration: boolean;
  /** The Mobile Node Identifier (RFC 4283 NAI) whose security association registered it. */
  nai: string;
  registeredAt: number;
}

export class BindingCache {
  readonly #entries = new Map<string, BindingCacheEntry>();

  get(homeAddress: string): BindingCacheEntry | undefined {
    return this.#entries.get(homeAddress);
  }

  /** Creates or replaces the entry for `entry.homeAddress`; returns the previous one. */
  upsert(entry: BindingCacheEntry): BindingCacheEntry | undefined {
    const prev = this.#entries.get(entry.homeAddress);
    this.#entries.set(entry.homeAddress, { ...entry });
    return prev;
  }

  delete(homeAddress: string): BindingCacheEntry | undefined {
    const prev = this.#entries.get(homeAddress);
    this.#entries.delete(homeAddress);
    return prev;
  }

  /** Removes and returns the entries whose lifetime has run out at `now`. */
  expire(now: number): BindingCacheEntry[] {
    const gone: BindingCacheEntry[] = [];
    for (const [hoa, e] of this.#entries) {
      if (e.expiresAt <= now) {
        gone.push(e);
        this.#entries.delete(hoa);
      }
    }
    return gone;
  }

  /** Earliest expiry, or null when the cache is empty. */
  nextExpiry(): number | null {
    let min: number | null = null;
    for (const e of this.#entries.values()) if (min === null || e.expiresAt < min) min = e.expiresAt;
    return min;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Copies of the entries, for status reports and tests. */
  entries(): BindingCacheEntry[] {
    return [...this.#entries.values()].map((e) => ({ ...e }));
  }
}
