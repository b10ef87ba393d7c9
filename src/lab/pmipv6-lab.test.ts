// What the lab makes of a Proxy Mobile IPv6 lab (topologies/pmipv6.yaml): the LMA's home network
// prefixes routed to it, no RAs planned for MAGs, no agent for the plain host, the node's address in
// its home network prefix, one pair key per LMA-MAG pair.
import { describe, expect, it } from 'vitest';
import { eui64Address } from '../wire/address.js';
import { agentStations, proxyMobilityPeerKeys } from './agent-config.js';
import { needsAgent } from './agents.js';
import { planScenario } from './scenario/realtime.js';
import { stationReportPlan } from './scenario/station-reports.js';
import { loadLab } from './topology/load.js';

const lab = await loadLab('topologies/pmipv6.yaml');
const node = (n: string) => lab.nodes.find((x) => x.name === n)!;

describe('the PMIPv6 lab (RFC 5213)', () => {
  it('routes the LMA pool to the LMA from every other node', () => {
    const via: Record<string, string> = { cr: 'fd00:5:5:2::2', mag1: 'fd00:5:5:3::1', mag3: 'fd00:5:5:5::1' };
    for (const [n, hop] of Object.entries(via))
      expect(
        node(n).routes.find((r) => r.dst === 'fd00:5:5:100::/56'),
        n,
      ).toMatchObject({ via: hop });
    expect(node('lma').routes.some((r) => r.dst === 'fd00:5:5:100::/56')).toBe(false);
  });

  it('plans no RAs for MAGs (they send unicast RAs themselves) and no agent for the plain host', () => {
    for (const m of ['mag1', 'mag2', 'mag3']) expect(node(m).routerAdvertisements).toEqual([]);
    expect(needsAgent(node('mn'))).toBe(false);
    expect(needsAgent(node('mag1'))).toBe(true);
    expect(needsAgent(node('lma'))).toBe(true);
  });

  it("sends the flow to mn's SLAAC address in the pool's first /64", () => {
    const mac = node('mn').interfaces.find((i) => i.kind === 'radio')!.mac;
    expect(lab.traffic[0]!.toAddress).toBe(eui64Address('fd00:5:5:100::', mac));
  });

  it('makes one key per LMA-MAG pair, from their first links, with distinct SPIs', () => {
    const peers = new Map();
    let k = 0;
    proxyMobilityPeerKeys(lab, peers, 300, (n) => Buffer.alloc(n, ++k));
    expect(
      peers.get('lma').map((p: { node: string; address: string; spi: number }) => [p.node, p.address, p.spi]),
    ).toEqual([
      ['mag1', 'fd00:5:5:3::2', 300],
      ['mag2', 'fd00:5:5:4::2', 301],
      ['mag3', 'fd00:5:5:5::2', 302],
    ]);
    expect(peers.get('mag2')).toEqual([{ node: 'lma', address: 'fd00:5:5:2::2', spi: 301, key: '02'.repeat(32) }]);
    expect(agentStations(lab)).toEqual([
      { node: 'mn', mac: node('mn').interfaces.find((i) => i.kind === 'radio')!.mac, ap: 'ap1' },
    ]);
  });
});

const pf = await loadLab('topologies/pfmipv6-predictive.yaml');

describe('the PFMIPv6 lab (RFC 5949)', () => {
  it('makes one key per LMA-MAG pair and one for the MAG pair that fastHandover names', () => {
    const peers = new Map();
    let k = 0;
    proxyMobilityPeerKeys(pf, peers, 300, (n) => Buffer.alloc(n, ++k));
    expect(peers.get('mag1').map((p: { node: string; spi: number }) => [p.node, p.spi])).toEqual([
      ['lma', 300],
      ['mag2', 302],
    ]);
    expect(peers.get('mag2')).toContainEqual({
      node: 'mag1',
      address: 'fd00:5:9:3::2',
      spi: 302,
      key: '03'.repeat(32),
    });
    // Without fastHandover (topologies/pmipv6.yaml) no MAG has a MAG peer.
    const plain = new Map();
    proxyMobilityPeerKeys(lab, plain, 300);
    expect(plain.get('mag1').map((p: { node: string }) => p.node)).toEqual(['lma']);
  });

  it("sends a plain host's link-going-down to its serving AP's router, with the station, and follows its moves", () => {
    const mac = pf.nodes
      .find((n) => n.name === 'mn')!
      .interfaces.find((i) => i.kind === 'radio')!
      .mac.toLowerCase();
    const plan = planScenario(pf.scenario, {
      lab: 'x',
      t0MonoNs: 0n,
      socketOf: (n) => `/sock/${n}`,
      apFields: (ap) => ({ ap }),
      ...stationReportPlan(pf),
    });
    const trigger = plan.find((p) => p.action.kind === 'trigger')!;
    expect(trigger.op).toEqual({
      kind: 'send',
      socket: '/sock/mag1',
      request: { op: 'l2', event: 'link-going-down', ap: 'ap2', station: mac },
    });
    // After the move the same trigger goes to mag2 (ap2's router).
    const back = planScenario(
      [...pf.scenario, { atMs: 5000, action: { kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap1' } }],
      { lab: 'x', t0MonoNs: 0n, socketOf: (n) => `/sock/${n}`, apFields: (ap) => ({ ap }), ...stationReportPlan(pf) },
    );
    expect(back.filter((p) => p.action.kind === 'trigger').map((p) => (p.op as { socket: string }).socket)).toEqual([
      '/sock/mag1',
      '/sock/mag2',
    ]);
  });
});
