// What the lab makes of a Proxy Mobile IPv6 lab (topologies/pmipv6.yaml): the LMA's home network
// prefixes routed to it, no RAs planned for MAGs, no agent for the plain host, the node's address in
// its home network prefix, one pair key per LMA-MAG pair.
import { describe, expect, it } from 'vitest';
import { eui64Address } from '../wire/address.js';
import { agentStations, proxyMobilityPeerKeys } from './agent-config.js';
import { needsAgent } from './agents.js';
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
