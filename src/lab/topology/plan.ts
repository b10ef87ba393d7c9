// The plan: interface names, MACs and the IPv6 address plan of a lab (docs/topology.md, "Address plan").
// Pure and deterministic: the same file gives the same names, MACs and addresses on every run.
import { declaredPrefix } from './check-addresses.js';
import { splitEndpoint } from './check.js';
import type { SpecIssue } from './issues.js';
import {
  formatIPv6,
  formatPrefix,
  hashedMac,
  parseAddressWithLength,
  parsePrefix,
  prefixesOverlap,
  slaacAddress,
  ulaPrefixFor,
  type Prefix,
} from './ipv6.js';
import { isMobile, isRouter } from './roles.js';
import type { LabSpec } from './schema.js';

export const RADIO_IFACE = 'wlan0';
/** Subnet IDs (bits 48..63 of the lab /48): links count up from 1, AP cells from 0xa001. */
export const FIRST_LINK_SUBNET = 0x0001;
export const FIRST_AP_SUBNET = 0xa001;

export interface PlannedEnd {
  node: string;
  iface: string;
  mac: string;
  /** Address with length, e.g. "fd12:3456:789a:1::1/64". */
  address: string;
}

export interface PlannedLink {
  id: string;
  index: number;
  prefix: Prefix;
  a: PlannedEnd;
  b: PlannedEnd;
}

export interface PlannedAp {
  name: string;
  router: PlannedEnd;
  prefix: Prefix;
  bssid: string;
}

export interface PlannedRadio {
  node: string;
  iface: string;
  mac: string;
  initialAp?: string;
}

export interface Plan {
  labPrefix: Prefix;
  links: PlannedLink[];
  aps: PlannedAp[];
  radios: PlannedRadio[];
  issues: SpecIssue[];
}

export function planLab(spec: LabSpec): Plan {
  const issues: SpecIssue[] = [];
  const labPrefix = parsePrefix(spec.prefix ?? ulaPrefixFor(spec.name))!;
  const ifaces = nameInterfaces(spec);
  const macs = new MacAllocator(spec.name);
  const used = new Set<bigint>(explicitAddresses(spec));
  const subnets = new SubnetAllocator(labPrefix, explicitPrefixes(spec));

  const links = spec.links.map((link, i): PlannedLink => {
    const ends = link.endpoints.map((e, j) => ({ node: splitEndpoint(e).node, iface: ifaces.linkEnds[i]![j]! }));
    const addrs = Object.values(link.addresses ?? {});
    const prefix = declaredPrefix(link.prefix, addrs) ?? subnets.next(FIRST_LINK_SUBNET, FIRST_AP_SUBNET);
    if (!prefix)
      issues.push({ path: ['links', i], message: `no /64 left for this link in ${formatPrefix(labPrefix)}` });
    const p = prefix ?? labPrefix;
    // The router end of a router-host link takes ::1 whichever way the link is written.
    const routerFirst = !isRouter(spec.nodes[ends[0]!.node]!.roles) && isRouter(spec.nodes[ends[1]!.node]!.roles);
    const order = routerFirst ? [1, 0] : [0, 1];
    const address: string[] = [];
    for (const j of order) {
      const given = link.addresses?.[ends[j]!.node];
      address[j] =
        given ??
        pickAddress(p, used, () =>
          issues.push({ path: ['links', i], message: `no address left in ${formatPrefix(p)}` }),
        );
    }
    const end = (j: number): PlannedEnd => ({
      ...ends[j]!,
      mac: macs.take(`${ends[j]!.node}/${ends[j]!.iface}`),
      address: address[j]!,
    });
    return { id: `link${i + 1}`, index: i, prefix: p, a: end(0), b: end(1) };
  });

  const aps = Object.entries(spec.aps).map(([name, ap]): PlannedAp => {
    const given = ap.address ? [ap.address] : [];
    const prefix = declaredPrefix(ap.prefix, given) ?? subnets.next(FIRST_AP_SUBNET, 0x10000);
    if (!prefix) issues.push({ path: ['aps', name], message: `no /64 left for this AP in ${formatPrefix(labPrefix)}` });
    const p = prefix ?? labPrefix;
    const address =
      ap.address ?? pickAddress(p, used, () => issues.push({ path: ['aps', name], message: 'no address left' }));
    const router = { node: ap.router, iface: name, mac: macs.take(`${ap.router}/${name}`), address };
    return { name, router, prefix: p, bssid: macs.take(`ap/${name}`) };
  });

  const radios = Object.entries(spec.nodes)
    .filter(([, n]) => isMobile(n.roles))
    .map(
      ([node, n]): PlannedRadio => ({
        node,
        iface: RADIO_IFACE,
        mac: macs.take(`${node}/${RADIO_IFACE}`),
        ...(n.radio?.ap != null ? { initialAp: n.radio.ap } : {}),
      }),
    );

  issues.push(...checkSlaacClashes(aps, radios, used));
  return { labPrefix, links, aps, radios, issues };
}

