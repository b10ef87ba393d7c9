// topology.json: the resolved lab in the report's own terms (src/report/topology.ts), written
// beside results.json so `mipshop-lab report OUT` can draw the lab and name the captures' addresses.
import type { ReportTopology } from '../report/topology.js';
import type { ResolvedLab } from './topology/types.js';

export function reportTopology(lab: ResolvedLab): ReportTopology {
  return {
    nodes: lab.nodes.map((n) => {
      const home = (n.agent['mobile-node'] as { homeAddress?: unknown } | undefined)?.homeAddress;
      return {
        name: n.name,
        roles: [...n.roles],
        interfaces: n.interfaces.map((i) => ({
          name: i.name,
          kind: i.kind,
          mac: i.mac,
          addresses: [...i.addresses],
          ...(i.link ? { link: i.link } : {}),
          ...(i.ap ? { ap: i.ap } : {}),
        })),
        ...(typeof home === 'string' ? { homeAddress: home } : {}),
      };
    }),
    links: lab.links.map((l) => ({ id: l.id, a: { ...l.a }, b: { ...l.b }, ab: l.ab, ba: l.ba })),
    aps: lab.aps.map((a) => ({ name: a.name, router: a.router, prefix: a.prefix, notifyLatencyMs: a.notifyLatencyMs })),
  };
}
