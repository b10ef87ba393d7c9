// Semantic checks on a parsed lab, before the plan: references between nodes, links, APs, the
// scenario and traffic. Each issue carries the YAML path it is about.
import type { SpecIssue } from './issues.js';
import { isMobile, isRouter } from './roles.js';
import type { LabSpec } from './schema.js';
import { formatDuration } from './units.js';
import { checkExplicitAddresses } from './check-addresses.js';
import { checkScenario } from './check-scenario.js';
import { checkAgentSettings } from './check-agent.js';

/** "r1:eth2" -> { node: "r1", iface: "eth2" }. */
export function splitEndpoint(text: string): { node: string; iface?: string } {
  const colon = text.indexOf(':');
  return colon < 0 ? { node: text } : { node: text.slice(0, colon), iface: text.slice(colon + 1) };
}

// Names the plan gives itself: links eth1.., radios wlan0; AP interfaces take the AP's name.
const RESERVED_IFACE = /^(?:lo|wlan\d+)$/;

export function checkLab(spec: LabSpec): SpecIssue[] {
  return [
    ...checkNodes(spec),
    ...checkAgentSettings(spec),
    ...checkLinks(spec),
    ...checkAps(spec),
    ...checkExplicitAddresses(spec),
    ...checkScenario(spec),
    ...checkTraffic(spec),
    ...checkCapture(spec),
  ];
}

function checkNodes(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (Object.keys(spec.nodes).length === 0) issues.push({ path: ['nodes'], message: 'expected at least one node' });
  for (const [name, node] of Object.entries(spec.nodes)) {
    const mobile = isMobile(node.roles);
    if (node.radio && !mobile) {
      issues.push({
        path: ['nodes', name, 'radio'],
        message: 'a radio needs the role mobile (or mobile-node)',
        onKey: true,
      });
    }
    if (node.roles.includes('host') && isRouter(node.roles)) {
      issues.push({ path: ['nodes', name, 'roles'], message: 'a node is either a host or a router, not both' });
    }
    // agent.mobile-node.routeOptimisation names correspondents by address or by node (agent-config.ts resolves).
    const ro = (node.agent?.['mobile-node'] as { routeOptimisation?: unknown } | undefined)?.routeOptimisation;
    if (Array.isArray(ro))
      ro.forEach((c, i) => {
        if (typeof c === 'string' && !c.includes(':') && !(c in spec.nodes))
          issues.push({
            path: ['nodes', name, 'agent', 'mobile-node', 'routeOptimisation', i],
            message: `expected an IPv6 address or one of the nodes (${listOf(Object.keys(spec.nodes))}), got "${c}"`,
          });
      });
    const ap = node.radio?.ap;
    if (ap != null && !(ap in spec.aps)) {
      issues.push({
        path: ['nodes', name, 'radio', 'ap'],
        message: `expected one of the APs (${listOf(Object.keys(spec.aps))}), got "${ap}"`,
      });
    }
  }
  return issues;
}

function checkLinks(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const explicit = new Map<string, string>(); // "node:iface" -> path, for duplicates
  spec.links.forEach((link, i) => {
    const ends = link.endpoints.map(splitEndpoint);
    ends.forEach((e, j) => {
      const path = ['links', i, 'endpoints', j];
      if (!(e.node in spec.nodes)) {
        issues.push({
          path,
          message: `expected one of the nodes (${listOf(Object.keys(spec.nodes))}), got "${e.node}"`,
        });
      }
      if (e.iface === undefined) return;
      if (RESERVED_IFACE.test(e.iface) || spec.aps[e.iface]?.router === e.node) {
        issues.push({
          path,
          message: `interface name "${e.iface}" is taken by the plan (lo, wlanN, or an AP of this router)`,
        });
      }
      const key = `${e.node}:${e.iface}`;
      if (explicit.has(key)) issues.push({ path, message: `interface ${key} is already used by ${explicit.get(key)}` });
      else explicit.set(key, `links[${i}]`);
    });
    if (ends[0]!.node === ends[1]!.node) {
      issues.push({
        path: ['links', i, 'endpoints'],
        message: `a link joins two different nodes, got "${ends[0]!.node}" twice`,
      });
    }
    for (const n of Object.keys(link.addresses ?? {})) {
      if (!ends.some((e) => e.node === n)) {
        issues.push({
          path: ['links', i, 'addresses', n],
          message: `expected one of this link's ends (${ends.map((e) => e.node).join(', ')})`,
          onKey: true,
        });
      }
    }
  });
  return issues;
}

