// Traffic of a lab: constant-rate UDP flows and iperf3 runs, with ids, ports and destination
// addresses filled in from the plan.
import { assignHomeNetworkPrefixes } from '../../protocols/pmipv6/prefixes.js';
import { eui64Address } from '../../wire/address.js';
import type { SpecIssue } from './issues.js';
import { formatIPv6, formatPrefix, parseAddressWithLength, slaacAddress } from './ipv6.js';
import type { Plan } from './plan.js';
import type { LabSpec } from './schema.js';
import type { ResolvedNode, TrafficSpec } from './types.js';

/** Default ports: UDP flows from 9000, iperf3 from its usual 5201, by position in the list. */
export const UDP_BASE_PORT = 9000;
export const IPERF3_BASE_PORT = 5201;

export function resolveTraffic(
  spec: LabSpec,
  plan: Plan,
  nodes: ResolvedNode[],
): { ok: true; traffic: TrafficSpec[] } | { ok: false; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const usedIds = new Set(spec.traffic.flatMap((t) => (t.id === undefined ? [] : [t.id])));
  let nextId = 1;
  const ports = new Map<string, number>();
  const traffic = spec.traffic.map((t, i): TrafficSpec => {
    let id = t.id;
    if (id === undefined) {
      while (usedIds.has(nextId)) nextId++;
      id = nextId;
      usedIds.add(id);
    }
    const port = t.port ?? (t.kind === 'udp' ? UDP_BASE_PORT : IPERF3_BASE_PORT) + i;
    // iperf3 runs over TCP (and a TCP control connection); the flows over UDP: one listener per node and port.
    const key = `${t.to}/${t.kind === 'udp' ? 'udp' : 'tcp'}/${port}`;
    if (ports.has(key))
      issues.push({
        path: ['traffic', i, 'port'],
        message: `port ${port} on ${t.to} is already used by traffic[${ports.get(key)}]`,
      });
    else ports.set(key, i);
    const toAddress = t.toAddress ?? destinationAddress(t.to, plan, nodes);
    if (toAddress === undefined)
      issues.push({ path: ['traffic', i, 'to'], message: `"${t.to}" has no address; give toAddress` });
    // A mobile node's traffic leaves from its home address, through the reverse tunnel to its home
    // agent (RFC 6275 §11.3.1), so the correspondent sees one address across moves.
    const fromAddress = t.fromAddress ?? homeAddressOf(nodes.find((n) => n.name === t.from));
    const common = {
      id,
      from: t.from,
      to: t.to,
      toAddress: toAddress ?? '::',
      ...(fromAddress !== undefined ? { fromAddress } : {}),
      port,
      startMs: t.start,
      durationMs: t.duration ?? spec.duration - t.start,
    };
    return t.kind === 'udp'
      ? { kind: 'udp', ...common, ratePps: t.rate, sizeBytes: t.size }
      : { kind: 'iperf3', ...common, rateBps: t.rate };
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, traffic };
}

/**
 * A Mobile IPv6 mobile node's home address (agent["mobile-node"].homeAddress: it keeps it across
 * moves, RFC 6275 §11.3.1); else a mobile node's SLAAC address on its initial AP; otherwise the first
 * planned address of the node.
 */
export function destinationAddress(node: string, plan: Plan, nodes: ResolvedNode[]): string | undefined {
  const homeAddress = homeAddressOf(nodes.find((n) => n.name === node));
  if (homeAddress !== undefined) return homeAddress;
  const radio = plan.radios.find((r) => r.node === node);
  const proxied = radio && proxyHomeAddress(node, radio.mac, nodes);
  if (proxied) return proxied;
  if (radio?.initialAp !== undefined) {
    const ap = plan.aps.find((a) => a.name === radio.initialAp)!;
    return slaacAddress(formatPrefix(ap.prefix), radio.mac);
  }
  const first = nodes.find((n) => n.name === node)?.interfaces.flatMap((i) => i.addresses)[0];
  return first === undefined ? undefined : formatIPv6(parseAddressWithLength(first)!.address);
}

/**
 * A Proxy Mobile IPv6 node's address: its SLAAC address (EUI-64, as the lab sets radios up) in the home
 * network prefix the LMA's policy gives the MN-Identifier a MAG registers it under (RFC 5213 §6.7).
 */
function proxyHomeAddress(node: string, mac: string, nodes: ResolvedNode[]): string | undefined {
  for (const mag of nodes) {
    const m = mag.agent.mag as { mobileNodes?: { id?: unknown; node?: unknown }[] } | undefined;
    const id = Array.isArray(m?.mobileNodes) ? m.mobileNodes.find((x) => x?.node === node)?.id : undefined;
    if (typeof id !== 'string') continue;
    for (const lma of nodes) {
      const l = lma.agent.lma as { mobileNodes?: { id: string; prefix?: string }[]; pool?: string } | undefined;
      if (!lma.roles.includes('lma') || !Array.isArray(l?.mobileNodes)) continue;
      const hnp = assignHomeNetworkPrefixes(l.mobileNodes, l.pool).get(id);
      if (hnp) return eui64Address(hnp.prefix, mac);
    }
  }
  return undefined;
}

/** agent["mobile-node"].homeAddress of a node that has one (a string), else undefined. */
export function homeAddressOf(node: ResolvedNode | undefined): string | undefined {
  const section = node?.agent['mobile-node'];
  if (typeof section !== 'object' || section === null) return undefined;
  const a = (section as Record<string, unknown>).homeAddress;
  return typeof a === 'string' ? a : undefined;
}
