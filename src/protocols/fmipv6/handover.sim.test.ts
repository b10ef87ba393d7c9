// Whole-flow simulations (style-anchors §5.2): MN, PAR, NAR and a CN sending 200 packets/s toward the
// MN on a SimNet with per-link delays (air 2 ms, PAR-NAR 5 ms, CN 10 ms) and virtual time.

import { describe, expect, it } from 'vitest';
import { buildIpv6Packet } from '../../wire/packet.js';
import * as mh from '../../wire/mh/header.js';
import { ADDR, FmipLab, NCOA, PCOA, type TraceEntry } from './testing/fmip-lab.js';
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
    expect(
      hi && hi.kind === 'send-mh' && hi.message.type === 'HandoverInitiate' && [hi.message.code, hi.message.buffer],
    ).toEqual([0, true]);
    // The NAR hands its buffer over in arrival order on the UNA (one deliver action).
    const delivered = lab.narActions.filter((a) => a.kind === 'deliver');
    const firstBatch =
      delivered[0]!.kind === 'deliver' ? delivered[0]!.packets.map(dataSeqOf).filter((s) => s !== null) : [];
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
    console.log(
      `predictive: buffered ${lab.nar.counters['packets-buffered']}, max inter-arrival ${Math.max(...gaps)} ms`,
    );
  });

  it('reactive: only packets that hit the old link between detach and the tunnel are lost; FBU from the new link (RFC 5568 §3.2)', () => {
    const lab = new FmipLab();
    scenario(lab, false);
    expect(lab.malformed).toBe(0);
    expect(lab.order()).toEqual(['RtSolPr', 'PrRtAdv', 'UNA', 'FBU', 'bu', 'HI', 'HAck', 'FBack']);
    const fbu = lab.trace.find((e) => e.kind === 'FBU')!;
    // From the NCoA on the new link, PCoA in a Home Address option, after the attach.
    expect(fbu).toMatchObject({ from: 'mn', src: NCOA, dst: ADDR.par, homeAddressOption: PCOA, t: DETACH + GAP });
    const hi = lab.parActions.find((a) => a.kind === 'send-mh' && a.message.type === 'HandoverInitiate');
    expect(
      hi && hi.kind === 'send-mh' && hi.message.type === 'HandoverInitiate' && [hi.message.code, hi.message.buffer],
    ).toEqual([1, false]);
    expect(lab.trace.filter((e) => e.kind === 'FBack').map((e) => e.dst)).toEqual([NCOA]);
    const tunnelAt = lab.trace.find((e) => e.kind === 'FBack')!.t;
    // Every lost packet was on the old link after the detach and before the PAR started tunnelling.
    const lost = lab.lostSeqs();
    expect(lost.length).toBeGreaterThan(0);
    for (const seq of lost) {
      const where = lab.lost.get(seq)!;
      const [place, at] = where.split('@');
      expect(place).toMatch(/^air-ap1-(detached|in-flight)$/);
      expect(Number(at)).toBeGreaterThanOrEqual(DETACH);
      expect(Number(at)).toBeLessThan(tunnelAt);
    }
    // ... and they are exactly the packets the PAR sent out of ap1 in that window: 200/s over (tunnelAt - DETACH).
    expect(lost.length).toBeLessThanOrEqual(Math.ceil(((tunnelAt - DETACH + 2) * 200) / 1000));
    expect(lab.duplicates()).toBe(0);
    expect(lab.mn.counters['reactive-handovers']).toBe(1);
    console.log(`reactive: lost ${lost.length} (${lost[0]}..${lost.at(-1)}), tunnel from t=${tunnelAt}`);
  });

  it('the NAR refuses the proposed NCoA (in use): HAck 1 + assigned NCoA, FBack status 1, flow recovers with no loss (RFC 5568 §6.2.2, §6.3.2)', () => {
    const lab = new FmipLab();
    lab.narNeighbour(NCOA); // another node already has the MN's EUI-64 address on the new link
    scenario(lab, true);
    const hack = lab.narActions.find((a) => a.kind === 'send-mh' && a.message.type === 'HandoverAcknowledge');
    expect(hack && hack.kind === 'send-mh' && hack.message.type === 'HandoverAcknowledge' && hack.message.code).toBe(1);
    const assigned = '2001:db8:3::1000';
    const fbacks = lab.parActions.filter(
      (a) => a.kind === 'send-mh' && a.message.type === 'FastBindingAcknowledgement',
    );
    expect(
      fbacks.map(
        (a) => a.kind === 'send-mh' && a.message.type === 'FastBindingAcknowledgement' && [a.dst, a.message.status],
      ),
    ).toEqual([
      [PCOA, 1],
      [assigned, 1],
    ]);
    expect(lab.trace.find((e) => e.kind === 'UNA')).toMatchObject({ src: assigned });
    expect(lab.trace.find((e) => e.kind === 'bu')).toMatchObject({ src: assigned });
    expect(lab.lostSeqs()).toEqual([]);
    expect(lab.received.at(-1)!.seq).toBe(lab.sent - 1);
  });

  it('a NAR buffer smaller than the gap drops exactly the overflow, and counts it (RFC 5568 §6.2.1 U flag)', () => {
    const lab = new FmipLab({ nar: { buffer: { maxPackets: 10, maxBytes: 1_000_000 } } });
    scenario(lab, true);
    const lost = lab.lostSeqs();
    expect(lab.nar.counters['buffer-overflow']).toBeGreaterThan(0);
    expect(lost.length).toBe(lab.nar.counters['buffer-overflow']);
    // Tail drop: the first packets tunnelled are kept (9 data + the FBack copy for the NCoA), the rest dropped.
    expect(lab.nar.counters['packets-buffered']).toBe(10);
    expect(lost).toEqual(Array.from({ length: lost.length }, (_, i) => lost[0]! + i));
    expect(lab.nar.counters['buffer-overflow-bytes']).toBe(lost.length * (40 + 40 + 8 + 100));
  });

  it('the byte bound works the same: the FBack copy (56 bytes) and 5 tunnelled packets of 188 bytes fit in 1000', () => {
    const lab = new FmipLab({ nar: { buffer: { maxPackets: 1000, maxBytes: 1000 } } });
    scenario(lab, true);
    // 56 + 5 * 188 = 996 <= 1000; a sixth data packet would need 1184.
    expect(lab.nar.counters['packets-buffered']).toBe(6);
    expect(lab.lostSeqs().length).toBe(lab.nar.counters['buffer-overflow']);
  });

  it('a forged FBU (source not a PCoA this PAR serves) changes nothing (RFC 5568 §7)', () => {
    const lab = new FmipLab();
    const forged = (src: string, hao?: string) =>
      buildIpv6Packet({
        src,
        dst: ADDR.par,
        ...(hao
          ? {
              extensions: [
                { kind: 'DestinationOptions' as const, options: [{ type: 'HomeAddress' as const, homeAddress: hao }] },
              ],
            }
          : {}),
        upper: {
          nextHeader: 135,
          encode: () =>
            mh.encode({
              type: 'FastBindingUpdate',
              sequenceNumber: 9,
              acknowledge: true,
              homeRegistration: true,
              linkLocalCompatibility: false,
              keyManagementCompatibility: false,
              lifetime: 60,
              options: [mhAddress(2, NCOA)],
            }),
        },
      });
    lab.flow(0, 2500);
    lab.inject(1000, 'mn', forged('2001:db8:2::666')); // predictive-looking, from an address nobody has
    lab.inject(1100, 'cn', forged('2001:db8:3::666', '2001:db8:2::777')); // reactive-looking, unknown PCoA
    lab.run(3000);
    expect(lab.par.counters['fbu-received']).toBe(2);
    expect(lab.par.counters['fbu-unauthorised']).toBe(2);
    expect(lab.trace.filter((e) => e.kind === 'HI' || e.kind === 'FBack')).toEqual([]);
    expect(lab.parActions.filter((a) => a.kind === 'tunnel-start')).toEqual([]);
    expect(lab.par.handovers).toEqual([]);
    expect(lab.lostSeqs()).toEqual([]);
  });

  it('point-to-point NAR: the MN gets its own prefix in HAck/FBack, the NAR advertises it on arrival, nothing lost (draft-xia-mipshop-fmip-ptp)', () => {
    const lab = new FmipLab({ nar: { pointToPoint: { pool: '2001:db8:3:100::', poolLength: 56, prefixLength: 64 } } });
    scenario(lab, true);
    const ncoa = '2001:db8:3:100:0:ff:fe00:10';
    const hi = lab.parActions.find((a) => a.kind === 'send-mh' && a.message.type === 'HandoverInitiate');
    expect(
      hi && hi.kind === 'send-mh' && hi.message.type === 'HandoverInitiate' && hi.message.assignedAddressConfiguration,
    ).toBe(true);
    expect(lab.order()).toEqual(['RtSolPr', 'PrRtAdv', 'FBU', 'HI', 'HAck', 'FBack', 'UNA', 'bu', 'RA']);
    expect(lab.trace.find((e) => e.kind === 'UNA')).toMatchObject({ src: ncoa });
    expect(lab.narActions).toContainEqual({
      kind: 'advertise-prefix',
      ncoa,
      linkLayerAddress: ADDR.mnMac,
      prefix: '2001:db8:3:100::',
      prefixLength: 64,
    });
    expect(lab.lostSeqs()).toEqual([]);
  });
});