function checkAps(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const [name, ap] of Object.entries(spec.aps)) {
    if (/^(?:lo|eth\d+|wlan\d+)$/.test(name)) {
      issues.push({
        path: ['aps', name],
        message: `an AP name becomes the router's interface name; "${name}" is reserved`,
        onKey: true,
      });
    }
    const router = spec.nodes[ap.router];
    if (!router) {
      issues.push({
        path: ['aps', name, 'router'],
        message: `expected one of the nodes (${listOf(Object.keys(spec.nodes))}), got "${ap.router}"`,
      });
    } else if (!isRouter(router.roles)) {
      issues.push({
        path: ['aps', name, 'router'],
        message: `expected a node with the role router, got "${ap.router}" (roles: ${router.roles.join(', ')})`,
      });
    }
    issues.push(...checkRa(['aps', name, 'ra'], { ...spec.defaults.ra, ...definedOnly(ap.ra ?? {}) }));
  }
  return issues;
}

export const RA_DEFAULTS = { minIntervalMs: 30, maxIntervalMs: 70 };

// RFC 6275 §7.5 lowers the RA interval floors for mobility: MinRtrAdvInterval >= 0.03 s,
// MaxRtrAdvInterval >= 0.07 s; RFC 4861 §6.2.1 keeps Min <= 0.75 * Max.
function checkRa(path: (string | number)[], ra: { minInterval?: number; maxInterval?: number }): SpecIssue[] {
  const min = ra.minInterval ?? RA_DEFAULTS.minIntervalMs;
  const max = ra.maxInterval ?? RA_DEFAULTS.maxIntervalMs;
  const issues: SpecIssue[] = [];
  if (min < 30) issues.push({ path, message: `minInterval ${formatDuration(min)} is below 30ms (RFC 6275 §7.5)` });
  if (max < 70) issues.push({ path, message: `maxInterval ${formatDuration(max)} is below 70ms (RFC 6275 §7.5)` });
  if (min > 0.75 * max)
    issues.push({
      path,
      message: `minInterval ${formatDuration(min)} exceeds 0.75 x maxInterval ${formatDuration(max)} (RFC 4861 §6.2.1)`,
    });
  return issues;
}

function checkTraffic(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const ids = new Map<number, number>();
  spec.traffic.forEach((t, i) => {
    for (const key of ['from', 'to'] as const) {
      if (!(t[key] in spec.nodes))
        issues.push({
          path: ['traffic', i, key],
          message: `expected one of the nodes (${listOf(Object.keys(spec.nodes))}), got "${t[key]}"`,
        });
    }
    if (t.from === t.to)
      issues.push({ path: ['traffic', i, 'to'], message: `expected a node other than from ("${t.from}")` });
    if (t.id !== undefined) {
      if (ids.has(t.id))
        issues.push({
          path: ['traffic', i, 'id'],
          message: `flow id ${t.id} is already used by traffic[${ids.get(t.id)}]`,
        });
      else ids.set(t.id, i);
    }
    const end = t.start + (t.duration ?? spec.duration - t.start);
    if (t.start >= spec.duration)
      issues.push({
        path: ['traffic', i, 'start'],
        message: `starts at ${formatDuration(t.start)}, not before the lab's duration ${formatDuration(spec.duration)}`,
      });
    else if (end > spec.duration)
      issues.push({
        path: ['traffic', i, 'duration'],
        message: `ends at ${formatDuration(end)}, after the lab's duration ${formatDuration(spec.duration)}`,
      });
    // iperf3 takes -t in whole seconds.
    if (t.kind === 'iperf3' && t.duration !== undefined && t.duration % 1000 !== 0) {
      issues.push({
        path: ['traffic', i, 'duration'],
        message: `expected whole seconds for iperf3, got ${formatDuration(t.duration)}`,
      });
    }
    const to = spec.nodes[t.to];
    if (to && t.toAddress === undefined && to.radio && to.radio.ap == null) {
      issues.push({ path: ['traffic', i, 'to'], message: `"${t.to}" starts with no AP, so give toAddress` });
    }
  });
  return issues;
}

function checkCapture(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  (spec.capture ?? []).forEach((c, i) => {
    const { node } = splitEndpoint(c);
    if (!(node in spec.nodes))
      issues.push({
        path: ['capture', i],
        message: `expected one of the nodes (${listOf(Object.keys(spec.nodes))}), got "${node}"`,
      });
  });
  return issues;
}

export function listOf(names: readonly string[]): string {
  if (names.length === 0) return 'none defined';
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, ...`;
}

export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
