import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lab/paths.js';
import { resolveLab } from '../lab/topology/resolve.js';
import { labSchema } from '../lab/topology/schema.js';
import {
  SCALE_AFTER_MS,
  SCALE_GAP_MS,
  scaleFirstAp,
  scaleLab,
  scaleLastAp,
  scaleNodeId,
  VARIANTS,
  variantText,
} from './pmipv6-lab.js';

const FILE = path.join(PROJECT_ROOT, 'topologies/pmipv6-transient.yaml');
const text = readFileSync(FILE, 'utf8');
const resolve = (input: unknown) => resolveLab(labSchema.parse(input), '<bench>');

type MagAgent = { mag: { fastHandover?: { peers: string[]; forwarding?: boolean }; transientBinding?: unknown } };

describe('variantText', () => {
  const lab = (v: (typeof VARIANTS)[number]) => resolve(parse(variantText(text, v)));
  const mag = (v: (typeof VARIANTS)[number], n: string) => lab(v).nodes.find((x) => x.name === n)!.agent as MagAgent;
  const kinds = (v: (typeof VARIANTS)[number]) => lab(v).scenario.map((s) => s.action.kind);

  it.each(VARIANTS)('%s: a valid lab on the same network, move and traffic', (v) => {
    const l = lab(v);
    const base = resolve(parse(text));
    expect(l.links).toEqual(base.links);
    expect(l.traffic).toEqual(base.traffic);
    expect(l.scenario.filter((s) => s.action.kind !== 'trigger')).toEqual(
      base.scenario.filter((s) => s.action.kind !== 'trigger'),
    );
  });

  it('switches the MAGs between RFC 5213, RFC 5949 and RFC 6058', () => {
    for (const n of ['mag1', 'mag2']) {
      expect(mag('pmipv6', n).mag.fastHandover).toBeUndefined();
      expect(mag('pmipv6', n).mag.transientBinding).toBeUndefined();
      for (const v of ['pfmipv6-predictive', 'pfmipv6-reactive'] as const) {
        expect(mag(v, n).mag.fastHandover).toEqual({ peers: [n === 'mag1' ? 'mag2' : 'mag1'] });
        expect(mag(v, n).mag.transientBinding).toBeUndefined();
      }
      expect(mag('transient', n).mag.fastHandover?.forwarding).toBe(false);
      expect(mag('transient', n).mag.transientBinding).toEqual({ lifetimeMs: 1500 });
    }
    expect(kinds('pmipv6')).toEqual(['trigger', 'detach', 'attach']);
    expect(kinds('pfmipv6-predictive')).toEqual(['trigger', 'detach', 'attach']);
    expect(kinds('pfmipv6-reactive')).toEqual(['detach', 'attach']);
    expect(variantText(text, 'transient')).toBe(text);
  });

  it('throws when the file no longer has the shape the edits expect', () => {
    expect(() => variantText(text.replace(/, forwarding: false/g, ''), 'pmipv6')).toThrow(/changed shape/);
    expect(() => variantText(text.replace(/^ +transientBinding: .*\n/m, ''), 'pmipv6')).toThrow(/changed shape/);
    expect(() => variantText(text.replace('event: link-going-down', 'event: x'), 'transient')).toThrow(/changed shape/);
  });
});

describe('scaleLab', () => {
  it('100 plain hosts over 4 MAGs, each known to the LMA and every MAG, each moving once to the next AP', () => {
    const lab = resolve(scaleLab({ nodes: 100, spacingMs: 30, firstMoveMs: 1000 }, 'bps1'));
    const hosts = lab.nodes.filter((n) => n.roles.includes('mobile'));
    expect(hosts).toHaveLength(100);
    expect(hosts.every((n) => Object.keys(n.agent).length === 0)).toBe(true);
    const lma = lab.nodes.find((n) => n.name === 'lma')!.agent.lma as { pool: string; mobileNodes: { id: string }[] };
    expect(lma.pool).toBe('fd00:5:c:100::/56');
    expect(new Set(lma.mobileNodes.map((m) => m.id)).size).toBe(100);
    for (const k of [1, 2, 3, 4]) {
      const mag = lab.nodes.find((n) => n.name === `mag${k}`)!.agent.mag as { mobileNodes: unknown[] };
      expect(mag.mobileNodes).toHaveLength(100);
      expect(mag.mobileNodes).toContainEqual({ id: scaleNodeId(41), node: 'mn42' });
    }
    expect(lab.aps.map((a) => [a.name, a.router, a.isolated])).toEqual([
      ['ap1', 'mag1', true],
      ['ap2', 'mag2', true],
      ['ap3', 'mag3', true],
      ['ap4', 'mag4', true],
    ]);
    // mn4 (i = 3) starts on ap4 and moves to ap1.
    expect([scaleFirstAp(3), scaleLastAp(3)]).toEqual([4, 1]);
    expect(lab.nodes.find((n) => n.name === 'mn4')!.interfaces.find((i) => i.kind === 'radio')?.ap).toBe('ap4');
    expect(lab.scenario.filter((s) => s.action.node === 'mn4')).toEqual([
      { atMs: 1090, action: { kind: 'detach', node: 'mn4' } },
      { atMs: 1090 + SCALE_GAP_MS, action: { kind: 'attach', node: 'mn4', ap: 'ap1' } },
    ]);
    expect(lab.scenario).toHaveLength(200);
    expect(lab.durationMs).toBe(1000 + 99 * 30 + SCALE_GAP_MS + SCALE_AFTER_MS);
    expect(lab.traffic).toEqual([]);
    expect(lab.capture).toEqual([]);
  });

  it('refuses more nodes than the /56 pool has prefixes', () => {
    expect(() => scaleLab({ nodes: 257, spacingMs: 30, firstMoveMs: 1000 }, 'bps2')).toThrow(RangeError);
  });
});
