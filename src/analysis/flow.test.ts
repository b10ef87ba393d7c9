import { describe, expect, it } from 'vitest';
import { flowArrivals, flowStats, nominalIntervalNs, SendTimes, type FlowArrival } from './flow.js';
import { decodeFrames } from './frames.js';
import { ether, flowIpv6, frame, tunnel } from './testing/packets.js';

const MS = 1_000_000n;
const a = (seq: number, sendMs: number, recvMs: number): FlowArrival => ({
  seq,
  sendNs: BigInt(sendMs) * MS,
  recvNs: BigInt(recvMs) * MS,
});

describe('flow statistics', () => {
  it('counts lost, duplicated and reordered exactly against the captured sent set', () => {
    const sent = Array.from({ length: 10 }, (_, s) => a(s, s * 5, s * 5));
    const rx = [
      a(0, 0, 2),
      a(1, 5, 7),
      a(3, 15, 17),
      a(2, 10, 18),
      a(3, 15, 19),
      a(5, 25, 27),
      a(5, 25, 28),
      a(5, 25, 29),
      a(6, 30, 32),
    ];
    const s = flowStats(1, rx, { kind: 'captured', packets: sent });
    expect(s.sent).toBe(10);
    expect(s.receivedSeqs).toEqual([0, 1, 2, 3, 5, 6]);
    expect(s.lost).toEqual([4, 7, 8, 9]);
    expect(s.duplicates).toBe(3);
    expect(s.duplicatedSeqs).toEqual([3, 5]);
    expect(s.reordered).toBe(1);
    expect(s.minDelayNs).toBe(2n * MS);
  });

  it('uses the sender summary range, or the received range as a last resort', () => {
    const rx = [a(2, 10, 12), a(4, 20, 22)];
    expect(flowStats(1, rx, { kind: 'range', firstSeq: 0, lastSeq: 6 })).toMatchObject({
      sent: 7,
      lost: [0, 1, 3, 5, 6],
      sentSource: 'summary',
    });
    expect(flowStats(1, rx)).toMatchObject({ sent: 3, lost: [3], sentSource: 'received-range' });
    expect(flowStats(1, [])).toMatchObject({ sent: 0, lost: [], received: 0, minDelayNs: null });
  });

  it('takes arrivals from frames, plain and tunnelled, filtered by flow and inner destination', () => {
    const f1 = flowIpv6({ flowId: 1, seq: 0, sendNs: 10n }, '2001:db8::1', '2001:db8:aa::1');
    const f2 = flowIpv6({ flowId: 2, seq: 0, sendNs: 10n }, '2001:db8::1', '2001:db8:aa::1');
    const f1t = tunnel(flowIpv6({ flowId: 1, seq: 1, sendNs: 20n }, '2001:db8::1', '2001:db8:aa::1'));
    const f1other = flowIpv6({ flowId: 1, seq: 2, sendNs: 30n }, '2001:db8::1', '2001:db8:bb::1');
    const { frames } = decodeFrames([
      frame(ether(f1), 100n),
      frame(ether(f2), 110n),
      frame(ether(f1t), 120n),
      frame(ether(f1other), 130n),
    ]);
    expect(flowArrivals(frames, { flowId: 1 })).toEqual([
      { seq: 0, sendNs: 10n, recvNs: 100n },
      { seq: 1, sendNs: 20n, recvNs: 120n },
      { seq: 2, sendNs: 30n, recvNs: 130n },
    ]);
    expect(flowArrivals(frames, { flowId: 1, dst: '2001:db8:aa::1' }).map((x) => x.seq)).toEqual([0, 1]);
  });

  it('knows or estimates the send time of any sequence number', () => {
    const t = new SendTimes([a(2, 10, 0), a(6, 30, 0), a(6, 99, 0)], nominalIntervalNs(200));
    expect(t.of(2)).toBe(10n * MS);
    expect(t.of(6)).toBe(30n * MS); // the first record of a seq wins
    expect(t.of(4)).toBe(20n * MS);
    expect(t.of(0)).toBe(0n);
    expect(t.of(8)).toBe(40n * MS);
    expect(new SendTimes([], 1n).of(3)).toBeNull();
    expect(nominalIntervalNs(3)).toBe(333_333_333n);
  });
});
