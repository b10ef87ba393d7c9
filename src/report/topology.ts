// The lab as the report draws it: nodes by role, links with their impairments, access points. The
// lab writes it beside results.json as topology.json (src/lab/report-topology.ts); the report reads
// it to name the nodes behind the addresses in the captures.
import { canonical, canonicalMac, eui64InterfaceId, ipv6ToBytes } from '../wire/address.js';

export const TOPOLOGY_FILE = 'topology.json';

export interface ReportImpairment {
  delayMs: number;
  jitterMs: number;
  lossPct: number;
  duplicatePct: number;
  /** Bits per second; 0 = unlimited. */
  rateBps: number;
}

export interface ReportInterface {
  name: string;
  kind: 'link' | 'ap' | 'radio';
  mac: string;
  /** Static addresses with prefix length; radios get theirs by SLAAC. */
  addresses: string[];
  link?: string;
  ap?: string;
}

export interface ReportNode {
  name: string;
  roles: string[];
  interfaces: ReportInterface[];
  /** A mobile node's home address (RFC 6275), from its agent settings. */
  homeAddress?: string;
}

export interface ReportLink {
  id: string;
  a: { node: string; iface: string };
  b: { node: string; iface: string };
  /** Impairment a -> b and b -> a; null = none. */
  ab: ReportImpairment | null;
  ba: ReportImpairment | null;
}

export interface ReportAp {
  name: string;
  router: string;
  prefix: string;
  notifyLatencyMs: number;
}

export interface ReportTopology {
  nodes: ReportNode[];
  links: ReportLink[];
  aps: ReportAp[];
}

/**
 * Which node an address belongs to: a static address or home address of the lab, else an address
 * whose interface identifier is the modified EUI-64 of a node's MAC (SLAAC and link-local
 * addresses, RFC 4291 §2.5.1). Null for multicast and unknown addresses.
 */
export function addressOwner(t: ReportTopology): (address: string) => string | null {
  const byAddress = new Map<string, string>();
  const byInterfaceId = new Map<string, string>();
  for (const n of t.nodes) {
    if (n.homeAddress) byAddress.set(canonical(n.homeAddress), n.name);
    for (const i of n.interfaces) {
      for (const a of i.addresses) byAddress.set(canonical(a.split('/')[0]!), n.name);
      byInterfaceId.set(eui64InterfaceId(canonicalMac(i.mac)).toString('hex'), n.name);
    }
  }
  return (address) => {
    let bytes: Buffer;
    try {
      bytes = ipv6ToBytes(address);
    } catch {
      return null;
    }
    if (bytes[0] === 0xff) return null;
    return byAddress.get(canonical(address)) ?? byInterfaceId.get(bytes.subarray(8).toString('hex')) ?? null;
  };
}
