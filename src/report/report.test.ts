import { describe, expect, it } from 'vitest';
import { decodeFrames } from '../analysis/frames.js';
import { buildResults, type DecodedCapture } from '../analysis/results.js';
import { ether, fmipIcmpv6, flowIpv6, frame, mhPacket, tunnel, upperPacket } from '../analysis/testing/packets.js';
import { ipv6ToBytes } from '../wire/address.js';
import { reportHtml } from './html.js';
import { buildReportModel } from './model.js';
import { addressOwner, type ReportTopology } from './topology.js';

const MS = 1_000_000n;
const T0 = 1_800_000_000_000n * MS;
const at = (ms: number) => T0 + BigInt(Math.round(ms * 1e6));
const MN_MAC = '02:00:00:00:00:05';
const PCOA = '2001:db8:a1::ff:fe00:5';
const NCOA = '2001:db8:a2::ff:fe00:5';
const HOA = '2001:db8:100::5';
const CN = '2001:db8:c::1';
const PAR = '2001:db8:a1::1';
const NAR = '2001:db8:a2::1';

const topology: ReportTopology = {
  nodes: [
    {
      name: 'cn',
      roles: ['host'],
      interfaces: [{ name: 'eth0', kind: 'link', mac: '02:00:00:00:00:01', addresses: [`${CN}/64`] }],
    },
    {
      name: 'ar1',
      roles: ['par', 'nar'],
      interfaces: [{ name: 'ap1', kind: 'ap', mac: '02:00:00:00:00:02', addresses: [`${PAR}/64`], ap: 'ap1' }],
    },
    {
      name: 'ar2',
      roles: ['par', 'nar'],
      interfaces: [{ name: 'ap2', kind: 'ap', mac: '02:00:00:00:00:03', addresses: [`${NAR}/64`], ap: 'ap2' }],
    },
    {
      name: 'mn',
      roles: ['mobile-node'],
      interfaces: [{ name: 'wlan0', kind: 'radio', mac: MN_MAC, addresses: [], ap: 'ap1' }],
      homeAddress: HOA,
    },
  ],
  links: [
    {
      id: 'l1',
      a: { node: 'cn', iface: 'eth0' },
      b: { node: 'ar1', iface: 'eth1' },
      ab: { delayMs: 5, jitterMs: 0, lossPct: 1, duplicatePct: 0, rateBps: 0 },
      ba: null,
    },
  ],
  aps: [
    { name: 'ap1', router: 'ar1', prefix: '2001:db8:a1::/64', notifyLatencyMs: 5 },
    { name: 'ap2', router: 'ar2', prefix: '2001:db8:a2::/64', notifyLatencyMs: 5 },
  ],
};

/**
 * cn sends 100/s to mn's home address for 1 s. Predictive FMIPv6: FBU at 380 ms, HI/HAck, FBack at
 * 395 ms, detach 400 ms, attach 500 ms, UNA 501 ms. Sent 400-500 ms: 400-440 ms held by the NAR and
 * delivered at 502-506 ms, 450-490 ms lost.
 */