// With the AP's station reports (RFC 4260 §4) the PAR tunnels from the leave, not the HAck, so the
// lead of link-going-down does not set the interruption (docs/fmipv6.md).
describe('FMIPv6 handover simulation with station-left (RFC 4260 §4, RFC 5568 §3.1)', () => {
  const NOTIFY = 5;
  const PAR_NAR = 5;
  const INTERVAL = 5; // 200 packets/s

  function moved(lead: number | null): FmipLab {
    const lab = new FmipLab({ notifyMs: NOTIFY, parNarMs: PAR_NAR });
    lab.flow(0, 2500);
    lab.mnInput(1000, { kind: 'new-ap-detected', bssid: ADDR.ap2 });
    if (lead !== null) lab.mnInput(DETACH - lead, { kind: 'link-going-down', target: ADDR.ap2 });
    lab.detach(DETACH);
    lab.attach(DETACH + GAP, 'ap2');
    lab.run(3000);
    return lab;
  }

  /** The largest gap between consecutive arrivals, less the flow's interval (docs/measures.md). */
  const interruption = (lab: FmipLab) =>
    Math.max(...lab.received.slice(1).map((r, i) => r.t - lab.received[i]!.t)) - INTERVAL;

  it.each([12, 50, 200, 500])(
    'lead %i ms: nothing lost or duplicated, interruption <= gap + notify + 2 x PAR-NAR + 10 ms',
    (lead) => {
      const lab = moved(lead);
      expect(lab.malformed).toBe(0);
      expect(lab.lostSeqs()).toEqual([]);
      expect(lab.duplicates()).toBe(0);
      const i = interruption(lab);
      console.log(`station-left, lead ${lead}: interruption ${i} ms`);
      expect(i).toBeLessThanOrEqual(GAP + NOTIFY + 2 * PAR_NAR + 10);
      // The old link carried the flow up to the detach: the tunnel began with the leave, not the HAck.
      const lastOld = lab.received.filter((r) => r.t <= DETACH + 2).at(-1)!;
      expect(lastOld.t).toBeGreaterThan(DETACH - INTERVAL);
      expect(lab.par.counters['station-left']).toBe(1);
    },
  );

  it('no trigger (reactive): the PAR buffers from station-left; only what reached ap1 before it is lost', () => {
    const lab = moved(null);
    expect(lab.mn.counters['reactive-handovers']).toBe(1);
    const lost = lab.lostSeqs();
    // At 200 packets/s, the packets sent onto ap1 in [detach, detach + notify]: at most 2.
    expect(lost.length).toBeLessThanOrEqual(Math.ceil((NOTIFY * 200) / 1000) + 1);
    for (const seq of lost) expect(Number(lab.lost.get(seq)!.split('@')[1])).toBeLessThanOrEqual(DETACH + NOTIFY);
    expect(lab.par.counters['packets-forwarded']).toBeGreaterThan(15);
    expect(lab.duplicates()).toBe(0);
  });

  it('the node comes back to ap1: the PAR delivers its buffer there, in order, nothing lost after the leave', () => {
    const lab = new FmipLab({ notifyMs: NOTIFY });
    lab.flow(0, 2500);
    lab.detach(DETACH);
    lab.attach(DETACH + GAP, 'ap1');
    lab.run(3000);
    for (const seq of lab.lostSeqs())
      expect(Number(lab.lost.get(seq)!.split('@')[1])).toBeLessThanOrEqual(DETACH + NOTIFY);
    expect(lab.par.counters['packets-returned']).toBeGreaterThan(15);
    expect(outOfOrder(lab.received.map((r) => r.seq))).toBe(0);
  });
});

