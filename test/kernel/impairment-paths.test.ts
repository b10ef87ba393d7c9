// One lab, two ways of impairing its links: sch_netem qdiscs and the userspace relay give the same
// verdicts. Runs in the kernel tier (docs/kernel-tier.md), on a kernel with sch_netem: inside UML.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelCaps } from '../../src/lab/kernel.js';
import { Lab } from '../../src/lab/lab.js';
import { nodeNetns } from '../../src/lab/names.js';
import type { RunResult } from '../../src/lab/run.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'tc', 'tcpdump', 'ping'] });
const SMOKE = path.resolve('topologies/smoke.yaml');

interface PathRun {
  /** min and median RTT of ping's replies, ms. */
  rttMinMs: number;
  rttMs: number;
  qdisc: string;
  netemLinks: string[];
  relay: boolean;
  result: RunResult;
}

async function smokeOn(impairments: 'netem' | 'relay'): Promise<PathRun> {
  const out = mkdtempSync(path.join(tmpdir(), `mlab-path-${impairments}-`));
  const lab = await Lab.up(SMOKE, { name: uniqueLabName('pth'), outDir: out, impairments });
  try {
    const link = lab.lab.links.find((l) => l.a.node === 'cn' || l.b.node === 'cn')!;
    const cnEnd = link.a.node === 'cn' ? link.a : link.b;
    const r1End = link.a.node === 'r1' ? link.a : link.b;
    const r1 = lab.lab.nodes.find((n) => n.name === 'r1')!;
    const addr = r1.interfaces.find((i) => i.name === r1End.iface)!.addresses[0]!.split('/')[0]!;
    const qdisc = execFileSync('tc', ['-n', nodeNetns(lab.lab.name, 'cn'), 'qdisc', 'show', 'dev', cnEnd.iface], {
      encoding: 'utf8',
    });
    // First until one reply comes back: r1's address may still be tentative (DAD) and the neighbour
    // unresolved, and ping's requests queued behind that are not the link's delay.
    const warm = await lab.node('cn').exec(['ping', '-6', '-c', '1', '-w', '10', addr], { reject: false });
    expect(warm.stdout, warm.stdout + warm.stderr).toMatch(/time=/);
    const p = await lab.node('cn').exec(['ping', '-6', '-c', '21', '-i', '0.05', addr], { reject: false });
    // Sorted: min and median.
    const rtts = [...p.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
    expect(rtts.length, p.stdout + p.stderr).toBeGreaterThanOrEqual(15);
    rtts.sort((x, y) => x - y);
    const { netemLinks, relay } = lab.impairedLinks;
    const result = await lab.run();
    return { rttMinMs: rtts[0]!, rttMs: rtts[Math.floor(rtts.length / 2)]!, qdisc, netemLinks, relay, result };
  } finally {
    await lab.down();
  }
}

describe.skipIf(missing)('impairment paths: netem and relay (kernel tier)', () => {
  it('the smoke lab gives the same verdicts with netem qdiscs as through the relay', async () => {
    const { caps } = await kernelCaps();
    expect(caps.netem, 'this test needs sch_netem: run it in the kernel tier (make test-kernel)').toBe(true);
    const netem = await smokeOn('netem');
    const relay = await smokeOn('relay');
    for (const [name, r] of [
      ['netem', netem],
      ['relay', relay],
    ] as const) {
      console.log(
        `${name} path: RTT min ${r.rttMinMs} median ${r.rttMs} ms; verdicts ${r.result.results.expectations.map((e) => `${e.expectation}=${e.held}`).join(', ')}`,
      );
    }
    // Each ran the way it was asked to: netem qdiscs on both impaired links and no relay, or the reverse.
    expect(netem.relay).toBe(false);
    expect(netem.netemLinks).toHaveLength(2);
    expect(netem.qdisc).toMatch(/qdisc netem .*delay 20ms loss 1%/);
    expect(relay.relay).toBe(true);
    expect(relay.netemLinks).toEqual([]);
    expect(relay.qdisc).not.toContain('netem');
    // netem gives the configured RTT (2 x 20 ms, ±20 %) across one impaired link. The relay is a
    // process on UML's one virtual CPU, shared with the lab: inside UML it is only shown to delay
    // (never early), its precision is judged on the host (test/integration/impairment.test.ts).
    expect(netem.rttMs).toBeGreaterThan(40 * 0.8);
    expect(netem.rttMs).toBeLessThan(40 * 1.2);
    expect(relay.rttMinMs).toBeGreaterThan(40 * 0.95);
    // The same verdicts, expectation by expectation, and the same handover.
    const verdicts = (r: PathRun) => r.result.results.expectations.map((e) => [e.expectation, e.held]);
    expect(verdicts(netem)).toEqual(verdicts(relay));
    expect(netem.result.passed).toBe(relay.result.passed);
    expect(netem.result.passed).toBe(true);
    const handovers = (r: PathRun) => r.result.results.handovers.map((h) => [h.node, h.fromAp, h.toAp]);
    expect(handovers(netem)).toEqual(handovers(relay));
    for (const r of [netem, relay]) expect(r.result.results.flows[0]!.received).toBeGreaterThan(0);
  });
});
