import { describe, expect, it } from 'vitest';
import { flowStats, SendTimes, type FlowArrival } from './flow.js';
import { decodeFrames } from './frames.js';
import {
  countSignalling,
  handoversFromScenario,
  interruption,
  measureHandoverFlow,
  type Handover,
} from './handover.js';
import { ether, flowIpv6, frame, tunnel, udpPacket, upperPacket } from './testing/packets.js';

const MS = 1_000_000n;
const T0 = 1_800_000_000_000n * MS;
const at = (ms: number): bigint => T0 + BigInt(Math.round(ms * 1e6));
const IV = 5n * MS; // 200 packets/s

/**
 * A 200 pps flow with 2 ms one-way delay. Detach at 1001 ms, attach at 1301 ms. Packets sent
 * 1000..1095 ms (seqs 200-219) are lost; 1100..1295 ms (220-259) are buffered by the new access
 * router and delivered from 1306 ms, 0.1 ms apart; seq 260 (sent 1300) arrives normally at 1302;
 * the first fresh packet, 261, is sent at 1305 and arrives at 1307. Seq 265 arrives twice, and
 * seq 50 twice long before the handover.
 */
function timeline(): { sent: FlowArrival[]; rx: FlowArrival[]; h: Handover } {
  const sent: FlowArrival[] = [];
  const rx: FlowArrival[] = [];
  for (let s = 0; s < 400; s++) {
    const send = at(s * 5);
    sent.push({ seq: s, sendNs: send, recvNs: send });
    if (s >= 200 && s <= 219) continue;
    const recv = s >= 220 && s <= 259 ? at(1306 + (s - 220) * 0.1) : send + 2n * MS;
    rx.push({ seq: s, sendNs: send, recvNs: recv });
    if (s === 265 || s === 50) rx.push({ seq: s, sendNs: send, recvNs: recv + 1n * MS });
  }
  rx.sort((x, y) => (x.recvNs < y.recvNs ? -1 : 1));
  return {
    sent,
    rx,
    h: { node: 'mn', fromAp: 'ap1', toAp: 'ap2', l2StartNs: at(1001), detachNs: at(1001), attachNs: at(1301) },
  };
}

describe('interruption', () => {
  it('is the largest gap around the handover minus the nominal interval', () => {
    const { rx, h } = timeline();
    const r = interruption(rx, h, IV);
    expect(r.gapNs).toBe(305n * MS); // 997 ms (seq 199) -> 1302 ms (seq 260)
    expect(r.interruptionNs).toBe(300n * MS);
    expect(r).toMatchObject({ beforeSeq: 199, afterSeq: 260, resumed: true, resumeNs: at(1307) });
  });

  it('is zero for a steady flow and starts at a trigger before the detach', () => {
    const steady = Array.from({ length: 100 }, (_, s) => ({ seq: s, sendNs: at(s * 5), recvNs: at(s * 5 + 2) }));
    const r = interruption(steady, { l2StartNs: at(100), attachNs: at(200) }, IV);
    expect(r.interruptionNs).toBe(0n);
    expect(r.gapNs).toBe(IV);
    // A gap between a trigger at 90 ms and the detach is inside the window.
    const withHole = steady.filter((x) => x.seq < 19 || x.seq > 40);
    expect(interruption(withHole, { l2StartNs: at(90), attachNs: at(210) }, IV).gapNs).toBe(115n * MS); // seq 18 at 92 ms -> seq 41 at 207 ms
    // ... and one that ended before the window opened is not.
    expect(interruption(withHole, { l2StartNs: at(300), attachNs: at(310) }, IV).gapNs).toBe(IV);
  });

  it('measures up to the end of the search when the flow never resumes', () => {
    const { rx, h } = timeline();
    const cut = rx.filter((x) => x.recvNs < at(1000));
    const r = interruption(cut, h, IV, at(2000));
    expect(r.resumed).toBe(false);
    expect(r.resumeNs).toBe(at(2000));
    expect(r.gapNs).toBe(at(2000) - at(997));
    expect(r.afterSeq).toBeNull();
  });
});

