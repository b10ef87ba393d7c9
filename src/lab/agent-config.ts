// The config file the lab writes for a node's agent (schema and reading: src/agent/config.ts): the
// node's roles, interfaces and RAs as resolved, and every AP of the lab for the FMIPv6 roles.
import { randomBytes } from 'node:crypto';
import type { AgentAccessPoint, AgentConfig, AgentMihTls, AgentRouterPeer, AgentStation } from '../agent/config.js';
import { controlSocketPath } from './names.js';
import type { ResolvedLab, ResolvedNode } from './topology/types.js';

/** What the lab writes for a node; the control socket is where the lab will look for it (names.ts). */
export function agentConfigFromNode(
  lab: string,
  node: ResolvedNode,
  extra: {
    controlSocket?: string;
    logFile?: string;
    statusFile?: string;
    aps?: AgentAccessPoint[];
    routerPeers?: AgentRouterPeer[];
    /** The lab's nodes, to resolve node names the agent settings use (mobile-node.routeOptimisation). */
    nodes?: readonly ResolvedNode[];
    stations?: AgentStation[];
    mihTls?: AgentMihTls;
  } = {},
): AgentConfig {
  const cfg: AgentConfig = {
    lab,
    node: node.name,
    roles: node.roles,
    interfaces: node.interfaces,
    routerAdvertisements: node.routerAdvertisements,
    agent: extra.nodes ? resolveNodeNames(withRadiusClient(node, extra.nodes), extra.nodes) : node.agent,
    controlSocket: extra.controlSocket ?? controlSocketPath(lab, node.name),
  };
  if (extra.logFile !== undefined) cfg.logFile = extra.logFile;
  if (extra.statusFile !== undefined) cfg.statusFile = extra.statusFile;
  if (extra.aps !== undefined) cfg.aps = extra.aps;
  if (extra.routerPeers?.length) cfg.routerPeers = extra.routerPeers;
  if (extra.stations?.length) cfg.stations = extra.stations;
  if (extra.mihTls) cfg.mihTls = extra.mihTls;
  return cfg;
}

/** The lab's APs with their routers' addresses and MACs on the cells (AgentConfig.aps, RFC 5568 §6.1.2). */
export function agentAccessPoints(lab: Pick<ResolvedLab, 'aps' | 'nodes'>): AgentAccessPoint[] {
  const out: AgentAccessPoint[] = [];
  for (const ap of lab.aps) {
    const router = lab.nodes.find((n) => n.name === ap.router);
    const iface = router?.interfaces.find((i) => i.name === ap.routerIface);
    const address = iface?.addresses[0]?.split('/')[0];
    if (!iface || !address) continue;
    out.push({
      name: ap.name,
      bssid: ap.bssid,
      router: ap.router,
      routerIface: ap.routerIface,
      prefix: ap.prefix,
      routerAddress: address,
      routerMac: iface.mac,
      routerRoles: [...router!.roles],
      notifyLatencyMs: ap.notifyLatencyMs,
    });
  }
  return out;
}

/** The FMIPv6 routers (roles par / nar) that hold an AP: their messages come from that cell's address. */
function fmipRouters(aps: readonly AgentAccessPoint[]): { node: string; address: string }[] {
  const out = new Map<string, string>();
  for (const ap of aps)
    if (!out.has(ap.router) && ap.routerRoles?.some((r) => r === 'par' || r === 'nar'))
      out.set(ap.router, ap.routerAddress);
  return [...out].map(([node, address]) => ({ node, address }));
}

/**
 * One fresh key per pair of FMIPv6 routers (RFC 5568 §7's PAR-NAR security association, made by the
 * lab for this run: docs/security.md), as each router's `routerPeers`. SPIs from 256 (RFC 4285 §5
 * keeps 0-255), one per pair.
 */
export function routerPeerKeys(
  aps: readonly AgentAccessPoint[],
  random: (n: number) => Buffer = randomBytes,
): Map<string, AgentRouterPeer[]> {
  const routers = fmipRouters(aps);
  const out = new Map<string, AgentRouterPeer[]>(routers.map((r) => [r.node, []]));
  let spi = 256;
  for (let i = 0; i < routers.length; i++)
    for (let j = i + 1; j < routers.length; j++) {
      const a = routers[i]!;
      const b = routers[j]!;
      const key = random(32).toString('hex');
      out.get(a.node)!.push({ node: b.node, address: b.address, spi, key });
      out.get(b.node)!.push({ node: a.node, address: a.address, spi, key });
      spi++;
    }
  return out;
}

/**
 * The RADIUS server's address and each client's secret (services.radius-server), written into the
 * access routers' `agent.fmipv6.aaa` beside what the lab file set there.
 */
