// The smoke lab on the netns runtime: impaired links behave as configured, the mobile node's
// move is a real carrier loss and a new SLAAC address from the second AP, and every pcap decodes cleanly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/analysis/pcap/read.js';
import { decodeFrames } from '../../src/analysis/frames.js';
import { tcpdumpArgs } from '../../src/lab/capture/tcpdump.js';
import { Lab, type StartedLab } from '../../src/lab/lab.js';
import type { RunResult } from '../../src/lab/run.js';
import { binomialInterval } from '../support/binomial.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'tcpdump', 'tshark', 'ping'] });
const SMOKE = path.resolve('topologies/smoke.yaml');

describe.skipIf(missing)('smoke lab (netns)', () => {
  let lab: StartedLab;
  const out = mkdtempSync(path.join(tmpdir(), 'mlab-smoke-'));

  beforeAll(async () => {
    lab = await Lab.up(SMOKE, { name: uniqueLabName('smk'), outDir: out });
  });
  afterAll(async () => {
    await lab?.down();
  });

  it('a ping across one impaired link shows the configured RTT (2 x 20 ms) within ±20 %', async () => {
    const r1 = lab.lab.nodes.find((n) => n.name === 'r1')!;
    const link = lab.lab.links.find((l) => l.a.node === 'cn' || l.b.node === 'cn')!;
    const routerEnd = link.a.node === 'r1' ? link.a : link.b;
    const addr = r1.interfaces.find((i) => i.name === routerEnd.iface)!.addresses[0]!.split('/')[0]!;
    const p = await lab.node('cn').exec(['ping', '-6', '-c', '21', '-i', '0.05', addr], { reject: false });
    // The median of the replies after the first (which also waits for neighbour discovery): a loaded
    // machine (or user-mode-linux's one virtual CPU) only ever adds lateness to a few of them.
    const rtts = [...p.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).slice(1);
    expect(rtts.length, p.stdout + p.stderr).toBeGreaterThanOrEqual(15);
    rtts.sort((x, y) => x - y);
    const median = rtts[Math.floor(rtts.length / 2)]!;
    console.log(
      `smoke RTT (${lab.impairedLinks.relay ? 'relay' : 'netem'} path): median ${median} ms, min ${rtts[0]}, max ${rtts.at(-1)}`,
    );
    expect(median).toBeGreaterThan(40 * 0.8);
    expect(median).toBeLessThan(40 * 1.2);
  });

  it('over 1000 echo requests, the one-way loss of a 1 % link lies in the binomial 99 % interval', async () => {
    const r1 = lab.lab.nodes.find((n) => n.name === 'r1')!;
    const link = lab.lab.links.find((l) => l.a.node === 'cn' || l.b.node === 'cn')!;
    const cnEnd = link.a.node === 'cn' ? link.a : link.b;
    const routerEnd = link.a.node === 'r1' ? link.a : link.b;
    const addr = r1.interfaces.find((i) => i.name === routerEnd.iface)!.addresses[0]!.split('/')[0]!;
    // Requests sent: ping's own count. Requests arrived: r1's capture. (A capture on cn's interface
    // sees a frame after the egress qdisc, so on the netem path it never sees netem's losses.)
    const dir = mkdtempSync(path.join(tmpdir(), 'mlab-loss-'));
    const filter = 'icmp6 and ip6[40] == 128';
    // tcpdumpArgs has --immediate-mode: without it the last packets wait in a kernel block at SIGINT.
    const capA = lab
      .node('cn')
      .spawn([...tcpdumpArgs(cnEnd.iface, `${dir}/tx.pcap`), filter], { stderrFile: `${dir}/tx.err` });
    const capB = lab
      .node('r1')
      .spawn([...tcpdumpArgs(routerEnd.iface, `${dir}/rx.pcap`), filter], { stderrFile: `${dir}/rx.err` });
    await new Promise((r) => setTimeout(r, 1000));
    const p = await lab
      .node('cn')
      .exec(['ping', '-6', '-c', '1000', '-i', '0.005', '-q', addr], { reject: false, timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 500));
    capA.kill('SIGINT');
    capB.kill('SIGINT');
    await Promise.all([capA.exited, capB.exited]);
    const sent = /(\d+) packets transmitted/.exec(p.stdout);
    expect(sent, p.stdout + p.stderr).not.toBeNull();
    const tx = Number(sent![1]);
    const captured = (await readCapture(`${dir}/tx.pcap`)).length;
    const rx = (await readCapture(`${dir}/rx.pcap`)).length;
    expect(tx).toBe(1000);
    const path_ = lab.impairedLinks;
    console.log(
      `smoke loss (${path_.relay ? 'relay' : 'netem'} path): ${tx - rx} of ${tx} requests lost; cn's capture saw ${captured}`,
    );
    // On the relay path the loss happens after cn's interface, so its capture sees every request.
    if (path_.relay) expect(captured).toBe(tx);
    const [lo, hi] = binomialInterval(1000, 0.01, 0.99);
    expect(tx - rx).toBeGreaterThanOrEqual(lo);
    expect(tx - rx).toBeLessThanOrEqual(hi);
  });

  it('detach is a carrier loss; attach to ap2 brings a new address from ap2 by SLAAC', async () => {
    const ap2 = lab.lab.aps.find((a) => a.name === 'ap2')!;
    const prefix = ap2.prefix.split('::/')[0]!;
    const carrier = async () =>
      (await lab.node('mn').exec(['cat', '/sys/class/net/wlan0/carrier'], { reject: false })).stdout.trim();
    expect(await carrier()).toBe('1');
    await lab.l2.detach('mn');
    expect(await carrier()).not.toBe('1');
    const link = await lab.node('mn').exec(['ip', 'link', 'show', 'wlan0']);
    expect(link.stdout).toContain('NO-CARRIER');
    await lab.l2.attach('mn', 'ap2');
    expect(await carrier()).toBe('1');
    let got = '';
    for (let i = 0; i < 40 && !got; i++) {
      const a = await lab.node('mn').exec(['ip', '-6', '-o', 'addr', 'show', 'dev', 'wlan0', 'scope', 'global']);
      got = a.stdout.split('\n').find((l) => l.includes(prefix)) ?? '';
      if (!got) await new Promise((r) => setTimeout(r, 50));
    }
    expect(got, `no address from ${ap2.prefix} on mn`).not.toBe('');
  });
});

