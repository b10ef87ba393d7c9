// The Mobile IPv6 lab on a kernel that lacks what the host kernel has (nftables' ip6 family,
// optimistic DAD) and has what it lacks (IPv6 mobility): the agents detect both at run time, say so
// in their logs, and the mobile node still registers after each move, with traffic to and from its
// home address resuming each time; the kernel's MIP6 code drops HAO/RH2 packets without a Parameter
// Problem. Runs in the kernel tier (docs/kernel-tier.md) only, on test/fixtures/mipv6-kernel-tier.yaml
// (the mipv6 lab with 12 s per link and light traffic: one virtual CPU).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelCaps } from '../../src/lab/kernel.js';
import { Lab } from '../../src/lab/lab.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'tcpdump', 'tshark'] });
const LAB = path.resolve('test/fixtures/mipv6-kernel-tier.yaml');

describe.skipIf(missing)('Mobile IPv6 lab on a kernel with MIP6 and without nft ip6 / optimistic DAD', () => {
  it('agents detect the missing features; mn registers after each move and its flows resume', async () => {
    const { caps } = await kernelCaps();
    expect(
      [caps.mip6, caps.nftables, caps.optimisticDad],
      'needs the kernel tier (make test-kernel): MIP6, no nft ip6, no optimistic DAD',
    ).toEqual([true, false, false]);
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-mipk-'));
    const lab = await Lab.up(LAB, { name: uniqueLabName('mipk'), outDir: out });
    let result: Awaited<ReturnType<typeof lab.run>>;
    try {
      result = await lab.run();
    } finally {
      await lab.down();
    }
    const events = (node: string) =>
      readFileSync(path.join(out, 'logs', `${node}-agent.log`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event: string; careOfAddress?: string; status?: number; lifetimeS?: number });
    const mn = events('mn');
    const ha = events('ha');
    expect(mn.some((e) => e.event === 'mn.optimistic-dad-unavailable')).toBe(true);
    expect(mn.some((e) => e.event === 'mh.filter-unavailable')).toBe(true);
    expect(ha.some((e) => e.event === 'mh.filter-unavailable')).toBe(true);
    for (const e of [...mn, ...ha]) expect(e.event).not.toBe('agent.start-failed');
    // A binding for a care-of address of ap1 and one of ap2 (RFC 6275 §11.7.1), each accepted.
    const registered = mn.filter((e) => e.event === 'mn.registered').map((e) => e.careOfAddress ?? '');
    const prefixes = Object.fromEntries(result.results.handovers.map((h) => [h.toAp, h]));
    console.log(
      `mipv6 in UML: registered ${registered.join(', ')}; handovers ${result.results.handovers
        .map((h) => `${h.fromAp}->${h.toAp} interruption ${h.interruptionMs} ms lost ${h.lost}`)
        .join('; ')}; ${result.results.expectations.map((e) => `${e.expectation}=${e.held}`).join('; ')}`,
    );
    expect(Object.keys(prefixes).sort()).toEqual(['ap1', 'ap2', 'home']);
    const ap = (name: string) => lab.lab.aps.find((a) => a.name === name)!.prefix.split('::/')[0]!;
    expect(registered.some((a) => a.startsWith(`${ap('ap1')}:`))).toBe(true);
    expect(registered.some((a) => a.startsWith(`${ap('ap2')}:`))).toBe(true);
    // Every registration BA accepted it; back home the deregistration ends the binding (a
    // retransmitted deregistration BU finds none and gets 133, RFC 6275 §10.3.2: still deregistered).
    const bas = mn.filter((e) => e.event === 'mn.ba-received');
    expect(bas.filter((e) => (e.lifetimeS ?? 0) > 0).every((e) => e.status === 0)).toBe(true);
    expect(mn.some((e) => e.event === 'mn.deregistered')).toBe(true);
    expect(result.passed, JSON.stringify(result.results.expectations)).toBe(true);
  });
});