export function withRadiusClient(node: ResolvedNode, nodes: readonly ResolvedNode[]): Record<string, unknown> {
  for (const n of nodes) {
    const r = n.services?.['radius-server'];
    const c = r?.clients.find((x) => x.node === node.name);
    if (!r || !c) continue;
    const fmipv6 = (node.agent.fmipv6 ?? {}) as { aaa?: Record<string, unknown> };
    return {
      ...node.agent,
      fmipv6: { ...fmipv6, aaa: { ...fmipv6.aaa, server: r.address, secret: c.secret, nasAddress: c.address } },
    };
  }
  return node.agent;
}

/** A node's first global address (the one its interfaces were planned with first). */
export function nodeAddress(node: Pick<ResolvedNode, 'interfaces'>): string | undefined {
  for (const i of node.interfaces) for (const a of i.addresses) if (!a.startsWith('fe80')) return a.split('/')[0];
  return undefined;
}

/** agent.mobile-node.routeOptimisation may name nodes: the agent gets their addresses. */
export function resolveNodeNames(
  agent: Record<string, unknown>,
  nodes: readonly ResolvedNode[],
): Record<string, unknown> {
  const mn = agent['mobile-node'] as { routeOptimisation?: unknown[] } | undefined;
  if (!mn || !Array.isArray(mn.routeOptimisation)) return agent;
  const routeOptimisation = mn.routeOptimisation.map((c) => {
    const n = typeof c === 'string' ? nodes.find((x) => x.name === c) : undefined;
    return (n && nodeAddress(n)) ?? c;
  });
  return { ...agent, 'mobile-node': { ...mn, routeOptimisation } };
}

/** Every radio of the lab with its MAC and initial AP (AgentConfig.stations). */
export function agentStations(lab: Pick<ResolvedLab, 'nodes'>): AgentStation[] {
  return lab.nodes.flatMap((n) =>
    n.interfaces
      .filter((i) => i.kind === 'radio')
      .map((i) => ({ node: n.name, mac: i.mac, ...(i.ap ? { ap: i.ap } : {}) })),
  );
}

/** A node's address on its first link (no length): where an LMA or MAG signals from. */
function firstLinkAddress(node: ResolvedNode): string | undefined {
  return node.interfaces.find((i) => i.kind === 'link')?.addresses[0]?.split('/')[0];
}

function settingsAddress(node: ResolvedNode, role: 'lma' | 'mag'): string | undefined {
  const s = node.agent[role] as { address?: unknown } | undefined;
  return typeof s?.address === 'string' ? s.address : firstLinkAddress(node);
}

/**
 * One fresh key per LMA-MAG pair (RFC 5213 §4's security association between them, made by the lab
 * for this run: the peer option of src/protocols/core/peer-auth.ts stands in for IPsec), added to
 * each one's `routerPeers`. SPIs follow on from `firstSpi`.
 */
export function proxyMobilityPeerKeys(
  lab: Pick<ResolvedLab, 'nodes'>,
  into: Map<string, AgentRouterPeer[]>,
  firstSpi: number,
  random: (n: number) => Buffer = randomBytes,
): void {
  const lmas = lab.nodes.filter((n) => n.roles.includes('lma'));
  const mags = lab.nodes.filter((n) => n.roles.includes('mag'));
  let spi = firstSpi;
  for (const l of lmas)
    for (const m of mags) {
      const la = settingsAddress(l, 'lma');
      const ma = settingsAddress(m, 'mag');
      if (!la || !ma) continue;
      const key = random(32).toString('hex');
      if (!into.has(l.name)) into.set(l.name, []);
      if (!into.has(m.name)) into.set(m.name, []);
      into.get(l.name)!.push({ node: m.name, address: ma, spi, key });
      into.get(m.name)!.push({ node: l.name, address: la, spi, key });
      spi++;
    }
  // RFC 5949's MAG-MAG signalling (HI / HAck) with the same stand-in: one key per pair of MAGs where
  // either lists the other in `fastHandover.peers`.
  const fastPeers = (n: ResolvedNode) =>
    ((n.agent.mag as { fastHandover?: { peers?: unknown } } | undefined)?.fastHandover?.peers ?? []) as unknown[];
  for (let i = 0; i < mags.length; i++)
    for (let j = i + 1; j < mags.length; j++) {
      const [a, b] = [mags[i]!, mags[j]!];
      if (!fastPeers(a).includes(b.name) && !fastPeers(b).includes(a.name)) continue;
      const aa = settingsAddress(a, 'mag');
      const ba = settingsAddress(b, 'mag');
      if (!aa || !ba) continue;
      const key = random(32).toString('hex');
      for (const n of [a, b]) if (!into.has(n.name)) into.set(n.name, []);
      into.get(a.name)!.push({ node: b.name, address: ba, spi, key });
      into.get(b.name)!.push({ node: a.name, address: aa, spi, key });
      spi++;
    }
}
