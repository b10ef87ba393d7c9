// `nodes.<n>.services` resolved: node names become addresses, Kea's interfaces get their link's prefix,
// every reference is checked with its YAML path.
import { randomBytes } from 'node:crypto';
import { prefixOf } from '../../wire/address.js';
import type { SpecIssue } from './issues.js';
import { isIPv6Address } from './ipv6.js';
import type { LabSpec } from './schema.js';
import type { MosServiceKey, RadiusServerService, ResolvedNode, ResolvedServices } from './types.js';

const SERVICE_KEYS: readonly MosServiceKey[] = ['is', 'cs', 'es'];

/** A node's own address for services: the first static address of its first interface that has one. */
export function serviceAddress(node: ResolvedNode): string | undefined {
  const a = node.interfaces.find((i) => i.addresses.length > 0)?.addresses[0];
  return a?.split('/')[0];
}

/** Sets `services` on the nodes that declare some; the issues are the YAML's. */
export function resolveServices(spec: LabSpec, nodes: ResolvedNode[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const hostAddress = (ref: string, path: (string | number)[]): string | undefined => {
    if (isIPv6Address(ref)) return ref;
    const n = byName.get(ref);
    if (!n) {
      issues.push({
        path,
        message: `expected a node (${[...byName.keys()].join(', ')}) or an IPv6 address, got "${ref}"`,
      });
      return undefined;
    }
    const a = serviceAddress(n);
    if (!a) issues.push({ path, message: `node ${ref} has no static address (a radio's address comes from SLAAC)` });
    return a;
  };
  for (const node of nodes) {
    const s = spec.nodes[node.name]?.services;
    if (!s) continue;
    const at = ['nodes', node.name, 'services'];
    const out: ResolvedServices = {};
    const dhcp = s['dhcpv6-server'];
    if (dhcp) {
      const base = [...at, 'dhcpv6-server'];
      const candidates = node.interfaces.filter((i) => i.kind !== 'radio' && i.addresses.length > 0);
      const names = dhcp.interfaces ?? candidates.map((i) => i.name);
      if (names.length === 0)
        issues.push({ path: base, message: 'the node has no link or AP interface to serve on', onKey: true });
      const interfaces: { name: string; prefix: string }[] = [];
      names.forEach((name, i) => {
        const iface = candidates.find((c) => c.name === name);
        if (!iface) {
          issues.push({
            path: [...base, 'interfaces', i],
            message: `expected an interface of ${node.name} with an address (${candidates.map((c) => c.name).join(', ') || 'none'}), got "${name}"`,
          });
          return;
        }
        const [addr, len] = iface.addresses[0]!.split('/');
        interfaces.push({ name, prefix: `${prefixOf(addr!, Number(len))}/${len}` });
      });
      const mosAddresses: Partial<Record<MosServiceKey, string[]>> = {};
      const mosDomains: Partial<Record<MosServiceKey, string[]>> = {};
      for (const k of SERVICE_KEYS) {
        const refs = dhcp.mosAddresses?.[k];
        if (refs)
          mosAddresses[k] = refs
            .map((r, i) => hostAddress(r, [...base, 'mosAddresses', k, i]))
            .filter((a): a is string => a !== undefined);
        const doms = dhcp.mosDomains?.[k];
        if (doms) mosDomains[k] = doms.map((d) => d.replace(/\.$/, ''));
      }
      const dnsServers = (dhcp.dnsServers ?? [])
        .map((r, i) => hostAddress(r, [...base, 'dnsServers', i]))
        .filter((a): a is string => a !== undefined);
      out['dhcpv6-server'] = { interfaces, mosAddresses, mosDomains, dnsServers };
    }
    const dns = s['dns-server'];
    if (dns) {
      const zones = Object.entries(dns.zones).map(([zoneName, z]) => {
        const zat = [...at, 'dns-server', 'zones', zoneName];
        const hosts = Object.entries(z.hosts)
          .map(([label, ref]) => ({ label, address: hostAddress(ref, [...zat, 'hosts', label]) }))
          .filter((h): h is { label: string; address: string } => h.address !== undefined);
        const own = serviceAddress(node);
        if (!('ns' in z.hosts) && own) hosts.unshift({ label: 'ns', address: own });
        z.mos.forEach((m, i) => {
          if (!(m.host in z.hosts) && !(m.host === 'ns' && own))
            issues.push({
              path: [...zat, 'mos', i, 'host'],
              message: `expected a label of this zone's hosts (${Object.keys(z.hosts).join(', ') || 'none'}), got "${m.host}"`,
            });
        });
        return { name: zoneName.replace(/\.$/, ''), hosts, mos: z.mos };
      });
      if (!serviceAddress(node))
        issues.push({
          path: [...at, 'dns-server'],
          message: `node ${node.name} has no static address to serve DNS on`,
          onKey: true,
        });
      out['dns-server'] = { zones };
    }
    const radius = s['radius-server'];
    if (radius) out['radius-server'] = resolveRadius(node, radius, byName, [...at, 'radius-server'], issues);
    node.services = out;
  }
  return issues;
}

/** A node's first global address: an access router sends its Access-Requests from it (NAS-IPv6-Address). */
export function nasAddress(node: ResolvedNode): string | undefined {
  for (const i of node.interfaces) for (const a of i.addresses) if (!a.startsWith('fe80')) return a.split('/')[0];
  return undefined;
}

function resolveRadius(
  node: ResolvedNode,
  spec: NonNullable<NonNullable<LabSpec['nodes'][string]['services']>['radius-server']>,
  byName: Map<string, ResolvedNode>,
  at: (string | number)[],
  issues: SpecIssue[],
): RadiusServerService {
  const address = serviceAddress(node) ?? '';
  if (!address)
    issues.push({ path: at, message: `node ${node.name} has no static address to serve RADIUS on`, onKey: true });
  const clients: RadiusServerService['clients'] = [];
  spec.clients.forEach((name, i) => {
    const n = byName.get(name);
    const a = n && nasAddress(n);
    if (!n || !a || !n.roles.some((r) => r === 'par' || r === 'nar')) {
      issues.push({
        path: [...at, 'clients', i],
        message: `expected an FMIPv6 access router (roles par or nar) with a static address, got "${name}"`,
      });
      return;
    }
    // RFC 2865 §3: a secret per client; made for this run, never in the lab file (RFC 5080 §2.2.1 is silent on it).
    clients.push({ node: name, address: a, secret: randomBytes(16).toString('hex') });
  });
  const users: RadiusServerService['users'] = [];
  spec.users.forEach((name, i) => {
    const n = byName.get(name);
    const aaa = n && mobileNodeCredential(n);
    if (!aaa) {
      issues.push({
        path: [...at, 'users', i],
        message: `expected a mobile node with agent.fmipv6.aaa { nai, password }, got "${name}"`,
      });
      return;
    }
    users.push({ node: name, ...aaa });
  });
  return { address, clients, users };
}

/** The long-term credential a mobile node's agent holds (agent.fmipv6.aaa). */
export function mobileNodeCredential(node: ResolvedNode): { nai: string; password: string } | undefined {
  if (!node.roles.includes('mobile-node')) return undefined;
  const aaa = (node.agent.fmipv6 as { aaa?: { nai?: unknown; password?: unknown } } | undefined)?.aaa;
  if (typeof aaa?.nai !== 'string' || typeof aaa.password !== 'string') return undefined;
  return { nai: aaa.nai, password: aaa.password };
}
