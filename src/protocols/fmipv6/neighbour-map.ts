// The PAR's knowledge of neighbouring access points (RFC 5568 §3.1, §6.1.2): an AP identifier
// (BSSID, i.e. the AP's link-layer address) maps to the access router behind it — the [AP-ID, AR-Info]
// tuple a PrRtAdv carries. The lab builds it from its topology; lookups tell known neighbour APs,
// APs on this router's own links, and unknown APs apart.

import { canonical, canonicalMac, inPrefix } from '../../wire/address.js';

export interface NeighbourAccessPoint {
  /** AP-ID: the AP's BSSID / link-layer address. */
  apId: string;
  /** The AP's name in the lab (for events and reports). */
  apName: string;
  /** The NAR's address that HI is sent to (RFC 5568 §6.2.1). */
  narAddress: string;
  /** The NAR's prefix on the AP's link; on point-to-point links the pool per-MN prefixes come from. */
  narPrefix: string;
  narPrefixLength: number;
  narLinkLayerAddress: string;
  /** The NAR gives each MN its own prefix (draft-xia-mipshop-fmip-ptp, MIPSHOP prefix management on point-to-point links). */
  pointToPoint?: boolean;
}

export type ApLookup =
  | { kind: 'neighbour'; ap: NeighbourAccessPoint }
  /** The AP is on one of this router's own links: no new router (LLA option code 5). */
  | { kind: 'own'; apId: string }
  | { kind: 'unknown'; apId: string };

export class NeighbourMap {
  readonly #byAp = new Map<string, NeighbourAccessPoint>();
  readonly #own = new Set<string>();

  constructor(neighbours: readonly NeighbourAccessPoint[], ownApIds: readonly string[] = []) {
    for (const n of neighbours) {
      const apId = canonicalMac(n.apId);
      this.#byAp.set(apId, {
        ...n,
        apId,
        narAddress: canonical(n.narAddress),
        narPrefix: canonical(n.narPrefix),
        narLinkLayerAddress: canonicalMac(n.narLinkLayerAddress),
      });
    }
    for (const a of ownApIds) this.#own.add(canonicalMac(a));
  }

  lookup(apId: string): ApLookup {
    const id = canonicalMac(apId);
    if (this.#own.has(id)) return { kind: 'own', apId: id };
    const ap = this.#byAp.get(id);
    return ap ? { kind: 'neighbour', ap } : { kind: 'unknown', apId: id };
  }

  /** Every neighbour AP (answers to a wildcard RtSolPr, RFC 5568 §6.1.1). */
  neighbours(): NeighbourAccessPoint[] {
    return [...this.#byAp.values()];
  }

  /** The neighbour AP whose NAR has `address` (HAck sender check). */
  byNarAddress(address: string): NeighbourAccessPoint | undefined {
    const a = canonical(address);
    for (const n of this.#byAp.values()) if (n.narAddress === a) return n;
    return undefined;
  }

  /** The neighbour AP whose NAR prefix holds `address` (an NCoA proposed in an FBU, or a reactive FBU's source). */
  byPrefixOf(address: string): NeighbourAccessPoint | undefined {
    for (const n of this.#byAp.values()) if (inPrefix(address, n.narPrefix, n.narPrefixLength)) return n;
    return undefined;
  }
}
