import { describe, expect, it } from 'vitest';
import type { AgentAccessPoint } from '../agent/config.js';
import { routerPeerKeys } from './agent-config.js';

const ap = (name: string, router: string, address: string, roles: string[]): AgentAccessPoint => ({
  name,
  bssid: '02:aa:00:00:00:01',
  router,
  routerIface: name,
  prefix: 'fd00::/64',
  routerAddress: address,
  routerMac: '02:00:00:00:00:01',
  routerRoles: roles,
});

describe('router pair keys (RFC 5568 §7 PAR-NAR association, made by the lab)', () => {
  it('one fresh key and SPI per pair of FMIPv6 routers, the same in both configs; none for other routers', () => {
    let n = 0;
    const keys = routerPeerKeys(
      [
        ap('ap1', 'ar1', 'fd00:1::1', ['par', 'nar', 'router']),
        ap('ap1b', 'ar1', 'fd00:1b::1', ['par', 'nar', 'router']),
        ap('ap2', 'ar2', 'fd00:2::1', ['par', 'nar', 'router']),
        ap('ap3', 'ar3', 'fd00:3::1', ['nar', 'router']),
        ap('home', 'ha', 'fd00:9::1', ['home-agent', 'router']),
      ],
      (len) => Buffer.alloc(len, ++n),
    );
    expect([...keys.keys()]).toEqual(['ar1', 'ar2', 'ar3']);
    expect(keys.get('ar1')!.map((p) => [p.node, p.address, p.spi])).toEqual([
      ['ar2', 'fd00:2::1', 256],
      ['ar3', 'fd00:3::1', 257],
    ]);
    const k12 = keys.get('ar1')![0]!.key;
    expect(keys.get('ar2')!.find((p) => p.node === 'ar1')).toEqual({
      node: 'ar1',
      address: 'fd00:1::1',
      spi: 256,
      key: k12,
    });
    expect(new Set([k12, keys.get('ar1')![1]!.key, keys.get('ar2')![1]!.key]).size).toBe(3);
    expect(k12).toHaveLength(64);
  });
});
