// Raw lab -> ResolvedLab: defaults, interface names, MACs, the address plan, routes, sysctls, Router
// Advertisements, scenario, traffic and capture points. Pure; every problem comes back with its YAML path.
import { resolve as resolvePath } from 'node:path';
import { checkLab, definedOnly, RA_DEFAULTS, splitEndpoint } from './check.js';
import { checkExpectations } from './check-expectations.js';
import { formatPath, LabFileError, type SpecIssue } from './issues.js';
import { formatPrefix, parsePrefix, type Prefix } from './ipv6.js';
import { planLab, type Plan } from './plan.js';
import { expandRoles, isMobile, isRouter } from './roles.js';
import { autoRoutes } from './routes.js';
import type { DirectionSpec, LabSpec } from './schema.js';
import { resolveServices } from './services.js';
import { resolveTraffic } from './traffic.js';
import type {
  CapturePoint,
  Impairment,
  ResolvedAp,
  ResolvedInterface,
  ResolvedLab,
  ResolvedLink,
  ResolvedNode,
  ResolvedRoute,
  RouterAdvertisementConfig,
  ScenarioEvent,
} from './types.js';

export type ResolveResult = { ok: true; lab: ResolvedLab } | { ok: false; issues: SpecIssue[] };

/** Checks and resolves a parsed lab; issues carry YAML paths (load.ts turns them into line:column). */
export function resolveSpec(spec: LabSpec, file: string): ResolveResult {
  const issues = checkLab(spec);
  if (issues.length > 0) return { ok: false, issues };
  const plan = planLab(spec);
  if (plan.issues.length > 0) return { ok: false, issues: plan.issues };
  const nodes = resolveNodes(spec, plan);
  const serviceIssues = resolveServices(spec, nodes);
  if (serviceIssues.length > 0) return { ok: false, issues: serviceIssues };
  const traffic = resolveTraffic(spec, plan, nodes);
  if (!traffic.ok) return traffic;
  const expectationIssues = checkExpectations(spec, traffic.traffic);
  if (expectationIssues.length > 0) return { ok: false, issues: expectationIssues };
  const capture = resolveCapture(spec, nodes);
  if (!capture.ok) return capture;
  return {
    ok: true,
    lab: {
      name: spec.name,
      file: file.startsWith('<') ? file : resolvePath(file),
      prefix: formatPrefix(plan.labPrefix),
      nodes,
      links: resolveLinks(spec, plan),
      aps: plan.aps.map(
        (ap): ResolvedAp => ({
          name: ap.name,
          router: ap.router.node,
          routerIface: ap.router.iface,
          prefix: formatPrefix(ap.prefix),
          bssid: ap.bssid,
          notifyLatencyMs: spec.aps[ap.name]?.notifyLatency ?? 5,
          ...(spec.aps[ap.name]?.isolated ? { isolated: true } : {}),
        }),
      ),
      scenario: resolveScenario(spec),
      traffic: traffic.traffic,
      capture: capture.capture,
      durationMs: spec.duration,
      expectations: spec.expectations,
    },
  };
}

/** As resolveSpec, throwing a LabFileError (paths, no line numbers) when the lab is wrong. */
export function resolveLab(spec: LabSpec, file: string): ResolvedLab {
  const r = resolveSpec(spec, file);
  if (r.ok) return r.lab;
  throw new LabFileError(
    file,
    r.issues.map((i) => ({ file, path: formatPath(i.path), message: i.message })),
  );
}

