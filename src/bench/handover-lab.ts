// The handover bench's labs, made from topologies/fmipv6-predictive.yaml: the same lab with another
// link-going-down lead, or with mn1..mnN on ap1, each with its own home address and 200 pps flow from
// cn, moving to ap2 `spacingMs` apart (0: all at once). Pure: YAML text in, lab input out.
import { parse } from 'yaml';
import type { LabInput } from '../lab/topology/schema.js';

type Node = NonNullable<LabInput['nodes']>[string];
type Step = NonNullable<LabInput['scenario']>[number];
type Flow = NonNullable<LabInput['traffic']>[number];

/** The base lab's own timeline: detach at 3 s, 100 ms of L2 gap; the run goes on 2.9 s after attach. */
const DETACH_MS = 3000;
const GAP_MS = 100;
const AFTER_MS = 2900;
const FLOW_START_MS = 1500;

export interface MoveOptions {
  /** link-going-down this long before each detach (RFC 4260 trigger lead). */
  leadMs: number;
  /** Mobile nodes mn1..mnN (1 keeps the base lab's single mn). */
  mobileNodes: number;
  /** Between one node's detach and the next one's; 0 moves them all at once. */
  spacingMs: number;
}

export function parseLab(text: string): LabInput {
  return parse(text) as LabInput;
}

/** The predictive lab with `o.mobileNodes` nodes that each move once, `o.leadMs` after their trigger. */
export function handoverLab(base: LabInput, o: MoveOptions, name: string): LabInput {
  if (!Number.isInteger(o.mobileNodes) || o.mobileNodes < 1) throw new RangeError('mobileNodes must be >= 1');
  const nodes = { ...base.nodes } as Record<string, Node>;
  const mn = nodes.mn as Node & { agent: { 'mobile-node': Record<string, unknown> } };
  const ha = nodes.ha as Node & { agent: { 'home-agent': { mobileNodes: Record<string, unknown>[] } } };
  const baseFlow = base.traffic![0] as Flow & { toAddress: string };
  const single = o.mobileNodes === 1;
  const names = single ? ['mn'] : Array.from({ length: o.mobileNodes }, (_, i) => `mn${i + 1}`);
  const haEntry = ha.agent['home-agent'].mobileNodes[0]!;
  const entries: Record<string, unknown>[] = [];
  const scenario: Step[] = [];
  const traffic: Flow[] = [];
  if (!single) delete nodes.mn;
  const lastDetach = DETACH_MS + (names.length - 1) * o.spacingMs;
  const durationMs = lastDetach + GAP_MS + AFTER_MS;
  names.forEach((node, i) => {
    // Home addresses ::100, ::101 ...; SPIs 1000, 1001 ... (the base lab's are the first of each).
    const homeAddress = single ? baseFlow.toAddress : `fd00:f:1:100::${(0x100 + i).toString(16)}`;
    const nai = single ? (haEntry.nai as string) : `${node}@fmipv6.lab`;
    const spi = (haEntry.spi as number) + i;
    entries.push({ ...haEntry, nai, homeAddress, spi });
    if (!single)
      nodes[node] = {
        ...mn,
        agent: { ...mn.agent, 'mobile-node': { ...mn.agent['mobile-node'], homeAddress, nai, spi } },
      } as Node;
    const detach = DETACH_MS + i * o.spacingMs;
    // The scan finds ap2 well before the decision, as in the base lab (500 ms), and never after it.
    const scan = detach - Math.max(500, o.leadMs + 100);
    scenario.push(
      { at: `${scan}ms`, trigger: { node, event: 'new-ap-detected', ap: 'ap2' } },
      { at: `${detach - o.leadMs}ms`, trigger: { node, event: 'link-going-down', ap: 'ap2' } },
      { at: `${detach}ms`, detach: node },
      { at: `${detach + GAP_MS}ms`, attach: { node, ap: 'ap2' } },
    );
    traffic.push({
      ...baseFlow,
      id: i + 1,
      to: node,
      toAddress: homeAddress,
      start: `${FLOW_START_MS}ms`,
      duration: `${durationMs - FLOW_START_MS - 500}ms`,
    } as Flow);
  });
  nodes.ha = {
    ...ha,
    agent: { ...ha.agent, 'home-agent': { ...ha.agent['home-agent'], mobileNodes: entries } },
  } as Node;
  return {
    ...base,
    name,
    duration: `${durationMs}ms`,
    nodes,
    scenario,
    traffic,
    // Each flow's receiving and sending points only: a tcpdump per router interface would cost more
    // CPU than the agents being measured.
    capture: ['cn', ...names],
    // The bench prints figures; the lab's own verdicts are not what it measures.
    expectations: [],
  };
}
