// Per-flow expectations in a lab with two mobile nodes judge only the handovers of the flow's own
// mobile node (expectations.ts, perHandover), on the application's figures.
import { describe, expect, it } from 'vitest';
import { judge, type Expectation } from './expectations.js';
import {
  type FlowResult,
  type HandoverFlowResult,
  type HandoverResult,
  RESULTS_VERSION,
  type Results,
} from './results.js';

const flow = (id: number, from: string, to: string, lost: number, lostOnWire: number): FlowResult => ({
  id,
  from,
  to,
  ratePps: 100,
  sizeBytes: 100,
  receiverCapture: null,
  senderCapture: null,
  measuredAt: 'application',
  sent: 100,
  sentSource: 'summary',
  received: 100 - lost,
  lost,
  lostSeqs: [],
  duplicated: 0,
  reordered: 0,
  receivedOnWire: 100 - lostOnWire,
  lostOnWire,
  lostOnWireSeqs: [],
  duplicatedOnWire: 0,
  minDelayMs: 1,
});

const hf = (f: number, direction: 'downlink' | 'uplink', interruptionMs: number, lost: number): HandoverFlowResult => ({
  flow: f,
  direction,
  interruptionMs,
  gapMs: interruptionMs + 10,
  resumed: true,
  resumeAfterMs: interruptionMs,
  lost,
  buffered: 0,
  duplicated: 0,
  // The wire saw less: the expectations must not read these.
  interruptionOnWireMs: 1,
  lostOnWire: 0,
  duplicatedOnWire: 0,
});

const handover = (index: number, node: string, flows: HandoverFlowResult[]): HandoverResult => ({
  index,
  node,
  fromAp: 'home',
  toAp: 'ap1',
  protocol: 'mipv6',
  mode: 'mipv6',
  modeEvidence: null,
  configured: null,
  l2StartNs: '0',
  detachNs: '0',
  attachNs: '0',
  detachAtMs: 0,
  l2GapMs: 50,
  l2GapSource: 'witness',
  scheduledL2GapMs: 50,
  interruptionMs: null,
  lost: null,
  buffered: null,
  duplicated: null,
  resumed: null,
  signalling: { messages: 0, bytes: 0, rs: 0, ra: 0, byName: {} },
  downlink: null,
  uplink: null,
  flows,
  tcp: [],
});

// mn1 has flows 1 (downlink) and 2 (uplink); mn2 has flow 3.
const results: Omit<Results, 'expectations'> = {
  scenario: [],
  version: RESULTS_VERSION,
  lab: 'two',
  runtime: 'netns',
  startedAt: '',
  durationMs: 1000,
  flows: [flow(1, 'cn', 'mn1', 5, 2), flow(2, 'mn1', 'cn', 20, 20), flow(3, 'cn', 'mn2', 0, 0)],
  handovers: [
    handover(0, 'mn1', [hf(1, 'downlink', 80, 5), hf(2, 'uplink', 200, 20)]),
    handover(1, 'mn2', [hf(3, 'downlink', 60, 0)]),
  ],
  captures: [],
};
const run = (e: Expectation) => judge(e, { results, captures: [], apPrefixes: {} });

describe('per-flow expectations with several mobile nodes', () => {
  it("judge only the handovers of the flow's endpoint", () => {
    expect(run({ kind: 'interruption', maxMs: 100, flow: 3 })).toMatchObject({
      held: true,
      measured: 60,
      detail: '1 measurement(s): 60',
    });
    expect(run({ kind: 'interruption', maxMs: 100, flow: 1 })).toMatchObject({ held: true, measured: 80 });
    expect(run({ kind: 'resumed', flow: 2 })).toMatchObject({ held: true, detail: '1 measurement(s): true' });
    expect(run({ kind: 'lost', max: 0, flow: 3, node: 'mn2' })).toMatchObject({ held: true, measured: 0 });
  });

  it('judge the application figures, uplink included', () => {
    expect(run({ kind: 'interruption', maxMs: 100, flow: 2 })).toMatchObject({ held: false, measured: 200 });
    expect(run({ kind: 'lost', max: 4, node: 'mn1', flow: 1 })).toMatchObject({ held: false, measured: 5 });
    expect(run({ kind: 'lost', max: 4, flow: 1 })).toMatchObject({
      held: false,
      measured: 5,
      detail: '5 of 100 sent (at the application; 2 on the wire)',
    });
    // Without a flow every flow of every selected handover counts.
    expect(run({ kind: 'interruption', maxMs: 100, node: 'mn1' })).toMatchObject({
      held: false,
      detail: '2 measurement(s): 80, 200',
    });
  });

  it("fail when the selection leaves no handover of the flow's node", () => {
    expect(run({ kind: 'resumed', flow: 3, node: 'mn1' })).toMatchObject({
      held: false,
      detail: 'no handover matched',
    });
    expect(run({ kind: 'resumed', flow: 9 })).toMatchObject({ held: false, detail: 'no udp flow 9' });
  });
});
