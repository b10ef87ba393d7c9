// The APs' station reports (docs/topology.md, "Station reports") on the real-time timeline: each is a
// follow-up of the detach or attach it reports, sent by the applier `notifyLatency` after that change
// was applied. A detach gives station-left to the router of the AP the node was on, an attach
// station-joined to the new AP's router. The report's `atNs` is the change's applied CLOCK_REALTIME,
// filled in by the applier (realtime.ts): the moment the PAR replays its copies from (docs/fmipv6.md).
import type { ResolvedLab, ScenarioAction } from '../topology/types.js';
import { routerHasAgent } from './ap-events.js';
import type { FollowUp } from './realtime.js';

/** A fresh follow-up function for one plan: it tracks each node's AP through the scenario in time order. */
export function stationReportFollowUps(lab: Pick<ResolvedLab, 'aps' | 'nodes'>): (a: ScenarioAction) => FollowUp[] {
  return stationReportPlan(lab).followUps;
}

/**
 * The follow-ups, and where a trigger for a plain host (no agent: a Proxy Mobile IPv6 node) goes: its
 * serving AP reports it to that AP's router (RFC 5949 §4.1: the access network tells the previous MAG
 * that the node's link is going down toward the named AP), with the station's MAC. Both functions
 * share one walk of the scenario in time order.
 */
export function stationReportPlan(lab: Pick<ResolvedLab, 'aps' | 'nodes'>): {
  followUps: (a: ScenarioAction) => FollowUp[];
  triggerRoute: (a: ScenarioAction) => TriggerRoute | undefined;
} {
  const apOf = new Map<string, string | undefined>();
  for (const n of lab.nodes) apOf.set(n.name, n.interfaces.find((i) => i.kind === 'radio')?.ap);
  const triggerRoute = (a: ScenarioAction): TriggerRoute | undefined => {
    if (a.kind !== 'trigger') return undefined;
    const node = lab.nodes.find((n) => n.name === a.node);
    if (!node || !isPlainHost(node)) return undefined;
    const ap = lab.aps.find((x) => x.name === apOf.get(a.node));
    const station = node.interfaces.find((i) => i.kind === 'radio')?.mac.toLowerCase();
    if (!ap || !station) return undefined;
    return { node: ap.router, fields: { station } };
  };
  const followUps = (a: ScenarioAction): FollowUp[] => {
    if (a.kind === 'trigger') return [];
    const apName = a.kind === 'detach' ? apOf.get(a.node) : a.ap;
    apOf.set(a.node, a.kind === 'detach' ? undefined : a.ap);
    const station = lab.nodes
      .find((n) => n.name === a.node)
      ?.interfaces.find((i) => i.kind === 'radio')
      ?.mac.toLowerCase();
    const ap = lab.aps.find((x) => x.name === apName);
    const router = ap && lab.nodes.find((n) => n.name === ap.router);
    if (!ap || !station || !router || !routerHasAgent(router)) return [];
    const event = a.kind === 'detach' ? 'station-left' : 'station-joined';
    return [
      { delayMs: ap.notifyLatencyMs, action: { kind: 'ap-event', ap: ap.name, router: ap.router, event, station } },
    ];
  };
  return { followUps, triggerRoute };
}

/** A trigger delivered to another node's agent than the one it names, with these fields added. */
export interface TriggerRoute {
  node: string;
  fields: Record<string, unknown>;
}

/** Roles host and mobile only: no agent runs there (lab/agents.ts needsAgent). */
function isPlainHost(n: Pick<ResolvedLab, 'nodes'>['nodes'][number]): boolean {
  return n.roles.every((r) => r === 'host' || r === 'mobile');
}
