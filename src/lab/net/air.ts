// The layer-2 model (docs/runtime.md): one "air" namespace per lab holds a bridge per access point.
// An access router's AP interface is a veth whose far end is a port of that AP's bridge; a mobile
// node's radio is a veth whose far end sits in the air, on at most one AP bridge at a time.
import { airNetns, nodeNetns } from '../names.js';
import type { ResolvedLab } from '../topology/types.js';
import { apBridge, apRouterPort, ifIndex, radioFarEnd, validIfName } from './ifnames.js';
import { attachLines, isIsolated } from './l2.js';
import type { NetOp } from './ops.js';
import { findInterface, linkUsesRelay, type LinkCaps } from './veth.js';

/** The lab needs an air namespace when it has APs, radios or relayed links. */
export function needsAir(lab: ResolvedLab, caps: LinkCaps): boolean {
  return (
    lab.aps.length > 0 ||
    lab.nodes.some((n) => n.interfaces.some((i) => i.kind === 'radio')) ||
    lab.links.some((l) => linkUsesRelay(l, caps))
  );
}

/**
 * The air namespace's own settings: it is layer 2 only, so no IPv6 on its bridges and ports (they
 * would send their own RS/NS/MLD into every capture).
 */
export function planAirNamespace(lab: ResolvedLab): NetOp[] {
  const air = airNetns(lab.name);
  return [
    { tool: 'ip', ns: null, line: `netns add ${air}` },
    // all.disable_ipv6 also applies to interfaces that exist already.
    {
      tool: 'sysctl',
      ns: air,
      values: { 'net.ipv6.conf.default.disable_ipv6': '1', 'net.ipv6.conf.all.disable_ipv6': '1' },
    },
    { tool: 'ip', ns: air, line: 'link set dev lo up' },
  ];
}

/**
 * Equivalent to, per AP:
 *   ip -n AIR link add AP type bridge forward_delay 0 stp_state 0 mcast_snooping 0; ip -n AIR link set AP up
 *   ip link add AP_IF netns NS_ROUTER address MAC type veth peer name pAP netns AIR
 *   ip -n AIR link set pAP master AP up
 * and per radio:
 *   ip link add wlan0 netns NS_MN address MAC type veth peer name wMN netns AIR
 *   ip -n AIR link set wMN master AP up        (only when it starts attached)
 * Forward delay 0 and no STP: a port forwards the moment it is attached. Snooping off: RAs, RS and
 * NS to solicited-node groups reach every station, as on a real cell.
 */
export function planAir(lab: ResolvedLab): NetOp[] {
  const air = airNetns(lab.name);
  const bridges: NetOp[] = [];
  const host: NetOp[] = [];
  const ports: NetOp[] = [];
  for (const [k, ap] of lab.aps.entries()) {
    const idx = ifIndex.ap(k);
    const br = apBridge(ap.name);
    bridges.push(
      { tool: 'ip', ns: air, line: `link add ${br} type bridge forward_delay 0 stp_state 0 mcast_snooping 0` },
      { tool: 'ip', ns: air, line: `link set dev ${br} up` },
    );
    const rif = findInterface(lab, ap.router, ap.routerIface);
    const port = apRouterPort(ap.name);
    host.push({
      tool: 'ip',
      ns: null,
      line: `link add ${validIfName(rif.name)} netns ${nodeNetns(lab.name, ap.router)} index ${idx.router} address ${rif.mac} type veth peer name ${port} netns ${air} index ${idx.port}`,
    });
    ports.push(
      { tool: 'ip', ns: air, line: `link set dev ${port} master ${br}` },
      { tool: 'ip', ns: air, line: `link set dev ${port} up` },
    );
  }
  let radios = 0;
  for (const node of lab.nodes) {
    for (const i of node.interfaces) {
      if (i.kind !== 'radio') continue;
      const idx = ifIndex.radio(radios++);
      const far = radioFarEnd(node.name);
      host.push({
        tool: 'ip',
        ns: null,
        line: `link add ${validIfName(i.name)} netns ${nodeNetns(lab.name, node.name)} index ${idx.node} address ${i.mac} type veth peer name ${far} netns ${air} index ${idx.far}`,
      });
      if (i.ap) {
        if (!lab.aps.some((a) => a.name === i.ap))
          throw new Error(`lab ${lab.name}: radio of ${node.name} names unknown AP ${i.ap}`);
        ports.push(
          ...attachLines(node.name, i.ap, isIsolated(lab, i.ap)).map((line) => ({
            tool: 'ip' as const,
            ns: air,
            line,
          })),
        );
      }
    }
  }
  return [...host, ...bridges, ...ports];
}
