import { describe, expect, it } from 'vitest';
import { chainLab } from './generate.js';
import { slaacAddress } from './ipv6.js';
import { loadLab, loadLabText } from './load.js';
import { forward } from './testing/forwarding.js';

const FILE = 'test.yaml';

describe('topologies/smoke.yaml', () => {
  it('loads and resolves as the issue describes it', async () => {
    const lab = await loadLab('topologies/smoke.yaml');
    expect(lab.name).toBe('smoke');
    expect(lab.durationMs).toBe(6000);
    expect(lab.nodes.map((n) => n.name).sort()).toEqual(['cn', 'h1', 'mn', 'r1']);
    for (const l of lab.links) {
      expect([l.a.node, l.b.node]).toContain('r1');
      for (const dir of [l.ab, l.ba]) expect(dir).toMatchObject({ delayMs: 20, lossPct: 1 });
    }
    expect(lab.aps.map((a) => [a.name, a.router, a.routerIface])).toEqual([
      ['ap1', 'r1', 'ap1'],
      ['ap2', 'r1', 'ap2'],
    ]);
    const r1 = lab.nodes.find((n) => n.name === 'r1')!;
    expect(r1.routerAdvertisements.map((ra) => [ra.iface, ra.prefix])).toEqual(lab.aps.map((a) => [a.name, a.prefix]));
    expect(r1.sysctls['net.ipv6.conf.all.forwarding']).toBe('1');
    const mn = lab.nodes.find((n) => n.name === 'mn')!;
    expect(mn.interfaces).toEqual([
      expect.objectContaining({ name: 'wlan0', kind: 'radio', ap: 'ap1', addresses: [] }),
    ]);
    expect(mn.sysctls).toMatchObject({
      'net.ipv6.conf.wlan0.accept_ra': '1',
      'net.ipv6.conf.wlan0.autoconf': '1',
      'net.ipv6.conf.wlan0.addr_gen_mode': '0',
    });
    expect(lab.scenario).toEqual([
      { atMs: 3000, action: { kind: 'detach', node: 'mn' } },
      { atMs: 3100, action: { kind: 'attach', node: 'mn', ap: 'ap2' } },
    ]);
    const flow = lab.traffic[0]!;
    expect(flow).toMatchObject({ kind: 'udp', from: 'cn', to: 'mn', ratePps: 50, startMs: 1000 });
    expect(flow.toAddress).toBe(slaacAddress(lab.aps[0]!.prefix, mn.interfaces[0]!.mac));
    // cn reaches mn's first cell through r1.
    expect(forward(lab, 'cn', flow.toAddress)).toEqual({ delivered: true, hops: 1 });
    expect(lab.capture).toHaveLength(lab.nodes.reduce((s, n) => s + n.interfaces.length, 0));
  });

  it('resolves to the same plan every time (stable names, MACs and addresses)', async () => {
    expect(await loadLab('topologies/smoke.yaml')).toEqual(await loadLab('topologies/smoke.yaml'));
  });
});