/** Interface names per link end: "node:iface" as written, else eth1, eth2, ... per node in file order. */
function nameInterfaces(spec: LabSpec): { linkEnds: string[][] } {
  const taken = new Map<string, Set<string>>();
  const take = (node: string, iface: string) => {
    if (!taken.has(node)) taken.set(node, new Set());
    taken.get(node)!.add(iface);
  };
  for (const [name, ap] of Object.entries(spec.aps)) take(ap.router, name);
  for (const l of spec.links) for (const e of l.endpoints.map(splitEndpoint)) if (e.iface) take(e.node, e.iface);
  const linkEnds = spec.links.map((l) =>
    l.endpoints.map((text) => {
      const e = splitEndpoint(text);
      if (e.iface) return e.iface;
      let k = 1;
      while (taken.get(e.node)?.has(`eth${k}`)) k++;
      take(e.node, `eth${k}`);
      return `eth${k}`;
    }),
  );
  return { linkEnds };
}

function explicitAddresses(spec: LabSpec): bigint[] {
  const texts = [
    ...spec.links.flatMap((l) => Object.values(l.addresses ?? {})),
    ...Object.values(spec.aps).flatMap((a) => (a.address ? [a.address] : [])),
  ];
  return texts.map((t) => parseAddressWithLength(t)?.address).filter((a): a is bigint => a !== undefined);
}

function explicitPrefixes(spec: LabSpec): Prefix[] {
  return [
    ...spec.links.map((l) => declaredPrefix(l.prefix, Object.values(l.addresses ?? {}))),
    ...Object.values(spec.aps).map((a) => declaredPrefix(a.prefix, a.address ? [a.address] : [])),
  ].filter((p): p is Prefix => p !== undefined);
}

/** The lowest free host number in `prefix` (1 up; RFC 6164 /127s use 0 and 1), marked used. */
function pickAddress(prefix: Prefix, used: Set<bigint>, onFull: () => void): string {
  const size = 1n << BigInt(128 - prefix.length);
  for (let host = prefix.length === 127 ? 0n : 1n; host < size && host < 1n << 20n; host++) {
    const a = prefix.network | host;
    if (used.has(a)) continue;
    used.add(a);
    return `${formatIPv6(a)}/${prefix.length}`;
  }
  onFull();
  return `${formatIPv6(prefix.network)}/${prefix.length}`;
}

// A mobile node's SLAAC address on any cell must not be an address the plan or the YAML gave away.
function checkSlaacClashes(aps: PlannedAp[], radios: PlannedRadio[], used: Set<bigint>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  for (const ap of aps) {
    if (ap.prefix.length !== 64) continue;
    for (const r of radios) {
      const slaac = slaacAddress(formatPrefix(ap.prefix), r.mac);
      if (used.has(parseAddressWithLength(`${slaac}/128`)!.address)) {
        issues.push({
          path: ['aps', ap.name],
          message: `${slaac}, the SLAAC address of ${r.node} on this cell, is already used`,
        });
      }
    }
  }
  return issues;
}

/** Hands out /64s of the lab prefix in subnet-ID order, around the prefixes the YAML fixed. */
class SubnetAllocator {
  private readonly cursors = new Map<number, number>();
  constructor(
    private readonly lab: Prefix,
    private readonly explicit: Prefix[],
  ) {}

  /** The next /64 with subnet ID in [from, to) that overlaps no explicit prefix (IDs only go up, so never a given one). */
  next(from: number, to: number): Prefix | undefined {
    for (let id = this.cursors.get(from) ?? from; id < to; id++) {
      const p = { network: this.lab.network | (BigInt(id) << 64n), length: 64 };
      if (this.explicit.some((t) => prefixesOverlap(t, p))) continue;
      this.cursors.set(from, id + 1);
      return p;
    }
    return undefined;
  }
}

/** Locally administered MACs hashed from lab, node and interface: stable across runs, unique in the lab. */
class MacAllocator {
  private readonly used = new Set<string>();
  constructor(private readonly lab: string) {}

  take(what: string): string {
    for (let n = 0; ; n++) {
      const mac = hashedMac(n === 0 ? `${this.lab}/${what}` : `${this.lab}/${what}#${n}`);
      if (this.used.has(mac)) continue;
      this.used.add(mac);
      return mac;
    }
  }
}
