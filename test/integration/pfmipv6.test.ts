// Fast handovers for Proxy Mobile IPv6 (RFC 5949) on topologies/pfmipv6-predictive.yaml and
// pfmipv6-reactive.yaml: mn, a plain host (no agent), moves ap1 (mag1) -> ap2 (mag2) with a 100 ms
// L2 gap while cn sends it 200 packets/s (and it sends cn 200 packets/s).
//   - predictive, link-going-down 12, 50 and 200 ms before the detach: nothing lost at the
//     application, interruption <= applied L2 gap + the APs' notify latency (1 ms: the new MAG
//     delivers on ap2's report) + 10 ms, an HI (P set) from mag1 to mag2 and a HAck
//     back in the captures, decoded by tshark with no malformed packet; results.json names the
//     handover pfmipv6 / predictive from the captures; mn's uplink at mag2 before the PBA relayed by
//     mag1 to the LMA, and every uplink packet that reached a MAG delivered to cn;
//   - reactive (no link-going-down): strictly fewer lost than plain PMIPv6 (the same lab without
//     fastHandover) on the same move; results.json says pfmipv6 / reactive and pmipv6 / pmipv6.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { flowPackets, runLabFile, TOOLS, tshark, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
// The MAGs and the LMA are the routers under test: their agents run under `chrt -r 5` (lab/agents.ts,
// the documented opt-in), as a router's forwarding would not queue behind the shared machine's other
// labs. Without it, at load 13-17 on this 2-core VM, the new MAG heard the AP's report 10-15 ms late
// and the predictive interruption was 112-133 ms; with it 99-101 ms. The mobile node runs no agent.
process.env.MIPSHOP_AGENT_RT_PRIORITY ??= '5';
const PREDICTIVE = path.resolve('topologies/pfmipv6-predictive.yaml');
const REACTIVE = path.resolve('topologies/pfmipv6-reactive.yaml');
// Addresses of the labs: links numbered in file order, the far end ::2.
const MAG1 = (p: string) => `${p}:3::2`;
const MAG2 = (p: string) => `${p}:4::2`;
const DETACH_S = 4;
/** The lab's aps.*.notifyLatency: the new MAG delivers when ap2 reports the station. */
const NOTIFY_MS = 1;

/** The predictive lab with the link-going-down `lead` ms before the detach. */
const withLead = (lead: number) => (text: string) => {
  const out = text.replace(
    /^ {2}- \{ at: [\d.]+s, trigger: \{ node: mn, event: link-going-down, ap: ap2 \} \}.*$/m,
    `  - { at: ${(DETACH_S - lead / 1000).toFixed(3)}s, trigger: { node: mn, event: link-going-down, ap: ap2 } }`,
  );
  if (out === text && lead !== 50) throw new Error('the lab file changed shape');
  return out;
};

/** The reactive lab as plain RFC 5213: no fastHandover on the MAGs. */
const plain = (text: string) => {
  const out = text.replace(/, fastHandover: \{ peers: \[mag\d\] \} \}/g, ' }');
  if (/fastHandover: \{/.test(out) || out === text) throw new Error('the lab file changed shape');
  return out;
};

interface MagState {
  mag: { tunnel: { handoverForwarded: number; handoverBuffered: number; handoverRelayed: number } };
}

function measure(r: LabRun) {
  const recs = r.run.results.scenario;
  const applied = (kind: string) => {
    const rec = recs.find((x) => x.action.kind === kind && !x.error && x.appliedNs !== null);
    if (!rec) throw new Error(`no ${kind} in results.json's scenario`);
    return BigInt(rec.appliedNs!);
  };
  const h = r.run.results.handovers;
  expect(h).toHaveLength(1);
  const down = h[0]!.flows.find((x) => x.flow === 1)!;
  expect(down.resumed).toBe(true);
  return {
    gapMs: Number(applied('attach') - applied('detach')) / 1e6,
    lost: down.lost!,
    interruptionMs: down.interruptionMs!,
    handover: h[0]!,
  };
}

/** HI / HAck between the MAGs in every capture, as tshark reads them (src, dst, code). */
function hiHack(r: LabRun): { name: string; src: string; dst: string; code: string }[] {
  const out: { name: string; src: string; dst: string; code: string }[] = [];
  for (const p of r.pcaps())
    for (const row of tshark(p, 'mip6.mhtype == 14 || mip6.mhtype == 15', [
      'mip6.mhtype',
      'ipv6.src',
      'ipv6.dst',
      'mip6.hi.code',
      'mip6.hack.code',
    ]))
      out.push({ name: row[0] === '14' ? 'HI' : 'HAck', src: row[1]!, dst: row[2]!, code: row[3] || row[4] || '' });
  return out;
}