function resolveNodes(spec: LabSpec, plan: Plan): ResolvedNode[] {
  const entries = Object.entries(spec.nodes);
  const routes = autoRoutes({
    plan,
    nodes: entries.map(([name, n]) => ({ name, router: isRouter(n.roles), radio: isMobile(n.roles) })),
    anchored: anchoredPrefixes(entries),
  });
  const linkIfaces = new Map<string, ResolvedInterface[]>(entries.map(([name]) => [name, []]));
  for (const l of plan.links) {
    for (const e of [l.a, l.b])
      linkIfaces.get(e.node)!.push({ name: e.iface, kind: 'link', mac: e.mac, addresses: [e.address], link: l.id });
  }
  return entries.map(([name, n]): ResolvedNode => {
    const interfaces: ResolvedInterface[] = [
      ...linkIfaces.get(name)!,
      ...plan.aps
        .filter((ap) => ap.router.node === name)
        .map(
          (ap): ResolvedInterface => ({
            name: ap.router.iface,
            kind: 'ap',
            mac: ap.router.mac,
            addresses: [ap.router.address],
            ap: ap.name,
          }),
        ),
      ...plan.radios
        .filter((r) => r.node === name)
        .map(
          (r): ResolvedInterface => ({
            name: r.iface,
            kind: 'radio',
            mac: r.mac,
            addresses: [],
            ...(r.initialAp ? { ap: r.initialAp } : {}),
          }),
        ),
    ];
    const node: ResolvedNode = {
      name,
      roles: expandRoles(n.roles),
      interfaces,
      routes: mergeRoutes(n.autoRoutes ? (routes.get(name) ?? []) : [], n.routes),
      sysctls: sysctlsFor(n.roles, interfaces, n.sysctls),
      routerAdvertisements: raFor(spec, plan, name),
      agent: n.agent,
    };
    if (isRouter(node.roles)) node.sourceValidation = n.sourceValidation ?? spec.defaults.sourceValidation ?? true;
    if (n.image !== undefined) node.image = n.image;
    if (n.command !== undefined) node.command = n.command;
    return node;
  });
}

/** Routes written in the YAML are added; one with the same destination as an automatic route replaces it. */
function mergeRoutes(auto: ResolvedRoute[], user: LabSpec['nodes'][string]['routes']): ResolvedRoute[] {
  const mine = user.map(
    (r): ResolvedRoute => ({ dst: r.dst, ...(r.via ? { via: r.via } : {}), ...(r.dev ? { dev: r.dev } : {}) }),
  );
  return [...auto.filter((a) => !mine.some((m) => m.dst === a.dst)), ...mine];
}

/**
 * The sysctls the plan relies on; src/lab/net/node-config.ts adds the rest (DAD, optimistic DAD on
 * radios) and applies these after them, so keys here agree with its values.
 */
function sysctlsFor(
  roles: LabSpec['nodes'][string]['roles'],
  interfaces: ResolvedInterface[],
  user: Record<string, string | number>,
): Record<string, string> {
  const router = isRouter(roles);
  const s: Record<string, string> = { 'net.ipv6.conf.all.forwarding': router ? '1' : '0' };
  for (const i of interfaces.filter((x) => x.kind === 'radio')) {
    // The radio learns its prefix from RAs (RFC 4862 §5.5.3) with an EUI-64 identifier, so its address
    // is predictable (slaacAddress); no temporary addresses (RFC 8981). A forwarding node only takes
    // RAs with accept_ra=2.
    s[`net.ipv6.conf.${i.name}.accept_ra`] = router ? '2' : '1';
    s[`net.ipv6.conf.${i.name}.autoconf`] = '1';
    s[`net.ipv6.conf.${i.name}.addr_gen_mode`] = '0';
    s[`net.ipv6.conf.${i.name}.use_tempaddr`] = '0';
  }
  for (const [k, v] of Object.entries(user)) s[k] = String(v);
  return s;
}

/**
 * The home network prefixes an LMA anchors (its `agent.lma` pool and listed prefixes, RFC 5213 §5.6):
 * the lab routes them to it like a link's prefix. Settings are checked at load (check-agent.ts).
 */
function anchoredPrefixes(entries: [string, LabSpec['nodes'][string]][]): { node: string; prefix: Prefix }[] {
  const out: { node: string; prefix: Prefix }[] = [];
  for (const [name, n] of entries) {
    if (!n.roles.includes('lma')) continue;
    const s = n.agent.lma as { pool?: unknown; mobileNodes?: { prefix?: unknown }[] } | undefined;
    const texts = [s?.pool, ...(Array.isArray(s?.mobileNodes) ? s.mobileNodes.map((m) => m?.prefix) : [])];
    for (const t of texts) {
      const p = typeof t === 'string' ? parsePrefix(t) : undefined;
      if (p) out.push({ node: name, prefix: p });
    }
  }
  return out;
}