// A link-going-down lead about as short as the FBU -> HI -> HAck -> FBack round trip (air 2 ms each
// way, PAR-NAR `parNar`): the FBack may or may not reach the node before the detach, the AP's
// station-left may reach the PAR before or after the HAck, and the reactive FBU from the new link
// (RFC 5568 §3.2) before or after it. The node's address setup takes 15 ms (the agent's `ip addr
// add`): packets for an address it does not have yet are dropped at the node, frames from it wait.
// Every ordering must lose and duplicate nothing.
describe('FMIPv6 fallback orderings: nothing lost or duplicated (RFC 5568 §3.1, §3.2, §6.3.2)', () => {
  interface Case {
    name: string;
    lead: number;
    notify: number;
    parNar: number;
    gap: number;
    /** What the run must show: the FBack on the old link, station-left before the HAck, reactive FBU before the HAck. */
    fbackOnOldLink: boolean;
    leftBeforeHack: boolean;
    reactiveBeforeHack: boolean | null;
  }
  const cases: Case[] = [
    {
      name: 'FBack on the old link, HAck < station-left',
      lead: 30,
      notify: 5,
      parNar: 5,
      gap: 100,
      fbackOnOldLink: true,
      leftBeforeHack: false,
      reactiveBeforeHack: null,
    },
    {
      name: 'no FBack, HAck < station-left < reactive FBU',
      lead: 10,
      notify: 5,
      parNar: 5,
      gap: 100,
      fbackOnOldLink: false,
      leftBeforeHack: false,
      reactiveBeforeHack: false,
    },
    {
      name: 'no FBack, station-left < HAck < reactive FBU',
      lead: 10,
      notify: 1,
      parNar: 5,
      gap: 100,
      fbackOnOldLink: false,
      leftBeforeHack: true,
      reactiveBeforeHack: false,
    },
    {
      name: 'no FBack, station-left < reactive FBU < HAck',
      lead: 5,
      notify: 5,
      parNar: 30,
      gap: 20,
      fbackOnOldLink: false,
      leftBeforeHack: true,
      reactiveBeforeHack: true,
    },
    {
      name: 'no FBack, reactive FBU < HAck < station-left',
      lead: 5,
      notify: 80,
      parNar: 30,
      gap: 20,
      fbackOnOldLink: false,
      leftBeforeHack: false,
      reactiveBeforeHack: true,
    },
    {
      name: 'no FBack, HAck < reactive FBU < station-left',
      lead: 10,
      notify: 150,
      parNar: 5,
      gap: 100,
      fbackOnOldLink: false,
      leftBeforeHack: false,
      reactiveBeforeHack: false,
    },
  ];

  // The agent's diversion of the PCoA takes milliseconds to install on a loaded host (20 ms here):
  // started at the FBU it is not in place at the detach when the lead is short, and what the kernel
  // forwards onto ap1 after the leave is lost. Started at the RtSolPr it is (RFC 5568 §3.1).
  it.each([5, 10, 12, 14])('lead %i ms, diversion 20 ms slow: the RtSolPr started the hold, nothing lost', (lead) => {
    const lab = new FmipLab({ notifyMs: 5, parNarMs: 5, addressSetupMs: 15, divertSetupMs: 20 });
    lab.flow(0, 2500);
    lab.mnInput(1000, { kind: 'new-ap-detected', bssid: ADDR.ap2 });
    lab.mnInput(DETACH - lead, { kind: 'link-going-down', target: ADDR.ap2 });
    lab.detach(DETACH);
    lab.attach(DETACH + GAP, 'ap2');
    lab.run(3500);
    const holdStart = lab.parActions.findIndex((a) => a.kind === 'hold-start');
    const hi = lab.parActions.findIndex((a) => a.kind === 'event' && a.event.name === 'hi-sent');
    expect(holdStart).toBeGreaterThanOrEqual(0);
    expect(holdStart).toBeLessThan(hi);
    expect(lab.lostSeqs().map((seq) => `${seq} ${lab.lost.get(seq)}`)).toEqual([]);
    expect(lab.duplicates()).toBe(0);
  });

  it('a prepared hold without FBU or leave stops (hold-stop) after prepareHoldMs', () => {
    const lab = new FmipLab({ notifyMs: 5, par: { prepareHoldMs: 1000 } });
    lab.flow(0, 2500);
    lab.mnInput(1000, { kind: 'new-ap-detected', bssid: ADDR.ap2 });
    lab.run(2600);
    const kinds = lab.parActions.filter((a) => a.kind === 'hold-start' || a.kind === 'hold-stop').map((a) => a.kind);
    expect(kinds).toEqual(['hold-start', 'hold-stop']);
    expect(lab.par.holds).toEqual([]);
    expect(lab.lostSeqs()).toEqual([]);
  });

  it.each(cases)('$name', (c) => {
    const lab = new FmipLab({ notifyMs: c.notify, parNarMs: c.parNar, addressSetupMs: 15 });
    lab.flow(0, 2500);
    lab.mnInput(1000, { kind: 'new-ap-detected', bssid: ADDR.ap2 });
    lab.mnInput(DETACH - c.lead, { kind: 'link-going-down', target: ADDR.ap2 });
    lab.detach(DETACH);
    lab.attach(DETACH + c.gap, 'ap2');
    lab.run(3500);
    // The ordering the case is about.
    const t = (kind: string, pred: (e: TraceEntry) => boolean = () => true) =>
      lab.trace.find((e) => e.kind === kind && pred(e))?.t ?? Number.POSITIVE_INFINITY;
    const hackAtPar = t('HAck') + c.parNar;
    const leftAtPar = DETACH + c.notify;
    const reactiveAtPar = t('FBU', (e) => e.homeAddressOption !== undefined) + 2 + c.parNar;
    expect(lab.mn.counters['predictive-handovers']).toBe(c.fbackOnOldLink ? 1 : 0);
    expect(leftAtPar < hackAtPar).toBe(c.leftBeforeHack);
    if (c.reactiveBeforeHack !== null) expect(reactiveAtPar < hackAtPar).toBe(c.reactiveBeforeHack);
    else expect(reactiveAtPar).toBe(Number.POSITIVE_INFINITY);
    expect(lab.malformed).toBe(0);
    // Lost at the application, with where each was dropped last (a copy may have been replayed).
    expect(lab.lostSeqs().map((seq) => `${seq} ${lab.lost.get(seq)}`)).toEqual([]);
    expect(lab.duplicates()).toBe(0);
    // The node learns the outcome: the FBack answers its own FBU, no retransmission to exhaustion.
    expect(lab.mn.counters.fallbacks).toBe(0);
    expect(lab.mn.counters['predictive-handovers'] + lab.mn.counters['reactive-handovers']).toBe(1);
  });
});