describe('per-handover measures', () => {
  it('gives exact lost, buffered and duplicated numbers on the synthetic timeline', () => {
    const { sent, rx, h } = timeline();
    const stats = flowStats(1, rx, { kind: 'captured', packets: sent });
    expect(stats.lost.length).toBe(20);
    expect(stats.duplicates).toBe(2);
    const m = measureHandoverFlow(h, rx, stats.lost, new SendTimes(sent, IV), stats.minDelayNs!, {
      nominalIntervalNs: IV,
    });
    expect(m.lostSeqs).toEqual(Array.from({ length: 20 }, (_, i) => 200 + i));
    expect(m.buffered).toBe(40);
    expect(m.duplicated).toBe(1); // seq 265; seq 50 was long before
    expect(m.interruption.interruptionNs).toBe(300n * MS);
  });

  it('attributes loss by send time, estimating it when the sender was not captured', () => {
    const { rx, h } = timeline();
    // Some loss far from the handover must not be counted for it.
    const rx2 = rx.filter((x) => x.seq !== 10);
    const stats = flowStats(1, rx2, { kind: 'range', firstSeq: 0, lastSeq: 399 });
    expect(stats.lost.length).toBe(21);
    const m = measureHandoverFlow(h, rx2, stats.lost, new SendTimes(rx2, IV), stats.minDelayNs!, {
      nominalIntervalNs: IV,
    });
    expect(m.lostSeqs.length).toBe(20);
  });
});

describe('handovers from the recorded scenario', () => {
  it('pairs detach and attach per node, starting at an earlier trigger', () => {
    const r = (ms: number, action: object, error?: string) =>
      ({ action, appliedNs: at(ms).toString(), ...(error ? { error } : {}) }) as never;
    const hs = handoversFromScenario(
      [
        r(0, { kind: 'attach', node: 'mn2', ap: 'ap1' }),
        r(900, { kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap2' }),
        r(1000, { kind: 'detach', node: 'mn' }),
        r(1100, { kind: 'detach', node: 'mn2' }),
        r(1300, { kind: 'attach', node: 'mn', ap: 'ap2' }),
        r(1350, { kind: 'attach', node: 'mn2', ap: 'ap3' }),
        r(2000, { kind: 'detach', node: 'mn' }, 'failed'),
        r(3000, { kind: 'detach', node: 'mn' }),
        r(3050, { kind: 'attach', node: 'mn', ap: 'ap1' }),
      ],
      { mn: 'ap1' },
    );
    expect(hs).toEqual([
      { node: 'mn', fromAp: 'ap1', toAp: 'ap2', l2StartNs: at(900), detachNs: at(1000), attachNs: at(1300) },
      { node: 'mn2', fromAp: 'ap1', toAp: 'ap3', l2StartNs: at(1100), detachNs: at(1100), attachNs: at(1350) },
      { node: 'mn', fromAp: 'ap2', toAp: 'ap1', l2StartNs: at(3000), detachNs: at(3000), attachNs: at(3050) },
    ]);
  });
});

describe('signalling', () => {
  const bu = upperPacket(
    135,
    Buffer.from('3b01050000000000' + '0001000000000000', 'hex'),
    '2001:db8:a::5',
    '2001:db8:4a::1',
  );
  const ba = upperPacket(
    135,
    Buffer.from('3b01060000000000' + '0001000000000000', 'hex'),
    '2001:db8:4a::1',
    '2001:db8:a::5',
  );
  const rs = upperPacket(58, Buffer.from('8500000000000000', 'hex'), 'fe80::5', 'ff02::2');
  const ra = upperPacket(58, Buffer.from('86000000400000000000000000000000', 'hex'), 'fe80::1', 'ff02::1');
  const rtsolpr = upperPacket(58, Buffer.from('9a00000002000001', 'hex'), '2001:db8:a::5', '2001:db8:a::1');
  const mih = udpPacket('2001:db8:a::5', '2001:db8:a::1', 4551, 4551, Buffer.alloc(12));
  const flow = flowIpv6({ flowId: 1, seq: 1, sendNs: 1n });

  it('counts mobility messages and bytes, RS and RA apart, once across capture points', () => {
    const mn = decodeFrames([
      frame(ether(rs), at(1310)),
      frame(ether(ra), at(1312)),
      frame(ether(bu), at(1315)),
      frame(ether(rtsolpr), at(950)),
      frame(ether(mih), at(960)),
      frame(ether(flow), at(1000)),
      frame(ether(ba), at(5000)), // after the window
    ]).frames;
    // The access router's capture sees the same BU (tunnelled onward) and RS.
    const ar = decodeFrames([frame(ether(tunnel(bu)), at(1316)), frame(ether(rs), at(1310.5))]).frames;
    const s = countSignalling(
      [
        { point: 'mn-wlan0', frames: mn },
        { point: 'ar-eth1', frames: ar },
      ],
      at(900),
      at(2000),
    );
    expect(s.messages).toBe(3); // BU, RtSolPr, MIH
    expect(s.bytes).toBe(bu.length + rtsolpr.length + mih.length);
    expect(s.rs).toBe(1);
    expect(s.ra).toBe(1);
    expect(s.byName).toEqual({
      'MH BU': { count: 1, bytes: bu.length },
      'ICMPv6 154/2': { count: 1, bytes: rtsolpr.length },
      MIH: { count: 1, bytes: mih.length },
      RS: { count: 1, bytes: rs.length },
      RA: { count: 1, bytes: ra.length },
    });
  });
});
