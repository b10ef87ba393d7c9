// topologies/hmipv6.yaml end to end (RFC 5380): the mobile node moves ap1 -> ap2 inside map1's domain,
// then ap2 -> ap3 into map2's, while cn sends a constant-rate flow to its home address. Checked from
// results.json, the agents' logs and status, and the pcaps (tshark, and our own checksum check, which
// tshark does not do): the intra-domain move sends no BU to the home agent and recovers within L2 gap
// + MN-MAP round trip + 20 ms (the access routers answer an RS by unicast within 2 ms); the inter-domain move forms a new RCoA and registers it with
// the home agent; a forged local BU for the node's RCoA is refused and leaves the MAP's binding as it was.
// cn is a correspondent doing route optimisation with the RCoA as care-of address (RFC 5380 §6.1.1):
// after its first binding the flow never crosses ha's link, mn's uplink leaves from the RCoA through map1, the intra-domain move sends it nothing,
// and the inter-domain move binds the new RCoA there.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/analysis/frames.js';
import { judgeLocalized, type LocalizedContext } from '../../src/analysis/localized.js';
import { readCapture } from '../../src/analysis/pcap/read.js';
import { sendControl } from '../../src/agent/control-client.js';
import { buildMobilityPacket } from '../../src/agent/dataplane/mobility-header-io.js';
import { Lab, type StartedLab } from '../../src/lab/lab.js';
import { controlSocketPath, nodeNetns } from '../../src/lab/names.js';
import { runLab, type RunResult } from '../../src/lab/run.js';
import { native } from '../../src/native/index.js';
import type { Frame } from '../../src/native/types.js';
import { ntpTimestampFromUnixMs, sealWithMnHa } from '../../src/protocols/mipv6/auth.js';
import { inPrefix } from '../../src/wire/address.js';
import { NextHeader } from '../../src/wire/ipv6.js';
import * as mh from '../../src/wire/mh/index.js';
import { parseIpv6Packet } from '../../src/wire/parse.js';
import { uniqueLabName } from '../support/lab-names.js';
import { packetSender, waitFor } from '../support/mipv6-attack.js';
import { checkPrereqs } from '../support/prereq.js';
import { labLayout } from '../../src/lab/analyze.js';
import { runLabFile } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'tcpdump', 'tshark'] });
const HMIPV6 = path.resolve('topologies/hmipv6.yaml');
const HOA = 'fd00:5380:0:100::100';
const MAP1 = 'fd00:5380:0:50::1';
const MAP2 = 'fd00:5380:0:60::1';
const MAP1_PREFIX = 'fd00:5380:0:50::';
const MAP2_PREFIX = 'fd00:5380:0:60::';
const CN = 'fd00:5380:0:1::2';
/** The never-attached node map1 and map2 also serve (the lab's other@hmipv6.lab). */
const OTHER = { nai: 'other@hmipv6.lab', spi: 2001, key: Buffer.from('686d697076362d6d6170206b65792032', 'hex') };

function tshark(pcap: string, filter: string, fields: string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'));
}

interface MapBinding {
  rcoa: string;
  lcoa: string;
  nai: string;
  sequenceNumber: number;
  lifetimeS: number;
}
async function mapStatus(
  lab: StartedLab,
  node: string,
): Promise<{ bindings: MapBinding[]; machine: Record<string, number> }> {
  const r = await sendControl(controlSocketPath(lab.name, node), { op: 'status' });
  if (!r.ok || !('status' in r) || !r.status) throw new Error(`${node} status: ${JSON.stringify(r)}`);
  const s = r.status.state.map as {
    bindingCache: (MapBinding & { remainingS: number })[];
    machine: Record<string, number>;
  };
  return { bindings: s.bindingCache.map(({ remainingS: _, ...b }) => b), machine: s.machine };
}

