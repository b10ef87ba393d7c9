import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrames } from './frames.js';
import { writePcap } from './pcap/pcap.js';
import { flowArrivals } from './flow.js';
import {
  buildResults,
  decodeCaptures,
  RESULTS_VERSION,
  type ApplicationRecord,
  type DecodedCapture,
  type MeasuredFlow,
} from './results.js';
import { ether, flowIpv6, frame, tunnel, upperPacket } from './testing/packets.js';

const MS = 1_000_000n;
const T0 = 1_800_000_000_000n * MS;
const at = (ms: number): bigint => T0 + BigInt(Math.round(ms * 1e6));
const CN = '2001:db8:c::1';
const HOA = '2001:db8:b::5';
const FLOW: MeasuredFlow = { id: 1, from: 'cn', to: 'mn', ratePps: 200, sizeBytes: 64 };

/**
 * cn sends 400 packets at 200/s. mn detaches at 1001 ms and attaches at 1301 ms; everything sent
 * 1000..1295 ms is lost; after the attach the home agent tunnels the flow to the care-of address.
 * mn sends a BU at 1303 ms and gets the BA at 1305 ms.
 */
function captures(): DecodedCapture[] {
  const cnFrames = [];
  const mnFrames = [];
  for (let s = 0; s < 400; s++) {
    const send = at(s * 5);
    const p = flowIpv6({ flowId: 1, seq: s, sendNs: send }, CN, HOA);
    cnFrames.push(frame(ether(p), send));
    if (s >= 200 && s < 260) continue;
    mnFrames.push(frame(ether(s >= 260 ? tunnel(p, '2001:db8:4a::1', '2001:db8:a2::5') : p), send + 2n * MS));
  }
  const bu = upperPacket(
    135,
    Buffer.from('3b01050000000000' + '0001000000000000', 'hex'),
    '2001:db8:a2::5',
    '2001:db8:4a::1',
  );
  const ba = upperPacket(
    135,
    Buffer.from('3b01060000000000' + '0001000000000000', 'hex'),
    '2001:db8:4a::1',
    '2001:db8:a2::5',
  );
  mnFrames.push(frame(ether(bu), at(1303)), frame(ether(ba), at(1305)));
  mnFrames.sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : 1));
  const mk = (node: string, iface: string, fr: ReturnType<typeof frame>[]): DecodedCapture => ({
    node,
    iface,
    file: `pcap/${node}-${iface}.pcap`,
    ...decodeFrames(fr),
  });
  return [mk('cn', 'eth0', cnFrames), mk('mn', 'wlan0', mnFrames)];
}

/**
 * What the application on mn got: what mn's interface saw, 0.1 ms later, except seq 199, which the
 * stack dropped after the capture saw it.
 */
function application(caps: DecodedCapture[]): ApplicationRecord {
  const arrivals = flowArrivals(caps.find((c) => c.node === 'mn')!.frames, { flowId: 1 })
    .filter((a) => a.seq !== 199)
    .map((a) => ({ ...a, recvNs: a.recvNs + MS / 10n }));
  return { arrivals };
}

