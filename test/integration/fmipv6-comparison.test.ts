// The same move on the same lab, with FMIPv6 and with plain Mobile IPv6: topologies/
// fmipv6-predictive.yaml as shipped, and the variant with `agent.fmipv6: { enabled: false }` on mn (the
// routers keep their roles, mn simply never speaks FMIPv6). Both results.json are put side by side in
// fmipv6-vs-mipv6.json (in the FMIPv6 run's output directory); FMIPv6 must lose less and interrupt less.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, signalling, TOOLS, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-predictive.yaml');

function summary(r: LabRun) {
  const h = r.run.results.handovers[0]!;
  const flow = r.run.results.flows.find((f) => f.id === 1)!;
  return {
    out: r.out,
    protocol: h.protocol,
    l2GapMs: h.l2GapMs,
    interruptionMs: h.interruptionMs,
    lost: h.lost,
    buffered: h.buffered,
    flowSent: flow.sent,
    flowLost: flow.lost,
    signalling: h.signalling,
    expectations: r.run.results.expectations.map((e) => ({
      expectation: e.expectation,
      held: e.held,
      measured: e.measured,
    })),
  };
}

describe.skipIf(missing)('fmipv6-predictive vs plain Mobile IPv6 on the same move', () => {
  let fmip: LabRun;
  let plain: LabRun;
  beforeAll(async () => {
    fmip = await runLabFile(LAB, { prefix: 'fcmpf' });
    plain = await runLabFile(LAB, {
      prefix: 'fcmpm',
      edit: (t) => {
        if (!t.includes('fmipv6: { enabled: true }')) throw new Error('lab file changed: mn fmipv6 setting not found');
        return t.replace('fmipv6: { enabled: true }', 'fmipv6: { enabled: false }');
      },
    });
    const side = { lab: LAB, fmipv6: summary(fmip), mipv6: summary(plain) };
    writeFileSync(path.join(fmip.out, 'fmipv6-vs-mipv6.json'), `${JSON.stringify(side, null, 2)}\n`);
    console.log(
      `fmipv6 vs mipv6 (${path.join(fmip.out, 'fmipv6-vs-mipv6.json')}):`,
      JSON.stringify({
        fmipv6: { i: side.fmipv6.interruptionMs, lost: side.fmipv6.lost },
        mipv6: { i: side.mipv6.interruptionMs, lost: side.mipv6.lost },
      }),
    );
  }, 300_000);

  it('the plain run really is plain Mobile IPv6: no FMIPv6 message in any capture, a BU from ap2', () => {
    const sig = signalling(plain.pcaps());
    expect(sig.filter((s) => ['RtSolPr', 'PrRtAdv', 'FBU', 'HI', 'HAck', 'FBack', 'UNA'].includes(s.name))).toEqual([]);
    expect(sig.some((s) => s.name === 'BU' && s.src.startsWith('fd00:f:1:a2:'))).toBe(true);
    // (results.json's `protocol` label comes from the lab's roles, the same in both runs.)
    expect(plain.status('mn').roles).not.toContain('fmipv6-mobile-node');
    expect(fmip.status('mn').roles).toContain('fmipv6-mobile-node');
  });

  it('FMIPv6 loses less and interrupts less than plain Mobile IPv6', () => {
    const f = fmip.run.results.handovers[0]!;
    const m = plain.run.results.handovers[0]!;
    expect(m.flows[0]!.resumed).toBe(true);
    expect(f.flows[0]!.resumed).toBe(true);
    expect(m.lost!).toBeGreaterThan(0);
    expect(f.lost!).toBeLessThan(m.lost!);
    expect(f.interruptionMs!).toBeLessThan(m.interruptionMs!);
  });
});
