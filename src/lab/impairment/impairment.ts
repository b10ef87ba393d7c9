// Helpers shared by the two ways of impairing a link (netem.ts in the kernel, relay-main.ts in
// userspace).
import type { Impairment } from '../topology/types.js';

/** True when the impairment changes anything (an all-zero one is the same as none). */
export function isImpaired(imp: Impairment | null | undefined): imp is Impairment {
  return !!imp && (imp.delayMs > 0 || imp.jitterMs > 0 || imp.lossPct > 0 || imp.duplicatePct > 0 || imp.rateBps > 0);
}

export function linkIsImpaired(link: { ab: Impairment | null; ba: Impairment | null }): boolean {
  return isImpaired(link.ab) || isImpaired(link.ba);
}
