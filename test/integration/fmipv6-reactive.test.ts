// topologies/fmipv6-reactive.yaml end to end: no "link going down" before the detach, so
// mn sends its FBU from the new link (RFC 5568 §3.2). Checked from results.json, the agents' status
// and the pcaps (tshark):
//   - the FBU travels from the new link: seen on ap2 with source the NCoA and the PCoA in a Home
//     Address option, after the UNA; the PAR answers HI code 1 and tunnels;
//   - loss is limited to what was in flight during the gap: every lost packet (none, when the PAR's
//     hold from the RtSolPr replays them) left ar1 onto ap1 after mn's carrier went down and before
//     the PAR's tunnel started, and the count is within that window's share of the flow.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { flowPackets, runLabFile, signalling, TOOLS, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-reactive.yaml');
const RATE_PPS = 200;

describe.skipIf(missing)('fmipv6-reactive lab: ap1 -> ap2, FBU from the new link', () => {
  let r: LabRun;
  beforeAll(async () => {
    r = await runLabFile(LAB, { prefix: 'freact' });
  }, 180_000);

  it('passes its own expectations; the flow resumes', () => {
    expect(r.run.results.expectations.filter((e) => !e.held)).toEqual([]);
    expect(r.run.results.handovers).toHaveLength(1);
    expect(r.run.results.handovers[0]!.flows.find((f) => f.flow === 1)!.resumed).toBe(true);
  });

  it('the FBU travels from the new link: source the NCoA, the PCoA in a Home Address option, after the UNA', () => {
    const sig = signalling(r.pcaps());
    const una = sig.find((s) => s.name === 'UNA' && s.pcap === 'mn-wlan0')!;
    expect(una).toBeDefined();
    const fbus = sig.filter((s) => s.name === 'FBU');
    // No FBU on the old link at all.
    expect(fbus.filter((s) => s.pcap === 'ar1-ap1')).toEqual([]);
    const onAp2 = fbus.find((s) => s.pcap === 'ar2-ap2')!;
    expect(onAp2).toBeDefined();
    expect(onAp2.at).toBeGreaterThanOrEqual(una.at);
    expect(onAp2.src).toBe(una.src);
    expect(onAp2.src).toMatch(/^fd00:f:2:a2:/);
    expect(onAp2.hao).toMatch(/^fd00:f:2:a1:/);
    const hi = sig.find((s) => s.name === 'HI' && s.at >= onAp2.at)!;
    expect(hi).toBeDefined();
    const fback = sig.find((s) => s.name === 'FBack' && s.pcap === 'mn-wlan0' && s.at >= hi.at)!;
    expect(fback.dst).toBe(una.src);
    expect(fback.status).toBe('0');
    const par = r.status('ar1').state['fmipv6-router'].par;
    expect(par.counters['tunnels-started']).toBe(1);
    expect(par.counters['fbu-unauthorised']).toBe(0);
    expect(r.status('mn').state['fmipv6-mobile-node'].counters['reactive-handovers']).toBe(1);
  });

  it('loss is limited to what was in flight during the gap (onto ap1 after the detach, before the tunnel)', () => {
    const flow = r.run.results.flows.find((f) => f.id === 1)!;
    // Where the network lost them (the wire at mn); the application's record can only lose more.
    const lost = new Set(flow.lostOnWireSeqs);
    // With ap1's station reports the RtSolPr already started the PAR's hold: the copies that reached
    // ap1 after the leave follow the tunnel, so nothing at all may be lost (docs/fmipv6.md).
    const down = r.events('mn', 'mn.link-down').at(-1)!.at;
    const tunnel = r.events('ar1', 'par.tunnel-start').at(-1)!.at;
    expect(tunnel).toBeGreaterThan(down);
    // Where the lost ones were last seen: forwarded by ar1 onto ap1, in the window [detach, tunnel start]
    // (a few ms of slack: agent log times are taken after the event).
    const onAp1 = new Map(flowPackets(r.pcap('ar1-ap1')).map((p) => [p.seq, p.at]));
    for (const seq of lost) {
      const at = onAp1.get(seq);
      expect(at, `lost packet ${seq} went out onto ap1`).toBeDefined();
      expect(at!).toBeGreaterThanOrEqual(down - 15);
      expect(at!).toBeLessThanOrEqual(tunnel + 5);
    }
    expect(lost.size).toBeLessThanOrEqual(Math.ceil(((tunnel - down + 20) * RATE_PPS) / 1000));
  });
});
