// A return move: topologies/fmipv6-reactive.yaml with mn going back ap2 -> ap1 2.4 s after its
// reactive handover ap1 -> ap2, while ar1's tunnel for mn's old PCoA (the FBU's 10 s lifetime) still
// runs. Back on ap1 mn proposes its old address as NCoA: ar1's NAR takes it as mn's own (its
// neighbour entry has mn's link-layer address, RFC 5568 §6.2.2's duplicate check is about other
// nodes), and ar1's PAR stops the old tunnel at ap1's station-joined, so the address is on-link again
// and the home agent's BA and the flow reach mn. Both moves resume and lose nothing at the application.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, TOOLS, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-reactive.yaml');

function edit(text: string): string {
  const out = text
    .replace(/^duration: 6s$/m, 'duration: 8s')
    .replace(
      '  - { at: 3.1s, attach: { node: mn, ap: ap2 } }\n',
      '  - { at: 3.1s, attach: { node: mn, ap: ap2 } }\n' +
        '  - { at: 5s, trigger: { node: mn, event: new-ap-detected, ap: ap1 } }\n' +
        '  - { at: 5.5s, detach: mn }\n' +
        '  - { at: 5.6s, attach: { node: mn, ap: ap1 } }\n',
    )
    .replace('start: 1.5s, duration: 4s }', 'start: 1.5s, duration: 6s }')
    .replace('  - address: { node: mn, ap: ap2 }\n', '  - address: { node: mn, ap: ap1 }\n');
  if (!out.includes('at: 5.6s') || !out.includes('duration: 6s }') || !out.includes('ap: ap1 }\n'))
    throw new Error('lab file changed: edit did not apply');
  return out;
}

describe.skipIf(missing)('fmipv6: a return to the old access router while its tunnel still runs', () => {
  let r: LabRun;
  beforeAll(async () => {
    r = await runLabFile(LAB, { prefix: 'fret', edit });
  }, 180_000);

  it('both moves resume and lose nothing at the application', () => {
    expect(r.run.results.expectations.filter((e) => !e.held)).toEqual([]);
    const hs = r.run.results.handovers;
    expect(hs.map((h) => [h.fromAp, h.toAp])).toEqual([
      ['ap1', 'ap2'],
      ['ap2', 'ap1'],
    ]);
    for (const h of hs) {
      const f = h.flows.find((x) => x.flow === 1)!;
      expect(f.resumed).toBe(true);
      expect(f.lost).toBe(0);
    }
  });

  it("ar1 stopped its old tunnel at the station's return and accepted mn's old address as its NCoA", () => {
    const ar1 = r.status('ar1').state['fmipv6-router'];
    expect(ar1.par.counters['tunnels-stopped']).toBeGreaterThanOrEqual(1);
    expect(ar1.par.handovers).toEqual([]);
    expect(ar1.nar.counters['ncoa-accepted']).toBe(1);
    expect(ar1.nar.counters['ncoa-assigned']).toBe(0);
    expect(r.events('ar1', 'par.returned').length).toBeGreaterThanOrEqual(1);
  });
});
