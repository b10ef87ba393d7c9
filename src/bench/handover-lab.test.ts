import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lab/paths.js';
import { resolveLab } from '../lab/topology/resolve.js';
import { labSchema } from '../lab/topology/schema.js';
import { handoverLab, parseLab } from './handover-lab.js';

const base = parseLab(readFileSync(path.join(PROJECT_ROOT, 'topologies/fmipv6-predictive.yaml'), 'utf8'));
const resolve = (input: unknown) => resolveLab(labSchema.parse(input), '<bench>');

describe('handoverLab', () => {
  it('one node with another lead: the base lab with link-going-down that much before the detach', () => {
    const lab = resolve(handoverLab(base, { leadMs: 200, mobileNodes: 1, spacingMs: 0 }, 'bh1'));
    const at = Object.fromEntries(
      lab.scenario.map((s) => [s.action.kind === 'trigger' ? s.action.trigger : s.action.kind, s.atMs] as const),
    );
    expect(at).toEqual({ 'new-ap-detected': 2500, 'link-going-down': 2800, detach: 3000, attach: 3100 });
    expect(lab.traffic.map((t) => [t.to, t.toAddress])).toEqual([['mn', 'fd00:f:1:100::100']]);
  });

  it('50 nodes 100 ms apart: own home addresses, SPIs and flows, the home agent knows each', () => {
    const input = handoverLab(base, { leadMs: 12, mobileNodes: 50, spacingMs: 100 }, 'bh50');
    const lab = resolve(input);
    const mns = lab.nodes.filter((n) => n.roles.includes('mobile-node')).map((n) => n.name);
    expect(mns).toHaveLength(50);
    expect(mns).not.toContain('mn');
    expect(new Set(lab.traffic.map((t) => t.toAddress)).size).toBe(50);
    const ha = lab.nodes.find((n) => n.name === 'ha')!.agent['home-agent'] as { mobileNodes: { spi: number }[] };
    expect(new Set(ha.mobileNodes.map((m) => m.spi)).size).toBe(50);
    const detaches = lab.scenario.filter((s) => s.action.kind === 'detach').map((s) => s.atMs);
    expect(detaches[0]).toBe(3000);
    expect(detaches[49]).toBe(3000 + 49 * 100);
    expect(lab.durationMs).toBe(3000 + 49 * 100 + 100 + 2900);
  });
});
