// uplink-hold.ts: the bounded queue (packets, bytes, tail drop counted, copies, order) and the release
// rule (carrier and registered care-of address, RFC 6275 §10.4.5 / §11.5.1).
import { describe, expect, it } from 'vitest';
import { UplinkHold } from './uplink-hold.js';

const pkt = (seq: number, size = 100) => {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(seq, 0);
  return b;
};
const seqs = (held: { packet: Buffer }[]) => held.map((h) => h.packet.readUInt32BE(0));

/** A hold on a registered care-of address with the carrier up: the steady state away from home. */
function registered(limits = { maxPackets: 10, maxBytes: 10_000 }) {
  const h = new UplinkHold(limits);
  h.setCareOf(true);
  return h;
}

describe('UplinkHold: the release rule', () => {
  it('is closed until a care-of address is registered, then open', () => {
    const h = new UplinkHold();
    expect(h.open).toBe(false);
    expect(h.closedBy).toBe('no-care-of-address');
    h.setCareOf(true);
    expect(h.open).toBe(true);
  });

  it('carrier down closes it; carrier up alone does not reopen it (a new link may need a new care-of address)', () => {
    const h = registered();
    h.setCarrier(false);
    expect(h.closedBy).toBe('carrier-down');
    h.setCarrier(true);
    expect(h.open).toBe(false);
    expect(h.closedBy).toBe('carrier-down');
  });

  it('after a carrier flap on the same link, resume() (the same router RA) releases in order', () => {
    const h = registered();
    h.setCarrier(false);
    for (let i = 0; i < 3; i++) expect(h.hold(pkt(i))).toBe(true);
    h.setCarrier(true);
    expect(seqs(h.resume())).toEqual([0, 1, 2]);
    expect(h.open).toBe(true);
    expect(h.stats()).toMatchObject({ held: 3, released: 3, waiting: 0, waitingBytes: 0 });
  });

  it('resume() while the carrier is still down releases nothing', () => {
    const h = registered();
    h.setCarrier(false);
    h.hold(pkt(1));
    expect(h.resume()).toEqual([]);
    expect(h.stats().waiting).toBe(1);
  });

  it('a move: held from the carrier loss through reverse-tunnel-off until the BA for the new care-of address', () => {
    const h = registered();
    h.setCarrier(false);
    h.hold(pkt(1));
    h.setCarrier(true);
    h.hold(pkt(2));
    h.setCareOf(false); // movement detected: reverse-tunnel-off
    expect(h.resume()).toEqual([]); // an RA of the new router is no reason to send
    h.hold(pkt(3));
    expect(h.closedBy).toBe('no-care-of-address');
    expect(seqs(h.setCareOf(true))).toEqual([1, 2, 3]); // the BA
    expect(h.open).toBe(true);
  });

  it('a BA while the carrier is down (a late one) does not open the path', () => {
    const h = registered();
    h.setCareOf(false);
    h.setCarrier(false);
    h.hold(pkt(1));
    expect(h.setCareOf(true)).toEqual([]);
    expect(h.closedBy).toBe('carrier-down');
  });

  it('reverse-tunnel-off with the carrier up holds (moved, BA pending)', () => {
    const h = registered();
    h.setCareOf(false);
    expect(h.closedBy).toBe('no-care-of-address');
    h.hold(pkt(7));
    expect(seqs(h.setCareOf(true))).toEqual([7]);
  });
});

describe('UplinkHold: the bounded queue', () => {
  it('keeps copies: the caller may reuse its buffers', () => {
    const h = new UplinkHold();
    const b = pkt(1);
    const hdr = Buffer.from([1, 2, 3]);
    h.hold(b, hdr);
    b.writeUInt32BE(99, 0);
    hdr[0] = 9;
    const [out] = h.setCareOf(true);
    expect(out!.packet.readUInt32BE(0)).toBe(1);
    expect(out!.header).toEqual(Buffer.from([1, 2, 3]));
  });

  it('at maxPackets drops the arriving packet (tail drop) and counts it as a packet overflow', () => {
    const h = new UplinkHold({ maxPackets: 3, maxBytes: 1 << 20 });
    const took = [0, 1, 2, 3, 4].map((i) => h.hold(pkt(i)));
    expect(took).toEqual([true, true, true, false, false]);
    expect(h.stats().overflow).toEqual({ packets: 2, bytes: 0 });
    expect(seqs(h.setCareOf(true))).toEqual([0, 1, 2]); // the oldest kept, no gap inside
  });

  it('a packet that would pass maxBytes is dropped and counted as a byte overflow; smaller ones still fit', () => {
    const h = new UplinkHold({ maxPackets: 100, maxBytes: 250 });
    expect(h.hold(pkt(0, 100))).toBe(true);
    expect(h.hold(pkt(1, 100))).toBe(true);
    expect(h.hold(pkt(2, 100))).toBe(false);
    expect(h.hold(pkt(3, 50))).toBe(true);
    expect(h.stats()).toMatchObject({ waiting: 3, waitingBytes: 250, overflow: { packets: 0, bytes: 1 } });
    expect(seqs(h.setCareOf(true))).toEqual([0, 1, 3]);
  });

  it('limits 0 hold nothing (every packet counted as overflow)', () => {
    const h = new UplinkHold({ maxPackets: 0, maxBytes: 0 });
    expect(h.hold(pkt(0))).toBe(false);
    expect(h.stats().overflow.packets).toBe(1);
    expect(() => new UplinkHold({ maxPackets: -1, maxBytes: 0 })).toThrow(RangeError);
  });

  it('after a release the queue has room again and the accounting balances', () => {
    const h = new UplinkHold({ maxPackets: 2, maxBytes: 1 << 20 });
    h.hold(pkt(0));
    h.hold(pkt(1));
    expect(h.hold(pkt(2))).toBe(false);
    h.setCareOf(true);
    h.setCareOf(false);
    expect(h.hold(pkt(3))).toBe(true);
    const s = h.stats();
    expect(s.held).toBe(s.released + s.waiting);
    expect(s).toMatchObject({ held: 3, released: 2, waiting: 1, overflow: { packets: 1, bytes: 0 } });
  });

  it('discard drops what waits, by reason, and sends nothing later', () => {
    const h = new UplinkHold();
    h.hold(pkt(0));
    h.hold(pkt(1));
    expect(h.discard('at-home')).toBe(2);
    expect(h.discard('at-home')).toBe(0);
    expect(h.stats()).toMatchObject({ waiting: 0, waitingBytes: 0, discarded: { 'at-home': 2 } });
    expect(h.setCareOf(true)).toEqual([]);
  });

  it('takeAll hands over everything in order whatever the path (the return home sends natively)', () => {
    const h = new UplinkHold();
    h.hold(pkt(0));
    h.hold(pkt(1));
    expect(h.open).toBe(false);
    expect(seqs(h.takeAll())).toEqual([0, 1]);
    h.countDiscarded('at-home-send-failed', 1);
    expect(h.stats()).toMatchObject({ released: 2, waiting: 0, discarded: { 'at-home-send-failed': 1 } });
  });

  it('restore puts unsent packets back ahead of later ones, with their bytes', () => {
    const h = new UplinkHold({ maxPackets: 10, maxBytes: 1000 });
    h.hold(pkt(0));
    h.hold(pkt(1));
    const taken = h.takeAll();
    h.hold(pkt(2));
    h.restore(taken.slice(1));
    expect(h.stats()).toMatchObject({ released: 1, waiting: 2, waitingBytes: 200 });
    expect(seqs(h.takeAll())).toEqual([1, 2]);
  });
});