describe('address plan', () => {
  it('gives links /64s from subnet 1 and AP cells from a001; the router end takes ::1', () => {
    const lab = loadLabText(
      `name: p1
prefix: "2001:db8:5::/48"
duration: 1s
nodes: { h: {}, r: { roles: [router] }, s: { roles: [router] } }
links: [{ endpoints: [h, r] }, { endpoints: [r, s] }]
aps: { cell: { router: s } }
`,
      FILE,
    );
    const addr = (n: string) =>
      lab.nodes.find((x) => x.name === n)!.interfaces.map((i) => `${i.name}=${i.addresses.join(',')}`);
    expect(addr('h')).toEqual(['eth1=2001:db8:5:1::2/64']);
    expect(addr('r')).toEqual(['eth1=2001:db8:5:1::1/64', 'eth2=2001:db8:5:2::1/64']);
    expect(addr('s')).toEqual(['eth1=2001:db8:5:2::2/64', 'cell=2001:db8:5:a001::1/64']);
    expect(lab.nodes[0]!.roles).toEqual(['host']);
  });

  it('explicit prefixes and addresses win, and the plan steps around them', () => {
    const lab = loadLabText(
      `name: p2
prefix: "2001:db8:5::/48"
duration: 1s
nodes: { a: { roles: [router] }, b: { roles: [router] }, c: { roles: [router] } }
links:
  - { endpoints: [a, b] }
  - { endpoints: [b, c], prefix: "2001:db8:5:1::/64", addresses: { c: "2001:db8:5:1::1/64" } }
`,
      FILE,
    );
    expect(lab.links.map((l) => l.id)).toEqual(['link1', 'link2']);
    const all = lab.nodes.flatMap((n) => n.interfaces.map((i) => `${n.name}.${i.name}=${i.addresses[0]}`));
    expect(all.sort()).toEqual([
      'a.eth1=2001:db8:5:2::1/64',
      'b.eth1=2001:db8:5:2::2/64',
      'b.eth2=2001:db8:5:1::2/64',
      'c.eth1=2001:db8:5:1::1/64',
    ]);
  });

  it('names interfaces eth1.. per node in file order around explicit names', () => {
    const lab = loadLabText(
      `name: p3
duration: 1s
nodes: { a: { roles: [router] }, b: {}, c: {} }
links: [{ endpoints: [a, b] }, { endpoints: ["a:eth1", c] }]
`,
      FILE,
    );
    expect(lab.links.map((l) => `${l.a.node}:${l.a.iface}-${l.b.node}:${l.b.iface}`)).toEqual([
      'a:eth2-b:eth1',
      'a:eth1-c:eth1',
    ]);
  });
});

describe('links', () => {
  it('per-direction overrides fall back to the link, then to defaults.link', () => {
    const lab = loadLabText(
      `name: d1
duration: 1s
defaults: { link: { jitter: 1ms } }
nodes: { a: {}, b: {} , c: {} }
links:
  - endpoints: [a, b]
    delay: 10ms
    loss: 2%
    forward: { rate: 1mbit }
    reverse: { delay: 30ms, loss: 0% }
  - { endpoints: [b, c], jitter: 0 }
`,
      FILE,
    );
    expect(lab.links[0]!.ab).toEqual({ delayMs: 10, jitterMs: 1, lossPct: 2, duplicatePct: 0, rateBps: 1_000_000 });
    expect(lab.links[0]!.ba).toEqual({ delayMs: 30, jitterMs: 1, lossPct: 0, duplicatePct: 0, rateBps: 0 });
    expect(lab.links[1]!.ab).toBeNull();
    expect(lab.links[1]!.ba).toBeNull();
  });
});

