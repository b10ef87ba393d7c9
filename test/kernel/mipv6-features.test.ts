// The Mobile IPv6 lab on a kernel that lacks what the host kernel has (nftables' ip6 family,
// optimistic DAD) and has what it lacks (IPv6 mobility): the agents detect both at run time, say so
// in their logs, and carry on; the kernel's MIP6 code drops HAO/RH2 packets without a Parameter
// Problem. Runs in the kernel tier (docs/kernel-tier.md) only. Registration inside UML is not judged
// here yet (docs/kernel-tier.md, "Mobile IPv6 inside UML").
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelCaps } from '../../src/lab/kernel.js';
import { Lab } from '../../src/lab/lab.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'tcpdump', 'tshark'] });
const MIPV6 = path.resolve('topologies/mipv6.yaml');

describe.skipIf(missing)('Mobile IPv6 lab on a kernel with MIP6 and without nft ip6 / optimistic DAD', () => {
  it('agents detect the missing features, log them, and no capture holds a Parameter Problem', async () => {
    const { caps } = await kernelCaps();
    expect(
      [caps.mip6, caps.nftables, caps.optimisticDad],
      'needs the kernel tier (make test-kernel): MIP6, no nft ip6, no optimistic DAD',
    ).toEqual([true, false, false]);
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-mipk-'));
    const lab = await Lab.up(MIPV6, { name: uniqueLabName('mipk'), outDir: out });
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
        .map((l) => JSON.parse(l) as { event: string; reason?: string });
    const mn = events('mn');
    const ha = events('ha');
    expect(mn.some((e) => e.event === 'mn.optimistic-dad-unavailable')).toBe(true);
    expect(mn.some((e) => e.event === 'mh.filter-unavailable')).toBe(true);
    expect(ha.some((e) => e.event === 'mh.filter-unavailable')).toBe(true);
    for (const e of [...mn, ...ha]) expect(e.event).not.toBe('agent.start-failed');
    const held = (text: string) => result.results.expectations.find((e) => e.expectation.includes(text));
    console.log(`mipv6 in UML: ${result.results.expectations.map((e) => `${e.expectation}=${e.held}`).join('; ')}`);
    expect(held('Parameter Problem')?.held).toBe(true);
    expect(held('agent bugs')?.held).toBe(true);
    expect(held('malformed')?.held).toBe(true);
    expect(held('address from ap1')?.held).toBe(true);
    expect(held('address from ap2')?.held).toBe(true);
  });
});
