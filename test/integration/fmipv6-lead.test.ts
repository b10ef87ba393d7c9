// The predictive FMIPv6 handover's interruption does not depend on the link-going-down lead: the PAR
// delivers on the old link until ap1 reports station-left (RFC 4260 §4), then tunnels to the NAR.
// topologies/fmipv6-predictive.yaml, changed per run: a 1.5 s flow of 200 packets/s around one move
// with a 100 ms L2 gap, leads 12, 50, 200, 500 ms and PAR-NAR link delays 0, 5, 20 ms. Each run:
//   lost = 0, duplicated = 0 (the PAR replays only what reached ap1 after the leave), and
//   interruption <= applied L2 gap + notify latency + 2 x PAR-NAR delay + 10 ms,
// the gap taken from results.json's scenario records (detach and attach applied times).
// One more run with no link-going-down (reactive, RFC 5568 §3.2): the PAR buffers from station-left,
// so what is lost is at most what reached ap1 between the detach and the PAR hearing of it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, TOOLS, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-predictive.yaml');
const NOTIFY_MS = 5;
const RATE_PPS = 200;
const DETACH_S = 2.6;

/** The lab with a short flow around one move at DETACH_S, `lead` ms of link-going-down (null: none). */
function edit(lead: number | null, parNarDelayMs: number) {
  return (text: string): string => {
    const scenario = [
      '  - { at: 1.9s, trigger: { node: mn, event: new-ap-detected, ap: ap2 } }',
      ...(lead === null
        ? []
        : [
            `  - { at: ${(DETACH_S - lead / 1000).toFixed(3)}s, trigger: { node: mn, event: link-going-down, ap: ap2 } }`,
          ]),
      `  - { at: ${DETACH_S}s, detach: mn }`,
      `  - { at: ${DETACH_S + 0.1}s, attach: { node: mn, ap: ap2 } }`,
    ].join('\n');
    const out = text
      .replace(/^duration: .*$/m, 'duration: 3.6s')
      .replace(/^ {2}ap1: \{ router: ar1,/m, `  ap1: { notifyLatency: ${NOTIFY_MS}ms, router: ar1,`)
      .replace('  - { endpoints: [ar1, ar2] }', `  - { endpoints: [ar1, ar2], delay: ${parNarDelayMs}ms }`)
      .replace(/^scenario:\n(?: {2}- .*\n)+/m, `scenario:\n${scenario}\n`)
      .replace(/start: 1\.5s, duration: 4s/g, 'start: 1.8s, duration: 1.5s')
      .replace(/^expectations:\n(?: {2}- .*\n)+/m, 'expectations:\n  - resumed: { flow: 1 }\n');
    if (!out.includes('duration: 1.5s') || !out.includes(`delay: ${parNarDelayMs}ms }`))
      throw new Error('the lab file changed shape');
    return out;
  };
}

interface Measured {
  gapMs: number;
  lost: number;
  duplicated: number;
  interruptionMs: number;
  detachNs: bigint;
  stationLeftNs: bigint;
}

function measure(r: LabRun): Measured {
  const recs = r.run.results.scenario;
  const applied = (kind: string) => {
    const rec = recs.find((x) => x.action.kind === kind && !x.error && x.appliedNs !== null);
    if (!rec) throw new Error(`no ${kind} in results.json's scenario`);
    return BigInt(rec.appliedNs!);
  };
  const left = recs.find((x) => x.action.kind === 'ap-event' && x.action.event === 'station-left');
  expect(left?.error).toBeUndefined();
  const h = r.run.results.handovers;
  expect(h).toHaveLength(1);
  const f = h[0]!.flows.find((x) => x.flow === 1)!;
  expect(f.resumed).toBe(true);
  return {
    gapMs: Number(applied('attach') - applied('detach')) / 1e6,
    lost: f.lost!,
    duplicated: f.duplicated!,
    interruptionMs: f.interruptionMs!,
    detachNs: applied('detach'),
    stationLeftNs: BigInt(left!.appliedNs!),
  };
}

describe.skipIf(missing)('fmipv6 predictive: interruption independent of the link-going-down lead', () => {
  const cases = [12, 50, 200, 500].flatMap((lead) => [0, 5, 20].map((delay) => [lead, delay] as const));
  it.each(cases)(
    'lead %i ms, PAR-NAR delay %i ms: nothing lost, interruption <= gap + notify + 2 x delay + 10 ms',
    async (lead, delay) => {
      const r = await runLabFile(LAB, { prefix: 'flead', edit: edit(lead, delay) });
      const m = measure(r);
      const bound = m.gapMs + NOTIFY_MS + 2 * delay + 10;
      console.log(
        `lead ${lead} delay ${delay}: gap ${m.gapMs.toFixed(1)} interruption ${m.interruptionMs.toFixed(1)} (bound ${bound.toFixed(1)}) lost ${m.lost} duplicated ${m.duplicated}`,
      );
      expect(m.lost).toBe(0);
      expect(m.duplicated).toBe(0);
      expect(m.interruptionMs).toBeLessThanOrEqual(bound);
    },
    120_000,
  );

  it('no link-going-down (reactive): lost at most what reached ap1 before the PAR heard station-left', async () => {
    const r = await runLabFile(LAB, { prefix: 'flead', edit: edit(null, 5) });
    const m = measure(r);
    // Packets the sender spaced 5 ms apart that can have reached ap1 in [detach, station-left heard]:
    // after that the PAR buffered them (its bound, 1000 packets, is not reached by a 100 ms gap).
    const windowMs = Number(m.stationLeftNs - m.detachNs) / 1e6;
    const unbuffered = Math.ceil((windowMs * RATE_PPS) / 1000) + 1;
    console.log(
      `reactive: window ${windowMs.toFixed(1)} ms, lost ${m.lost} (<= ${unbuffered}), gap ${m.gapMs.toFixed(1)}`,
    );
    expect(m.lost).toBeLessThanOrEqual(unbuffered);
    const par = r.status('ar1').state['fmipv6-router'].par.counters;
    expect(par['station-left']).toBe(1);
    expect(par['packets-forwarded']).toBeGreaterThan(0);
  }, 120_000);
});
