// ResolvedLab objects built in code, for tests and benchmarks of the network layer (the YAML loader
// makes the real ones). Addresses follow the same plan the loader uses: a /64 per link.
import type { Impairment, ResolvedInterface, ResolvedLab, ResolvedLink, ResolvedNode } from '../topology/types.js';

export function emptyLab(name: string): ResolvedLab {
  return {
    name,
    file: `<${name}>`,
    prefix: '2001:db8::/48',
    nodes: [],
    links: [],
    aps: [],
    scenario: [],
    traffic: [],
    capture: [],
    durationMs: 0,
    expectations: [],
  };
}

let macCounter = 0;
/** A locally administered unicast MAC, unique within the process. */
export function testMac(): string {
  const n = ++macCounter;
  return `02:00:00:${((n >> 16) & 0xff).toString(16).padStart(2, '0')}:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
}

export function addNode(lab: ResolvedLab, name: string, roles: ResolvedNode['roles'] = ['host']): ResolvedNode {
  const n: ResolvedNode = { name, roles, interfaces: [], routes: [], sysctls: {}, routerAdvertisements: [], agent: {} };
  lab.nodes.push(n);
  return n;
}

function node(lab: ResolvedLab, name: string): ResolvedNode {
  const n = lab.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

/** Joins a and b with a link on prefix P (a gets P::1, b gets P::2, e.g. P = "2001:db8:0:1"). */
export function addLink(
  lab: ResolvedLab,
  a: string,
  b: string,
  prefix: string,
  imp: { ab?: Impairment | null; ba?: Impairment | null } = {},
): ResolvedLink {
  const id = `l${lab.links.length}`;
  const na = node(lab, a);
  const nb = node(lab, b);
  const ia: ResolvedInterface = {
    name: `eth${na.interfaces.length + 1}`,
    kind: 'link',
    mac: testMac(),
    addresses: [`${prefix}::1/64`],
    link: id,
  };
  const ib: ResolvedInterface = {
    name: `eth${nb.interfaces.length + 1}`,
    kind: 'link',
    mac: testMac(),
    addresses: [`${prefix}::2/64`],
    link: id,
  };
  na.interfaces.push(ia);
  nb.interfaces.push(ib);
  const link: ResolvedLink = {
    id,
    a: { node: a, iface: ia.name },
    b: { node: b, iface: ib.name },
    ab: imp.ab ?? null,
    ba: imp.ba ?? null,
  };
  lab.links.push(link);
  return link;
}

/** An AP whose cell is served by router's interface `iface` with address P::1/64. */
export function addAp(lab: ResolvedLab, ap: string, router: string, iface: string, prefix: string): void {
  node(lab, router).interfaces.push({ name: iface, kind: 'ap', mac: testMac(), addresses: [`${prefix}::1/64`], ap });
  lab.aps.push({
    name: ap,
    router,
    routerIface: iface,
    prefix: `${prefix}::/64`,
    bssid: testMac(),
    notifyLatencyMs: 5,
  });
}

/** A mobile node's radio (wlan0), attached to `ap` at start or to none. */
export function addRadio(lab: ResolvedLab, mobile: string, ap?: string): ResolvedInterface {
  const i: ResolvedInterface = { name: 'wlan0', kind: 'radio', mac: testMac(), addresses: [], ...(ap ? { ap } : {}) };
  node(lab, mobile).interfaces.push(i);
  return i;
}

export function impairment(p: Partial<Impairment>): Impairment {
  return { delayMs: 0, jitterMs: 0, lossPct: 0, duplicatePct: 0, rateBps: 0, ...p };
}

/**
 * A chain of `routers` routers r0..r(n-1), each with one host h<i> on its own /64, and static routes
 * so every host reaches every other (the speed benchmark's shape).
 */
export function chainLab(name: string, routers: number): ResolvedLab {
  const lab = emptyLab(name);
  const hex = (n: number) => n.toString(16);
  for (let i = 0; i < routers; i++) addNode(lab, `r${i}`, ['router']);
  for (let i = 0; i < routers; i++) addNode(lab, `h${i}`, ['host']);
  for (let i = 0; i + 1 < routers; i++) addLink(lab, `r${i}`, `r${i + 1}`, `2001:db8:0:${hex(i + 1)}`);
  for (let i = 0; i < routers; i++) addLink(lab, `r${i}`, `h${i}`, `2001:db8:1:${hex(i)}`);
  for (let i = 0; i < routers; i++) {
    node(lab, `h${i}`).routes.push({ dst: 'default', via: `2001:db8:1:${hex(i)}::1` });
    const r = node(lab, `r${i}`);
    for (let j = 0; j < routers; j++) {
      if (j === i) continue;
      // Toward the left: the link r(i-1)-r(i) (r(i-1) is ::1); toward the right: r(i)-r(i+1) (::2).
      const via = j < i ? `2001:db8:0:${hex(i)}::1` : `2001:db8:0:${hex(i + 1)}::2`;
      r.routes.push({ dst: `2001:db8:1:${hex(j)}::/64`, via });
    }
  }
  return lab;
}
