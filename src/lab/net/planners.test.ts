// The pure halves of the network layer: what would be run, for a given lab.
import { describe, expect, test } from 'vitest';
import { planAir, planAirNamespace, needsAir } from './air.js';
import { addAp, addLink, addNode, addRadio, chainLab, emptyLab, impairment } from './fixtures.js';
import { apRouterPort, radioFarEnd, relayPorts, validIfName } from './ifnames.js';
import { attachLines, detachLines } from './l2.js';
import { planNetwork } from './network.js';
import { namespaceSysctls, nodeSysctls, planNodeAddressing } from './node-config.js';
import { groupOps, sysctlPath } from './ops.js';
import { linkUsesRelay, planLink } from './veth.js';

function twoNodeLab(withImpairment: boolean) {
  const lab = emptyLab('x1');
  addNode(lab, 'a');
  addNode(lab, 'b', ['router']);
  const link = addLink(lab, 'a', 'b', '2001:db8:0:1', withImpairment ? { ab: impairment({ delayMs: 10 }) } : {});
  return { lab, link };
}

describe('planLink', () => {
  test('a direct link is one veth pair made in its two namespaces, with distinct indexes and the planned MACs', () => {
    const { lab, link } = twoNodeLab(false);
    const [ia, ib] = [lab.nodes[0]!.interfaces[0]!, lab.nodes[1]!.interfaces[0]!];
    expect(planLink(lab, link, { netem: false })).toEqual([
      {
        tool: 'ip',
        ns: null,
        line: `link add eth1 netns mlab-x1-a index 1000 address ${ia.mac} type veth peer name eth1 netns mlab-x1-b index 1001 address ${ib.mac}`,
      },
    ]);
  });

  test('an impaired link stays direct where netem exists', () => {
    const { lab, link } = twoNodeLab(true);
    expect(linkUsesRelay(link, { netem: true })).toBe(false);
    expect(planLink(lab, link, { netem: true })).toHaveLength(1);
  });

  test('without netem an impaired link goes through the air: a <-> lx0, ly0 <-> b, offloads off', () => {
    const { lab, link } = twoNodeLab(true);
    expect(linkUsesRelay(link, { netem: false })).toBe(true);
    const ops = planLink(lab, link, { netem: false });
    const lines = ops.map((o) =>
      o.tool === 'exec' ? `${o.ns}: ${o.argv.join(' ')}` : `${o.ns ?? 'host'}: ${'line' in o ? o.line : ''}`,
    );
    expect(lines[0]).toMatch(
      /^host: link add eth1 netns mlab-x1-a index 1000 address \S+ type veth peer name lx0 netns mlab-x1-_air index 1002$/,
    );
    expect(lines[1]).toMatch(
      /^host: link add ly0 netns mlab-x1-_air index 1003 type veth peer name eth1 netns mlab-x1-b index 1001 address \S+$/,
    );
    expect(lines).toContain('mlab-x1-a: ethtool -K eth1 tx off tso off gso off');
    expect(lines).toContain('mlab-x1-b: ethtool -K eth1 tx off tso off gso off');
    expect(lines).toContain('mlab-x1-_air: link set dev lx0 up');
    expect(lines).toContain('mlab-x1-_air: link set dev ly0 up');
  });
});

describe('air', () => {
  function cellLab() {
    const lab = emptyLab('x2');
    addNode(lab, 'ar1', ['access-router']);
    addNode(lab, 'ar2', ['access-router']);
    addNode(lab, 'mn', ['mobile-node']);
    addNode(lab, 'mn2', ['mobile-node']);
    addAp(lab, 'ap1', 'ar1', 'ap1', '2001:db8:0:a1');
    addAp(lab, 'ap2', 'ar2', 'ap2', '2001:db8:0:a2');
    addRadio(lab, 'mn', 'ap1');
    addRadio(lab, 'mn2');
    return lab;
  }

  test('a bridge per AP (no STP, forward delay 0, no snooping), router ports on it, radios attached at start', () => {
    const lab = cellLab();
    const lines = planAir(lab).map((o) => `${o.ns ?? 'host'}: ${'line' in o ? o.line : ''}`);
    expect(lines).toContain('mlab-x2-_air: link add ap1 type bridge forward_delay 0 stp_state 0 mcast_snooping 0');
    expect(lines).toContain('mlab-x2-_air: link set dev pap1 master ap1');
    expect(lines).toContain('mlab-x2-_air: link set dev wmn master ap1');
    expect(lines).toContain('mlab-x2-_air: link set dev wmn up');
    // mn2 starts detached: its far end exists but is neither on a bridge nor up.
    expect(lines.some((l) => l.includes('peer name wmn2 netns mlab-x2-_air'))).toBe(true);
    expect(lines.some((l) => l.includes('dev wmn2 '))).toBe(false);
    // Host lines (veth creation) come before the air's bridge lines that enslave their far ends.
    const firstAir = lines.findIndex((l) => l.startsWith('mlab-x2-_air'));
    expect(lines.slice(firstAir).some((l) => l.startsWith('host'))).toBe(false);
  });

  test('the air namespace has no IPv6 of its own', () => {
    const ops = planAirNamespace(cellLab());
    expect(ops[0]).toEqual({ tool: 'ip', ns: null, line: 'netns add mlab-x2-_air' });
    expect(ops[1]).toMatchObject({ tool: 'sysctl', values: { 'net.ipv6.conf.all.disable_ipv6': '1' } });
  });

  test('needsAir: APs, radios or relayed links', () => {
    expect(needsAir(cellLab(), { netem: true })).toBe(true);
    expect(needsAir(twoNodeLab(false).lab, { netem: false })).toBe(false);
    expect(needsAir(twoNodeLab(true).lab, { netem: true })).toBe(false);
    expect(needsAir(twoNodeLab(true).lab, { netem: false })).toBe(true);
  });

  test('a radio naming an unknown AP is an error', () => {
    const lab = emptyLab('x3');
    addNode(lab, 'mn');
    addRadio(lab, 'mn', 'nope');
    expect(() => planAir(lab)).toThrow(/unknown AP nope/);
  });

  test('detach: carrier off then off the bridge; attach: onto the bridge then carrier on', () => {
    expect(detachLines('mn')).toEqual(['link set dev wmn down', 'link set dev wmn nomaster']);
    expect(attachLines('mn', 'ap2')).toEqual(['link set dev wmn master ap2', 'link set dev wmn up']);
  });
});