describe('results.json', () => {
  it('puts flows, handovers, captures and verdicts together; loss and interruption from the application', () => {
    const caps = captures();
    const r = buildResults({
      lab: 'mipv6-basic',
      runtime: 'netns',
      startedNs: T0,
      durationMs: 3000,
      captures: caps,
      flows: [FLOW],
      senders: { 1: { firstSeq: 0, lastSeq: 399, errors: {}, errorCount: 0 } },
      application: { 1: application(caps) },
      scenario: [
        { action: { kind: 'detach', node: 'mn' }, appliedNs: at(1001).toString() },
        { action: { kind: 'attach', node: 'mn', ap: 'ap2' }, appliedNs: at(1301).toString() },
      ],
      initialAp: { mn: 'ap1' },
      protocols: { mn: { protocol: 'mipv6' } },
      expectations: [{ expectation: 'handover[0].lost <= 100', held: true, measured: 60 }],
    });
    expect(r).toMatchObject({
      version: RESULTS_VERSION,
      lab: 'mipv6-basic',
      runtime: 'netns',
      durationMs: 3000,
      startedAt: new Date(Number(T0 / MS)).toISOString(),
    });
    expect(r.flows).toEqual([
      {
        id: 1,
        from: 'cn',
        to: 'mn',
        ratePps: 200,
        sizeBytes: 64,
        receiverCapture: 'mn-wlan0',
        senderCapture: 'cn-eth0',
        measuredAt: 'application',
        sent: 400,
        sentSource: 'summary',
        received: 339,
        lost: 61,
        lostSeqs: Array.from({ length: 61 }, (_, i) => 199 + i),
        duplicated: 0,
        reordered: 0,
        receivedOnWire: 340,
        lostOnWire: 60,
        lostOnWireSeqs: Array.from({ length: 60 }, (_, i) => 200 + i),
        duplicatedOnWire: 0,
        minDelayMs: 2.1,
      },
    ]);
    expect(r.handovers.length).toBe(1);
    const h = r.handovers[0]!;
    expect(h).toMatchObject({
      index: 0,
      node: 'mn',
      fromAp: 'ap1',
      toAp: 'ap2',
      // From mn's capture: a Binding Update, no FMIPv6 message.
      protocol: 'mipv6',
      mode: 'mipv6',
      configured: { protocol: 'mipv6' },
      detachAtMs: 1001,
      l2GapMs: 300,
      // At the application 992.1 ms (seq 198) -> 1302.1 ms (seq 260) = 310 ms, minus 5; the flow
      // resumed with seq 261 (sent after the attach) at 1307.1 ms.
      interruptionMs: 305,
      lost: 61,
      buffered: 0,
      duplicated: 0,
      resumed: true,
    });
    expect(h.signalling).toMatchObject({
      messages: 2,
      rs: 0,
      ra: 0,
      byName: { 'MH BU': { count: 1 }, 'MH BA': { count: 1 } },
    });
    const f1 = {
      flow: 1,
      direction: 'downlink',
      interruptionMs: 305,
      gapMs: 310,
      resumed: true,
      resumeAfterMs: 306.1,
      lost: 61,
      buffered: 0,
      duplicated: 0,
      // At mn's interface: 997 ms (seq 199) -> 1302 ms (seq 260), 305 - 5 ms; seq 199 arrived.
      interruptionOnWireMs: 300,
      lostOnWire: 60,
      duplicatedOnWire: 0,
    };
    expect(h.flows).toEqual([f1]);
    expect(h.downlink).toEqual(f1);
    expect(h.uplink).toBeNull();
    expect(h.tcp).toEqual([]);
    expect(r.captures.map((c) => [c.file, c.frames, c.malformed])).toEqual([
      ['pcap/cn-eth0.pcap', 400, 0],
      ['pcap/mn-wlan0.pcap', 342, 0],
    ]);
    expect(r.expectations).toEqual([{ expectation: 'handover[0].lost <= 100', held: true, measured: 60 }]);
    // Plain JSON: no bigint anywhere.
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('keeps going when a capture is damaged or missing, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'results-'));
    const p = ether(flowIpv6({ flowId: 1, seq: 0, sendNs: 1n }));
    const whole = writePcap([frame(p, at(0)), frame(p, at(5))], { linkType: 1 });
    writeFileSync(join(dir, 'cut.pcap'), whole.subarray(0, whole.length - 10));
    const caps = await decodeCaptures(dir, [
      { node: 'mn', iface: 'wlan0', file: 'cut.pcap' },
      { node: 'cn', iface: 'eth0', file: 'absent.pcap' },
    ]);
    expect(caps[0]!.frames.length).toBe(1);
    expect(caps[0]!.error).toMatch(/cut\.pcap: at byte \d+: file ends inside a record/);
    expect(caps[1]!.frames.length).toBe(0);
    expect(caps[1]!.error).toMatch(/ENOENT/);
    const r = buildResults({
      lab: 'x',
      runtime: 'netns',
      startedNs: T0,
      durationMs: 10,
      captures: caps,
      flows: [FLOW],
      scenario: [],
    });
    expect(r.captures.map((c) => c.error !== undefined)).toEqual([true, true]);
    expect(r.flows[0]).toMatchObject({
      received: 1,
      senderCapture: null,
      sentSource: 'received-range',
      measuredAt: 'capture',
    });
    expect(r.handovers).toEqual([]);
  });
  it('gives every scenario action its scheduled and applied times, and each handover its witnessed gap', () => {
    const r = buildResults({
      lab: 'x',
      runtime: 'netns',
      startedNs: T0,
      durationMs: 3000,
      captures: [],
      flows: [],
      scenario: [
        {
          action: { kind: 'detach', node: 'mn' },
          atMs: 1000,
          startedMs: 1000.0101,
          appliedNs: at(1000.2),
          timeSource: 'witness',
          applierNs: String(at(1000.21)),
          disagreementMs: -0.01,
        },
        {
          action: { kind: 'ap-event', ap: 'ap1', event: 'station-left', station: 'mn' },
          atMs: 1005.21,
          appliedNs: at(1005.3),
          timeSource: 'applier',
          after: { index: 0, delayMs: 5 },
        },
        {
          action: { kind: 'attach', node: 'mn', ap: 'ap2' },
          // Planned 20 ms after the detach as the applier applied it (1000.21 ms).
          atMs: 1020.21,
          after: { index: 0, delayMs: 20 },
          appliedNs: at(1023.4),
          timeSource: 'witness',
          applierNs: String(at(1020.3)),
          disagreementMs: 3.1,
        },
        {
          action: { kind: 'trigger', node: 'mn', trigger: 'link-up' },
          atMs: 1030,
          appliedNs: '0',
          error: 'no answer from the agent',
        },
      ],
      initialAp: { mn: 'ap1' },
    });
    expect(r.scenario.map((s) => [s.scheduledMs, s.appliedMs, s.lateMs, s.timeSource])).toEqual([
      [1000, 1000.2, 0.2, 'witness'],
      [1005.21, 1005.3, 0.09, 'applier'],
      [1020.21, 1023.4, 3.19, 'witness'],
      [1030, null, null, 'orchestrator'],
    ]);
    expect(r.scenario[0]).toMatchObject({
      scheduledNs: String(at(1000)),
      appliedNs: String(at(1000.2)),
      disagrees: false,
    });
    expect(r.scenario[0]!.startedMs).toBe(1000.01);
    expect(r.scenario[1]!.after).toEqual({ index: 0, delayMs: 5 });
    expect(r.scenario[2]!.disagrees).toBe(true);
    expect(r.scenario[3]!.error).toBe('no answer from the agent');
    expect(r.handovers).toHaveLength(1);
    expect(r.handovers[0]).toMatchObject({ l2GapMs: 23.2, scheduledL2GapMs: 20, l2GapSource: 'witness' });
  });
});
