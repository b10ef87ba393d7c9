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
  const apOf = new Map<string, string | undefined>();
  for (const n of lab.nodes) apOf.set(n.name, n.interfaces.find((i) => i.kind === 'radio')?.ap);
  return (a) => {
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
}
