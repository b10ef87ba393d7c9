// Impairments on the real kernel. This machine has no sch_netem, so links go through the userspace
// relay (forced with caps.netem=false everywhere, so the test means the same on any kernel).
import { afterAll, describe, expect, test } from 'vitest';
import { cleanupLab } from '../../src/lab/cleanup.js';
import { nsExec, run } from '../../src/lab/exec.js';
import { addLink, addNode, emptyLab, impairment } from '../../src/lab/net/fixtures.js';
import { downNetwork, upNetwork, type LabNetwork } from '../../src/lab/net/network.js';
import { kernelCaps } from '../../src/lab/kernel.js';
import { NetnsRuntime } from '../../src/lab/runtime/netns.js';
import type { Impairment } from '../../src/lab/topology/types.js';
import { uniqueLabName } from '../support/lab-names.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'ping', 'iperf3', 'ethtool'] });
const labs: string[] = [];
afterAll(async () => {
  for (const l of labs) await cleanupLab(l);
});

async function twoNodes(ab: Impairment, ba: Impairment): Promise<LabNetwork> {
  const lab = emptyLab(uniqueLabName());
  labs.push(lab.name);
  addNode(lab, 'a');
  addNode(lab, 'b');
  addLink(lab, 'a', 'b', '2001:db8:0:1', { ab, ba });
  const caps = { ...(await kernelCaps()).caps, netem: false };
  return upNetwork(lab, new NetnsRuntime(), { caps });
}

const ns = (net: LabNetwork, node: string) => net.nodes.get(node)!.netns;

/** Smallest k with P(X <= k) >= p for X ~ Binomial(n, q). */
function binomialQuantile(n: number, q: number, p: number): number {
  let pmf = (1 - q) ** n;
  let cdf = pmf;
  let k = 0;
  while (cdf < p && k < n) {
    pmf *= ((n - k) / (k + 1)) * (q / (1 - q));
    k++;
    cdf += pmf;
  }
  return k;
}

