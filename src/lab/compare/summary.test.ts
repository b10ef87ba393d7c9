import { describe, expect, it } from 'vitest';
import { compareTable, type RunMeasures, stat, summarise } from './summary.js';

function run(p: Partial<RunMeasures> & Pick<RunMeasures, 'protocol' | 'repeat'>): RunMeasures {
  return {
    outDir: `/o/${p.protocol}/run${p.repeat}`,
    passed: true,
    l2GapMs: 100,
    downInterruptionMs: 100,
    downLost: 0,
    upInterruptionMs: 200,
    upLost: 0,
    buffered: 0,
    signallingMessages: 4,
    signallingBytes: 400,
    atHomeAgent: 1,
    applied: [2500, 3000, 3100],
    actions: ['trigger mn new-ap-detected ap2', 'detach mn', 'attach mn ap2'],
    impairmentPath: 'relay',
    impairmentDrops: { 'l0:ab': { 1: [5, 77] } },
    ...p,
  };
}

describe('stat', () => {
  it('median of an odd and an even count, min and max; nulls left out', () => {
    expect(stat([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(stat([4, 1, null, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(stat([null, undefined])).toEqual({ median: null, min: null, max: null, n: 0 });
  });
});

describe('summarise', () => {
  const runs = [
    run({ protocol: 'mipv6', repeat: 1, downInterruptionMs: 190, downLost: 30 }),
    run({ protocol: 'fast', repeat: 1, downInterruptionMs: 105, applied: [2500.4, 3000.9, 3100] }),
    run({ protocol: 'mipv6', repeat: 2, downInterruptionMs: 210, downLost: 34, applied: [2501.5, 3000, 3100.2] }),
    run({ protocol: 'fast', repeat: 2, downInterruptionMs: 107 }),
  ];

  it('per protocol, in the order asked, median and spread of each measure', () => {
    const s = summarise(runs, ['fast', 'mipv6']);
    expect(s.protocols.map((p) => p.protocol)).toEqual(['fast', 'mipv6']);
    expect(s.protocols[1]!.stats.downInterruptionMs).toEqual({ median: 200, min: 190, max: 210, n: 2 });
    expect(s.protocols[1]!.stats.downLost).toEqual({ median: 32, min: 30, max: 34, n: 2 });
    expect(s.protocols[0]!.runs).toBe(2);
  });

  it('the timeline: per action the spread of its applied time over every run', () => {
    const s = summarise(runs, ['fast', 'mipv6']);
    expect(s.timeline.actions.map((a) => a.spreadMs)).toEqual([1.5, 0.9, 0.2]);
    expect(s.timeline.actions[1]!.action).toBe('detach mn');
    expect(s.timeline.maxSpreadMs).toBe(1.5);
  });

  it('relay drops: the same in every run, or the runs that differ', () => {
    expect(summarise(runs, ['fast', 'mipv6']).drops).toMatchObject({ path: 'relay', sameInEveryRun: true });
    const odd = [...runs, run({ protocol: 'fast', repeat: 3, impairmentDrops: { 'l0:ab': { 1: [5] } } })];
    expect(summarise(odd, ['fast', 'mipv6']).drops).toMatchObject({ sameInEveryRun: false, differing: ['fast#3'] });
  });

  it('netem: the table says drops are not keyed', () => {
    const s = summarise(
      runs.map((r) => ({ ...r, impairmentPath: 'netem' as const, impairmentDrops: null })),
      ['fast', 'mipv6'],
    );
    expect(s.drops.sameInEveryRun).toBeNull();
    expect(compareTable(s)).toMatch(/netem: loss is drawn per frame by the kernel, not keyed/);
  });

  it('the printed table: a row per protocol with median [min-max]', () => {
    const t = compareTable(summarise(runs, ['fast', 'mipv6'])).split('\n');
    expect(t[0]).toMatch(/^protocol\s+runs\s+interruption down \(ms\)/);
    expect(t[1]).toMatch(/^fast\s+2\s+106 \[105-107\]/);
    expect(t[2]).toMatch(/^mipv6\s+2\s+200 \[190-210\]\s+32 \[30-34\]/);
    expect(t.join('\n')).toMatch(/impairment drops: the same flow packets in every run/);
  });
});