function raFor(spec: LabSpec, plan: Plan, node: string): RouterAdvertisementConfig[] {
  // A MAG advertises each node's own prefix in unicast RAs (RFC 5213 §6.7), never the cell's.
  if (spec.nodes[node]?.roles.includes('mag')) return [];
  return plan.aps
    .filter((ap) => ap.router.node === node)
    .flatMap((ap) => {
      const ra = { ...definedOnly(spec.defaults.ra ?? {}), ...definedOnly(spec.aps[ap.name]!.ra ?? {}) };
      if (ra.enabled === false) return [];
      const minIntervalMs = ra.minInterval ?? RA_DEFAULTS.minIntervalMs;
      const maxIntervalMs = ra.maxInterval ?? RA_DEFAULTS.maxIntervalMs;
      // AdvDefaultLifetime defaults to 3 x MaxRtrAdvInterval (RFC 4861 §6.2.1), in whole seconds, at least 1.
      const routerLifetimeS =
        ra.routerLifetime !== undefined
          ? Math.round(ra.routerLifetime / 1000)
          : Math.max(1, Math.ceil((3 * maxIntervalMs) / 1000));
      return [
        { iface: ap.router.iface, prefix: formatPrefix(ap.prefix), minIntervalMs, maxIntervalMs, routerLifetimeS },
      ];
    });
}

function resolveLinks(spec: LabSpec, plan: Plan): ResolvedLink[] {
  return plan.links.map((l): ResolvedLink => {
    const link = spec.links[l.index]!;
    return {
      id: l.id,
      a: { node: l.a.node, iface: l.a.iface },
      b: { node: l.b.node, iface: l.b.iface },
      ab: impairment(link.forward, link, spec.defaults.link),
      ba: impairment(link.reverse, link, spec.defaults.link),
    };
  });
}

/** One direction: its override, else the link's value, else defaults.link, else none; null when all are zero. */
function impairment(...layers: (DirectionSpec | undefined)[]): Impairment | null {
  const pick = (k: keyof DirectionSpec): number => layers.map((l) => l?.[k]).find((v) => v !== undefined) ?? 0;
  const i: Impairment = {
    delayMs: pick('delay'),
    jitterMs: pick('jitter'),
    lossPct: pick('loss'),
    duplicatePct: pick('duplicate'),
    rateBps: pick('rate'),
  };
  return Object.values(i).every((v) => v === 0) ? null : i;
}

function resolveScenario(spec: LabSpec): ScenarioEvent[] {
  return spec.scenario
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.at - y.e.at || x.i - y.i)
    .map(({ e }): ScenarioEvent => {
      if (e.detach !== undefined) return { atMs: e.at, action: { kind: 'detach', node: e.detach } };
      if (e.attach !== undefined)
        return { atMs: e.at, action: { kind: 'attach', node: e.attach.node, ap: e.attach.ap } };
      const t = e.trigger!;
      return { atMs: e.at, action: { kind: 'trigger', node: t.node, trigger: t.event, ...(t.ap ? { ap: t.ap } : {}) } };
    });
}

function resolveCapture(
  spec: LabSpec,
  nodes: ResolvedNode[],
): { ok: true; capture: CapturePoint[] } | { ok: false; issues: SpecIssue[] } {
  const all = (n: ResolvedNode) => n.interfaces.map((i) => ({ node: n.name, iface: i.name }));
  if (spec.capture === undefined) return { ok: true, capture: nodes.flatMap(all) };
  const issues: SpecIssue[] = [];
  const out: CapturePoint[] = [];
  spec.capture.forEach((text, i) => {
    const { node, iface } = splitEndpoint(text);
    const n = nodes.find((x) => x.name === node)!;
    const points =
      iface === undefined ? all(n) : n.interfaces.filter((x) => x.name === iface).map((x) => ({ node, iface: x.name }));
    if (iface !== undefined && points.length === 0) {
      issues.push({
        path: ['capture', i],
        message: `expected an interface of ${node} (${n.interfaces.map((x) => x.name).join(', ') || 'none'}), got "${iface}"`,
      });
    }
    for (const p of points) if (!out.some((o) => o.node === p.node && o.iface === p.iface)) out.push(p);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, capture: out };
}
