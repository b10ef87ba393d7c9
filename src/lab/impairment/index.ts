// One interface for both ways of impairing links: netem qdiscs where the kernel has sch_netem,
// the userspace relay (relay-main.ts) in the air namespace where it has not.
import type { KernelCaps } from '../kernel.js';
import { labStateDir, nodeNetns } from '../names.js';
import { applyOps, type NetOp } from '../net/ops.js';
import { linkUsesRelay } from '../net/veth.js';
import type { ResolvedLab } from '../topology/types.js';
import { isImpaired } from './impairment.js';
import { planNetem } from './netem.js';
import { startRelay, type RelayCounters, type RelayHandle } from './relay.js';

export interface ImpairmentHandle {
  lab: string;
  /** Links impaired by netem qdiscs. */
  netemLinks: string[];
  /** The relay process, when some link needed it. */
  relay: RelayHandle | null;
}

/** netem qdiscs: a->b on a's egress, b->a on b's egress. */
export function planNetemImpairments(lab: ResolvedLab, caps: Pick<KernelCaps, 'netem'>): NetOp[] {
  if (!caps.netem) return [];
  const ops: NetOp[] = [];
  for (const l of lab.links) {
    if (isImpaired(l.ab)) ops.push(planNetem(nodeNetns(lab.name, l.a.node), l.a.iface, l.ab));
    if (isImpaired(l.ba)) ops.push(planNetem(nodeNetns(lab.name, l.b.node), l.b.iface, l.ba));
  }
  return ops;
}

/** Applies every link's impairments (the links must exist: net/network.ts does it after them). */
export async function installImpairments(lab: ResolvedLab, caps: Pick<KernelCaps, 'netem'>): Promise<ImpairmentHandle> {
  const netemOps = planNetemImpairments(lab, caps);
  await applyOps(netemOps, `${labStateDir(lab.name)}/ops-netem`);
  const relayed = lab.links.filter((l) => linkUsesRelay(l, caps));
  const relay = relayed.length > 0 ? await startRelay(lab, relayed) : null;
  return {
    lab: lab.name,
    netemLinks: caps.netem ? lab.links.filter((l) => isImpaired(l.ab) || isImpaired(l.ba)).map((l) => l.id) : [],
    relay,
  };
}

/**
 * Stops the relay (returning its final counters). netem qdiscs go with their namespaces, so they are
 * not removed one by one.
 */
export async function removeImpairments(h: ImpairmentHandle): Promise<RelayCounters | null> {
  return h.relay ? h.relay.stop() : null;
}
