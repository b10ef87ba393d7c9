// Many mobile nodes on one PAR/NAR pair (test/fixtures/fmipv6-ten-nodes.yaml): ten nodes move ap1 -> ap2
// 100 ms apart with a 100 ms link-going-down lead, 200 packets/s to each; then two nodes cross at the
// same instant (mn1 ap1 -> ap2, mn2 ap2 -> ap1). Every flow is judged only on its own node's handover,
// at its receiving application: nothing lost, interruption within the applied L2 gap + the AP's
// notify latency (5 ms) + 2 x PAR-NAR delay (0) + 10 ms (docs/fmipv6.md).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Results } from '../../src/analysis/results.js';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, TOOLS } from '../integration/fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('test/fixtures/fmipv6-ten-nodes.yaml');
const NOTIFY_MS = 5;
const PAR_NAR_DELAY_MS = 0;

/** Each flow to a mobile node: zero loss, and its node's one handover within the bound. */
function judgeEachFlow(results: Results, nodes: string[]): void {
  for (const [i, node] of nodes.entries()) {
    const flow = results.flows.find((f) => f.id === i + 1)!;
    expect(flow.lost, `flow ${flow.id} (${node}) lost at the application`).toBe(0);
    const hs = results.handovers.filter((h) => h.node === node);
    expect(hs, `${node}'s handovers`).toHaveLength(1);
    const h = hs[0]!;
    const f = h.flows.find((x) => x.flow === flow.id)!;
    expect(f.resumed, `${node} resumed`).toBe(true);
    expect(f.lost, `${node} lost around its handover`).toBe(0);
    const bound = h.l2GapMs! + NOTIFY_MS + 2 * PAR_NAR_DELAY_MS + 10;
    expect(f.interruptionMs!, `${node}: interruption vs applied gap ${h.l2GapMs} ms`).toBeLessThanOrEqual(bound);
  }
}

describe.skipIf(missing)('FMIPv6 with many mobile nodes on one PAR/NAR pair', () => {
  it('ten nodes moving 100 ms apart lose nothing, each within its bound', async () => {
    const started = performance.now();
    const r = await runLabFile(LAB, { prefix: 'ften' });
    const names = Array.from({ length: 10 }, (_, i) => `mn${i + 1}`);
    expect(r.run.results.handovers).toHaveLength(10);
    judgeEachFlow(r.run.results, names);
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 120_000);

  it('two nodes crossing at the same instant (mn1 ap1 -> ap2, mn2 ap2 -> ap1) lose nothing', async () => {
    const r = await runLabFile(LAB, {
      prefix: 'fcross',
      edit: (text) => {
        // biome-ignore lint/suspicious/noExplicitAny: the lab YAML edited in place
        const lab = parse(text) as Record<string, any>;
        for (let i = 3; i <= 10; i++) delete lab.nodes[`mn${i}`];
        lab.nodes.ha.agent['home-agent'].mobileNodes = lab.nodes.ha.agent['home-agent'].mobileNodes.slice(0, 2);
        lab.nodes.mn2.radio = { ap: 'ap2' };
        const move = (node: string, to: string) => [
          { at: '2500ms', trigger: { node, event: 'new-ap-detected', ap: to } },
          { at: '2900ms', trigger: { node, event: 'link-going-down', ap: to } },
          { at: '3000ms', detach: node },
          { at: '3100ms', attach: { node, ap: to } },
        ];
        lab.scenario = [...move('mn1', 'ap2'), ...move('mn2', 'ap1')];
        lab.traffic = lab.traffic.slice(0, 2);
        lab.capture = ['cn', 'mn1', 'mn2'];
        lab.expectations = lab.expectations.filter((e: Record<string, { flow?: number }>) => {
          const flow = Object.values(e)[0]?.flow;
          return flow === undefined || flow <= 2;
        });
        return stringify(lab);
      },
    });
    expect(r.run.results.handovers.map((h) => `${h.node} ${h.fromAp}->${h.toAp}`).sort()).toEqual([
      'mn1 ap1->ap2',
      'mn2 ap2->ap1',
    ]);
    judgeEachFlow(r.run.results, ['mn1', 'mn2']);
  }, 120_000);
});
