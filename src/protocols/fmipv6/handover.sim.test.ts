// Whole-flow simulations (style-anchors §5.2): MN, PAR, NAR and a CN sending 200 packets/s toward the
// MN on a SimNet with per-link delays (air 2 ms, PAR-NAR 5 ms, CN 10 ms) and virtual time.

import { describe, expect, it } from 'vitest';
import { buildIpv6Packet } from '../../wire/packet.js';
import * as mh from '../../wire/mh/header.js';
import { ADDR, FmipLab, NCOA, PCOA } from './testing/fmip-lab.js';
import { mhAddress } from './options.js';

const DETACH = 1550;

function dataSeqOf(frame: Buffer): number | null {
  // Tunnelled (40-byte outer header) or plain: the UDP payload's first 4 bytes hold the sequence number.
  const inner = frame[6] === 41 ? frame.subarray(40) : frame;
  return inner[6] === 17 ? inner.readUInt32BE(48) : null;
}

function outOfOrder(seqs: number[]): number {
  let n = 0;
  for (let i = 1; i < seqs.length; i++) if (seqs[i]! < seqs[i - 1]!) n++;
  return n;
}
const GAP = 100;

/** RFC 4260 triggers: scan finds ap2 at 1 s; link going down at 1.5 s (predictive only); L2 gap of 100 ms. */
function scenario(lab: FmipLab, predictive: boolean): void {
  lab.flow(0, 2500);
  lab.mnInput(1000, { kind: 'new-ap-detected', bssid: ADDR.ap2 });
  if (predictive) lab.mnInput(1500, { kind: 'link-going-down', target: ADDR.ap2 });
  lab.detach(DETACH);
  lab.attach(DETACH + GAP, 'ap2');
  lab.run(3000);
}

describe('FMIPv6 handover simulation (RFC 5568)', () => {
  it('predictive: 100 ms L2 gap loses nothing; order RtSolPr, PrRtAdv, FBU, HI, HAck, FBack, UNA, bu (RFC 5568 §3.1)', () => {
    const lab = new FmipLab();
    scenario(lab, true);
    expect(lab.malformed).toBe(0);
    expect(lab.sent).toBe(500);
    expect(lab.lostSeqs()).toEqual([]);
    expect(lab.duplicates()).toBe(0);
    expect(lab.order()).toEqual(['RtSolPr', 'PrRtAdv', 'FBU', 'HI', 'HAck', 'FBack', 'UNA', 'bu']);
    // The FBU left from the PCoA on the old link, before the detach.
    const fbu = lab.trace.find((e) => e.kind === 'FBU')!;
    expect(fbu).toMatchObject({ src: PCOA, dst: ADDR.par });
    expect(fbu.homeAddressOption).toBeUndefined();
    expect(fbu.t).toBeLessThan(DETACH);
    // FBack to both links: the PCoA and, via the NAR, the NCoA.
    expect(lab.trace.filter((e) => e.kind === 'FBack').map((e) => e.dst)).toEqual([PCOA, NCOA]);
    const hi = lab.parActions.find((a) => a.kind === 'send-mh' && a.message.type === 'HandoverInitiate');
    expect(hi && hi.kind === 'send-mh' && hi.message.type === 'HandoverInitiate' && [hi.message.code, hi.message.buffer]).toEqual([0, true]);
    // The NAR hands its buffer over in arrival order on the UNA (one deliver action).
    const delivered = lab.narActions.filter((a) => a.kind === 'deliver');
    const firstBatch = delivered[0]!.kind === 'deliver' ? delivered[0]!.packets.map(dataSeqOf).filter((s) => s !== null) : [];
    expect(firstBatch.length).toBeGreaterThan(20);
    expect(firstBatch).toEqual([...firstBatch].sort((a, b) => a - b));
    // Everything before the CN switches to the NCoA arrives in order; the switch itself may reorder
    // by one (the direct CN->NAR path is 5 ms shorter than CN->PAR->tunnel->NAR).
    expect(outOfOrder(lab.received.map((r) => r.seq))).toBeLessThanOrEqual(1);
    expect(lab.nar.counters['packets-buffered']).toBeGreaterThan(20);
    expect(lab.nar.counters['buffer-overflow']).toBe(0);
    expect(lab.mn.counters['predictive-handovers']).toBe(1);
    // Interruption: the largest gap between packets received, around the handover.
    const gaps = lab.received.slice(1).map((r, i) => r.t - lab.received[i]!.t);
    console.log(`predictive: buffered ${lab.nar.counters['packets-buffered']}, max inter-arrival ${Math.max(...gaps)} ms`);
  });
});
