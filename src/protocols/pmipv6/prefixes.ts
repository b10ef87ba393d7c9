// Home network prefixes from the LMA's policy (RFC 5213 §5.3.1, §6.2's policy profile): a node listed
// with a prefix gets it; the others get the /64s of the pool in the order they are listed, skipping
// listed prefixes. Deterministic, so the lab knows each node's address before the run.
import { canonical, nthPrefix, prefixOf } from '../../wire/address.js';

export const HOME_NETWORK_PREFIX_LENGTH = 64;

export interface HomeNetworkPrefix {
  prefix: string;
  prefixLength: number;
}

export function assignHomeNetworkPrefixes(
  mobileNodes: readonly { id: string; prefix?: string; prefixLength?: number }[],
  pool?: string,
): Map<string, HomeNetworkPrefix> {
  const out = new Map<string, HomeNetworkPrefix>();
  for (const m of mobileNodes)
    if (m.prefix !== undefined) {
      const len = m.prefixLength ?? HOME_NETWORK_PREFIX_LENGTH;
      out.set(m.id, { prefix: prefixOf(m.prefix.split('/')[0]!, len), prefixLength: len });
    }
  if (!pool) return out;
  const [base, l] = pool.split('/');
  const poolLength = Number(l);
  if (!base || !(poolLength >= 1 && poolLength < HOME_NETWORK_PREFIX_LENGTH)) return out;
  const taken = new Set([...out.values()].map((p) => p.prefix));
  const size = 2 ** Math.min(24, HOME_NETWORK_PREFIX_LENGTH - poolLength);
  let n = 0;
  for (const m of mobileNodes) {
    if (out.has(m.id)) continue;
    while (n < size && taken.has(canonical(nthPrefix(base, poolLength, HOME_NETWORK_PREFIX_LENGTH, n)))) n++;
    if (n >= size) break; // pool exhausted: the node is refused (155)
    out.set(m.id, {
      prefix: canonical(nthPrefix(base, poolLength, HOME_NETWORK_PREFIX_LENGTH, n++)),
      prefixLength: HOME_NETWORK_PREFIX_LENGTH,
    });
  }
  return out;
}
