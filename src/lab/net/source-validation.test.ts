import { describe, expect, test } from 'vitest';
import { addNode, emptyLab } from './fixtures.js';
import { planNetwork } from './network.js';
import { planSourceValidation } from './node-config.js';

const iface = (name: string, kind: 'link' | 'ap' | 'radio' = 'link') => ({
  name,
  kind,
  mac: '02:00:00:00:00:01',
  addresses: [],
});
/** A kernel with every feature the plan can use. */
const FULL = { netem: false, optimisticDad: true, nftFib: true };

describe('source-address validation (BCP 38, strict uRPF) on routers', () => {
  test('a router drops, on its lab interfaces, packets whose route back leaves elsewhere; :: and link-local pass', () => {
    const lab = emptyLab('t');
    const r = addNode(lab, 'ar1', ['par', 'router']);
    r.interfaces.push(iface('eth0'), iface('ap1', 'ap'));
    const argv = planSourceValidation(r, FULL)!;
    expect(argv[0]).toBe('nft');
    expect(argv[1]).toContain('ip6 saddr :: accept');
    expect(argv[1]).toContain('ip6 saddr fe80::/10 accept');
    expect(argv[1]).toContain('iifname { "eth0", "ap1" } fib saddr . iif oif missing counter drop');
    expect(planNetwork(lab, { ...FULL, netem: true })).toContainEqual({ tool: 'exec', ns: expect.any(String), argv });
  });

  test("a home agent's home link is not filtered (RFC 6275 §11.5.4: the returning node's BU has the home address as source)", () => {
    const lab = emptyLab('t');
    const ha = addNode(lab, 'ha', ['home-agent', 'router']);
    ha.interfaces.push(iface('eth0'), iface('home', 'ap'));
    expect(planSourceValidation(ha, FULL)![1]).toContain('iifname { "eth0" }');
  });

  test('hosts, and routers the lab turns it off for, get none', () => {
    const lab = emptyLab('t');
    const h = addNode(lab, 'cn', ['host']);
    h.interfaces.push(iface('eth0'));
    const r = addNode(lab, 'cr', ['router']);
    r.interfaces.push(iface('eth0'));
    r.sourceValidation = false;
    expect(planSourceValidation(h, FULL)).toBeNull();
    expect(planSourceValidation(r, FULL)).toBeNull();
  });

  test('a kernel without nft fib gets none (doctor reports it)', () => {
    const lab = emptyLab('t');
    const r = addNode(lab, 'ar1', ['router']);
    r.interfaces.push(iface('eth0'));
    expect(planSourceValidation(r, { nftFib: false })).toBeNull();
    expect(planSourceValidation(r, FULL)).not.toBeNull();
  });
});
