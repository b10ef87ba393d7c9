// topologies/mipv6.yaml end to end: the mobile node goes home -> ap1 -> ap2 -> home while
// cn runs a constant-rate UDP flow and an iperf3 TCP session to its home address. Checked from
// results.json, the iperf3 report and the pcaps (tshark): every move is survived, each interruption
// stays below L2 gap + movement detection + BU round trip + 30 ms (each piece measured in the
// captures of that handover), BU/BA carry the Home Address option / type 2 routing header, and no
// link carries an ICMPv6 Parameter Problem.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type StartedLab } from '../../src/lab/lab.js';
import { runLab, type RunResult } from '../../src/lab/run.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'tcpdump', 'tshark', 'iperf3'] });
const MIPV6 = path.resolve('topologies/mipv6.yaml');

/** tshark fields of matching frames: one array of field values per frame. */
function tshark(pcap: string, filter: string, fields: string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'));
}

describe.skipIf(missing)('mipv6 lab: home -> ap1 -> ap2 -> home', () => {
  let lab: StartedLab;
  let run: RunResult;
  const out = mkdtempSync(path.join(tmpdir(), 'mlab-mipv6-'));
  const pcap = (name: string) => path.join(out, 'pcap', `${name}.pcap`);

  beforeAll(async () => {
    lab = await Lab.up(MIPV6, { name: uniqueLabName('mip'), outDir: out });
    run = await runLab(lab);
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('the lab passes its own expectations and has three handovers, the UDP flow resuming after each', () => {
    expect(run.results.expectations.filter((e) => !e.held)).toEqual([]);
    expect(run.results.handovers.map((h) => `${h.fromAp}->${h.toAp}`)).toEqual(['home->ap1', 'ap1->ap2', 'ap2->home']);
    for (const h of run.results.handovers) {
      const f = h.flows.find((x) => x.flow === 1)!;
      expect(f.resumed).toBe(true);
      expect(f.interruptionMs).not.toBeNull();
    }
  });

  it('each interruption stays below L2 gap + movement detection + BU round trip + 30 ms, measured in the captures', () => {
    const ms = (s: string) => Number(s) * 1000;
    const ras = tshark(pcap('mn-wlan0'), 'icmpv6.type == 134', ['frame.time_epoch']).map((r) => ms(r[0]!));
    const bus = tshark(pcap('mn-wlan0'), 'mip6.mhtype == 5', ['frame.time_epoch']).map((r) => ms(r[0]!));
    const bas = tshark(pcap('mn-wlan0'), 'mip6.mhtype == 6', ['frame.time_epoch']).map((r) => ms(r[0]!));
    // The node's own view of its carrier (the agent logs the kernel's link events with a wall-clock
    // time): the lab records when its detach/attach batch completed, which under load can be later
    // than the moment the carrier actually went (and the flow stopped).
    const carrier = readFileSync(path.join(out, 'logs', 'mn-agent.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"mn.link-down"') || l.includes('"mn.link-up"'))
      .map((l) => JSON.parse(l) as { time: string; event: string })
      .map((e) => ({ up: e.event === 'mn.link-up', at: Date.parse(e.time) }));
    for (const h of run.results.handovers) {
      const detach = Number(BigInt(h.detachNs) / 1000n) / 1000;
      const down = carrier.find((c) => !c.up && c.at >= detach - 200)!;
      const up = carrier.find((c) => c.up && c.at >= down.at)!;
      expect(down, `carrier loss seen by mn (handover ${h.index})`).toBeDefined();
      expect(up, `carrier back (handover ${h.index})`).toBeDefined();
      const l2Gap = Math.max(h.l2GapMs, up.at - down.at);
      // Movement detection: carrier back to the first RA heard on the new link (the answer to our RS).
      const ra = ras.find((t) => t >= up.at - 1)!;
      // BU round trip: the first BU after the move to the first BA after it.
      const bu = bus.find((t) => t >= up.at - 1)!;
      const ba = bas.find((t) => t >= bu)!;
      expect(ra, `RA after attach (handover ${h.index})`).toBeDefined();
      expect(ba, `BA after the BU (handover ${h.index})`).toBeDefined();
      const bound = l2Gap + (ra - up.at) + (ba - bu) + 30;
      const interruption = h.flows.find((x) => x.flow === 1)!.interruptionMs!;
      console.log(
        `handover ${h.fromAp}->${h.toAp}: interruption ${interruption.toFixed(1)} ms, lost ${h.lost}; bound ${bound.toFixed(1)} ms = L2 gap ${l2Gap.toFixed(1)} (lab ${h.l2GapMs.toFixed(1)}) + detection ${(ra - up.at).toFixed(1)} + BU/BA ${(ba - bu).toFixed(1)} + 30`,
      );
      expect(interruption).toBeLessThan(bound);
    }
  });

  it('the iperf3 TCP session to the home address survives all three moves: no error, bytes after each move', () => {
    const client = JSON.parse(readFileSync(path.join(out, 'logs', 'flow2-iperf3-client.json'), 'utf8')) as {
      error?: string;
      start: { timestamp: { timesecs: number } };
      intervals: { sum: { start: number; end: number; bytes: number } }[];
      end: { sum_sent: { bytes: number } };
    };
    expect(client.error).toBeUndefined();
    const t0 = client.start.timestamp.timesecs * 1000;
    for (const h of run.results.handovers) {
      const attachMs = Number(BigInt(h.attachNs) / 1_000_000n) - t0;
      const after = client.intervals.filter(
        (i) => i.sum.start * 1000 > attachMs + 500 && i.sum.start * 1000 < attachMs + 2500,
      );
      expect(after.length, `intervals after handover ${h.index}`).toBeGreaterThan(0);
      expect(
        after.reduce((n, i) => n + i.sum.bytes, 0),
        `bytes after handover ${h.index}`,
      ).toBeGreaterThan(0);
    }
    expect(client.end.sum_sent.bytes).toBeGreaterThan(1_000_000);
  });

  it('tshark reads the BU with its Home Address option and the BA with its type 2 routing header', () => {
    const mn = lab.lab.nodes.find((n) => n.name === 'mn')!;
    const hoa = (mn.agent['mobile-node'] as { homeAddress: string }).homeAddress;
    const bu = tshark(pcap('ha-eth1'), 'mip6.mhtype == 5 && ipv6.dstopts', [
      'ipv6.src',
      'ipv6.opt.mipv6.home_address',
      'mip6.bu.a_flag',
      'mip6.bu.h_flag',
    ]);
    expect(bu.length).toBeGreaterThanOrEqual(2); // one per registration away from home
    for (const [, home, a, h] of bu) {
      expect(home).toBe(hoa);
      expect([a, h]).toEqual(['1', '1']);
    }
    const ba = tshark(pcap('ha-eth1'), 'mip6.mhtype == 6 && ipv6.routing.type == 2', [
      'ipv6.routing.type',
      'ipv6.routing.mipv6.home_address',
      'mip6.ba.status',
    ]);
    expect(ba.length).toBeGreaterThanOrEqual(2);
    for (const [type, home, status] of ba) {
      expect(type).toBe('2');
      expect(home).toBe(hoa);
      expect(status).toBe('0');
    }
  });

  it('no capture on any link holds an ICMPv6 Parameter Problem (or any ICMPv6 error from our headers)', () => {
    const files = readdirSync(path.join(out, 'pcap')).filter((f) => f.endsWith('.pcap'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files)
      expect(tshark(path.join(out, 'pcap', f), 'icmpv6.type == 4', ['frame.number']), f).toEqual([]);
  });
});
