// Helpers for tests of resolved labs: a hop-by-hop forwarding walk over the planned routes, and the
// list of every address a lab can use. Used by the unit tests here and by property tests.
import { formatIPv6, parseAddressWithLength, parseIPv6, prefixContains, prefixMask, slaacAddress } from '../ipv6.js';
import type { ResolvedLab, ResolvedNode } from '../types.js';

/** Where a packet from `from` to `dst` ends up when every node follows its routes (longest match). */
export function forward(lab: ResolvedLab, from: string, dst: string): { delivered: boolean; hops: number } {
  const target = parseIPv6(dst)!;
  const byName = new Map(lab.nodes.map((n) => [n.name, n]));
  let node = byName.get(from)!;
  for (let hops = 0; hops <= lab.nodes.length; hops++) {
    if (onLinkOf(node, target)) return { delivered: true, hops };
    const route = longestMatch(node, target);
    if (!route?.via) return { delivered: false, hops };
    const next = lab.nodes.find((n) =>
      n.interfaces.some((i) => i.addresses.some((a) => parseAddressWithLength(a)!.address === parseIPv6(route.via!))),
    );
    if (!next) return { delivered: false, hops };
    node = next;
    if (hops > 0 && !node.roles.includes('router') && !onLinkOf(node, target)) return { delivered: false, hops };
  }
  return { delivered: false, hops: Infinity };
}

function onLinkOf(node: ResolvedNode, target: bigint): boolean {
  return node.interfaces.some((i) =>
    i.addresses.some((a) => {
      const p = parseAddressWithLength(a)!;
      return prefixContains({ network: p.address & prefixMask(p.length), length: p.length }, target);
    }),
  );
}

function longestMatch(node: ResolvedNode, target: bigint) {
  let best: { len: number; route: ResolvedNode['routes'][number] } | undefined;
  for (const r of node.routes) {
    const len = r.dst === 'default' ? 0 : Number(r.dst.split('/')[1]);
    const net = r.dst === 'default' ? 0n : parseIPv6(r.dst.split('/')[0]!)!;
    const mask = prefixMask(len);
    if ((target & mask) === net && (!best || len > best.len)) best = { len, route: r };
  }
  return best?.route;
}

/** Every address of the lab: interface addresses, and each mobile node's SLAAC address on every cell. */
export function allAddresses(lab: ResolvedLab): string[] {
  const out = lab.nodes.flatMap((n) =>
    n.interfaces.flatMap((i) => i.addresses.map((a) => formatIPv6(parseAddressWithLength(a)!.address))),
  );
  for (const n of lab.nodes) {
    for (const radio of n.interfaces.filter((i) => i.kind === 'radio')) {
      for (const ap of lab.aps) out.push(slaacAddress(ap.prefix, radio.mac));
    }
  }
  return out;
}
