import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lab/paths.js';
import { resolveLab } from '../lab/topology/resolve.js';
import { labSchema } from '../lab/topology/schema.js';
import { localizedLab, parseLab, VARIANTS } from './localized-lab.js';

const base = parseLab(readFileSync(path.join(PROJECT_ROOT, 'topologies/fhmipv6.yaml'), 'utf8'));
const resolve = (input: unknown) => resolveLab(labSchema.parse(input), '<bench>');

/** An agent's settings by role, as far as this test reads them. */
type Settings = { [role: string]: { [key: string]: unknown; map?: unknown[] } };

describe('localizedLab', () => {
  it.each(VARIANTS)('%s: one move ap1 -> ap2 on the same network, every variant a valid lab', (v) => {
    const lab = resolve(localizedLab(base, v, 'bl1'));
    expect(lab.scenario.map((s) => s.action.kind)).toEqual(['trigger', 'trigger', 'detach', 'attach']);
    const ends = (l: typeof lab) => l.links.map((x) => `${x.a.node}-${x.b.node} ${JSON.stringify(x.ab)}`);
    expect(ends(lab)).toEqual(ends(resolve(localizedLab(base, 'fhmipv6', 'bl2'))));
    expect(lab.nodes.find((n) => n.name === 'cn')?.roles).toEqual(['correspondent']);
  });

  it('switches the protocol: MAP options, FMIPv6 roles, the node settings, route optimisation', () => {
    const agent = (v: (typeof VARIANTS)[number], node: string) =>
      (localizedLab(base, v, 'bl1').nodes as Record<string, { roles: string[]; agent: Settings }>)[node]!;
    expect(agent('mipv6', 'ar1').roles).toEqual(['access-router']);
    expect(agent('mipv6', 'ar1').agent['access-router']).toBeUndefined();
    expect(agent('mipv6', 'mn').agent['mobile-node']?.hmipv6).toBeUndefined();
    expect(agent('mipv6', 'mn').agent['mobile-node']?.routeOptimisation).toBeUndefined();
    expect(agent('mipv6-ro', 'mn').agent['mobile-node']?.routeOptimisation).toEqual(['cn']);
    expect(agent('hmipv6', 'ar1').roles).toEqual(['access-router']);
    expect(agent('hmipv6', 'ar1').agent['access-router']?.map).toHaveLength(1);
    expect(agent('hmipv6', 'mn').agent.fmipv6).toEqual({ enabled: false });
    expect(agent('hmipv6', 'mn').agent['mobile-node']?.routeOptimisation).toBeUndefined();
    expect(agent('hmipv6-ro', 'mn').agent['mobile-node']?.routeOptimisation).toEqual(['cn']);
    expect(agent('hmipv6-ro', 'mn').agent['mobile-node']?.hmipv6).toBeDefined();
    expect(agent('fhmipv6', 'ar1').roles).toEqual(['par', 'nar']);
    expect(agent('fhmipv6', 'mn').agent.fmipv6).toEqual({ enabled: true });
    expect(agent('fhmipv6', 'mn').agent['mobile-node']?.hmipv6).toBeDefined();
    // The base lab is not changed by making variants.
    expect((base.nodes as Record<string, { roles: string[] }>).ar1!.roles).toEqual(['par', 'nar']);
  });
});
