// Pure pieces of the FMIPv6 agent roles: next-hop MACs of the MN's frames, unwrapping the PAR's tunnel,
// when the MN role runs, and the PAR's neighbour map built from the lab's AP table.
import { describe, expect, it } from 'vitest';
import { buildIpv6Packet } from '../../wire/packet.js';
import * as udp from '../../wire/udp.js';
import type { AgentAccessPoint, AgentConfig } from '../config.js';
import { fmipv6Enabled, nextHopMac, unwrapTunnels } from './fmipv6-mobile-node.js';
import { neighbourMapFromLab } from './par.js';
import type { RoleContext } from './role.js';

const APS: AgentAccessPoint[] = [
  {
    name: 'home',
    bssid: '02:aa:00:00:00:00',
    router: 'ha',
    routerIface: 'home',
    prefix: 'fd00:f:1:100::/64',
    routerAddress: 'fd00:f:1:100::1',
    routerMac: '02:00:00:00:00:01',
    routerRoles: ['home-agent', 'router'],
  },
  {
    name: 'ap1',
    bssid: '02:aa:00:00:00:01',
    router: 'ar1',
    routerIface: 'ap1',
    prefix: 'fd00:f:1:a1::/64',
    routerAddress: 'fd00:f:1:a1::1',
    routerMac: '02:00:00:00:01:01',
    routerRoles: ['par', 'nar', 'router'],
  },
  {
    name: 'ap2',
    bssid: '02:aa:00:00:00:02',
    router: 'ar2',
    routerIface: 'ap2',
    prefix: 'fd00:f:1:a2::/64',
    routerAddress: 'fd00:f:1:a2::1',
    routerMac: '02:00:00:00:02:01',
    routerRoles: ['par', 'nar', 'router'],
  },
];

function config(over: Partial<AgentConfig>): AgentConfig {
  return {
    lab: 'l',
    node: 'mn',
    roles: ['mobile-node', 'mobile'],
    interfaces: [],
    routerAdvertisements: [],
    agent: {},
    controlSocket: '/x',
    ...over,
  };
}

const udpPacket = (src: string, dst: string, payload = Buffer.from('hello')) =>
  buildIpv6Packet({
    src,
    dst,
    upper: {
      nextHeader: 17,
      encode: () => udp.encode({ srcPort: 1, dstPort: 2, payload }, undefined, 0, { addresses: { src, dst } }),
    },
  });
const tunnel = (src: string, dst: string, inner: Buffer) =>
  buildIpv6Packet({ src, dst, upper: { nextHeader: 41, encode: () => inner } });

describe('nextHopMac', () => {
  it('maps multicast per RFC 2464 §7 and unicast to the router of the link the source address is on', () => {
    expect(nextHopMac('fd00:f:1:a2::5', 'ff02::1', APS)).toBe('33:33:00:00:00:01');
    expect(nextHopMac('fd00:f:1:a1::5', 'fd00:f:1:a1::1', APS)).toBe('02:00:00:00:01:01'); // predictive FBU: the PAR
    expect(nextHopMac('fd00:f:1:a2::5', 'fd00:f:1:a1::1', APS)).toBe('02:00:00:00:02:01'); // reactive FBU: via the NAR
    expect(nextHopMac('fd00:9::5', 'fd00:f:1:a1::1', APS)).toBeNull();
  });
});

describe('unwrapTunnels', () => {
  it('takes the flow packet out of PAR -> NCoA around HA -> PCoA', () => {
    const inner = udpPacket('fd00:f:1:1::2', 'fd00:f:1:100::100');
    const ha = tunnel('fd00:f:1:100::1', 'fd00:f:1:a1::5', inner);
    const par = tunnel('fd00:f:1:a1::1', 'fd00:f:1:a2::5', ha);
    expect(unwrapTunnels(par)).toEqual(inner);
    expect(unwrapTunnels(ha)).toEqual(inner);
    expect(unwrapTunnels(inner)).toEqual(inner);
  });

  it('refuses a tunnel whose inner packet is cut short or not IPv6, and stops after three levels', () => {
    const inner = udpPacket('fd00:f:1:1::2', 'fd00:f:1:100::100');
    const cut = tunnel('fd00:f:1:a1::1', 'fd00:f:1:a2::5', inner.subarray(0, 50));
    expect(unwrapTunnels(cut)).toBeNull();
    const notV6 = tunnel('fd00:f:1:a1::1', 'fd00:f:1:a2::5', Buffer.alloc(60, 0x45));
    expect(unwrapTunnels(notV6)).toBeNull();
    let p = inner;
    for (let i = 0; i < 5; i++) p = tunnel('fd00::1', 'fd00::2', p);
    expect(unwrapTunnels(p)![6]).toBe(41); // still two levels left: a loop of 41s in a forged packet ends
  });

  it('never throws on arbitrary bytes', () => {
    for (let n = 0; n < 2000; n++) {
      const b = Buffer.from(Array.from({ length: (n % 120) + 1 }, () => Math.floor(Math.random() * 256)));
      if (b.length > 6) b[6] = 41;
      expect(() => unwrapTunnels(b)).not.toThrow();
    }
  });
});

describe('fmipv6Enabled', () => {
  it('runs on a mobile node with agent.fmipv6 unless enabled is false', () => {
    expect(fmipv6Enabled(config({ agent: { fmipv6: {} } }))).toBe(true);
    expect(fmipv6Enabled(config({ agent: { fmipv6: { enabled: true } } }))).toBe(true);
    expect(fmipv6Enabled(config({ agent: { fmipv6: { enabled: false } } }))).toBe(false);
    expect(fmipv6Enabled(config({ agent: {} }))).toBe(false);
    expect(fmipv6Enabled(config({ roles: ['par', 'nar', 'router'], agent: { fmipv6: {} } }))).toBe(false);
  });
});

describe('the PAR neighbour map from the lab AP table', () => {
  it('lists the other NARs APs as neighbours, its own as own, and leaves out routers that are no NAR', () => {
    const ctx = { config: config({ node: 'ar1', roles: ['par', 'nar', 'router'], aps: APS }) } as RoleContext;
    const map = neighbourMapFromLab(ctx, {});
    expect(map.lookup('02:aa:00:00:00:02')).toMatchObject({
      kind: 'neighbour',
      ap: {
        narAddress: 'fd00:f:1:a2::1',
        narPrefix: 'fd00:f:1:a2::',
        narPrefixLength: 64,
        narLinkLayerAddress: '02:00:00:00:02:01',
      },
    });
    expect(map.lookup('02:aa:00:00:00:01').kind).toBe('own');
    expect(map.lookup('02:aa:00:00:00:00').kind).toBe('unknown'); // the home agent's AP
    expect(
      neighbourMapFromLab(ctx, { pointToPoint: { pool: 'fd00::', poolLength: 56, prefixLength: 64 } }).neighbours()[0]!
        .pointToPoint,
    ).toBe(true);
  });
});
