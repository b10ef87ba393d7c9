// A small Results object for the report's unit tests: one handover of mn (ap1 -> ap2), flow 1
// cn -> mn received on mn-wlan0, flow 2 mn -> cn, and a mix of held and failed expectations.
import { RESULTS_VERSION, type Results } from '../../analysis/results.js';

export function sampleResults(): Results {
  const capture = (node: string, iface: string) => ({
    node,
    iface,
    file: `pcap/${node}-${iface}.pcap`,
    frames: 10,
    ipv6: 10,
    notIpv6: 0,
    malformed: 0,
    malformedReasons: {},
  });
  const flow = (id: number, from: string, to: string, rx: string, tx: string) => ({
    id,
    from,
    to,
    ratePps: 200,
    sizeBytes: 100,
    receiverCapture: rx,
    senderCapture: tx,
    measuredAt: 'application' as const,
    sent: 800,
    sentSource: 'summary' as const,
    received: 797,
    lost: 3,
    lostSeqs: [600, 601, 602],
    duplicated: 0,
    reordered: 0,
    receivedOnWire: 800,
    lostOnWire: 0,
    lostOnWireSeqs: [],
    duplicatedOnWire: 0,
    minDelayMs: 27,
  });
  return {
    version: RESULTS_VERSION,
    lab: 'sample-lab',
    runtime: 'netns',
    startedAt: '2026-12-06T14:00:00.000Z',
    durationMs: 6000,
    flows: [flow(1, 'cn', 'mn', 'mn-wlan0', 'cn-eth1'), flow(2, 'mn', 'cn', 'cn-eth1', 'mn-wlan0')],
    handovers: [],
    scenario: [],
    expectations: [
      { expectation: 'lost <= 0 (flow 1)', held: false, measured: 3, detail: '3 of 800 sent' },
      { expectation: 'interruption <= 115 ms (flow 1)', held: true, measured: 100.4 },
      { expectation: 'interruption <= 50 ms', held: false, measured: 100.4, detail: '1 measurement(s): 100.4' },
      {
        expectation: 'mn uses an address from ap2',
        held: true,
        measured: 'fd00::1',
        detail: 'first seen in mn-wlan0',
      },
      {
        expectation: 'no ICMPv6 Parameter Problem in any capture',
        held: false,
        measured: 2,
        detail: 'seen on ar1-eth2, ha-home',
      },
      {
        expectation: 'flow resumes after each handover (node mn)',
        held: false,
        measured: null,
        detail: 'no handover matched',
      },
      { expectation: 'no agent bugs', held: false, measured: 1, detail: 'ar2: 1 bug(s), first in nar: boom' },
    ],
    captures: [capture('cn', 'eth1'), capture('mn', 'wlan0'), capture('ar1', 'eth2'), capture('ha', 'home')],
    agents: { ar1: { bugs: 0 }, ar2: { bugs: 1, firstBug: { where: 'nar', message: 'boom' } } },
  };
}
