// Static routes of the plan (docs/topology.md, "Routes"): every node gets a route to every prefix of
// the lab it is not on, via the first hop of a shortest path over the link graph on which only routers
// forward. A non-router whose only router neighbour is one router gets a default route instead.
import { formatIPv6, formatPrefix, parseAddressWithLength, type Prefix } from './ipv6.js';
import type { Plan } from './plan.js';
import type { ResolvedRoute } from './types.js';

interface Adjacency {
  neighbour: number;
  /** Our interface on the shared link, and the neighbour's address there (the next hop). */
  dev: string;
  via: string;
}

export interface RouteInput {
  plan: Plan;
  /** Node names in file order, and whether each forwards or has a radio. */
  nodes: { name: string; router: boolean; radio: boolean }[];
  /** Prefixes a node anchors beyond its links and APs (a PMIPv6 LMA's home network prefixes): routed to it. */
  anchored?: { node: string; prefix: Prefix }[];
}

/** Automatic routes per node name. Nodes are numbered in file order so ties break the same way every run. */
export function autoRoutes({ plan, nodes, anchored = [] }: RouteInput): Map<string, ResolvedRoute[]> {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const router = nodes.map((n) => n.router);
  const adj: Adjacency[][] = nodes.map(() => []);
  // Per prefix: its text, the nodes on it, and the routers among them (they forward onto it).
  const prefixes: { key: string; members: number[]; routers: number[] }[] = [];
  const addPrefix = (p: Prefix, members: number[]) =>
    prefixes.push({ key: formatPrefix(p), members, routers: members.filter((m) => router[m]) });

  for (const l of plan.links) {
    const a = index.get(l.a.node)!;
    const b = index.get(l.b.node)!;
    adj[a]!.push({ neighbour: b, dev: l.a.iface, via: bare(l.b.address) });
    adj[b]!.push({ neighbour: a, dev: l.b.iface, via: bare(l.a.address) });
    addPrefix(l.prefix, [a, b]);
  }
  for (const ap of plan.aps) addPrefix(ap.prefix, [index.get(ap.router.node)!]);
  for (const a of anchored) if (index.has(a.node)) addPrefix(a.prefix, [index.get(a.node)!]);

  const out = new Map<string, ResolvedRoute[]>();
  nodes.forEach((n, src) => {
    const routerHops = adj[src]!.filter((a) => router[a.neighbour]);
    // A radio's default route comes from Router Advertisements (RFC 4861 §6.3.4), never from the plan.
    if (
      !n.router &&
      !n.radio &&
      routerHops.length > 0 &&
      routerHops.every((a) => a.neighbour === routerHops[0]!.neighbour)
    ) {
      out.set(n.name, [{ dst: 'default', via: routerHops[0]!.via, dev: routerHops[0]!.dev }]);
      return;
    }
    const { dist, hop } = shortestFirstHops(src, adj, router);
    const routes: ResolvedRoute[] = [];
    for (const p of prefixes) {
      if (p.members.includes(src)) continue;
      let best = -1;
      for (const r of p.routers) if (dist[r]! >= 0 && (best < 0 || dist[r]! < dist[best]!)) best = r;
      if (best >= 0) routes.push({ dst: p.key, via: hop[best]!.via, dev: hop[best]!.dev });
    }
    out.set(n.name, routes);
  });
  return out;
}

/** Breadth-first search from `src`, expanding only through routers; ties go to the earlier link. */
function shortestFirstHops(
  src: number,
  adj: Adjacency[][],
  router: boolean[],
): { dist: Int32Array; hop: (Adjacency | undefined)[] } {
  const dist = new Int32Array(adj.length).fill(-1);
  const hop: (Adjacency | undefined)[] = new Array(adj.length);
  dist[src] = 0;
  const queue = new Int32Array(adj.length);
  let tail = 0;
  for (const a of adj[src]!) {
    if (dist[a.neighbour] !== -1) continue;
    dist[a.neighbour] = 1;
    hop[a.neighbour] = a;
    queue[tail++] = a.neighbour;
  }
  for (let head = 0; head < tail; head++) {
    const u = queue[head]!;
    if (!router[u]) continue;
    for (const a of adj[u]!) {
      if (dist[a.neighbour] !== -1) continue;
      dist[a.neighbour] = dist[u]! + 1;
      hop[a.neighbour] = hop[u];
      queue[tail++] = a.neighbour;
    }
  }
  return { dist, hop };
}

function bare(addressWithLength: string): string {
  return formatIPv6(parseAddressWithLength(addressWithLength)!.address);
}
