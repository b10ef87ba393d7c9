// An access router's handover keys (RFC 5568 §6.4.5's mobile node-router security associations), by
// SPI, each bound to the node's interface identifier (the one its link-local and care-of addresses
// share): an FBU counts only when its BADF verifies with the key of the node that sends it. Replays:
// RFC 5568 has no timestamp in the FBU, so the Sequence Number does it (RFC 6275 §9.5.1's rule): older
// than the last accepted is refused, the same one only as a retransmission within 2 s (the mobile node
// sends an FBU at most 4 times, 500 ms apart: RFC 5568 §6.3.1 leaves it to it). Bounded: at most
// `max` associations, the oldest forgotten; one per node (a new attach replaces the old key).
import { canonical, ipv6ToBytes } from '../../wire/address.js';
import type { HandoverSecurityAssociation } from '../fmipv6/badf.js';

export interface NodeAssociation extends HandoverSecurityAssociation {
  nai: string;
  /** The node's interface identifier, hex. */
  iid: string;
  createdMs: number;
  lifetimeS: number;
  /** The last FBU sequence number accepted, and when. */
  lastSequence?: number;
  lastAcceptedMs?: number;
}

export function interfaceIdentifier(address: string): string {
  return ipv6ToBytes(canonical(address)).subarray(8).toString('hex');
}

/** Sequence numbers compare modulo 2^16 (RFC 6275 §9.5.1). */
function lessThan(a: number, b: number): boolean {
  return ((b - a) & 0xffff) !== 0 && ((b - a) & 0xffff) < 0x8000;
}

export class HandoverKeys {
  readonly #bySpi = new Map<number, NodeAssociation>();
  readonly #max: number;
  readonly #retransmitWindowMs: number;

  constructor(max = 1024, retransmitWindowMs = 2000) {
    this.#max = max;
    this.#retransmitWindowMs = retransmitWindowMs;
  }

  get size(): number {
    return this.#bySpi.size;
  }

  add(a: NodeAssociation): void {
    for (const [spi, old] of this.#bySpi) if (old.iid === a.iid || spi === a.spi) this.#bySpi.delete(spi);
    while (this.#bySpi.size >= this.#max) {
      const oldest = this.#bySpi.keys().next().value as number;
      this.#bySpi.delete(oldest);
    }
    this.#bySpi.set(a.spi, a);
  }

  /** The association an SPI names, while it lives. */
  get(spi: number, nowMs: number): NodeAssociation | undefined {
    const a = this.#bySpi.get(spi);
    if (!a) return undefined;
    if (nowMs - a.createdMs > a.lifetimeS * 1000) {
      this.#bySpi.delete(spi);
      return undefined;
    }
    return a;
  }

  byNode(address: string): NodeAssociation | undefined {
    const iid = interfaceIdentifier(address);
    for (const a of this.#bySpi.values()) if (a.iid === iid) return a;
    return undefined;
  }

  /** After the authenticator verified: whether this sequence number is fresh; records it when it is. */
  accept(a: NodeAssociation, sequence: number, nowMs: number): boolean {
    if (a.lastSequence !== undefined) {
      if (lessThan(sequence, a.lastSequence)) return false;
      if (sequence === a.lastSequence && nowMs - (a.lastAcceptedMs ?? 0) > this.#retransmitWindowMs) return false;
    }
    if (a.lastSequence !== sequence) a.lastAcceptedMs = nowMs;
    a.lastSequence = sequence;
    return true;
  }

  list(): Omit<NodeAssociation, 'key'>[] {
    return [...this.#bySpi.values()].map(({ key: _key, ...rest }) => rest);
  }
}
