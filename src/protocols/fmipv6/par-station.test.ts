// The PAR with the AP's station reports (RFC 4260 §4): the predictive tunnel waits for station-left,
// and a leave with no handover under way is buffered until the reactive FBU (RFC 5568 §3.2).
import { describe, expect, it } from 'vitest';
import { ipv6ToBytes } from '../../wire/address.js';
import type { ParAction, ParConfig } from './par-interface.js';
import type { PreviousAccessRouter } from './par.js';
import { FBU, hack, hiOf, kinds, MN_MAC, NAR, NCOA, PAR, PCOA, servingPar } from './testing/par-fixture.js';

const par = (over: Partial<ParConfig> = {}) => servingPar({ awaitStationLeft: true, ...over });

/** A packet for the PCoA whose last byte numbers it. */
const pkt = (n: number) => Buffer.from([0x60, 0, 0, 0, 0, 1, 17, 64, n]);
const nums = (bs: Buffer[]) => bs.map((b) => b[8]);
const hiSeq = (as: ParAction[]) => hiOf(as).hi.sequenceNumber;
const feed = (p: PreviousAccessRouter, at: number, n: number) =>
  p.handle(at, { kind: 'packet', dst: PCOA, packet: pkt(n) });

/** Predictive FBU at 100, HAck at 110. */
function accepted(p: PreviousAccessRouter): ParAction[] {
  const fbu = p.handle(100, { kind: 'mh', src: PCOA, dst: PAR, message: FBU });
  expect(kinds(fbu)).toEqual(['HandoverInitiate', 'hold-start']);
  return p.handle(110, { kind: 'mh', src: NAR, dst: PAR, message: hack(hiSeq(fbu)) });
}