describe('roles, routes, RAs, traffic and capture', () => {
  it('agent router roles imply router; mobile-node implies mobile', () => {
    const lab = loadLabText(
      `name: r1
duration: 1s
nodes: { ha: { roles: [home-agent] }, mn: { roles: [mobile-node], radio: { ap: c1 } } }
aps: { c1: { router: ha, ra: { maxInterval: 1s, minInterval: 500ms } } }
`,
      FILE,
    );
    expect(lab.nodes[0]!.roles).toEqual(['home-agent', 'router']);
    expect(lab.nodes[1]!.roles).toEqual(['mobile-node', 'mobile']);
    expect(lab.nodes[0]!.routerAdvertisements).toEqual([
      { iface: 'c1', prefix: lab.aps[0]!.prefix, minIntervalMs: 500, maxIntervalMs: 1000, routerLifetimeS: 3 },
    ]);
  });

  it('user routes are added and replace an automatic route to the same destination', () => {
    const lab = loadLabText(
      `name: u1
duration: 1s
nodes:
  h: { routes: [{ dst: default, via: "fe80::1", dev: eth1 }, { dst: "2001:db8:9::/48", via: "fe80::2" }] }
  r: { roles: [router] }
links: [{ endpoints: [h, r] }]
`,
      FILE,
    );
    expect(lab.nodes[0]!.routes).toEqual([
      { dst: 'default', via: 'fe80::1', dev: 'eth1' },
      { dst: '2001:db8:9::/48', via: 'fe80::2' },
    ]);
  });

  it('traffic gets ids, ports and the destination address of a host', () => {
    const lab = loadLabText(
      `name: f1
duration: 10s
nodes: { a: {}, b: {} }
links: [{ endpoints: [a, b] }]
traffic:
  - { kind: udp, id: 1, from: a, to: b, rate: 10pps }
  - { kind: iperf3, from: b, to: a, start: 2s, duration: 3s, rate: 5mbit }
`,
      FILE,
    );
    expect(lab.traffic).toEqual([
      {
        kind: 'udp',
        id: 1,
        from: 'a',
        to: 'b',
        toAddress: lab.nodes[1]!.interfaces[0]!.addresses[0]!.split('/')[0],
        port: 9000,
        startMs: 0,
        durationMs: 10_000,
        ratePps: 10,
        sizeBytes: 100,
      },
      {
        kind: 'iperf3',
        id: 2,
        from: 'b',
        to: 'a',
        toAddress: lab.nodes[0]!.interfaces[0]!.addresses[0]!.split('/')[0],
        port: 5202,
        startMs: 2000,
        durationMs: 3000,
        rateBps: 5_000_000,
      },
    ]);
  });

  it('uplink flows leave a mobile node from its home address unless fromAddress says otherwise', async () => {
    const lab = await loadLab('test/fixtures/two-mobile-nodes.yaml');
    expect(lab.traffic.map((t) => [t.id, t.fromAddress])).toEqual([
      [1, undefined],
      [2, 'fd00:6:7:100::101'],
      [3, undefined],
    ]);
    const text = `name: f2
duration: 1s
nodes: { a: {}, b: {} }
links: [{ endpoints: [a, b] }]
traffic: [{ kind: udp, from: a, to: b, rate: 10pps, fromAddress: "2001:db8::1" }]
`;
    expect(loadLabText(text, FILE).traffic[0]!.fromAddress).toBe('2001:db8::1');
  });

  it('capture points: a node means all its interfaces; an empty list means none', () => {
    const text = (capture: string) =>
      `name: c1\nduration: 1s\nnodes: { a: {}, b: { roles: [router] } }\nlinks: [{ endpoints: [a, b] }, { endpoints: [a, b] }]\n${capture}`;
    expect(loadLabText(text('capture: [b, "a:eth2"]'), FILE).capture).toEqual([
      { node: 'b', iface: 'eth1' },
      { node: 'b', iface: 'eth2' },
      { node: 'a', iface: 'eth2' },
    ]);
    expect(loadLabText(text('capture: []'), FILE).capture).toEqual([]);
    expect(() => loadLabText(text('capture: ["a:eth9"]'), FILE)).toThrow(
      'test.yaml:5:11 capture[0]: expected an interface of a (eth1, eth2), got "eth9"',
    );
  });
});

describe('routes over a chain (chainLab, Mininet linear,N)', () => {
  it('a chain of 10 routers has 20 nodes, 19 links, and a route to every prefix on every node', () => {
    const lab = chainLab(10);
    expect(lab.nodes).toHaveLength(20);
    expect(lab.links).toHaveLength(19);
    const prefixes = lab.links.map(
      (l) => lab.nodes.find((n) => n.name === l.a.node)!.interfaces.find((i) => i.name === l.a.iface)!.addresses[0]!,
    );
    for (const node of lab.nodes) {
      if (node.roles.includes('router')) {
        const own = node.interfaces.length;
        expect(node.routes).toHaveLength(19 - own);
      } else {
        expect(node.routes).toEqual([expect.objectContaining({ dst: 'default' })]);
      }
      for (const p of prefixes) {
        const dst = p.split('/')[0]!;
        expect(forward(lab, node.name, dst).delivered, `${node.name} -> ${dst}`).toBe(true);
      }
    }
    // h1 to h10: h1 -> r1 -> ... -> r10, then on h10's link.
    const h10 = lab.nodes.find((n) => n.name === 'h10')!.interfaces[0]!.addresses[0]!.split('/')[0]!;
    expect(forward(lab, 'h1', h10)).toEqual({ delivered: true, hops: 10 });
  });
});