describe('node configuration', () => {
  test('routers forward; DAD and RA off except on radios', () => {
    const r = addNode(emptyLab('x'), 'r', ['router']);
    const h = addNode(emptyLab('x'), 'h', ['host']);
    expect(namespaceSysctls(r)['net.ipv6.conf.all.forwarding']).toBe('1');
    expect(namespaceSysctls(h)['net.ipv6.conf.all.forwarding']).toBe('0');
    expect(namespaceSysctls(h)['net.ipv6.conf.default.accept_dad']).toBe('0');
  });

  test('a radio does SLAAC with EUI-64 and optimistic DAD; the node own sysctls win', () => {
    const lab = emptyLab('x');
    const mn = addNode(lab, 'mn', ['mobile-node']);
    addRadio(lab, 'mn');
    mn.sysctls['net.ipv6.conf.wlan0.optimistic_dad'] = '0';
    const s = nodeSysctls(mn, { optimisticDad: true });
    expect(s['net.ipv6.conf.wlan0.accept_ra']).toBe('1');
    expect(s['net.ipv6.conf.wlan0.autoconf']).toBe('1');
    expect(s['net.ipv6.conf.wlan0.addr_gen_mode']).toBe('0');
    expect(s['net.ipv6.conf.wlan0.accept_dad']).toBe('1');
    expect(s['net.ipv6.conf.wlan0.optimistic_dad']).toBe('0');
    // A forwarding node with a radio (a mobile router) needs accept_ra=2.
    const mr = addNode(lab, 'mr', ['router']);
    mr.interfaces.push({ name: 'wlan0', kind: 'radio', mac: '02:00:00:00:09:09', addresses: [] });
    expect(nodeSysctls(mr, { optimisticDad: true })['net.ipv6.conf.wlan0.accept_ra']).toBe('2');
  });

  test('a kernel without CONFIG_IPV6_OPTIMISTIC_DAD: the radio does plain DAD, no optimistic sysctls', () => {
    const lab = emptyLab('x');
    const mn = addNode(lab, 'mn', ['mobile-node']);
    addRadio(lab, 'mn');
    const s = nodeSysctls(mn, { optimisticDad: false });
    expect(s['net.ipv6.conf.wlan0.accept_dad']).toBe('1');
    expect(Object.keys(s).filter((k) => k.includes('optimistic'))).toEqual([]);
    expect(nodeSysctls(mn, { optimisticDad: true })['net.ipv6.conf.wlan0.use_optimistic']).toBe('1');
  });

  test('addresses with nodad, links up, then routes (a bare default means ::/0)', () => {
    const lab = chainLab('x', 2);
    const h0 = lab.nodes.find((n) => n.name === 'h0')!;
    expect(planNodeAddressing(h0)).toEqual([
      'link set dev lo up',
      'address add 2001:db8:1:0::2/64 dev eth1 nodad',
      'link set dev eth1 up',
      'route replace ::/0 via 2001:db8:1:0::1',
    ]);
  });
});

describe('groupOps', () => {
  test('host lines in order; per namespace one script: sysctls as /proc/sys writes, commands, then ip', () => {
    const lab = emptyLab('x4');
    addNode(lab, 'a');
    addNode(lab, 'b');
    addLink(lab, 'a', 'b', '2001:db8:0:1', { ab: impairment({ lossPct: 1 }) });
    const { host, scripts } = groupOps(planNetwork(lab, { netem: false, optimisticDad: true, nftFib: true }), '/tmp/d');
    expect(host[0]).toBe('netns add mlab-x4-_air');
    expect(host.slice(1).every((l) => l.startsWith('link add '))).toBe(true);
    const a = scripts.find((s) => s.ns === 'mlab-x4-a')!;
    const lines = a.script.trim().split('\n');
    expect(lines[0]).toBe('set -e');
    expect(lines).toContain('echo 0 > /proc/sys/net/ipv6/conf/all/forwarding');
    expect(lines).toContain('ethtool -K eth1 tx off tso off gso off');
    expect(lines.at(-1)).toBe('exec ip -batch /tmp/d/mlab-x4-a.ip');
    expect(a.ipLines).toContain('address add 2001:db8:0:1::1/64 dev eth1 nodad');
  });

  test('sysctl keys map to /proc/sys paths', () => {
    expect(sysctlPath('net.ipv6.conf.wlan0.accept_ra')).toBe('/proc/sys/net/ipv6/conf/wlan0/accept_ra');
  });
});

test('interface names in the air fit in 15 characters or are refused', () => {
  expect(radioFarEnd('mn1')).toBe('wmn1');
  expect(apRouterPort('ap1')).toBe('pap1');
  expect(relayPorts(12)).toEqual({ x: 'lx12', y: 'ly12' });
  expect(() => validIfName('a-very-long-name0')).toThrow(/at most 15/);
  expect(() => radioFarEnd('abcdefghijklmno')).toThrow();
});