function malformed(r: LabRun): number {
  return r
    .pcaps()
    .reduce((n, p) => n + tshark(p, '_ws.malformed || _ws.expert.severity >= "error"', ['frame.number']).length, 0);
}

describe.skipIf(missing)('pfmipv6 (RFC 5949) fast handovers for a plain host', () => {
  it.each([12, 50, 200])(
    'predictive, link-going-down %i ms ahead: nothing lost, interruption <= applied L2 gap + notify latency + 10 ms, HI/HAck between the MAGs',
    async (lead) => {
      const r = await runLabFile(PREDICTIVE, { prefix: 'pfmp', edit: withLead(lead) });
      const m = measure(r);
      // mag2 delivers at ap2's station-joined report, notify latency after the attach (the AP->router
      // notification counts in the bound, as for FMIPv6). Not the lead: 12, 50 and 200 ms share it.
      const bound = m.gapMs + NOTIFY_MS + 10;
      console.log(
        `predictive lead ${lead}: gap ${m.gapMs.toFixed(1)} interruption ${m.interruptionMs.toFixed(1)} (bound ${bound.toFixed(1)}) lost ${m.lost}; uplink lost ${m.handover.uplink?.lost} interruption ${m.handover.uplink?.interruptionMs}`,
      );
      expect(m.lost).toBe(0);
      expect(m.interruptionMs).toBeLessThanOrEqual(bound);
      const p = 'fd00:5:9';
      const msgs = hiHack(r);
      // mag1 -> mag2 HI code 0 (RFC 5949 §4.1) and mag2's HAck code 0, each seen on the way.
      expect(msgs.some((x) => x.name === 'HI' && x.src === MAG1(p) && x.dst === MAG2(p) && x.code === '0')).toBe(true);
      expect(msgs.some((x) => x.name === 'HAck' && x.src === MAG2(p) && x.dst === MAG1(p) && x.code === '0')).toBe(
        true,
      );
      expect(malformed(r)).toBe(0);
      expect(m.handover).toMatchObject({ protocol: 'pfmipv6', mode: 'predictive' });
      // mag2 delivered before its own registration completed; mag1 forwarded and did not de-register at the leave.
      const mag1 = (r.status('mag1').state as unknown as MagState).mag;
      const mag2 = (r.status('mag2').state as unknown as MagState).mag;
      expect(mag1.tunnel.handoverForwarded).toBeGreaterThan(0);
      // mn's uplink at mag2 before the PBA, relayed by mag1 to the LMA (RFC 5949 §4); every uplink
      // packet that reached a MAG's access link reached cn (a frame on the air at the detach, seen
      // only on mn's radio, is the radio's loss, not the MAGs').
      expect(mag1.tunnel.handoverRelayed).toBeGreaterThan(0);
      const atCn = new Set(flowPackets(r.pcap('cn-eth1'), 2).map((x) => x.seq));
      const atMags = [...flowPackets(r.pcap('mag1-ap1'), 2), ...flowPackets(r.pcap('mag2-ap2'), 2)];
      expect(atMags.length).toBeGreaterThan(0);
      expect(atMags.filter((x) => !atCn.has(x.seq)).map((x) => x.seq)).toEqual([]);
      expect(mag2.tunnel.handoverBuffered).toBeGreaterThan(0);
      const delivering = r.events('mag2', 'mag.fast-handover-delivering');
      const registered = r.events('mag2', 'mag.registered');
      expect(delivering).toHaveLength(1);
      expect(delivering[0]!.at).toBeLessThanOrEqual(registered.at(-1)!.at);
    },
    120_000,
  );

  it('reactive loses strictly less than plain PMIPv6 on the same lab and move', async () => {
    const fast = await runLabFile(REACTIVE, { prefix: 'pfmr' });
    const base = await runLabFile(REACTIVE, { prefix: 'pfmb', edit: plain });
    const f = measure(fast);
    const b = measure(base);
    console.log(
      `reactive: lost ${f.lost}, interruption ${f.interruptionMs.toFixed(1)} ms; plain PMIPv6: lost ${b.lost}, interruption ${b.interruptionMs.toFixed(1)} ms`,
    );
    expect(f.lost).toBeLessThan(b.lost);
    const p = 'fd00:5:10';
    expect(hiHack(fast).some((x) => x.name === 'HI' && x.src === MAG2(p) && x.dst === MAG1(p) && x.code === '1')).toBe(
      true,
    );
    expect(hiHack(base)).toEqual([]);
    expect(f.handover).toMatchObject({ protocol: 'pfmipv6', mode: 'reactive' });
    expect(b.handover).toMatchObject({ protocol: 'pmipv6', mode: 'pmipv6' });
    expect(malformed(fast)).toBe(0);
  }, 180_000);
});
