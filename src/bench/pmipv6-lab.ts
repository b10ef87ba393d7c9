// The Proxy Mobile IPv6 bench's labs. Pure: text or numbers in, lab text or lab input out.
//
// Variants of topologies/pmipv6-transient.yaml (mn, a plain host, moves ap1/mag1 -> ap2/mag2), each a
// text edit of the file, so the network, timeline and traffic stay the file's own:
//   pmipv6              plain RFC 5213: no fastHandover, no transientBinding on the MAGs
//   pfmipv6-predictive  RFC 5949 forwarding and buffering, on the file's link-going-down trigger
//   pfmipv6-reactive    the same without the trigger: the HI follows the attach
//   transient           the file as it is (RFC 6058, context-only HI)
// The edits throw when the file no longer has the shape they expect, rather than bench another lab.
//
// The LMA scale lab: N plain hosts over 4 MAGs, one LMA, each node moving once to the next AP.
import type { LabInput } from '../lab/topology/schema.js';

type Step = NonNullable<LabInput['scenario']>[number];
type Link = NonNullable<LabInput['links']>[number];

export const VARIANTS = ['pmipv6', 'pfmipv6-predictive', 'pfmipv6-reactive', 'transient'] as const;
export type Variant = (typeof VARIANTS)[number];

const CONTEXT_ONLY = /^( +fastHandover: \{ peers: \[mag\d\]), forwarding: false \}.*$/gm;
const FAST_HANDOVER = /^ +fastHandover: .*\n/gm;
const TRANSIENT = /^ +transientBinding: .*\n/gm;
const TRIGGER = /^ {2}- \{ at: [\d.]+s, trigger: \{ node: mn, event: link-going-down, ap: ap2 \} \}.*\n/gm;

/** Throws unless `re` matches exactly `n` times in `text` (the file's shape). */
function expectCount(text: string, re: RegExp, n: number, what: string): void {
  const found = text.match(re)?.length ?? 0;
  if (found !== n) throw new Error(`pmipv6-transient.yaml changed shape: ${found} ${what} line(s), expected ${n}`);
}

/** pmipv6-transient.yaml's text made into `variant`. */
export function variantText(text: string, variant: Variant): string {
  // Both MAGs context-only with a transient binding, and one link-going-down trigger: what the
  // edits below rely on.
  expectCount(text, CONTEXT_ONLY, 2, 'context-only fastHandover');
  expectCount(text, FAST_HANDOVER, 2, 'fastHandover');
  expectCount(text, TRANSIENT, 2, 'transientBinding');
  expectCount(text, TRIGGER, 1, 'link-going-down trigger');
  switch (variant) {
    case 'transient':
      return text;
    case 'pmipv6':
      // The trigger stays: for a plain host it goes to ap1's MAG, which ignores it without fastHandover.
      return text.replace(FAST_HANDOVER, '').replace(TRANSIENT, '');
    case 'pfmipv6-predictive':
      return text.replace(CONTEXT_ONLY, '$1 }').replace(TRANSIENT, '');
    case 'pfmipv6-reactive':
      return text.replace(CONTEXT_ONLY, '$1 }').replace(TRANSIENT, '').replace(TRIGGER, '');
  }
}

export interface ScaleOptions {
  /** Mobile nodes mn1..mnN (at most 256: the pool is a /56 of /64s). */
  nodes: number;
  /** Between one node's detach and the next one's. */
  spacingMs: number;
  /** The first detach, after the run's start. */
  firstMoveMs: number;
}

export const SCALE_MAGS = 4;
/** Each move's L2 gap. */
export const SCALE_GAP_MS = 50;
/** How long the run goes on after the last attach: the last PBU/PBA and the previous MAG's de-registration. */
export const SCALE_AFTER_MS = 1500;

export const scaleNodeName = (i: number): string => `mn${i + 1}`;
export const scaleNodeId = (i: number): string => `mn${i + 1}@scale.lab`;
/** Node i starts on ap((i mod 4) + 1) and moves once to the next AP. */
export const scaleFirstAp = (i: number): number => (i % SCALE_MAGS) + 1;
export const scaleLastAp = (i: number): number => ((i + 1) % SCALE_MAGS) + 1;

/** The last attach of the scale lab's timeline, ms after the run's start. */
function scaleLastAttachMs(o: ScaleOptions): number {
  return o.firstMoveMs + (o.nodes - 1) * o.spacingMs + SCALE_GAP_MS;
}

/** N unmodified hosts over four MAGs, as topologies/pmipv6.yaml writes one, each moving once. */
export function scaleLab(o: ScaleOptions, name: string): LabInput {
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 256)
    throw new RangeError(`scale nodes must be 1..256 (a /56 pool of /64s), got ${o.nodes}`);
  const idx = Array.from({ length: o.nodes }, (_, i) => i);
  const mags = Array.from({ length: SCALE_MAGS }, (_, k) => k + 1);
  const magEntries = idx.map((i) => ({ id: scaleNodeId(i), node: scaleNodeName(i) }));
  const nodes: NonNullable<LabInput['nodes']> = {
    cr: { roles: ['router'] },
    lma: {
      roles: ['lma'],
      agent: { lma: { pool: 'fd00:5:c:100::/56', mobileNodes: idx.map((i) => ({ id: scaleNodeId(i) })) } },
    },
  };
  for (const k of mags) nodes[`mag${k}`] = { roles: ['mag'], agent: { mag: { lma: 'lma', mobileNodes: magEntries } } };
  for (const i of idx)
    nodes[scaleNodeName(i)] = {
      roles: ['host', 'mobile'],
      radio: { ap: `ap${scaleFirstAp(i)}` },
      sysctls: { 'net.ipv6.conf.wlan0.dad_transmits': 0 },
    };
  const scenario = idx.flatMap((i): Step[] => {
    const detach = o.firstMoveMs + i * o.spacingMs;
    const node = scaleNodeName(i);
    return [
      { at: `${detach}ms`, detach: node },
      { at: `${detach + SCALE_GAP_MS}ms`, attach: { node, ap: `ap${scaleLastAp(i)}` } },
    ];
  });
  return {
    name,
    prefix: 'fd00:5:c::/48',
    duration: `${scaleLastAttachMs(o) + SCALE_AFTER_MS}ms`,
    nodes,
    links: [
      { endpoints: ['cr', 'lma'], delay: '5ms' },
      ...mags.map((k): Link => ({ endpoints: ['cr', `mag${k}`], delay: '5ms' })),
    ],
    aps: Object.fromEntries(
      // Many stations share an AP here: isolated, so each has the point-to-point link to its MAG
      // that RFC 5213 §6.2 assumes.
      mags.map((k) => [`ap${k}`, { router: `mag${k}`, prefix: `fd00:5:c:a${k}::/64`, isolated: true }]),
    ),
    scenario,
    // The figure is the LMA's CPU: no traffic, and no tcpdump competing with it for the two cores.
    capture: [],
    expectations: [],
  };
}