describe.skipIf(missing)('smoke lab run (netns)', () => {
  it('runs the scenario, writes results.json and pcaps that tshark reads with no malformed packet', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-smokerun-'));
    const lab = await Lab.up(SMOKE, { name: uniqueLabName('smr'), outDir: out });
    let result: RunResult;
    try {
      result = await lab.run();
    } finally {
      await lab.down();
    }
    const r = result.results;
    expect(r.handovers).toHaveLength(1);
    const h = r.handovers[0]!;
    expect(h.node).toBe('mn');
    expect(h.fromAp).toBe('ap1');
    expect(h.toAp).toBe('ap2');
    // The gap is measured from the applied carrier changes (scheduled 100 ms apart; a loaded machine
    // applies either late), and it is exactly attach - detach.
    expect(h.l2GapMs).toBeGreaterThan(20);
    expect(h.l2GapMs).toBeLessThan(300);
    expect(h.l2GapMs).toBeCloseTo(Number(BigInt(h.attachNs) - BigInt(h.detachNs)) / 1e6, 2);
    const flow = r.flows[0]!;
    expect(flow.sent).toBeGreaterThan(150);
    expect(flow.received).toBeGreaterThan(0);
    const pcaps = readdirSync(path.join(out, 'pcap')).filter((f) => f.endsWith('.pcap'));
    expect(pcaps.length).toBe(lab.lab.capture.length);
    for (const f of pcaps) {
      const file = path.join(out, 'pcap', f);
      const bad = execFileSync(
        'tshark',
        ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity == error', '-T', 'fields', '-e', 'frame.number'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      expect(bad.trim(), `${f}: malformed or error frames`).toBe('');
      const d = decodeFrames(await readCapture(file));
      expect(d.stats.malformed, f).toBe(0);
    }
    expect(result.passed, JSON.stringify(r.expectations)).toBe(true);
  });
});
