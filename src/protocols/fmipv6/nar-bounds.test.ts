// The NAR's checks and bounds against forged or flooding HIs (RFC 5568 §6.2, §7; docs/security.md).
import { describe, expect, it } from 'vitest';
import type { HandoverInitiate } from '../../wire/mh/fmipv6.js';
import { macToBytes } from '../../wire/address.js';
import { NewAccessRouter, type NarAction, type NarConfig } from './nar.js';
import { BoundedSet, HiRateLimiter } from './nar-limits.js';
import { mhAddress, mhLinkLayerAddress } from './options.js';

const PAR = '2001:db8:2::1';
const NAR = '2001:db8:3::1';
const MAC = macToBytes('02:00:00:00:00:10');
const ncoa = (i: number) => `2001:db8:3::${(0x100 + i).toString(16)}`;
const pcoa = (i: number) => `2001:db8:2::${(0x100 + i).toString(16)}`;
const hi = (i: number, over: Partial<HandoverInitiate> = {}): HandoverInitiate => ({
  type: 'HandoverInitiate',
  sequenceNumber: i & 0xffff,
  assignedAddressConfiguration: false,
  buffer: true,
  proxy: false,
  forwarding: false,
  code: 0,
  options: [mhAddress(1, pcoa(i)), mhAddress(2, ncoa(i)), mhLinkLayerAddress(MAC)],
  ...over,
});
const nar = (over: Partial<NarConfig> = {}) =>
  new NewAccessRouter({ address: NAR, prefix: '2001:db8:3::', prefixLength: 64, ...over });
const hiIn = (m: HandoverInitiate, src = PAR) => ({ kind: 'mh' as const, src, dst: NAR, message: m });
const una = (target: string) => ({
  kind: 'icmp' as const,
  src: target,
  dst: 'ff02::1',
  hopLimit: 255,
  message: {
    type: 'NeighborAdvertisement' as const,
    router: false,
    solicited: false,
    override: true,
    targetAddress: target,
    options: [{ type: 'TargetLinkLayerAddress' as const, linkLayerAddress: MAC }],
  },
});
const hackCode = (as: NarAction[]) => {
  const a = as.find((x) => x.kind === 'send-mh');
  return a?.kind === 'send-mh' && a.message.type === 'HandoverAcknowledge' ? a.message.code : null;
};

describe('NAR bounds and checks', () => {
  it('never hands out the address of a node that arrived by handover, however long ago (§6.2.2)', () => {
    const n = nar({ recordLifetimeMs: 1000 });
    n.handle(0, hiIn(hi(1)));
    n.handle(10, una(ncoa(1))); // the MN arrives
    n.handle(20_000, { kind: 'tick' }); // its record is long gone
    expect(n.records).toEqual([]);
    // A second HI proposing that address gets another one (code 1), no buffer for the live address.
    const out = n.handle(20_001, hiIn(hi(2, { options: [mhAddress(1, pcoa(2)), mhAddress(2, ncoa(1))] })));
    expect(hackCode(out)).toBe(1);
    expect(out).not.toContainEqual(expect.objectContaining({ kind: 'buffer-start', ncoa: ncoa(1) }));
  });

  it('refuses a reactive HI (code 1) for an NCoA nobody on the link announced (§3.2): HAck 128, counted', () => {
    const n = nar();
    const out = n.handle(0, hiIn(hi(1, { code: 1, buffer: false })));
    expect(hackCode(out)).toBe(128);
    expect(n.counters['hi-reactive-not-attached']).toBe(1);
    expect(n.records).toEqual([]);
    n.handle(1, una(ncoa(2)));
    expect(hackCode(n.handle(2, hiIn(hi(2, { code: 1, buffer: false }))))).toBe(0);
  });

  it('bounds the records: one HI beyond maxRecords gets HAck 130 and changes nothing', () => {
    const n = nar({ limits: { maxRecords: 3, hiBurst: 100 } });
    for (let i = 0; i < 3; i++) expect(hackCode(n.handle(i, hiIn(hi(i))))).toBe(0);
    const out = n.handle(5, hiIn(hi(9)));
    expect(hackCode(out)).toBe(130);
    expect(out.some((a) => a.kind === 'buffer-start')).toBe(false);
    expect(n.records).toHaveLength(3);
    expect(n.counters['hi-no-resources']).toBe(1);
  });

  it('rate-limits new HIs per PAR (token bucket): the excess is unanswered and counted; another PAR is unaffected', () => {
    const n = nar({ limits: { hiPerSecond: 10, hiBurst: 5, maxRecords: 1000 } });
    let answered = 0;
    for (let i = 0; i < 50; i++) if (hackCode(n.handle(0, hiIn(hi(i)))) !== null) answered++;
    expect(answered).toBe(5);
    expect(n.counters['hi-rate-limited']).toBe(45);
    // One second later 10 more tokens; a second PAR has its own bucket.
    expect(hackCode(n.handle(1000, hiIn(hi(100))))).toBe(0);
    expect(hackCode(n.handle(1000, hiIn(hi(200), '2001:db8:4::1')))).toBe(0);
  });

  it('bounds what all buffers hold together, not only each one', () => {
    const n = nar({
      buffer: { maxPackets: 100, maxBytes: 100_000 },
      limits: { totalBuffer: { maxPackets: 5, maxBytes: 1_000_000 } },
    });
    for (let i = 0; i < 3; i++) n.handle(0, hiIn(hi(i)));
    for (let i = 0; i < 3; i++)
      for (let k = 0; k < 3; k++) n.handle(1, { kind: 'packet', dst: ncoa(i), packet: Buffer.alloc(100) });
    expect(n.buffered).toEqual({ packets: 5, bytes: 500 });
    expect(n.counters['buffer-total-overflow']).toBe(4);
    // Delivery gives the room back.
    n.handle(2, una(ncoa(0)));
    expect(n.buffered).toEqual({ packets: 2, bytes: 200 });
  });

  it('keeps its address tables bounded', () => {
    const s = new BoundedSet(2);
    expect(s.add('a', false)).toBe(true);
    expect(s.add('b', false)).toBe(true);
    expect(s.add('c', false)).toBe(false);
    expect(s.add('c', true)).toBe(false); // evicted 'a'
    expect([s.has('a'), s.has('b'), s.has('c'), s.size]).toEqual([false, true, true, 2]);
    const r = new HiRateLimiter(1, 1, 1);
    expect(r.take(0, 'x')).toBe(true);
    expect(r.take(0, 'y')).toBe(false); // the table of senders is full
  });
});
