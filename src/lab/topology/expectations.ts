// The `expectations:` list of a lab file: one-key records, parsed into analysis/expectations.ts values
// so the run can judge them. Strict like the rest of the schema: a typo is an error with its path.
import { z } from 'zod';
import type { Expectation } from '../../analysis/expectations.js';
import { duration, percent } from './schema-quantities.js';

const sel = {
  node: z.string().optional().meta({ description: 'Only handovers of this mobile node.' }),
  handover: z.number().int().min(0).optional().meta({ description: 'Only the handover with this index (0-based).' }),
  flow: z.number().int().min(0).optional().meta({ description: 'Only this flow.' }),
};

const localizedFields = {
  node: z.string().meta({ description: 'The mobile node whose moves are judged.' }),
  nodes: z
    .array(z.string())
    .min(1)
    .optional()
    .meta({ description: 'The nodes whose links must not see it (default: home agents and correspondents).' }),
};
/** no-global-signalling and localized judge moves: one of them may be picked (location-privacy judges the whole run). */
const moveField = {
  handover: z
    .number()
    .int()
    .min(0)
    .optional()
    .meta({ description: 'Only the move with this handover index (0-based); default: every move of the node.' }),
};

const one = <K extends string, S extends z.ZodType>(key: K, schema: S) =>
  z.strictObject({ [key]: schema } as Record<K, S>);

/** The localized mobility expectations (analysis/localized.ts): `{ node, nodes?, handover? }` each (no handover for location-privacy). */
const localized = <K extends 'no-global-signalling' | 'location-privacy' | 'localized'>(kind: K) =>
  one(
    kind,
    z.strictObject(kind === 'location-privacy' ? localizedFields : { ...localizedFields, ...moveField }),
  ).transform((v): Expectation => {
    const f = (v as Record<K, { node: string; nodes?: string[]; handover?: number }>)[kind];
    return {
      kind,
      node: f.node,
      ...(f.nodes ? { nodes: f.nodes } : {}),
      ...(f.handover !== undefined ? { handover: f.handover } : {}),
    } as Expectation;
  });

export const expectationSchema = z
  .union([
    one('interruption', z.strictObject({ max: duration, ...sel })).transform(
      (v): Expectation => ({ kind: 'interruption', maxMs: v.interruption.max, ...pick(v.interruption) }),
    ),
    one('lost', z.strictObject({ max: z.number().int().min(0), ...sel })).transform(
      (v): Expectation => ({ kind: 'lost', max: v.lost.max, ...pick(v.lost) }),
    ),
    one('loss-rate', z.strictObject({ flow: z.number().int().min(0), max: percent })).transform(
      (v): Expectation => ({ kind: 'loss-rate', flow: v['loss-rate'].flow, maxPct: v['loss-rate'].max }),
    ),
    one('resumed', z.strictObject({ ...sel })).transform((v): Expectation => ({ kind: 'resumed', ...pick(v.resumed) })),
    one('address', z.strictObject({ node: z.string(), ap: z.string() })).transform(
      (v): Expectation => ({ kind: 'address', node: v.address.node, ap: v.address.ap }),
    ),
    one('no-malformed', z.strictObject({})).transform((): Expectation => ({ kind: 'no-malformed' })),
    one('no-icmpv6-error', z.strictObject({ type: z.number().int().min(0).max(127).default(4) })).transform(
      (v): Expectation => ({ kind: 'no-icmpv6-error', type: v['no-icmpv6-error'].type }),
    ),
    localized('no-global-signalling'),
    localized('location-privacy'),
    localized('localized'),
  ])
  .meta({
    description:
      'One of: interruption {max, node?, handover?, flow?}, lost {max, ...}, loss-rate {flow, max}, resumed {...}, address {node, ap}, no-malformed {}, no-icmpv6-error {type}, no-global-signalling {node, nodes?, handover?}, location-privacy {node, nodes?}, localized {node, nodes?, handover?}.',
  });

function pick(v: { node?: string; handover?: number; flow?: number }): {
  node?: string;
  handover?: number;
  flow?: number;
} {
  const o: { node?: string; handover?: number; flow?: number } = {};
  if (v.node !== undefined) o.node = v.node;
  if (v.handover !== undefined) o.handover = v.handover;
  if (v.flow !== undefined) o.flow = v.flow;
  return o;
}
