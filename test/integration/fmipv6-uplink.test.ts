// topologies/fmipv6-predictive.yaml with both flows: cn -> mn (flow 1, downlink) and mn -> cn (flow
// 2, uplink, 200 packets/s from the home address through the reverse tunnel). Nothing may be lost in
// either direction, measured at the receiving applications (results.json `lost`), and nothing
// duplicated. The uplink waits in the mobile node's hold from the carrier loss until the home agent's
// BA for the NCoA (docs/dataplane.md §2, "Uplink hold"); its interruption is reported, and checked
// against the mobile node's own BA: the first uplink packet after the move reached cn after it.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { flowPackets, runLabFile, TOOLS, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-predictive.yaml');
const UPLINK = 2;

interface HoldStats {
  held: number;
  released: number;
  waiting: number;
  overflow: { packets: number; bytes: number };
  discarded: Record<string, number>;
}

describe.skipIf(missing)('fmipv6-predictive lab: the uplink across a predictive handover', () => {
  let r: LabRun;
  beforeAll(async () => {
    r = await runLabFile(LAB, {
      prefix: 'fupl',
      edit: (t) => {
        if (!/kind: udp, id: 2, from: mn, to: cn/.test(t)) throw new Error('lab file changed: uplink flow 2 not found');
        return t;
      },
    });
  }, 180_000);

  it('loses and duplicates nothing in either direction, at the receiving applications', () => {
    const flows = r.run.results.flows;
    const down = flows.find((f) => f.id === 1)!;
    const up = flows.find((f) => f.id === UPLINK)!;
    expect([down.from, down.to, up.from, up.to]).toEqual(['cn', 'mn', 'mn', 'cn']);
    for (const f of [down, up]) {
      expect(f.measuredAt, `flow ${f.id}`).toBe('application');
      expect(f.sentSource, `flow ${f.id}`).toBe('summary');
      expect(f.sent, `flow ${f.id}`).toBeGreaterThan(700);
      expect(f.lost, `flow ${f.id} lost ${JSON.stringify(f.lostSeqs)}`).toBe(0);
      expect(f.duplicated, `flow ${f.id}`).toBe(0);
    }
    const h = r.run.results.handovers[0]!;
    expect(h.mode).toBe('predictive');
    expect(h.uplink?.flow).toBe(UPLINK);
    expect(h.uplink?.resumed).toBe(true);
    expect(h.uplink?.lost).toBe(0);
    expect(h.uplink?.duplicated).toBe(0);
    console.log(
      `uplink: interruption ${h.uplink?.interruptionMs} ms (on the wire ${h.uplink?.interruptionOnWireMs}), ` +
        `downlink ${h.downlink?.interruptionMs} ms, L2 gap ${h.l2GapMs} ms, reordered ${up.reordered}`,
    );
  });

  it('held the uplink during the move and released all of it; no overflow', () => {
    const plane = (r.status('mn').state as unknown as { 'mobile-node': { homeAddressPlane: { hold: HoldStats } } })[
      'mobile-node'
    ].homeAddressPlane;
    const hold = plane.hold;
    expect(hold.held).toBeGreaterThan(0);
    expect(hold.released).toBe(hold.held);
    expect(hold.waiting).toBe(0);
    expect(hold.overflow).toEqual({ packets: 0, bytes: 0 });
    expect(hold.discarded).toEqual({});
  });

  it('sends nothing from the new link before the BA for the NCoA, and the held packets first, in order', () => {
    const ba = r.events('mn', 'mn.registered').at(-1)!;
    const ncoaPrefix = 'fd00:f:1:a2:';
    // The uplink on mn's radio: outer source the care-of address (reverse tunnel to the home agent).
    const onRadio = flowPackets(r.pcap('mn-wlan0'), UPLINK);
    const fromNew = onRadio.filter((p) => p.outerSrc.startsWith(ncoaPrefix));
    expect(fromNew.length).toBeGreaterThan(0);
    // The log's time is ms wall clock, the capture's µs: 2 ms of slack for the rounding and the write.
    expect(fromNew[0]!.at).toBeGreaterThanOrEqual(ba.at - 2);
    // In order as they left the radio: the hold keeps the applications' order.
    const seqs = fromNew.map((p) => p.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Nothing from the new link with the old care-of address (the home agent would refuse it, RFC 6275 §10.4.5).
    const last = onRadio.filter((p) => p.outerSrc.startsWith('fd00:f:1:a1:')).at(-1)!;
    expect(last.seq).toBeLessThan(fromNew[0]!.seq);
  });
});
