import { describe, expect, test } from 'vitest';
import { impairment } from '../net/fixtures.js';
import { isImpaired, linkIsImpaired } from './impairment.js';
import { netemArgs, netemRemoveArgs, planNetem } from './netem.js';

describe('netemArgs', () => {
  test('every clause, in tc order', () => {
    expect(
      netemArgs('eth1', impairment({ delayMs: 20, jitterMs: 5, lossPct: 1, duplicatePct: 0.5, rateBps: 10e6 })),
    ).toEqual([
      'qdisc',
      'replace',
      'dev',
      'eth1',
      'root',
      'netem',
      'limit',
      '10000',
      'delay',
      '20ms',
      '5ms',
      'loss',
      '1%',
      'duplicate',
      '0.5%',
      'rate',
      '10000000bit',
    ]);
  });

  test('only the clauses that are non-zero', () => {
    expect(netemArgs('eth2', impairment({ lossPct: 2.5 }))).toEqual([
      'qdisc',
      'replace',
      'dev',
      'eth2',
      'root',
      'netem',
      'limit',
      '10000',
      'loss',
      '2.5%',
    ]);
    expect(netemArgs('eth2', impairment({ delayMs: 0.25 }))).toContain('0.25ms');
  });

  test('remove and plan', () => {
    expect(netemRemoveArgs('eth1')).toEqual(['qdisc', 'del', 'dev', 'eth1', 'root']);
    expect(planNetem('mlab-x-a', 'eth1', impairment({ delayMs: 1 }))).toEqual({
      tool: 'tc',
      ns: 'mlab-x-a',
      line: 'qdisc replace dev eth1 root netem limit 10000 delay 1ms',
    });
  });
});

test('an all-zero impairment is none', () => {
  expect(isImpaired(null)).toBe(false);
  expect(isImpaired(impairment({}))).toBe(false);
  expect(isImpaired(impairment({ rateBps: 1 }))).toBe(true);
  expect(linkIsImpaired({ ab: null, ba: impairment({ jitterMs: 1 }) })).toBe(true);
});

test("planNetemImpairments: a->b on a's interface, b->a on b's; nothing without netem", async () => {
  const { planNetemImpairments } = await import('./index.js');
  const { addLink, addNode, emptyLab } = await import('../net/fixtures.js');
  const lab = emptyLab('x');
  addNode(lab, 'a');
  addNode(lab, 'b');
  addLink(lab, 'a', 'b', '2001:db8:0:1', { ab: impairment({ delayMs: 20 }), ba: impairment({ lossPct: 1 }) });
  addLink(lab, 'a', 'b', '2001:db8:0:2');
  expect(planNetemImpairments(lab, { netem: true })).toEqual([
    { tool: 'tc', ns: 'mlab-x-a', line: 'qdisc replace dev eth1 root netem limit 10000 delay 20ms' },
    { tool: 'tc', ns: 'mlab-x-b', line: 'qdisc replace dev eth1 root netem limit 10000 loss 1%' },
  ]);
  expect(planNetemImpairments(lab, { netem: false })).toEqual([]);
});
