import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../agent/config.js';
import { agentAccessPoints, agentConfigFromNode, resolveNodeNames } from './agent-config.js';
import { controlSocketPath } from './names.js';
import type { ResolvedNode } from './topology/types.js';

describe('the agent config the lab writes', () => {
  it('agentAccessPoints takes each AP router interface address and MAC', () => {
    const lab = {
      aps: [{ name: 'ap1', router: 'ar1', routerIface: 'ap1', prefix: 'fd00:f:1:a1::/64', bssid: '02:aa:00:00:00:01' }],
      nodes: [
        {
          name: 'ar1',
          roles: ['par', 'router'],
          interfaces: [{ name: 'ap1', kind: 'ap', mac: '02:00:00:00:01:01', addresses: ['fd00:f:1:a1::1/64'] }],
        },
      ],
    };
    expect(agentAccessPoints(lab as never)).toEqual([
      {
        name: 'ap1',
        bssid: '02:aa:00:00:00:01',
        router: 'ar1',
        routerIface: 'ap1',
        prefix: 'fd00:f:1:a1::/64',
        routerAddress: 'fd00:f:1:a1::1',
        routerMac: '02:00:00:00:01:01',
        routerRoles: ['par', 'router'],
      },
    ]);
  });

  it('agentConfigFromNode writes what the agent reads back, with the lab control socket by default', () => {
    const node: ResolvedNode = {
      name: 'ar1',
      roles: ['access-router', 'router'],
      interfaces: [{ name: 'ap1', kind: 'ap', mac: '02:00:00:00:01:01', addresses: ['fd00:f:1:a1::1/64'], ap: 'ap1' }],
      routes: [],
      sysctls: {},
      routerAdvertisements: [
        { iface: 'ap1', prefix: 'fd00:f:1:a1::/64', minIntervalMs: 30, maxIntervalMs: 70, routerLifetimeS: 1800 },
      ],
      agent: { 'access-router': { maxResponseDelayMs: 5 } },
    };
    const cfg = agentConfigFromNode('l1', node, { statusFile: '/tmp/s.json' });
    expect(cfg.controlSocket).toBe(controlSocketPath('l1', 'ar1'));
    expect(parseAgentConfig(JSON.parse(JSON.stringify(cfg)))).toEqual(cfg);
  });
});

describe('agent.mobile-node.routeOptimisation by node name', () => {
  const nodes = [
    {
      name: 'cn',
      interfaces: [{ name: 'eth1', kind: 'link', mac: '02:00:00:00:00:01', addresses: ['fd00:6:7:1::2/64'] }],
    },
  ] as unknown as ResolvedNode[];

  it('the lab writes the named node’s first global address; addresses stay as written', () => {
    const agent = { 'mobile-node': { homeAddress: 'fd00::100', routeOptimisation: ['cn', 'fd00:9::9'] } };
    expect(resolveNodeNames(agent, nodes)).toEqual({
      'mobile-node': { homeAddress: 'fd00::100', routeOptimisation: ['fd00:6:7:1::2', 'fd00:9::9'] },
    });
    expect(agent['mobile-node'].routeOptimisation[0]).toBe('cn'); // the resolved lab is not changed
    expect(resolveNodeNames({ 'home-agent': {} }, nodes)).toEqual({ 'home-agent': {} });
  });
});
