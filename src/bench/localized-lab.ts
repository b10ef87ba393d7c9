// The localized-mobility bench's labs, made from topologies/fhmipv6.yaml: one network (home agent
// 50 ms from the core, map1 5 ms from its access routers ar1 and ar2, cn a correspondent), one move
// ap1 -> ap2 inside map1's domain, and the mobility protocol changed per variant:
//   mipv6      plain Mobile IPv6: no MAP option in the RAs, no FMIPv6; the flow through the home agent
//   mipv6-ro   the same with route optimisation with cn (RFC 6275 §5.2)
//   hmipv6     the MAP option in ar1/ar2's RAs and the node's MAP registration (RFC 5380)
//   hmipv6-ro  the same with route optimisation with cn through the RCoA (RFC 5380 §6.1.1)
//   fhmipv6    hmipv6 with FMIPv6 on ar1, ar2 and the node (RFC 5380 §9, RFC 5568): the lab as shipped
// Pure: YAML text in, lab input out.
import { parse } from 'yaml';
import type { LabInput } from '../lab/topology/schema.js';

type Node = NonNullable<LabInput['nodes']>[string];
type Flow = NonNullable<LabInput['traffic']>[number];

export const VARIANTS = ['mipv6', 'mipv6-ro', 'hmipv6', 'hmipv6-ro', 'fhmipv6'] as const;
export type Variant = (typeof VARIANTS)[number];

/** The variants with a MAP (RFC 5380): the node registers locally, its radio's BU goes to map1. */
export function isHierarchical(variant: Variant): boolean {
  return variant === 'hmipv6' || variant === 'hmipv6-ro' || variant === 'fhmipv6';
}

/** The move: detach at DETACH_MS, 100 ms of L2 gap, link-going-down LEAD_MS before the detach. */
export const DETACH_MS = 4000;
export const GAP_MS = 100;
export const LEAD_MS = 100;
const DURATION_MS = 6500;
/** The flow from cn: 200 packets/s from FLOW_START_MS to 1 s before the end. */
const FLOW_START_MS = 2500;

export function parseLab(text: string): LabInput {
  return parse(text) as LabInput;
}

/** The fhmipv6 lab turned into `variant`, named `name`, with one intra-domain move. */
export function localizedLab(base: LabInput, variant: Variant, name: string): LabInput {
  const nodes = structuredClone(base.nodes) as Record<string, Node>;
  const hierarchical = isHierarchical(variant);
  const fast = variant === 'fhmipv6';
  for (const ar of ['ar1', 'ar2']) {
    const n = nodes[ar] as Node & { roles: string[]; agent: Record<string, unknown> };
    if (!fast) {
      n.roles = ['access-router'];
      delete n.agent.fmipv6;
    }
    if (!hierarchical) delete n.agent['access-router'];
  }
  if (!hierarchical) {
    const ar3 = nodes.ar3 as Node & { agent: Record<string, unknown> };
    delete ar3.agent['access-router'];
  }
  nodes.cn = { roles: ['correspondent'], agent: { correspondent: {} } } as Node;
  const mn = nodes.mn as Node & { agent: { 'mobile-node': Record<string, unknown>; fmipv6?: unknown } };
  if (!hierarchical) delete mn.agent['mobile-node'].hmipv6;
  if (variant === 'mipv6-ro' || variant === 'hmipv6-ro') mn.agent['mobile-node'].routeOptimisation = ['cn'];
  mn.agent.fmipv6 = { enabled: fast };
  const [flow, ...others] = base.traffic as Flow[];
  return {
    ...base,
    name,
    duration: `${DURATION_MS}ms`,
    nodes,
    scenario: [
      { at: `${DETACH_MS - 500}ms`, trigger: { node: 'mn', event: 'new-ap-detected', ap: 'ap2' } },
      { at: `${DETACH_MS - LEAD_MS}ms`, trigger: { node: 'mn', event: 'link-going-down', ap: 'ap2' } },
      { at: `${DETACH_MS}ms`, detach: 'mn' },
      { at: `${DETACH_MS + GAP_MS}ms`, attach: { node: 'mn', ap: 'ap2' } },
    ],
    traffic: [
      { ...flow, start: `${FLOW_START_MS}ms`, duration: `${DURATION_MS - FLOW_START_MS - 1000}ms` } as Flow,
      // The domain's other traffic (neighbour caches warm on the MAP <-> access router links).
      ...others.map((f) => ({ ...f, start: '1000ms', duration: `${DURATION_MS - 1500}ms` }) as Flow),
    ],
    // The flow's two ends and the two global nodes' links: what the bench reads.
    capture: ['cn', 'ha', 'mn'],
    // The bench prints figures; the lab's own verdicts are not what it measures.
    expectations: [],
  };
}
