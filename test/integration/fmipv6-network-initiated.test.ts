// Network-initiated fast handover (RFC 5568 §3.3) on topologies/fmipv6-predictive.yaml without mn's own
// triggers: the test tells ar1's agent that the network moves its nodes to ap2 (an L2 trigger to the
// router's control channel). The PAR sends an unsolicited PrRtAdv (code 1) to mn's PCoA naming ap2 and
// its NAR; mn answers with the FBU at once, and the handover proceeds as a predictive one.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, signalling, tshark, TOOLS, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-predictive.yaml');

describe.skipIf(missing)('fmipv6: network-initiated handover (unsolicited PrRtAdv)', () => {
  let r: LabRun;
  beforeAll(async () => {
    r = await runLabFile(LAB, {
      prefix: 'fnet',
      edit: (t) => {
        const out = t
          .replace(/^ {2}- \{ at: 2\.5s, trigger: \{ node: mn, event: new-ap-detected, ap: ap2 \} \}\n/m, '')
          .replace(/^ {2}- \{ at: 2\.9s, trigger: \{ node: mn, event: link-going-down, ap: ap2 \} \}\n/m, '');
        if (out.includes('trigger:')) throw new Error('lab file changed: mn triggers not found');
        return out;
      },
      during: async (lab, flowStarted) => {
        // The flow starts at 1.5 s; the detach comes at 3.0 s: decide for the network at ~2.93 s.
        await flowStarted;
        await new Promise((res) => setTimeout(res, 1430));
        await lab.l2.trigger('ar1', 'link-going-down', 'ap2');
      },
    });
  }, 180_000);

  it('the PAR sends PrRtAdv code 1 to mn unasked; mn sends the FBU; FBack before the detach; the flow resumes', () => {
    const sig = signalling(r.pcaps());
    expect(sig.filter((s) => s.name === 'RtSolPr')).toEqual([]);
    const prrtadv = tshark(r.pcap('mn-wlan0'), 'icmpv6.type == 154 && icmpv6.fmip6.subtype == 3', [
      'frame.time_epoch',
      'icmpv6.code',
      'ipv6.dst',
    ]);
    expect(prrtadv).toHaveLength(1);
    expect(prrtadv[0]![1]).toBe('1');
    expect(prrtadv[0]![2]).toMatch(/^fd00:f:1:a1:/);
    const at = Number(prrtadv[0]![0]) * 1000;
    const fbu = sig.find((s) => s.name === 'FBU' && s.pcap === 'mn-wlan0' && s.at >= at)!;
    expect(fbu).toBeDefined();
    expect(fbu.src).toBe(prrtadv[0]![2]);
    const fback = sig.find((s) => s.name === 'FBack' && s.pcap === 'mn-wlan0' && s.at >= fbu.at)!;
    expect(fback.status).toBe('0');
    expect(fback.at).toBeLessThan(Number(BigInt(r.run.results.handovers[0]!.detachNs) / 1000n) / 1000);
    expect(r.status('ar1').state['fmipv6-router'].par.counters['network-initiated']).toBe(1);
    const h = r.run.results.handovers[0]!;
    expect(h.flows.find((f) => f.flow === 1)!.resumed).toBe(true);
    expect(
      r.status('mn').state['fmipv6-mobile-node'].counters['predictive-handovers'] +
        r.status('mn').state['fmipv6-mobile-node'].counters['reactive-handovers'],
    ).toBe(1);
  });
});