function run() {
  const cn: ReturnType<typeof frame>[] = [];
  const mn: ReturnType<typeof frame>[] = [];
  for (let s = 0; s < 100; s++) {
    const p = flowIpv6({ flowId: 1, seq: s, sendNs: at(s * 10) }, CN, HOA);
    cn.push(frame(ether(p), at(s * 10)));
    if (s < 40) mn.push(frame(ether(tunnel(p, PAR, PCOA)), at(s * 10 + 2)));
    else if (s <= 44) mn.push(frame(ether(tunnel(p, NAR, NCOA)), at(502 + (s - 40))));
    else if (s >= 50) mn.push(frame(ether(tunnel(p, NAR, NCOA)), at(s * 10 + 2)));
  }
  mn.push(
    frame(ether(fmipIcmpv6(2, PCOA, PAR)), at(100)),
    frame(ether(fmipIcmpv6(3, PAR, PCOA)), at(101)),
    frame(ether(mhPacket(8, PCOA, PAR)), at(380)),
    frame(ether(mhPacket(9, PAR, PCOA)), at(395)),
  );
  // An unsolicited Neighbor Advertisement for the NCoA from the NCoA (RFC 5568 §6.4): type 136, flags 0.
  const una = upperPacket(58, Buffer.from([136, 0, 0, 0, 0, 0, 0, 0, ...ipv6ToBytes(NCOA)]), NCOA, 'ff02::1');
  mn.push(frame(ether(una), at(501)));
  const ar1 = [frame(ether(mhPacket(14, PAR, NAR)), at(385)), frame(ether(mhPacket(15, NAR, PAR)), at(390))];
  const sort = (f: typeof mn) => f.sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : 1));
  const cap = (node: string, iface: string, f: typeof mn): DecodedCapture => ({
    node,
    iface,
    file: `pcap/${node}-${iface}.pcap`,
    ...decodeFrames(sort(f)),
  });
  const captures = [cap('cn', 'eth0', cn), cap('mn', 'wlan0', mn), cap('ar1', 'eth2', ar1)];
  const results = buildResults({
    lab: 'pred <test>',
    runtime: 'netns',
    startedNs: T0,
    durationMs: 1000,
    captures,
    flows: [{ id: 1, from: 'cn', to: 'mn', ratePps: 100, sizeBytes: 64 }],
    scenario: [
      { action: { kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap2' }, appliedNs: at(370).toString() },
      { action: { kind: 'detach', node: 'mn' }, appliedNs: at(400).toString() },
      { action: { kind: 'attach', node: 'mn', ap: 'ap2' }, appliedNs: at(500).toString() },
    ],
    initialAp: { mn: 'ap1' },
    expectations: [{ expectation: 'lost <= 0 (flow 1)', held: false, measured: 5 }],
  });
  return { results, captures };
}

describe('addresses to nodes', () => {
  const owner = addressOwner(topology);
  it('static addresses, the home address, and SLAAC / link-local addresses by their EUI-64 interface id', () => {
    expect(owner(PAR)).toBe('ar1');
    expect(owner(HOA)).toBe('mn');
    expect(owner(NCOA)).toBe('mn');
    expect(owner('fe80::ff:fe00:5')).toBe('mn');
    expect(owner('ff02::1')).toBeNull();
    expect(owner('2001:db8:99::9')).toBeNull();
    expect(owner('not an address')).toBeNull();
  });
});

describe('the report model', () => {
  const { results, captures } = run();
  const m = buildReportModel({ results, topology, captures, logs: ['logs/mn-agent.log'] });

  it('a ladder per handover: messages between nodes in capture order, times from the detach', () => {
    expect(m.handovers).toHaveLength(1);
    const h = m.handovers[0]!;
    // The RtSolPr at 100 ms is before the handover's first L2 event (370 ms) less the 50 ms lead.
    expect(h.steps.map((s) => `${s.name} ${s.from}->${s.to} ${s.tMs}`)).toEqual([
      'FBU mn->ar1 -20',
      'HI ar1->ar2 -15',
      'HAck ar2->ar1 -10',
      'FBack ar1->mn -5',
      'UNA mn->ar2 101',
    ]);
    expect(h.lanes).toEqual(['mn', 'ar1', 'ar2']);
    expect(h.steps[0]).toMatchObject({ point: 'mn-wlan0', pcap: 'pcap/mn-wlan0.pcap' });
    expect(h.attachMs).toBe(100);
  });

  it('each flow against time: buffered deliveries, lost packets at their send time, the L2 gap and the interruption', () => {
    const f = m.flows[0]!;
    expect(f.point).toBe('mn-wlan0');
    expect(f.packets).toHaveLength(95);
    expect(f.packets.filter((p) => p.kind === 'buffered').map((p) => p.seq)).toEqual([40, 41, 42, 43, 44]);
    expect(f.lost.map((p) => [p.seq, p.tMs])).toEqual([45, 46, 47, 48, 49].map((s) => [s, s * 10 - 400]));
    // Longest gap at mn-wlan0: seq 39 at 392 ms to seq 40 at 502 ms.
    expect(f.windows).toEqual([{ handover: 0, l2: [0, 100], interruption: [-8, 102] }]);
  });

  it('renders one page with nothing to fetch: uPlot inlined, a CSP, escaped text, relative links', () => {
    const page = reportHtml(m);
    expect(page).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\';');
    expect(page).toMatch(/uPlot/);
    expect(page).not.toMatch(/<script[^>]+src=/);
    expect(page).not.toMatch(/<link[^>]+href=/);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page).toContain('pred &#60;test&#62;');
    expect(page).not.toContain('pred <test>');
    expect(page).toContain('<a href="pcap/mn-wlan0.pcap">');
    expect(page).toContain('<a href="logs/mn-agent.log">');
    expect(page).toContain('delay 5 ms, loss 1 %');
    expect([...page.matchAll(/<g class="msg" data-name="([^"]+)"/g)].map((x) => x[1])).toEqual([
      'FBU',
      'HI',
      'HAck',
      'FBack',
      'UNA',
    ]);
  });
});
