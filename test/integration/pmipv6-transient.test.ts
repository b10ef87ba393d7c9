// Transient binding for Proxy Mobile IPv6 (RFC 6058) on topologies/pmipv6-transient.yaml: mn, a
// plain host, moves ap1 (mag1) -> ap2 (mag2) with a 100 ms L2 gap, 200 packets/s each way, the LMA
// 20 ms from the MAGs, no forwarding or buffer anywhere. The same lab with and without
// `transientBinding` on the MAGs:
//   - with it, mag2's early PBU carries the Transient Binding option (type 43) and reaches the LMA
//     before the attach; the LMA's PBA carries it back; the LMA moves the downlink at mag1's
//     de-registration, and mag2 forwards at the attach;
//   - the application loses strictly fewer downlink packets with it, and the uplink (which mn's kernel
//     holds until it hears the router) is interrupted strictly less and loses no more;
//   - with it, the downlink interruption stays within the applied L2 gap + the AP's report (5 ms) +
//     one packet interval (5 ms) + 10 ms: the PBA round trip (2 x 20 ms) no longer counts;
//   - tshark reads every capture with no malformed packet or error.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, TOOLS, tshark, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
// The LMA and MAGs are the routers under test (as in pfmipv6.test.ts): under `chrt -r 5`.
process.env.MIPSHOP_AGENT_RT_PRIORITY ??= '5';
const LAB = path.resolve('topologies/pmipv6-transient.yaml');
/** The lab's aps.*.notifyLatency. */
const NOTIFY_MS = 5;
/** The flows' packet interval (200/s): the first packet mag2 can deliver comes up to this late. */
const PERIOD_MS = 5;
/** mag2's address: the lab's fourth link (cr-mag2), far end ::2. */
const MAG2 = 'fd00:5:a:4::2';

const withoutTransient = (text: string) => {
  const out = text.replace(/^ +transientBinding: .*\n/gm, '');
  if (out === text || /transientBinding/.test(out.replace(/^#.*$/gm, '')))
    throw new Error('the lab file changed shape');
  return out;
};

function measure(r: LabRun) {
  const recs = r.run.results.scenario;
  const applied = (kind: string) =>
    BigInt(recs.find((x) => x.action.kind === kind && x.appliedNs !== null)!.appliedNs!);
  const h = r.run.results.handovers;
  expect(h).toHaveLength(1);
  const flow = (id: number) => {
    const f = h[0]!.flows.find((x) => x.flow === id)!;
    expect(f.resumed, `flow ${id} resumed`).toBe(true);
    return { lost: f.lost!, interruptionMs: f.interruptionMs! };
  };
  return { gapMs: Number(applied('attach') - applied('detach')) / 1e6, down: flow(1), up: flow(2) };
}

function malformed(r: LabRun): number {
  return r
    .pcaps()
    .reduce((n, p) => n + tshark(p, '_ws.malformed || _ws.expert.severity >= "error"', ['frame.number']).length, 0);
}

interface LmaState {
  lma: { machine: Record<string, number> };
}

describe.skipIf(missing)('pmipv6 transient binding (RFC 6058)', () => {
  it('with the transient binding, less downlink lost and a shorter uplink interruption than without, on the same move', async () => {
    const on = await runLabFile(LAB, { prefix: 'pmtb' });
    const off = await runLabFile(LAB, { prefix: 'pmto', edit: withoutTransient });
    const a = measure(on);
    const b = measure(off);
    const say = (m: ReturnType<typeof measure>) =>
      `gap ${m.gapMs.toFixed(1)} ms; downlink lost ${m.down.lost}, ${m.down.interruptionMs.toFixed(1)} ms; uplink lost ${m.up.lost}, ${m.up.interruptionMs.toFixed(1)} ms`;
    const text = `with RFC 6058: ${say(a)}\nwithout: ${say(b)}`;
    console.log(text);
    expect(a.down.lost, text).toBeLessThan(b.down.lost);
    expect(a.up.interruptionMs, text).toBeLessThan(b.up.interruptionMs);
    expect(a.up.lost, text).toBeLessThanOrEqual(b.up.lost);
    expect(a.down.interruptionMs, text).toBeLessThanOrEqual(a.gapMs + NOTIFY_MS + PERIOD_MS + 10);
    // Named from the captures (docs/measures.md): the option on the wire makes it `transient`; without
    // it, the context-only HI (P, code 0) names an RFC 5949 predictive exchange.
    expect(on.run.results.handovers[0]).toMatchObject({ protocol: 'pmipv6', mode: 'transient' });
    expect(off.run.results.handovers[0]).toMatchObject({ protocol: 'pfmipv6', mode: 'predictive' });
    expect(on.run.passed).toBe(true);
    expect(off.run.passed).toBe(true);

    // On the wire (the LMA's link): mag2's early PBU with option 43, the PBA with it back.
    const lmaPcap = on.pcap('lma-eth1');
    const withTb = tshark(lmaPcap, 'mip6.mhtype == 5 && mip6.mobility_opt == 43', ['frame.time_epoch', 'ipv6.src']);
    expect(withTb.length, 'PBUs with the Transient Binding option').toBeGreaterThanOrEqual(1);
    // Sent from mag2 ahead of mn's arrival (the option makes it the early registration).
    const attachUs = Number(
      BigInt(on.run.results.scenario.find((x) => x.action.kind === 'attach')!.appliedNs!) / 1000n,
    );
    expect(withTb[0]![1]).toBe(MAG2);
    expect(Number(withTb[0]![0]) * 1e6, 'the early PBU reaches the LMA before the attach').toBeLessThan(attachUs);
    expect(
      tshark(lmaPcap, 'mip6.mhtype == 6 && mip6.mobility_opt == 43', ['frame.number']).length,
    ).toBeGreaterThanOrEqual(1);
    expect(tshark(off.pcap('lma-eth1'), 'mip6.mobility_opt == 43', ['frame.number'])).toEqual([]);
    expect(malformed(on)).toBe(0);
    expect(malformed(off)).toBe(0);

    // The LMA's machine: one transient binding, ended by mag1's de-registration at the detach.
    const lmaOn = (on.status('lma').state as unknown as LmaState).lma.machine;
    expect(lmaOn['transient-started']).toBe(1);
    expect(lmaOn['path-switched.previous-deregistered']).toBe(1);
    expect((off.status('lma').state as unknown as LmaState).lma.machine['transient-started']).toBeUndefined();
  }, 120_000);
});
