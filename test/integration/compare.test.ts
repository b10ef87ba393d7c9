// `mipshop-lab compare --repeat 2` on the predictive lab with its three profiles, with 1 % loss added on
// the cn-cr link (the default is 5 runs; 2 keep CI time down: 6 lab runs, about 2 minutes).
// Checked from the captures, not from the relay's own list: the flow packets cn's interface sent and
// cr's did not receive (and back) are the same in all six runs; every run applied the same timeline
// (median spread within 2 ms, none beyond 5); predictive interrupts least, reactive loses less than
// plain Mobile IPv6; predictive loses nothing the impairment did not drop.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCaptures, type Results } from '../../src/analysis/results.js';
import type { CompareResult } from '../../src/lab/compare/run.js';
import { cli, type CliResult } from '../support/cli.js';
import { uniqueLabName } from '../support/lab-names.js';
import { hasChromium, launchChromium, openPlots } from '../support/browser.js';
import { checkPrereqs, IN_CI } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'tcpdump'] });
const PROTOCOLS = ['mipv6', 'fmipv6-predictive', 'fmipv6-reactive'];
const CN_CR = '{ endpoints: [cn, cr], delay: 2ms }';

/** Sequence numbers of `flow` in a capture. */
async function seqs(dir: string, r: Results, node: string, iface: string, flow: number): Promise<Set<number>> {
  const c = r.captures.find((x) => x.node === node && x.iface === iface);
  if (!c) throw new Error(`no capture ${node}-${iface} in ${dir}`);
  const [d] = await decodeCaptures(dir, [c]);
  return new Set((d?.frames ?? []).filter((f) => f.flow?.flowId === flow).map((f) => f.flow!.seq));
}

const minus = (a: Set<number>, b: Set<number>) => [...a].filter((x) => !b.has(x)).sort((x, y) => x - y);

