import { describe, expect, test } from 'vitest';
import { LABEL_LAB, LABEL_NODE, labStateDir } from '../names.js';
import type { ResolvedNode } from '../topology/types.js';
import { IDLE_COMMAND, containerSpec, creationSysctls } from './docker.js';

const node = (extra: Partial<ResolvedNode> = {}): ResolvedNode => ({
  name: 'r1',
  roles: ['router'],
  interfaces: [],
  routes: [],
  sysctls: {},
  routerAdvertisements: [],
  agent: {},
  ...extra,
});

describe('containerSpec', () => {
  test('no Docker network, the lab in labels, tun and the capabilities links need', () => {
    const s = containerSpec('lab1', node(), 'mipshop-lab/agent:abc');
    expect(s.name).toBe('mlab-lab1-r1');
    expect(s.Image).toBe('mipshop-lab/agent:abc');
    expect(s.Cmd).toEqual(IDLE_COMMAND);
    expect(s.Labels).toEqual({ [LABEL_LAB]: 'lab1', [LABEL_NODE]: 'r1' });
    expect(s.HostConfig?.NetworkMode).toBe('none');
    expect(s.HostConfig?.CapAdd).toEqual(['NET_ADMIN', 'NET_RAW']);
    expect(s.HostConfig?.Devices?.[0]?.PathOnHost).toBe('/dev/net/tun');
    expect(s.HostConfig?.ReadonlyPaths).not.toContain('/proc/sys');
    expect(s.HostConfig?.Binds).toEqual([`${labStateDir('lab1')}:${labStateDir('lab1')}`]);
  });

  test('a node on its own image keeps its command, or the image CMD when it names none', () => {
    const own = containerSpec('l', node({ image: 'debian:srv', command: ['dnsmasq', '-d'] }), 'agent');
    expect(own.Image).toBe('debian:srv');
    expect(own.Cmd).toEqual(['dnsmasq', '-d']);
    expect(containerSpec('l', node({ image: 'debian:srv' }), 'agent').Cmd).toBeUndefined();
  });

  test('shared directories are mounted at the same absolute path, once', () => {
    const s = containerSpec('l', node(), 'a', ['/tmp/out', '/tmp/out', labStateDir('l')]);
    expect(s.HostConfig?.Binds).toEqual([`${labStateDir('l')}:${labStateDir('l')}`, '/tmp/out:/tmp/out']);
  });
});

describe('creationSysctls', () => {
  test('IPv6 on, and only keys that exist before the links do', () => {
    const s = creationSysctls(
      node({
        sysctls: {
          'net.ipv6.conf.all.forwarding': '1',
          'net.ipv6.conf.eth1.accept_ra': '2',
          'net.ipv6.neigh.eth1.retrans_time_ms': '100',
          'net.ipv6.conf.default.accept_dad': '0',
          'kernel.pid_max': '100000',
        },
      }),
    );
    expect(s).toEqual({
      'net.ipv6.conf.all.disable_ipv6': '0',
      'net.ipv6.conf.default.disable_ipv6': '0',
      'net.ipv6.conf.lo.disable_ipv6': '0',
      'net.ipv6.conf.all.forwarding': '1',
      'net.ipv6.conf.default.accept_dad': '0',
    });
  });
});
