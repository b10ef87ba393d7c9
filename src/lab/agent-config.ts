// The config file the lab writes for a node's agent (schema and reading: src/agent/config.ts): the
// node's roles, interfaces and RAs as resolved, and every AP of the lab for the FMIPv6 roles.
import type { AgentAccessPoint, AgentConfig } from '../agent/config.js';
import { controlSocketPath } from './names.js';
import type { ResolvedLab, ResolvedNode } from './topology/types.js';

/** What the lab writes for a node; the control socket is where the lab will look for it (names.ts). */
export function agentConfigFromNode(
  lab: string,
  node: ResolvedNode,
  extra: { controlSocket?: string; logFile?: string; statusFile?: string; aps?: AgentAccessPoint[] } = {},
): AgentConfig {
  const cfg: AgentConfig = {
    lab,
    node: node.name,
    roles: node.roles,
    interfaces: node.interfaces,
    routerAdvertisements: node.routerAdvertisements,
    agent: node.agent,
    controlSocket: extra.controlSocket ?? controlSocketPath(lab, node.name),
  };
  if (extra.logFile !== undefined) cfg.logFile = extra.logFile;
  if (extra.statusFile !== undefined) cfg.statusFile = extra.statusFile;
  if (extra.aps !== undefined) cfg.aps = extra.aps;
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
