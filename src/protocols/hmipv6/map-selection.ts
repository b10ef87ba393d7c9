// MAP discovery and selection by the mobile node (RFC 5380 §7.1, §9.1) and the RCoA it forms (§6).
// Pure functions over the MAP options of one Router Advertisement.

import { canonical, prefixOf, slaacAddress } from '../../wire/address.js';

/** A MAP option as the mobile node keeps it (RFC 5380 §5). */
export interface MapOptionInfo {
  distance: number;
  preference: number;
  rcoa: boolean;
  validLifetime: number;
  globalAddress: string;
}

/** The RCoA's prefix length: the MAP's subnet, a /64 as every SLAAC prefix here (RFC 4862 §5.5.3). */
export const RCOA_PREFIX_LENGTH = 64;

/**
 * The MAP to register with, or null (then plain Mobile IPv6, §7.1 "MUST NOT attempt to use HMIPv6").
 * - Valid Lifetime 0: "MUST NOT be selected" (§7.1).
 * - Preference 0: "SHOULD NOT be used for new local BUs" (§7.1), so only the current MAP may keep it.
 * - Highest Preference first (§7.1 "SHOULD register with the MAP having the highest preference").
 * - Equal Preference: the most distant MAP (§9.1's default algorithm, fewer MAP changes), then the
 *   current MAP (no change for nothing), then the lowest address (the same answer every time).
 */
export function selectMap(options: readonly MapOptionInfo[], current: string | null): MapOptionInfo | null {
  const cur = current === null ? null : canonical(current);
  const usable = options.filter((o) => o.validLifetime > 0 && (o.preference > 0 || canonical(o.globalAddress) === cur));
  usable.sort(
    (a, b) =>
      b.preference - a.preference ||
      b.distance - a.distance ||
      Number(canonical(b.globalAddress) === cur) - Number(canonical(a.globalAddress) === cur) ||
      canonical(a.globalAddress).localeCompare(canonical(b.globalAddress)),
  );
  return usable[0] ?? null;
}

/** RFC 5380 §6: the RCoA is "formed in a stateless manner by combining the mobile node's interface
 * identifier and the subnet prefix received in the MAP option" (the prefix of the MAP's address). */
export function regionalCareOfAddress(map: string, interfaceId: string): { rcoa: string; prefix: string } {
  const prefix = prefixOf(map, RCOA_PREFIX_LENGTH);
  return { rcoa: slaacAddress(prefix, RCOA_PREFIX_LENGTH, interfaceId), prefix };
}
