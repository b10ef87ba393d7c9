// Static routes of the plan (docs/topology.md, "Routes"): every node gets a route to every prefix of
// the lab it is not on, via the first hop of a shortest path over the link graph on which only routers
// forward. A host whose only router neighbour is one router gets a default route instead.
import { formatIPv6, formatPrefix, parseAddressWithLength, type Prefix } from './ipv6.js';
import type { Plan } from './plan.js';
import type { ResolvedRoute } from './types.js';

interface Adjacency {
  neighbour: string;
  /** Our interface on the shared link, and the neighbour's address there (the next hop). */
  dev: string;
  via: string;
}

export interface RouteInput {
  plan: Plan;
  /** Node names in file order, and whether each forwards. */
  nodes: { name: string; router: boolean; radio: boolean }[];
}

/** Automatic routes per node name. */
export function autoRoutes({ plan, nodes }: RouteInput): Map<string, ResolvedRoute[]> {
  const adj = new Map<string, Adjacency[]>(nodes.map((n) => [n.name, []]));
  const onPrefix = new Map<string, Set<string>>(nodes.map((n) => [n.name, new Set()]));
  // Prefix text -> nodes that forward onto it (the routers on that link or cell).
  const prefixes: { key: string; routers: string[] }[] = [];
  const router = new Map(nodes.map((n) => [n.name, n.router]));

  for (const l of plan.links) {
    adj.get(l.a.node)!.push({ neighbour: l.b.node, dev: l.a.iface, via: bare(l.b.address) });
    adj.get(l.b.node)!.push({ neighbour: l.a.node, dev: l.b.iface, via: bare(l.a.address) });
    addPrefix(l.prefix, [l.a.node, l.b.node]);
  }
  for (const ap of plan.aps) addPrefix(ap.prefix, [ap.router.node]);

  function addPrefix(p: Prefix, members: string[]): void {
    const key = formatPrefix(p);
    for (const m of members) onPrefix.get(m)!.add(key);
    prefixes.push({ key, routers: members.filter((m) => router.get(m)) });
  }

  const out = new Map<string, ResolvedRoute[]>();
  for (const n of nodes) {
    const neighbours = adj.get(n.name)!;
    const routerNeighbours = new Set(neighbours.filter((a) => router.get(a.neighbour)).map((a) => a.neighbour));
    // A radio's default route comes from Router Advertisements (RFC 4861 §6.3.4), never from the plan.
    if (!n.router && !n.radio && routerNeighbours.size === 1) {
      const hop = neighbours.find((a) => router.get(a.neighbour))!;
      out.set(n.name, [{ dst: 'default', via: hop.via, dev: hop.dev }]);
      continue;
    }
    const firstHop = shortestFirstHops(n.name, adj, router);
    const routes: ResolvedRoute[] = [];
    const done = new Set(onPrefix.get(n.name));
    for (const p of prefixes) {
      if (done.has(p.key)) continue;
      done.add(p.key);
      let best: { dist: number; hop: Adjacency } | undefined;
      for (const r of p.routers) {
        const h = firstHop.get(r);
        if (h && (!best || h.dist < best.dist)) best = h;
      }
      if (best) routes.push({ dst: p.key, via: best.hop.via, dev: best.hop.dev });
    }
    out.set(n.name, routes);
  }
  return out;
}

/** Breadth-first search from `src`, expanding only through routers; ties go to the earlier link. */
function shortestFirstHops(
  src: string,
  adj: Map<string, Adjacency[]>,
  router: Map<string, boolean>,
): Map<string, { dist: number; hop: Adjacency }> {
  const seen = new Map<string, { dist: number; hop: Adjacency }>();
  const queue: string[] = [];
  for (const a of adj.get(src)!) {
    if (a.neighbour === src || seen.has(a.neighbour)) continue;
    seen.set(a.neighbour, { dist: 1, hop: a });
    queue.push(a.neighbour);
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi]!;
    if (!router.get(u)) continue;
    const { dist, hop } = seen.get(u)!;
    for (const a of adj.get(u)!) {
      if (a.neighbour === src || seen.has(a.neighbour)) continue;
      seen.set(a.neighbour, { dist: dist + 1, hop });
      queue.push(a.neighbour);
    }
  }
  return seen;
}

function bare(addressWithLength: string): string {
  return formatIPv6(parseAddressWithLength(addressWithLength)!.address);
}