describe.skipIf(skip)('userspace impairment relay', () => {
  test('20 ms each way gives an RTT of 40 ms +-20 %, and the relay counts every frame', async () => {
    const net = await twoNodes(impairment({ delayMs: 20 }), impairment({ delayMs: 20 }));
    expect(net.impairments.relay).not.toBeNull();
    // The link really goes through the air: a's eth1 peer is in the air namespace.
    const r = await nsExec(ns(net, 'a'), ['ping', '-c', '21', '-i', '0.05', '-W', '2', '2001:db8:0:1::2']);
    const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
    expect(rtts.length).toBe(21);
    const steady = rtts.slice(1).sort((x, y) => x - y); // the first also waits for neighbour discovery
    const median = steady[10]!;
    console.log(`relay 20 ms each way: RTT median ${median} ms, min ${steady[0]}, max ${steady.at(-1)}`);
    expect(median).toBeGreaterThan(40 * 0.8);
    expect(median).toBeLessThan(40 * 1.2);
    expect(steady[0]).toBeGreaterThanOrEqual(39); // never early by more than the 0.5 ms send margin
    const c = await downNetworkCounters(net);
    const l0 = c.links.l0!;
    const late = (d: typeof l0.ab) => `mean ${(d.lateMsSum / d.timed).toFixed(2)} ms, max ${d.lateMsMax.toFixed(2)} ms`;
    console.log(`relay timing: a->b ${late(l0.ab)}; b->a ${late(l0.ba)}`);
    expect(l0.ab.timed).toBe(l0.ab.out);
    expect(l0.ab.lateMsSum / l0.ab.timed).toBeGreaterThanOrEqual(-0.5);
    expect(l0.ab.in).toBeGreaterThanOrEqual(21);
    expect(l0.ab.out).toBe(l0.ab.in);
    expect(l0.ba.out).toBe(l0.ba.in);
  });

  test('1 % loss each way: lost pings out of 1000 fall in the binomial 99 % interval', async () => {
    const net = await twoNodes(impairment({ lossPct: 1 }), impairment({ lossPct: 1 }));
    // Neighbour discovery first, so only the echo exchange is counted.
    await nsExec(ns(net, 'a'), ['ping', '-c', '3', '-i', '0.1', '-W', '1', '2001:db8:0:1::2'], { reject: false });
    const r = await nsExec(ns(net, 'a'), ['ping', '-q', '-c', '1000', '-i', '0.002', '-W', '1', '2001:db8:0:1::2'], {
      reject: false,
    });
    const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    expect(m).not.toBeNull();
    const lost = Number(m![1]) - Number(m![2]);
    const q = 1 - 0.99 * 0.99;
    const lo = binomialQuantile(1000, q, 0.005);
    const hi = binomialQuantile(1000, q, 0.995);
    console.log(`1 % loss each way: ${lost} of 1000 pings lost (99 % interval ${lo}..${hi})`);
    expect(lost).toBeGreaterThanOrEqual(lo);
    expect(lost).toBeLessThanOrEqual(hi);
    const c = await downNetworkCounters(net);
    const l0 = c.links.l0!;
    expect(l0.ab.droppedLoss + l0.ba.droppedLoss).toBeGreaterThan(0);
    expect(l0.ab.in).toBe(l0.ab.out + l0.ab.droppedLoss);
  });

  test('jitter: 20 ms +- 10 ms uniform a->b spreads RTTs over 10..30 ms', async () => {
    const net = await twoNodes(impairment({ delayMs: 20, jitterMs: 10 }), impairment({}));
    const r = await nsExec(ns(net, 'a'), ['ping', '-c', '41', '-i', '0.05', '-W', '2', '2001:db8:0:1::2']);
    const rtts = [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).slice(1);
    rtts.sort((x, y) => x - y);
    const [min, p10, p90] = [rtts[0]!, rtts[4]!, rtts[35]!];
    console.log(`jitter 20+-10 ms: RTT min ${min}, p10 ${p10}, p90 ${p90}, max ${rtts.at(-1)} ms`);
    expect(min).toBeGreaterThanOrEqual(9.5); // never earlier than delay - jitter (0.5 ms send margin)
    // Uniform over 10..30 ms: p10 near 12, p90 near 28 (a loaded machine only adds lateness).
    expect(p10).toBeLessThan(17);
    expect(p90).toBeGreaterThan(23);
    expect(p90).toBeLessThan(34);
    await downNetwork(net);
  });

  test('10 % duplication a->b: duplicated echo replies out of 300 fall in the binomial 99 % interval', async () => {
    const net = await twoNodes(impairment({ duplicatePct: 10 }), impairment({}));
    await nsExec(ns(net, 'a'), ['ping', '-c', '2', '-i', '0.1', '-W', '1', '2001:db8:0:1::2'], { reject: false });
    const before = (await net.impairments.relay!.counters()).links.l0!.ab.duplicated;
    const r = await nsExec(ns(net, 'a'), ['ping', '-c', '300', '-i', '0.005', '-W', '1', '2001:db8:0:1::2']);
    const dups = (r.stdout.match(/DUP!/g) ?? []).length;
    const counted = (await net.impairments.relay!.counters()).links.l0!.ab.duplicated - before;
    const lo = binomialQuantile(300, 0.1, 0.005);
    const hi = binomialQuantile(300, 0.1, 0.995);
    console.log(
      `10 % duplication: ${dups} of 300 replies duplicated (99 % interval ${lo}..${hi}); relay counted ${counted}`,
    );
    expect(dups).toBeGreaterThanOrEqual(lo);
    expect(dups).toBeLessThanOrEqual(hi);
    // Every request the relay doubled came back twice (nothing else on the link is doubled here).
    expect(dups).toBeLessThanOrEqual(counted);
    await downNetwork(net);
  });

  test('rate 10 mbit: iperf3 TCP goodput within +-15 %', async () => {
    const net = await twoNodes(impairment({ rateBps: 10e6 }), impairment({ rateBps: 10e6 }));
    const server = net.runtime.spawn(net.nodes.get('b')!, ['iperf3', '-s', '-1', '-B', '2001:db8:0:1::2']);
    try {
      await waitForListen(ns(net, 'b'), 5201);
      const r = await nsExec(ns(net, 'a'), ['iperf3', '-c', '2001:db8:0:1::2', '-t', '4', '-O', '1', '-J']);
      const bps = (JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received
        .bits_per_second;
      console.log(`rate 10 mbit: iperf3 TCP ${(bps / 1e6).toFixed(2)} Mbit/s`);
      expect(bps).toBeGreaterThan(10e6 * 0.85);
      expect(bps).toBeLessThan(10e6 * 1.15);
    } finally {
      server.kill('SIGKILL');
      await downNetwork(net);
    }
  });

  test('throughput of the relay (frames/s, reported)', async () => {
    // A loss of 1e-6 % keeps the link on the relay while nearly every frame takes the immediate path.
    const net = await twoNodes(impairment({ lossPct: 1e-6 }), impairment({ lossPct: 1e-6 }));
    const server = net.runtime.spawn(net.nodes.get('b')!, ['iperf3', '-s', '-B', '2001:db8:0:1::2']);
    try {
      await waitForListen(ns(net, 'b'), 5201);
      const r = await nsExec(ns(net, 'a'), [
        'iperf3',
        '-c',
        '2001:db8:0:1::2',
        '-u',
        '-b',
        '0',
        '-l',
        '64',
        '-t',
        '3',
        '-J',
      ]);
      const end = (JSON.parse(r.stdout) as { end: { sum: { packets: number; lost_packets: number; seconds: number } } })
        .end.sum;
      const delivered = (end.packets - end.lost_packets) / end.seconds;
      const tcp = await nsExec(ns(net, 'a'), ['iperf3', '-c', '2001:db8:0:1::2', '-t', '3', '-J'], { reject: false });
      const tcpBps =
        (JSON.parse(tcp.stdout) as { end?: { sum_received?: { bits_per_second: number } } }).end?.sum_received
          ?.bits_per_second ?? 0;
      console.log(
        `relay throughput: ${Math.round(delivered)} frames/s delivered (UDP 64 B), offered ${Math.round(end.packets / end.seconds)}/s; TCP ${(tcpBps / 1e6).toFixed(0)} Mbit/s`,
      );
      expect(delivered).toBeGreaterThan(1000);
      expect(tcpBps).toBeGreaterThan(10e6);
    } finally {
      server.kill('SIGKILL');
      await downNetwork(net);
    }
  });
});

async function downNetworkCounters(net: LabNetwork) {
  const c = await net.impairments.relay!.counters();
  await downNetwork(net);
  return c;
}

async function waitForListen(netns: string, port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await run(['ip', 'netns', 'exec', netns, 'ss', '-Hltn', `sport = :${port}`], { reject: false });
    if (r.stdout.trim()) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`nothing listens on ${port} in ${netns}`);
}