describe.skipIf(missing)('compare on the predictive lab, 1 % loss on cn-cr', () => {
  let run: CliResult;
  let doc: CompareResult;
  let out: string;
  /** Per run: flow 1 packets lost between cn and cr, flow 2 packets lost between cr and cn (from the pcaps). */
  const dropped: { run: string; down: number[]; up: number[]; results: Results }[] = [];

  beforeAll(async () => {
    const text = readFileSync('topologies/fmipv6-predictive.yaml', 'utf8');
    if (!text.includes(CN_CR)) throw new Error('lab file changed: the cn-cr link line was not found');
    const dir = mkdtempSync(path.join(tmpdir(), 'mipshop-compare-'));
    const file = path.join(dir, 'lossy.yaml');
    writeFileSync(file, text.replace(CN_CR, '{ endpoints: [cn, cr], delay: 2ms, loss: 1% }'));
    out = path.join(dir, 'out');
    const t = performance.now();
    run = await cli([
      'compare',
      file,
      '--protocols',
      PROTOCOLS.join(','),
      '--repeat',
      '2',
      '--name',
      uniqueLabName('tcmp'),
      '--out',
      out,
      '--json',
    ]);
    console.log(`compare --repeat 2: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    if (run.code !== 0) throw new Error(`compare exited ${run.code}: ${run.stdout}${run.stderr}`);
    doc = JSON.parse(run.stdout) as CompareResult;
    for (const r of doc.runs) {
      const results = JSON.parse(readFileSync(path.join(r.outDir, 'results.json'), 'utf8')) as Results;
      dropped.push({
        run: `${r.protocol}#${r.repeat}`,
        down: minus(await seqs(r.outDir, results, 'cn', 'eth1', 1), await seqs(r.outDir, results, 'cr', 'eth1', 1)),
        up: minus(await seqs(r.outDir, results, 'cr', 'eth1', 2), await seqs(r.outDir, results, 'cn', 'eth1', 2)),
        results,
      });
    }
    console.log(
      'compare:',
      JSON.stringify({
        table: doc.summary.protocols.map((p) => [p.protocol, p.stats.downInterruptionMs, p.stats.downLost]),
        timelineSpreadMs: doc.summary.timeline.maxSpreadMs,
        dropped: dropped.map((d) => [d.run, d.down, d.up]),
      }),
    );
  }, 600_000);

  it('ran each protocol twice, on the relay path, and wrote compare.html with uPlot and every protocol', () => {
    expect(doc.runs.map((r) => `${r.protocol}#${r.repeat}`).sort()).toEqual(
      PROTOCOLS.flatMap((p) => [`${p}#1`, `${p}#2`]).sort(),
    );
    expect(doc.runs.every((r) => r.impairmentPath === 'relay')).toBe(true);
    const html = readFileSync(path.join(out, 'compare.html'), 'utf8');
    expect(html).toContain('uPlot');
    for (const p of PROTOCOLS) expect(html).toContain(p);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  // The helper's target is p99 <= 2 ms late over 1,000 actions (`npm run bench`); one action of a
  // few dozen here can meet the rtnl lock or a descheduled vCPU (docs/decisions.md, "The timeline is
  // applied by a real-time helper": 2.9 ms seen once in CI). So: each action's spread across the runs,
  // the median of them within 2 ms, none beyond 5 ms (the old timers' 10 ms).
  it('every run applied the same timeline: median spread within 2 ms, none beyond 5 ms', () => {
    const applied = doc.runs.map((r) => r.applied);
    expect(applied[0]!.length).toBeGreaterThanOrEqual(4);
    const spreads: number[] = [];
    for (let i = 0; i < applied[0]!.length; i++) {
      const at = applied.map((a) => a[i]);
      expect(at.every((x) => typeof x === 'number')).toBe(true);
      spreads.push(Math.max(...(at as number[])) - Math.min(...(at as number[])));
    }
    console.log(`timeline spread across runs per action (ms): ${spreads.map((x) => x.toFixed(2)).join(', ')}`);
    const sorted = [...spreads].sort((x, y) => x - y);
    expect(sorted[Math.floor((sorted.length - 1) / 2)]!).toBeLessThanOrEqual(2);
    expect(sorted.at(-1)!).toBeLessThanOrEqual(5);
  });

  it('the impairment dropped the same sequence numbers in every run (seen in the captures)', () => {
    const ref = dropped[0]!;
    // 1 % of about 800 packets each way: some loss must have happened for the check to mean anything.
    expect(ref.down.length + ref.up.length).toBeGreaterThan(0);
    for (const d of dropped) {
      expect({ run: d.run, down: d.down, up: d.up }).toEqual({ run: d.run, down: ref.down, up: ref.up });
    }
    expect(doc.summary.drops.sameInEveryRun).toBe(true);
  });

  // Reactive against plain Mobile IPv6 is ordered by loss, not by interruption: on this lab the reactive
  // FBU -> FBack takes 150-200 ms after the attach (HI/HAck through the PAR), about what the BU/BA with
  // the home agent 15 ms away takes, so their interruptions overlap (docs/compare.md, measured).
  it('medians: predictive interrupts less than reactive and plain Mobile IPv6; reactive loses less than plain', () => {
    const stats = (p: string) => doc.summary.protocols.find((x) => x.protocol === p)!.stats;
    expect(stats('fmipv6-predictive').downInterruptionMs.median!).toBeLessThan(
      stats('fmipv6-reactive').downInterruptionMs.median!,
    );
    expect(stats('fmipv6-predictive').downInterruptionMs.median!).toBeLessThan(
      stats('mipv6').downInterruptionMs.median!,
    );
    expect(stats('fmipv6-reactive').downLost.median!).toBeLessThan(stats('mipv6').downLost.median!);
  });

  it('predictive loses nothing beyond what the impairment dropped', () => {
    for (const d of dropped.filter((x) => x.run.startsWith('fmipv6-predictive'))) {
      const flow1 = d.results.flows.find((f) => f.id === 1)!;
      expect(flow1.lostSeqs.filter((s) => !d.down.includes(s))).toEqual([]);
    }
  });

  // Under CI=true a missing chromium fails the test (scripts/install-deps.sh installs it).
  it.skipIf(!IN_CI && !hasChromium())(
    'compare.html opens offline in chromium: no error, no request, per flow one series per protocol',
    async () => {
      expect(hasChromium(), 'chromium (scripts/install-deps.sh)').toBe(true);
      const file = path.join(out, 'compare.html');
      const browser = await launchChromium();
      try {
        const { page, errors, requests } = await openPlots(
          browser,
          file,
          'mipshopCompare',
          path.join(out, 'compare.png'),
        );
        expect(errors).toEqual([]);
        expect(requests).toEqual([pathToFileURL(file).href]);
        const plots = await page.evaluate(() =>
          Object.entries(
            (
              globalThis as unknown as {
                mipshopCompare: { plots: Record<string, { series: { label: string }[]; data: unknown[][] }> };
              }
            ).mipshopCompare.plots,
          ).map(([flow, u]) => ({
            flow,
            labels: u.series.slice(1).map((x) => x.label),
            points: u.data.slice(1).map((ys) => ys.filter((y) => y !== null).length),
          })),
        );
        expect(plots.map((p) => p.flow).sort()).toEqual(['1', '2']);
        for (const p of plots) {
          expect(p.labels).toEqual(PROTOCOLS);
          // About 800 packets per flow and run reach the receiver.
          for (const n of p.points) expect(n).toBeGreaterThan(700);
        }
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