describe('PreviousAccessRouter with station reports (RFC 4260 §4, RFC 5568 §3.1)', () => {
  it('sends the FBacks at the HAck but keeps delivering on the old link until station-left', () => {
    const p = par();
    expect(kinds(accepted(p))).toEqual(['FastBindingAcknowledgement', 'FastBindingAcknowledgement']);
    expect(feed(p, 120, 1)).toEqual([
      { kind: 'deliver-local', pcoa: PCOA, linkLayerAddress: MN_MAC, packets: [pkt(1)] },
    ]);
    expect(p.handovers[0]).toMatchObject({ state: 'accepted', tunnelled: false });
  });

  it('on station-left tunnels, and first forwards only the packets that reached the old link after the leave', () => {
    const p = par();
    accepted(p);
    for (const [at, n] of [
      [300, 1],
      [305, 2],
      [310, 3],
      [315, 4],
    ] as const)
      feed(p, at, n);
    // The station left at 307 (the AP saw it); its report arrives at 312, after packet 3 went out.
    const out = p.handle(316, { kind: 'station-left', station: MN_MAC, at: 307 });
    expect(kinds(out)).toEqual(['tunnel-start', 'forward']);
    const fwd = out.find((a) => a.kind === 'forward');
    // 1 and 2 reached the MN before it left: sending them again would duplicate them.
    expect(fwd?.kind === 'forward' && nums(fwd.packets)).toEqual([3, 4]);
    expect(out.find((a) => a.kind === 'tunnel-start')).toMatchObject({ pcoa: PCOA, ncoa: NCOA, nar: NAR });
    expect(p.counters['packets-forwarded']).toBe(2);
  });

  it('when the AP names the last frame the station got, that frame decides, not the clock', () => {
    const p = par();
    accepted(p);
    const big = (n: number) => Buffer.concat([pkt(n), Buffer.alloc(40, n)]);
    for (const [at, n] of [
      [300, 1],
      [305, 2],
      [310, 3],
    ] as const)
      p.handle(at, { kind: 'packet', dst: PCOA, packet: big(n) });
    // The clock says 2 and 3 came after the leave; the AP says 2 reached the station (hop limit aside).
    const lastFrame = Buffer.from(big(2));
    lastFrame[7] = 0;
    const out = p.handle(316, { kind: 'station-left', station: MN_MAC, at: 303, lastFrame });
    const fwd = out.find((a) => a.kind === 'forward');
    expect(fwd?.kind === 'forward' && nums(fwd.packets)).toEqual([3]);
  });

  it("when the AP's last frame was our FBack, every copy handed to the link after the FBack was lost, whatever the leave's time", () => {
    const p = par();
    const big = (n: number) => Buffer.concat([pkt(n), Buffer.alloc(40, n)]);
    accepted(p); // FBack to the PCoA at 110
    // Copies the agent handed to the link at 300 and 302 (before the leave time 303) that left the
    // port after it went down: the station's last frame was the FBack.
    p.handle(300, { kind: 'packet', dst: PCOA, packet: big(2) });
    p.handle(302, { kind: 'packet', dst: PCOA, packet: big(3) });
    const fback = Buffer.alloc(40);
    fback[0] = 0x60;
    fback[6] = 135;
    ipv6ToBytes(PAR).copy(fback, 8);
    ipv6ToBytes(PCOA).copy(fback, 24);
    const out = p.handle(316, { kind: 'station-left', station: MN_MAC, at: 303, lastFrame: fback });
    const fwd = out.find((a) => a.kind === 'forward');
    // The clock alone would take both as delivered (handed before 303); the FBack came before them.
    expect(fwd?.kind === 'forward' && nums(fwd.packets)).toEqual([2, 3]);
  });

  it('a last frame that is neither a copy nor our FBack leaves the clock to decide', () => {
    const p = par();
    const big = (n: number) => Buffer.concat([pkt(n), Buffer.alloc(40, n)]);
    accepted(p);
    p.handle(300, { kind: 'packet', dst: PCOA, packet: big(2) });
    p.handle(305, { kind: 'packet', dst: PCOA, packet: big(3) });
    const other = Buffer.alloc(40);
    other[0] = 0x60;
    other[6] = 135;
    ipv6ToBytes(NAR).copy(other, 8); // an MH from another source
    ipv6ToBytes(PCOA).copy(other, 24);
    const out = p.handle(316, { kind: 'station-left', station: MN_MAC, at: 303, lastFrame: other });
    const fwd = out.find((a) => a.kind === 'forward');
    expect(fwd?.kind === 'forward' && nums(fwd.packets)).toEqual([3]);
  });

  it('a leave before the HAck (short lead) buffers, and the HAck tunnels with the buffer first', () => {
    const p = par();
    const fbu = p.handle(100, { kind: 'mh', src: PCOA, dst: PAR, message: FBU });
    feed(p, 101, 1);
    expect(kinds(p.handle(106, { kind: 'station-left', station: MN_MAC, at: 102 }))).toEqual([]);
    expect(feed(p, 108, 2)).toEqual([]);
    const out = p.handle(115, { kind: 'mh', src: NAR, dst: PAR, message: hack(hiSeq(fbu)) });
    expect(kinds(out)).toEqual(['tunnel-start', 'forward', 'FastBindingAcknowledgement', 'FastBindingAcknowledgement']);
    const fwd = out.find((a) => a.kind === 'forward');
    expect(fwd?.kind === 'forward' && nums(fwd.packets)).toEqual([2]);
  });

  it('without a station-left tunnels after leaveTimeoutMs (safety net), replaying nothing', () => {
    const p = par({ leaveTimeoutMs: 400 });
    accepted(p);
    feed(p, 200, 1);
    expect(p.nextDeadline()).toBe(510);
    expect(kinds(p.handle(509, { kind: 'tick' }))).toEqual([]);
    expect(kinds(p.handle(510, { kind: 'tick' }))).toEqual(['tunnel-start']);
    expect(p.counters['leave-timeout']).toBe(1);
  });

  it('without awaitStationLeft tunnels at the HAck as before', () => {
    const p = par({ awaitStationLeft: false });
    const fbu = p.handle(100, { kind: 'mh', src: PCOA, dst: PAR, message: FBU });
    expect(kinds(fbu)).toEqual(['HandoverInitiate']);
    const out = p.handle(110, { kind: 'mh', src: NAR, dst: PAR, message: hack(hiSeq(fbu)) });
    expect(kinds(out)[0]).toBe('tunnel-start');
  });

  it('reactive: buffers after a leave with no handover, tail-drops beyond maxPackets, forwards in order at the HAck', () => {
    const p = par({ hold: { maxPackets: 3 } });
    expect(kinds(p.handle(1000, { kind: 'station-left', station: MN_MAC, at: 995 }))).toEqual(['hold-start']);
    for (let n = 1; n <= 5; n++) expect(feed(p, 1000 + n, n)).toEqual([]);
    expect(p.counters['buffer-overflow']).toBe(2);
    // The FBU from the new link: from the NCoA, the PCoA in a Home Address option (§3.2).
    const fbu = p.handle(1100, {
      kind: 'mh',
      src: NCOA,
      dst: PAR,
      homeAddressOption: PCOA,
      message: { ...FBU, options: [] },
    });
    expect(kinds(fbu)).toEqual(['HandoverInitiate']);
    const out = p.handle(1105, { kind: 'mh', src: NAR, dst: PAR, message: hack(hiSeq(fbu)) });
    expect(kinds(out)).toEqual(['tunnel-start', 'forward', 'FastBindingAcknowledgement']);
    const fwd = out.find((a) => a.kind === 'forward');
    expect(fwd?.kind === 'forward' && nums(fwd.packets)).toEqual([1, 2, 3]);
  });

  it('accepts the reactive FBU for a PCoA it buffers even after its neighbour entry went', () => {
    const p = par();
    p.handle(1000, { kind: 'station-left', station: MN_MAC, at: 1000 });
    p.handle(1010, { kind: 'served-node-gone', address: PCOA });
    const fbu = p.handle(1100, { kind: 'mh', src: NCOA, dst: PAR, homeAddressOption: PCOA, message: FBU });
    expect(kinds(fbu)).toEqual(['HandoverInitiate']);
  });

  it('drops an unclaimed buffer after maxAgeMs from the leave, counted', () => {
    const p = par({ hold: { maxAgeMs: 300 } });
    p.handle(1000, { kind: 'station-left', station: MN_MAC, at: 990 });
    feed(p, 1001, 1);
    feed(p, 1002, 2);
    expect(p.nextDeadline()).toBe(1290);
    const out = p.handle(1290, { kind: 'tick' });
    expect(kinds(out)).toEqual(['hold-stop']);
    expect(p.counters['buffer-expired']).toBe(2);
    expect(p.holds).toEqual([]);
  });

  it('delivers the buffer on the old link, in order, when the station comes back to our AP', () => {
    const p = par();
    p.handle(1000, { kind: 'station-left', station: MN_MAC, at: 1000 });
    feed(p, 1001, 1);
    feed(p, 1002, 2);
    const out = p.handle(1100, { kind: 'station-joined', station: MN_MAC });
    expect(out.filter((a) => a.kind !== 'event')).toEqual([
      { kind: 'hold-stop', pcoa: PCOA },
      { kind: 'deliver-local', pcoa: PCOA, linkLayerAddress: MN_MAC, packets: [pkt(1), pkt(2)] },
    ]);
  });

  it('stops the tunnel when the station comes back to our AP before the handover ends (a return move)', () => {
    const p = par();
    accepted(p);
    expect(kinds(p.handle(200, { kind: 'station-left', station: MN_MAC, at: 200 }))).toContain('tunnel-start');
    const out = p.handle(2000, { kind: 'station-joined', station: MN_MAC });
    expect(out).toContainEqual({ kind: 'tunnel-stop', pcoa: PCOA, ncoa: NCOA, nar: NAR, linkLayerAddress: MN_MAC });
    expect(p.handovers).toEqual([]);
    // The co-located NAR taking the node's UNA or reactive HI for the PCoA says the same, earlier.
    const r = par();
    accepted(r);
    r.handle(200, { kind: 'station-left', station: MN_MAC, at: 200 });
    expect(r.handle(1500, { kind: 'node-arrived', address: '2001:db8:3::1' })).toEqual([]);
    expect(r.handle(1500, { kind: 'node-arrived', address: PCOA })).toContainEqual({
      kind: 'tunnel-stop',
      pcoa: PCOA,
      ncoa: NCOA,
      nar: NAR,
      linkLayerAddress: MN_MAC,
    });
    // Another station joining changes nothing.
    const q = par();
    accepted(q);
    q.handle(200, { kind: 'station-left', station: MN_MAC, at: 200 });
    expect(q.handle(2000, { kind: 'station-joined', station: '02:00:00:00:00:99' })).toEqual([]);
    expect(q.handovers).toHaveLength(1);
  });

  it('counts a report for a station it does not serve and changes nothing', () => {
    const p = par();
    expect(p.handle(10, { kind: 'station-left', station: '02:00:00:00:00:99', at: 10 })).toEqual([]);
    expect(p.counters['station-unknown']).toBe(1);
    expect(p.holds).toEqual([]);
  });
});