describe.skipIf(missing)('hmipv6 lab: ap1 -> ap2 (same MAP) -> ap3 (new MAP)', () => {
  let lab: StartedLab;
  let run: RunResult;
  const out = mkdtempSync(path.join(tmpdir(), 'mlab-hmipv6-'));
  const pcap = (name: string) => path.join(out, 'pcap', `${name}.pcap`);
  const ms = (s: string) => Number(s) * 1000;

  beforeAll(async () => {
    // capture: every capture listens before the agents start, so the node's first home registration
    // is in ha's pcap however late the run itself starts (lab.ts, "captures before the agents").
    lab = await Lab.up(HMIPV6, { name: uniqueLabName('hm'), outDir: out, capture: true });
    run = await runLab(lab);
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('passes its own expectations: two handovers, the flow resuming after each', () => {
    expect(run.results.expectations.filter((e) => !e.held)).toEqual([]);
    expect(run.results.handovers.map((h) => `${h.fromAp}->${h.toAp}`)).toEqual(['ap1->ap2', 'ap2->ap3']);
    for (const h of run.results.handovers) {
      const f = h.flows.find((x) => x.flow === 1)!;
      console.log(
        `handover ${h.fromAp}->${h.toAp}: interruption ${f.interruptionMs} ms, lost ${f.lost}, L2 gap ${h.l2GapMs} ms`,
      );
      expect(f.resumed).toBe(true);
    }
  });

  it('the iperf3 TCP session to the home address survives both moves, the new RCoA too: no error, bytes after each', () => {
    const client = JSON.parse(readFileSync(path.join(out, 'logs', 'flow5-iperf3-client.json'), 'utf8')) as {
      error?: string;
      start: { timestamp: { timesecs: number } };
      intervals: { sum: { start: number; bytes: number } }[];
      end: { sum_sent: { bytes: number } };
    };
    expect(client.error).toBeUndefined();
    const t0 = client.start.timestamp.timesecs * 1000;
    for (const h of run.results.handovers) {
      const tcp = h.tcp.find((x) => x.flow === 5 && x.direction === 'downlink');
      console.log(
        `TCP ${h.fromAp}->${h.toAp}: longest stall ${tcp?.longestStallMs} ms, retransmissions ${tcp?.retransmissions}`,
      );
      expect(tcp?.resumed, `TCP resumed after ${h.fromAp}->${h.toAp}`).toBe(true);
      // iperf3's own one-second intervals after the attach carry data (its clock: whole seconds).
      const attachMs = Number(BigInt(h.attachNs) / 1_000_000n) - t0;
      const after = client.intervals.filter(
        (i) => i.sum.start * 1000 > attachMs + 500 && i.sum.start * 1000 < attachMs + 2500,
      );
      expect(after.length, `iperf3 intervals after ${h.fromAp}->${h.toAp}`).toBeGreaterThan(0);
      expect(after.reduce((n, i) => n + i.sum.bytes, 0)).toBeGreaterThan(0);
    }
    // 2 Mbit/s for 8 s is 2 MB; well over half of it must have gone through.
    expect(client.end.sum_sent.bytes).toBeGreaterThan(1_000_000);
  });

  it('the access routers advertise their MAP (tshark: MAP option Dist 2, Pref 10, Valid Lifetime 600)', () => {
    for (const [capture, map] of [
      ['ar1-ap1', MAP1],
      ['ar2-ap2', MAP1],
      ['ar3-ap3', MAP2],
    ] as const) {
      const ras = tshark(pcap(capture), 'icmpv6.type == 134 && icmpv6.opt.map.global_address', [
        'icmpv6.opt.map.distance',
        'icmpv6.opt.map.preference',
        'icmpv6.opt.map.flag.r',
        'icmpv6.opt.map.valid_lifetime',
        'icmpv6.opt.map.global_address',
      ]);
      expect(ras.length, capture).toBeGreaterThan(10);
      for (const r of ras) expect(r).toEqual(['2', '10', '0', '600', map]);
    }
  });

  it('intra-domain move: no BU reaches the home agent; one local BU (M, A, HAO = RCoA) and its BA (RH2 = RCoA)', () => {
    const [h0, h1] = run.results.handovers;
    const from = Number(BigInt(h0!.detachNs) / 1_000_000n);
    const to = Number(BigInt(h1!.detachNs) / 1_000_000n);
    const haBus = tshark(pcap('ha-eth1'), 'mip6.mhtype == 5', ['frame.time_epoch']).map((r) => ms(r[0]!));
    expect(haBus.length).toBeGreaterThanOrEqual(2); // the first registration and the inter-domain one
    expect(haBus.filter((t) => t >= from && t < to)).toEqual([]);

    const bus = tshark(pcap('mn-wlan0'), 'mip6.mhtype == 5 && ipv6.dst == fd00:5380:0:50::1', [
      'frame.time_epoch',
      'ipv6.src',
      'ipv6.opt.mipv6.home_address',
      'mip6.bu.m_flag',
      'mip6.bu.a_flag',
      'mip6.bu.h_flag',
    ]).filter((r) => ms(r[0]!) >= from && ms(r[0]!) < to);
    expect(bus.length).toBe(1);
    const [, lcoa, rcoa, m, a, hFlag] = bus[0]!;
    expect(inPrefix(lcoa!, 'fd00:5380:0:a2::', 64)).toBe(true);
    expect(inPrefix(rcoa!, MAP1_PREFIX, 64)).toBe(true);
    expect([m, a, hFlag]).toEqual(['1', '1', '0']);
    const bas = tshark(pcap('mn-wlan0'), 'mip6.mhtype == 6 && ipv6.src == fd00:5380:0:50::1', [
      'frame.time_epoch',
      'ipv6.dst',
      'ipv6.routing.type',
      'ipv6.routing.mipv6.home_address',
      'mip6.ba.status',
    ]).filter((r) => ms(r[0]!) >= from && ms(r[0]!) < to);
    expect(bas.map((r) => r.slice(1))).toEqual([[lcoa, '2', rcoa, '0']]);
  });

  it('no malformed packet or error expert info in any capture; every MH checksum verifies (tunnelled ones too)', async () => {
    // tshark on the captures our mobility messages cross (the lab's no-malformed expectation covers all).
    for (const name of [
      'mn-wlan0',
      'ar2-eth1',
      'map1-eth2',
      'map1-core',
      'map2-core',
      'ha-eth1',
      'ar1-ap1',
      'ar3-ap3',
    ]) {
      const p = pcap(name);
      expect(tshark(p, '_ws.malformed || _ws.expert.severity >= "error"', ['frame.number']), p).toEqual([]);
    }
    let checked = 0;
    for (const name of ['mn-wlan0', 'map1-eth2', 'map2-eth1', 'map2-core', 'ha-eth1']) {
      for (const f of await readCapture(pcap(name))) {
        if (f.data.length < 54 || f.data.readUInt16BE(12) !== 0x86dd) continue;
        let start = 14;
        let p = parseIpv6Packet(f.data, start, { verifyChecksum: false });
        // One level of IPv6-in-IPv6 (the MN-MAP tunnel) carries the home registration.
        if (p.ok && p.value.walk.upperLayer === NextHeader.IPv6) {
          start = p.value.walk.upperOffset;
          p = parseIpv6Packet(f.data, start, { verifyChecksum: false });
        }
        if (!p.ok || p.value.walk.upperLayer !== NextHeader.MobilityHeader) continue;
        // RFC 6275 §6.1.7: over the pseudo-header with the HAO / RH2 substitutions.
        const verified = parseIpv6Packet(f.data, start, { verifyChecksum: true });
        expect(verified.ok, `${name}: ${verified.ok ? '' : verified.error.message}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('interruption of the intra-domain move <= applied L2 gap + MN-MAP round trip + 20 ms (+ flow gaps upstream)', () => {
    const h = run.results.handovers[0]!;
    // Applied L2 gap and attach time as the air namespace's witness saw them (results.json).
    const l2Gap = h.l2GapMs;
    const attach = Number(BigInt(h.attachNs) / 1000n) / 1000;
    // RA wait: attach to the first RA on the new cell (carrier detection, RS, the router's delay: the
    // lab's access routers answer an RS by unicast within 2 ms, RFC 4861 §6.2.6). Inside the 20 ms.
    const ra = tshark(pcap('mn-wlan0'), 'icmpv6.type == 134', ['frame.time_epoch'])
      .map((r) => ms(r[0]!))
      .find((t) => t >= attach)!;
    // MN-MAP round trip: the local BU after the attach to its BA, on the mobile node's radio.
    const bu = tshark(pcap('mn-wlan0'), 'mip6.mhtype == 5', ['frame.time_epoch'])
      .map((r) => ms(r[0]!))
      .find((t) => t >= attach)!;
    const ba = tshark(pcap('mn-wlan0'), 'mip6.mhtype == 6', ['frame.time_epoch'])
      .map((r) => ms(r[0]!))
      .find((t) => t >= bu)!;
    expect([ra, bu, ba].every((t) => t !== undefined)).toBe(true);
    // What the flow itself brings, upstream of the MAP and outside HMIPv6 (docs/hmipv6.md, "The lab"):
    // how much longer than one interval the MAP waited for the next packet after it took the BU, and
    // how much earlier than one interval before the detach the last packet reached the node.
    const interval = 1000 / 200;
    const detach = Number(BigInt(h.detachNs) / 1000n) / 1000;
    const buAtMap = tshark(pcap('map1-eth2'), 'mip6.mhtype == 5', ['frame.time_epoch'])
      .map((r) => ms(r[0]!))
      .find((t) => t >= bu)!;
    const nextAtMap = tshark(pcap('map1-core'), 'udp.dstport == 9000', ['frame.time_epoch'])
      .map((r) => ms(r[0]!))
      .find((t) => t >= buAtMap)!;
    const lastAtMn = tshark(pcap('mn-wlan0'), 'udp.dstport == 9000', ['frame.time_epoch'])
      .map((r) => ms(r[0]!))
      .filter((t) => t < detach)
      .at(-1)!;
    const upstream = Math.max(0, nextAtMap - buAtMap - interval) + Math.max(0, detach - lastAtMn - interval);
    const bound = l2Gap + (ba - bu) + 20 + upstream;
    const interruption = h.flows.find((x) => x.flow === 1)!.interruptionMs!;
    console.log(
      `ap1->ap2: interruption ${interruption.toFixed(1)} ms <= bound ${bound.toFixed(1)} = L2 gap ${l2Gap.toFixed(1)} + MN-MAP ${(ba - bu).toFixed(1)} + 20 + flow gaps upstream ${upstream.toFixed(1)} (RA wait ${(ra - attach).toFixed(1)})`,
    );
    expect(ba - bu).toBeLessThan(100); // the MAP is 5 ms away: no home agent round trip (2 x 52 ms) in it
    expect(interruption).toBeLessThanOrEqual(bound);
  });

  it('inter-domain move: a new RCoA on map2, registered there, then with the home agent as care-of address', async () => {
    const from = Number(BigInt(run.results.handovers[1]!.detachNs) / 1_000_000n);
    const bus = tshark(pcap('ha-eth1'), 'mip6.mhtype == 5', [
      'frame.time_epoch',
      'ipv6.src',
      'ipv6.opt.mipv6.home_address',
      'mip6.bu.h_flag',
      'mip6.bu.m_flag',
    ]).filter((r) => ms(r[0]!) >= from);
    expect(bus.length).toBeGreaterThanOrEqual(1);
    const [, coa, hoa, hFlag, mFlag] = bus[0]!;
    expect(inPrefix(coa!, MAP2_PREFIX, 64)).toBe(true);
    expect([hoa, hFlag, mFlag]).toEqual([HOA, '1', '0']);
    const { bindings } = await mapStatus(lab, 'map2');
    expect(bindings).toEqual([expect.objectContaining({ rcoa: coa, nai: 'mn@hmipv6.lab' })]);
    expect(inPrefix(bindings[0]!.lcoa, 'fd00:5380:0:a3::', 64)).toBe(true);
    // The local registration with map2 came before the BU to the home agent (RFC 5380 §6.1).
    const local = tshark(pcap('mn-wlan0'), 'mip6.mhtype == 6 && ipv6.src == fd00:5380:0:60::1', ['frame.time_epoch'])
      .map((r) => ms(r[0]!))
      .filter((t) => t >= from);
    expect(local.length).toBeGreaterThanOrEqual(1);
    expect(local[0]!).toBeLessThan(ms(bus[0]![0]!));
  });

  it('route optimisation through the RCoA: CoTI/BU from the RCoA (HAO = home address); after the binding no flow packet crosses ha', async () => {
    // cn's link: the first RR and binding, all from/to the RCoA on map1's prefix (§6.1.1), the HoTI/HoT via the home address.
    const mh = tshark(pcap('cn-eth1'), 'mip6.mhtype', [
      'frame.time_epoch',
      'ipv6.src',
      'ipv6.dst',
      'mip6.mhtype',
      'ipv6.opt.mipv6.home_address',
      'mip6.ba.status',
    ]);
    const detach0 = Number(BigInt(run.results.handovers[0]!.detachNs) / 1_000_000n);
    const ba = mh.find((r) => r[1] === CN && r[3] === '6' && r[5] === '0')!;
    expect(ba, 'a BA from cn').toBeDefined();
    const rcoa = ba[2]!;
    expect(inPrefix(rcoa, MAP1_PREFIX, 64)).toBe(true);
    const bound = ms(ba[0]!);
    expect(bound).toBeLessThan(detach0);
    const before = mh.filter((r) => ms(r[0]!) <= bound).map((r) => `${r[3]} ${r[1]} -> ${r[2]} ${r[4]}`);
    expect(before).toEqual(
      expect.arrayContaining([
        `2 ${rcoa} -> ${CN} `,
        `4 ${CN} -> ${rcoa} `,
        `1 ${HOA} -> ${CN} `,
        `3 ${CN} -> ${HOA} `,
        `5 ${rcoa} -> ${CN} ${HOA}`,
        `6 ${CN} -> ${rcoa} `,
      ]),
    );
    // The flow: every packet cn sent after the BA went to an RCoA with a type 2 routing header, and none
    // of them crossed ha's link (flow packets carry their send time).
    const decode = async (name: string) =>
      decodeFrames(await readCapture(pcap(name))).frames.filter((f) => f.flow?.flowId === 1);
    const boundNs = BigInt(Math.round(bound * 1e6));
    const atCn = (await decode('cn-eth1')).filter((f) => f.flow!.sendNs > boundNs);
    expect(atCn.length).toBeGreaterThan(1000);
    for (const f of atCn) {
      expect(f.ipv6.extensions.some((e) => e.kind === 'Routing')).toBe(true);
      expect(inPrefix(f.ipv6.header.dst, MAP1_PREFIX, 64) || inPrefix(f.ipv6.header.dst, MAP2_PREFIX, 64)).toBe(true);
    }
    const atHa = (await decode('ha-eth1')).filter((f) => f.flow!.sendNs > boundNs);
    console.log(
      `RO: cn bound RCoA ${rcoa} ${(detach0 - bound).toFixed(0)} ms before the first detach; ${atCn.length} route-optimised flow packets at cn after it, ${atHa.length} on ha's link`,
    );
    expect(atHa).toEqual([]);
    // Uplink (flow 4): what mn sent between cn's binding and the first detach left from the RCoA with
    // a Home Address option, through map1 (RFC 5380 §6.1: [LCoA -> MAP [RCoA -> CN, HAO]]).
    const detachNs = BigInt(run.results.handovers[0]!.detachNs);
    const up = decodeFrames(await readCapture(pcap('cn-eth1'))).frames.filter(
      (f) => f.flow?.flowId === 4 && f.flow.sendNs > boundNs && f.flow.sendNs < detachNs,
    );
    expect(up.length).toBeGreaterThan(50); // 50 packets/s for more than a second
    for (const f of up) {
      expect(f.ipv6.header.src).toBe(rcoa);
      const dst = f.ipv6.extensions.find((e) => e.kind === 'DestinationOptions');
      expect(dst && 'options' in dst ? dst.options : []).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'HomeAddress', homeAddress: HOA })]),
      );
    }
    const tunnelled = decodeFrames(await readCapture(pcap('mn-wlan0'))).frames.filter(
      (f) => f.flow?.flowId === 4 && f.flow.sendNs > boundNs && f.flow.sendNs < detachNs,
    );
    expect(tunnelled.length).toBe(up.length);
    for (const f of tunnelled) expect([f.ipv6.header.dst, f.inner.header.src]).toEqual([MAP1, rcoa]);
  });

  it('route optimisation: the intra-domain move sends nothing to ha or cn (no-global-signalling, localized), the inter-domain one binds the new RCoA at cn; no LCoA ever reaches them (location-privacy)', async () => {
    const captures = await Promise.all(
      ['mn-wlan0', 'ha-eth1', 'cn-eth1'].map(async (name) => {
        const [node, iface] = name.split('-') as [string, string];
        return { node, iface, file: pcap(name), ...decodeFrames(await readCapture(pcap(name))) };
      }),
    );
    const ctx: LocalizedContext = {
      results: run.results,
      captures,
      ...labLayout(lab.lab),
    };
    for (const kind of ['no-global-signalling', 'localized'] as const) {
      const intra = judgeLocalized({ kind, node: 'mn', handover: 0 }, ctx);
      expect(intra, `${kind}: ${intra.detail}`).toMatchObject({ held: true });
      // The inter-domain move is global by design: the new RCoA goes to ha and to cn.
      expect(judgeLocalized({ kind, node: 'mn', handover: 1 }, ctx)).toMatchObject({ held: false });
    }
    // Only the RCoA leaves the MAP domains: no LCoA on ha's or cn's link in the whole run, both moves.
    const privacy = judgeLocalized({ kind: 'location-privacy', node: 'mn' }, ctx);
    expect(privacy, `location-privacy: ${privacy.detail}`).toMatchObject({ held: true });
    const from = Number(BigInt(run.results.handovers[1]!.detachNs) / 1_000_000n);
    const bus = tshark(pcap('cn-eth1'), 'mip6.mhtype == 5', [
      'frame.time_epoch',
      'ipv6.src',
      'ipv6.opt.mipv6.home_address',
      'mip6.bu.h_flag',
    ]).filter((r) => ms(r[0]!) >= from);
    expect(bus.length).toBeGreaterThanOrEqual(1);
    const [, coa, hoa, hFlag] = bus[0]!;
    expect(inPrefix(coa!, MAP2_PREFIX, 64)).toBe(true);
    expect([hoa, hFlag]).toEqual([HOA, '0']);
    // The CoTI for it came from the new RCoA too, before the BU (the home keygen token stays, RFC 6275 §5.2.7).
    const cotis = tshark(pcap('cn-eth1'), 'mip6.mhtype == 2', ['frame.time_epoch', 'ipv6.src']).filter(
      (r) => ms(r[0]!) >= from,
    );
    expect(cotis[0]?.[1]).toBe(coa);
    expect(ms(cotis[0]![0]!)).toBeLessThan(ms(bus[0]![0]!));
  });

  it("a local BU for the node's RCoA from another node is refused (129; 146 when forged) and the binding stays", async () => {
    const before = await mapStatus(lab, 'map2');
    const victim = before.bindings[0]!;
    const cn = lab.lab.nodes.find((n) => n.name === 'cn')!;
    const cnAddress = cn.interfaces[0]!.addresses[0]!.split('/')[0]!;
    const seen: { status: number; rh2: string | undefined }[] = [];
    const tap = native.openPacketSocket({
      ifname: cn.interfaces[0]!.name,
      protocol: 0x86dd,
      netns: `/run/netns/${nodeNetns(lab.name, 'cn')}`,
    });
    tap.start(
      (frames: Frame[]) => {
        for (const f of frames) {
          const p = parseIpv6Packet(f.data, 14);
          if (!p.ok || p.value.upper.kind !== 'MobilityHeader') continue;
          const m = p.value.upper.message;
          if (m.type !== 'BindingAcknowledgement') continue;
          const rh = p.value.walk.extensions.find((e) => e.kind === 'Routing');
          seen.push({ status: m.status, rh2: rh && 'homeAddress' in rh ? (rh.homeAddress as string) : undefined });
        }
      },
      () => {},
    );
    const sender = packetSender(lab, 'cn');
    try {
      const localBu = (key: Buffer) => {
        const bu = mh.bindingUpdate({
          sequenceNumber: 40_000,
          lifetime: 30,
          acknowledge: true,
          mapRegistration: true,
          options: [
            mh.naiIdentifier(OTHER.nai),
            { type: 'MobilityMessageReplayProtection', timestamp: ntpTimestampFromUnixMs(Date.now()) },
          ],
        });
        const sealed = sealWithMnHa(bu, { spi: OTHER.spi, key }, cnAddress, victim.rcoa, {
          src: victim.rcoa,
          dst: MAP2,
        });
        return buildMobilityPacket({ src: cnAddress, dst: MAP2, homeAddress: victim.rcoa, mh: sealed.bytes });
      };
      expect(sender.send(localBu(OTHER.key), MAP2)).toBe(true);
      await waitFor('the refusal', async () => (await mapStatus(lab, 'map2')).machine['bu-rcoa-of-another-node']! >= 1);
      expect(sender.send(localBu(Buffer.alloc(16, 0x5a)), MAP2)).toBe(true);
      await waitFor(
        'the forged one refused',
        async () => (await mapStatus(lab, 'map2')).machine['bu-auth-failed']! >= 1,
      );
      await waitFor('both BAs at cn', async () => seen.length >= 2, 3000);
    } finally {
      sender.close();
      tap.close();
    }
    expect(seen).toEqual([
      { status: 129, rh2: victim.rcoa },
      { status: 146, rh2: victim.rcoa },
    ]);
    const after = await mapStatus(lab, 'map2');
    expect(after.bindings).toEqual(before.bindings);
    expect(after.machine['bu-accepted']).toBe(before.machine['bu-accepted']);
  });
});

