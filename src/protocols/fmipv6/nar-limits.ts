// Bounds on what the NAR keeps for inputs it does not control (RFC 5568 §7: HIs from neighbour
// routers, packets for NCoAs, the access link's neighbours). Every refusal is counted by the machine.

export interface NarLimits {
  /** Handover records at once; an HI beyond is answered HAck 130 "insufficient resources" (§6.2.2). */
  maxRecords: number;
  /** Packets and bytes in all NCoA buffers together (each buffer also has its own `buffer` bound). */
  totalBuffer: { maxPackets: number; maxBytes: number };
  /** New HIs per second from one PAR (token bucket), and the bucket's depth. Beyond: unanswered. */
  hiPerSecond: number;
  hiBurst: number;
  /** PAR addresses with a bucket; an HI from one more is refused as over rate. */
  maxNeighbourRouters: number;
  /** Access-link addresses remembered (in use, announced by UNA). */
  maxNeighbours: number;
}

export const DEFAULT_NAR_LIMITS: NarLimits = {
  maxRecords: 256,
  totalBuffer: { maxPackets: 10_000, maxBytes: 8_000_000 },
  hiPerSecond: 50,
  hiBurst: 50,
  maxNeighbourRouters: 64,
  maxNeighbours: 4096,
};

/** A set that holds at most `max` entries: `add` refuses (false) or forgets the oldest (`evict`). */
export class BoundedSet {
  /** Each member with its holder's link-layer address, when known. */
  readonly #items = new Map<string, string | undefined>();
  constructor(readonly max: number) {}
  has(x: string): boolean {
    return this.#items.has(x);
  }
  /** The link-layer address `x` was added with. */
  holder(x: string): string | undefined {
    return this.#items.get(x);
  }
  delete(x: string): void {
    this.#items.delete(x);
  }
  get size(): number {
    return this.#items.size;
  }
  /** True when `x` is in the set afterwards without forgetting another entry. */
  add(x: string, evict: boolean, holder?: string): boolean {
    if (this.#items.has(x)) {
      const kept = holder ?? this.#items.get(x);
      this.#items.delete(x); // refreshed: now the newest
      this.#items.set(x, kept);
      return true;
    }
    let kept = true;
    if (this.#items.size >= this.max) {
      if (!evict || this.max === 0) return false;
      const oldest = this.#items.keys().next().value as string;
      this.#items.delete(oldest);
      kept = false;
    }
    this.#items.set(x, holder);
    return kept;
  }
}

/** One token bucket per sender, at most `maxSenders` of them (a full table refuses new senders). */
export class HiRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    readonly maxSenders: number,
  ) {}
  take(now: number, sender: string): boolean {
    let b = this.#buckets.get(sender);
    if (!b) {
      if (this.#buckets.size >= this.maxSenders) return false;
      b = { tokens: this.burst, at: now };
      this.#buckets.set(sender, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perSecond) / 1000);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
