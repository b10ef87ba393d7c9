// Links between nodes: a veth pair created directly in its two namespaces (nothing is ever left in
// the host namespace, even for an instant). An impaired link on a kernel without sch_netem goes
// through the air instead, a <-> air:lxN and air:lyN <-> b, where the userspace relay joins the two.
import type { KernelCaps } from '../kernel.js';
import { airNetns, nodeNetns } from '../names.js';
import type { ResolvedInterface, ResolvedLab, ResolvedLink } from '../topology/types.js';
import { linkIsImpaired } from '../impairment/impairment.js';
import { ifIndex, relayPorts, validIfName } from './ifnames.js';
import type { NetOp } from './ops.js';

export type LinkCaps = Pick<KernelCaps, 'netem'>;

/** True when this link's impairments are applied by the userspace relay. */
export function linkUsesRelay(link: ResolvedLink, caps: LinkCaps): boolean {
  return !caps.netem && linkIsImpaired(link);
}

export function findInterface(lab: ResolvedLab, node: string, iface: string): ResolvedInterface {
  const n = lab.nodes.find((x) => x.name === node);
  const i = n?.interfaces.find((x) => x.name === iface);
  if (!i) throw new Error(`lab ${lab.name}: node ${node} has no interface ${iface}`);
  return i;
}

/**
 * Equivalent to, for a direct link:
 *   ip link add A_IF netns NS_A index I address MAC_A type veth peer name B_IF netns NS_B index J address MAC_B
 * (explicit, distinct indexes: see ifIndex)
 * and for a relayed one:
 *   ip link add A_IF netns NS_A address MAC_A type veth peer name lxN netns AIR
 *   ip link add lyN netns AIR type veth peer name B_IF netns NS_B address MAC_B
 *   ip netns exec NS_A ethtool -K A_IF tx off gso off   (likewise for b)
 *   ip -n AIR link set lxN up; ip -n AIR link set lyN up
 * Addresses and link up on the nodes' side come from node-config.ts.
 */
export function planLink(lab: ResolvedLab, link: ResolvedLink, caps: LinkCaps): NetOp[] {
  const ia = findInterface(lab, link.a.node, link.a.iface);
  const ib = findInterface(lab, link.b.node, link.b.iface);
  const nsA = nodeNetns(lab.name, link.a.node);
  const nsB = nodeNetns(lab.name, link.b.node);
  const idx = ifIndex.link(lab.links.indexOf(link));
  const aSide = `${validIfName(ia.name)} netns ${nsA} index ${idx.a} address ${ia.mac}`;
  const bSide = `${validIfName(ib.name)} netns ${nsB} index ${idx.b} address ${ib.mac}`;
  if (!linkUsesRelay(link, caps)) {
    return [{ tool: 'ip', ns: null, line: `link add ${aSide} type veth peer name ${bSide}` }];
  }
  const air = airNetns(lab.name);
  const { x, y } = relayPorts(lab.links.indexOf(link));
  // The relay reads frames from AF_PACKET: they must be whole (no TSO/GSO super-frames) and carry
  // real checksums (no CHECKSUM_PARTIAL), so the senders compute them in software.
  const offloadsOff = (ns: string, dev: string): NetOp => ({
    tool: 'exec',
    ns,
    argv: ['ethtool', '-K', dev, 'tx', 'off', 'tso', 'off', 'gso', 'off'],
  });
  return [
    { tool: 'ip', ns: null, line: `link add ${aSide} type veth peer name ${x} netns ${air} index ${idx.x}` },
    { tool: 'ip', ns: null, line: `link add ${y} netns ${air} index ${idx.y} type veth peer name ${bSide}` },
    offloadsOff(nsA, ia.name),
    offloadsOff(nsB, ib.name),
    { tool: 'ip', ns: air, line: `link set dev ${x} up` },
    { tool: 'ip', ns: air, line: `link set dev ${y} up` },
  ];
}