// The same lab without route optimisation: cn's TCP session goes to the home address, the home agent
// tunnels it to the RCoA, and map1 tunnels that again to the LCoA (+40 bytes each). map1 answers the
// home agent's full-size tunnel packets with Packet Too Big; the home agent must lower the home
// address's route MTU (docs/dataplane.md §3) or the session stalls after its first window.
describe.skipIf(missing)('hmipv6 lab without route optimisation: TCP through the home agent and the MAP', () => {
  it('the iperf3 session survives both moves; the home agent learned the path MTU through the MAP', async () => {
    const r = await runLabFile(HMIPV6, {
      prefix: 'hmnr',
      edit: (text) => {
        const out = text.replace(/^ +routeOptimisation: \[cn\].*\n/m, '');
        if (out === text) throw new Error('the lab file changed shape');
        return out;
      },
    });
    // What the application on mn received: iperf3's server report. (Its closing exchange over the
    // control connection does not finish on this path yet, docs/hmipv6.md, so neither end's own
    // verdict is asked for.)
    const server = JSON.parse(readFileSync(path.join(r.out, 'logs', 'flow5-iperf3-server.json'), 'utf8')) as {
      end: { sum_received?: { bytes: number } };
    };
    const ha = r.status('ha').state as unknown as {
      'home-agent': { forwarding: { pathMtuLowered: number; pathMtuIgnored: number } };
    };
    const tcp = r.run.results.handovers.map((h) => h.tcp.find((x) => x.flow === 5 && x.direction === 'downlink'));
    const received = server.end.sum_received?.bytes ?? 0;
    console.log(
      `no RO: TCP stalls ${tcp.map((t) => t?.longestStallMs?.toFixed(1) ?? '-').join(' / ')} ms, ${received} bytes received; ha ${JSON.stringify(ha['home-agent'].forwarding)}`,
    );
    expect(r.run.results.handovers).toHaveLength(2);
    for (const t of tcp) expect(t?.resumed).toBe(true);
    // The client sends 2,000,000 bytes (2 Mbit/s for 8 s); without the home agent's path MTU the
    // session stalled after about 100 KB. The last few hundred bytes did not arrive before the lab's
    // end in 2 of 4 runs (the same open question as the closing exchange).
    expect(received).toBeGreaterThan(1_950_000);
    expect(ha['home-agent'].forwarding.pathMtuLowered).toBeGreaterThan(0);
  }, 120_000);
});
