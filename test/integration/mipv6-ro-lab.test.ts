// topologies/mipv6-ro.yaml end to end: Mobile IPv6 route optimisation with the correspondent cn
// (RFC 6275 §5.2, §9, §11.6, §11.7.2). One lab run (mn ap1 -> ap2 -> ap1 -> home, a UDP flow each way), then
// two Binding Updates injected toward cn while mn is bound. Checked from the captures (tshark and our
// own checksum verification), the agents' logs and cn's status:
// - return routability on the wire: HoTI tunnelled through ha, CoTI direct, HoT/CoT, BU with a Home
//   Address option, Nonce Indices and Binding Authorization Data, BA with a type 2 routing header;
//   every Mobility Header's checksum verifies over the RFC 6275 §6.1.7 pseudo-header;
// - the flows then carry the type 2 routing header (cn -> mn) and the Home Address option (mn -> cn),
//   tshark finds nothing malformed and no error, and between a correspondent binding and the next
//   move no flow packet crosses ha's link;
// - the flows resume after each move; back home mn deletes its binding at cn (lifetime 0, §11.5.4);
// - after the deregistration, a replayed BU gets 135 and a forged one (Kbm not from cn's tokens) is
//   silently discarded: both counted, no binding made; data with a Home Address option and no binding
//   is dropped and answered with a Binding Error.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendControl } from '../../src/agent/control-client.js';
import { decodeFrames } from '../../src/analysis/frames.js';
import { judgeLocalized, type LocalizedContext } from '../../src/analysis/localized.js';
import { parseCapture } from '../../src/analysis/pcap/read.js';
import { Lab, type StartedLab } from '../../src/lab/lab.js';
import { controlSocketPath } from '../../src/lab/names.js';
import { runLab, type RunResult } from '../../src/lab/run.js';
import { bindingManagementKey, sealWithBindingAuthorization } from '../../src/protocols/mipv6/return-routability.js';
import { verifyPseudoHeaderChecksum } from '../../src/wire/checksum.js';
import { pseudoHeaderAddresses, walkIpv6 } from '../../src/wire/ipv6.js';
import * as mh from '../../src/wire/mh/index.js';
import { buildMobilityPacket } from '../../src/agent/dataplane/mobility-header-io.js';
import { insertHomeAddressOption } from '../../src/agent/dataplane/route-optimised-packets.js';
import { ipv6ToBytes } from '../../src/wire/address.js';
import { buildIpv6Packet } from '../../src/wire/packet.js';
import * as udp from '../../src/wire/udp.js';
import { packetSender, wait } from '../support/mipv6-attack.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';
import { labLayout } from '../../src/lab/analyze.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'tcpdump', 'tshark'] });
const LAB = path.resolve('topologies/mipv6-ro.yaml');
const HOA = 'fd00:6:7:100::100';
const CN = 'fd00:6:7:1::2';

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

interface CorrespondentView {
  bindingCache: {
    homeAddress: string;
    careOfAddress: string;
    sequenceNumber: number;
    lifetimeS: number;
    remainingS?: number;
  }[];
  machine: Record<string, number>;
  dataPlane: Record<string, number>;
}

async function cnStatus(lab: StartedLab): Promise<{ view: CorrespondentView; counters: Record<string, number> }> {
  const r = await sendControl(controlSocketPath(lab.name, 'cn'), { op: 'status' });
  if (!r.ok || !('status' in r) || !r.status) throw new Error(`cn status: ${JSON.stringify(r)}`);
  const view = r.status.state.correspondent as CorrespondentView;
  // The remaining time ticks: compare the rest.
  for (const e of view.bindingCache) delete e.remainingS;
  return {
    view,
    counters: (r.status.counters.correspondent ?? {}) as Record<string, number>,
  };
}

describe.skipIf(missing)('mipv6-ro lab: route optimisation with cn across ap1 -> ap2 -> ap1 -> home', () => {
  let lab: StartedLab;
  let run: RunResult;
  const out = mkdtempSync(path.join(tmpdir(), 'mlab-mipv6-ro-'));
  const pcap = (name: string) => path.join(out, 'pcap', `${name}.pcap`);
  /** The mobile node's agent log events of its route optimisation, with wall-clock ms. */
  let roEvents: { event: string; at: number; careOfAddress?: string }[] = [];

  beforeAll(async () => {
    lab = await Lab.up(LAB, { name: uniqueLabName('mro'), outDir: out });
    run = await runLab(lab);
    roEvents = readFileSync(path.join(out, 'logs', 'mn-agent.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"mn.ro.'))
      .map((l) => JSON.parse(l) as { time: string; event: string; careOfAddress?: string })
      .map((e) => ({ event: e.event, at: Date.parse(e.time), careOfAddress: e.careOfAddress }));
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('passes its expectations; three handovers, both flows resume after each; one correspondent binding per care-of address, deleted at home', () => {
    expect(run.results.expectations.filter((e) => !e.held)).toEqual([]);
    expect(run.results.handovers.map((h) => `${h.fromAp}->${h.toAp}`)).toEqual(['ap1->ap2', 'ap2->ap1', 'ap1->home']);
    for (const h of run.results.handovers)
      for (const id of [1, 3])
        expect(h.flows.find((f) => f.flow === id)?.resumed, `flow ${id} after ${h.index}`).toBe(true);
    const bound = roEvents.filter((e) => e.event === 'mn.ro.cn-bound');
    expect(bound.map((b) => b.careOfAddress?.split(':').slice(0, 4).join(':'))).toEqual([
      'fd00:6:7:a1',
      'fd00:6:7:a2',
      'fd00:6:7:a1',
    ]);
    expect(roEvents.filter((e) => e.event === 'mn.ro.cn-deregistered')).toHaveLength(1);
  });

  it('return routability on the wire: HoTI/HoT through ha, CoTI/CoT direct, BU with HAO + Nonce Indices + BAD, BA with RH2', () => {
    // Through the home agent: tunnelled (IPv6-in-IPv6) with the home address inside.
    const viaHa = tshark(pcap('ha-eth1'), 'mip6.mhtype == 1 || mip6.mhtype == 3', [
      'mip6.mhtype',
      'ipv6.src',
      'ipv6.dst',
    ]);
    expect(viaHa.filter(([t]) => t === '1').length).toBeGreaterThanOrEqual(1);
    expect(viaHa.filter(([t]) => t === '3').length).toBeGreaterThanOrEqual(1);
    for (const [, src, dst] of viaHa) expect(`${src},${dst}`).toContain(HOA);
    const mn = pcap('mn-wlan0');
    // The first test runs at lab start, maybe before the capture: judged per move away from home. In
    // each, a CoTI from the new care-of address and its CoT, and no HoTI: the home keygen token is
    // reused (§5.2.7).
    const at = (filter: string) =>
      tshark(mn, filter, ['frame.time_epoch', 'ipv6.src']).map(([t, src]) => ({ t: Number(t) * 1000, src: src! }));
    const coti = at(`mip6.mhtype == 2 && ipv6.dst == ${CN}`);
    const cot = at(`mip6.mhtype == 4 && ipv6.src == ${CN}`);
    const hoti = at('mip6.mhtype == 1');
    const away = run.results.handovers.filter((h) => h.toAp !== 'home');
    expect(away).toHaveLength(2);
    for (const h of away) {
      const from = Number(BigInt(h.attachNs) / 1_000_000n);
      const to = from + 2000;
      const inMove = (x: { t: number }) => x.t > from && x.t < to;
      const prefix = h.toAp === 'ap1' ? 'fd00:6:7:a1:' : 'fd00:6:7:a2:';
      expect(coti.filter(inMove).length, `CoTI after ${h.index}`).toBeGreaterThanOrEqual(1);
      for (const c of coti.filter(inMove)) expect(c.src.startsWith(prefix)).toBe(true);
      expect(cot.filter(inMove).length, `CoT after ${h.index}`).toBeGreaterThanOrEqual(1);
      expect(hoti.filter(inMove), `HoTI after ${h.index}`).toEqual([]);
    }
    const bus = tshark(mn, `mip6.mhtype == 5 && ipv6.dst == ${CN} && ipv6.dstopts`, [
      'ipv6.opt.mipv6.home_address',
      'mip6.bu.h_flag',
      'mip6.ni.hni',
      'mip6.bad.auth',
    ]);
    expect(bus.length).toBeGreaterThanOrEqual(2);
    for (const [home, h, hni, auth] of bus) {
      expect([home, h]).toEqual([HOA, '0']);
      expect(hni).not.toBe('');
      expect(auth!.replace(/:/g, '')).toMatch(/^[0-9a-f]{24}$/);
    }
    const bas = tshark(mn, `mip6.mhtype == 6 && ipv6.src == ${CN}`, [
      'ipv6.dst',
      'ipv6.routing.type',
      'ipv6.routing.mipv6.home_address',
      'mip6.ba.status',
      'mip6.ba.lifetime',
    ]);
    // An accepting BA per care-of address seen (more if a BU was retransmitted), then the deregistration's,
    // sent to the home address at home (no routing header).
    const ro = bas.slice(0, -1).map((b) => b.slice(1));
    expect(ro.length).toBeGreaterThanOrEqual(2);
    for (const b of ro) expect(b).toEqual(['2', HOA, '0', '105']);
    expect(bas.at(-1)).toEqual([HOA, '', '', '0', '0']);
    // Home (§11.5.4): a BU with lifetime 0 from the home address, no Home Address option.
    expect(
      tshark(mn, `mip6.mhtype == 5 && ipv6.dst == ${CN} && !ipv6.dstopts`, ['ipv6.src', 'mip6.bu.lifetime']),
    ).toEqual([[HOA, '0']]);
  });

  it('every Mobility Header on mn’s radio and cn’s link has a checksum that verifies (RFC 6275 §6.1.7 pseudo-header)', () => {
    let checked = 0;
    for (const name of ['mn-wlan0', 'cn-eth1']) {
      for (const f of parseCapture(readFileSync(pcap(name)), name)) {
        let w = walkIpv6(f.data, 14);
        // Tunnelled (HoTI/HoT through ha): the inner packet.
        if (w.ok && w.value.upperLayer === 41) w = walkIpv6(f.data, w.value.upperOffset);
        if (!w.ok || w.value.upperLayer !== 135) continue;
        const body = f.data.subarray(w.value.upperOffset, w.value.upperOffset + w.value.upperLength);
        const ph = pseudoHeaderAddresses(w.value);
        expect(verifyPseudoHeaderChecksum(ph.src, ph.dst, 135, body), `${name} MH type ${body[2]}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it('the flows carry RH2 (cn -> mn) and HAO (mn -> cn); tshark finds nothing malformed and no error on mn’s radio or cn’s link', () => {
    const mn = pcap('mn-wlan0');
    const down = tshark(mn, `udp && ipv6.routing.type == 2 && ipv6.routing.mipv6.home_address == ${HOA}`, [
      'frame.number',
    ]);
    const up = tshark(mn, `udp && ipv6.opt.type == 201 && ipv6.opt.mipv6.home_address == ${HOA} && ipv6.dst == ${CN}`, [
      'frame.number',
    ]);
    console.log(`route-optimised flow packets on mn's radio: ${down.length} with RH2, ${up.length} with HAO`);
    expect(down.length).toBeGreaterThan(300);
    expect(up.length).toBeGreaterThan(300);
    for (const name of ['mn-wlan0', 'cn-eth1', 'ha-eth1'])
      expect(tshark(pcap(name), '_ws.malformed || _ws.expert.severity == error', ['frame.number']), name).toEqual([]);
  });

  it('between a correspondent binding and the next move, no flow packet crosses ha’s link', () => {
    const bound = roEvents.filter((e) => e.event === 'mn.ro.cn-bound').map((e) => e.at);
    const detaches = run.results.handovers.map((h) => Number(BigInt(h.detachNs) / 1_000_000n));
    const udpOnHa = tshark(pcap('ha-eth1'), 'udp', ['frame.time_epoch']).map((r) => Number(r[0]) * 1000);
    const flowEnd = Math.max(...tshark(pcap('mn-wlan0'), 'udp', ['frame.time_epoch']).map((r) => Number(r[0]) * 1000));
    let windowMs = 0;
    bound.forEach((b, i) => {
      // 50 ms after the BA for packets already in flight through ha, until the next detach.
      const from = b + 50;
      const to = detaches.find((d) => d > b) ?? flowEnd;
      windowMs += to - from;
      expect(
        udpOnHa.filter((t) => t > from && t < to),
        `binding ${i}: ${from}..${to}`,
      ).toEqual([]);
    });
    expect(windowMs).toBeGreaterThan(5000);
    // Through ha before the bindings of a new care-of address: the test above is not vacuous.
    expect(udpOnHa.length).toBeGreaterThan(0);
  });

  it('judged from these captures, route optimisation is global mobility: every localized expectation fails', () => {
    const captures = ['mn-wlan0', 'ha-eth1', 'cn-eth1'].map((name) => {
      const [node, iface] = name.split('-') as [string, string];
      return { node, iface, file: pcap(name), ...decodeFrames(parseCapture(readFileSync(pcap(name)), name)) };
    });
    const ctx: LocalizedContext = {
      results: run.results,
      captures,
      ...labLayout(lab.lab),
    };
    const verdicts = (['no-global-signalling', 'location-privacy', 'localized'] as const).map((kind) =>
      judgeLocalized({ kind, node: 'mn' }, ctx),
    );
    for (const v of verdicts) console.log(`${v.expectation}: held ${v.held}, ${v.detail}`);
    expect(verdicts.map((v) => v.held)).toEqual([false, false, false]);
    // Each for what the run did: BUs on ha's and cn's links, the care-of addresses there, BUs before the flow.
    expect(verdicts[0]!.detail).toMatch(/BU on ha-eth1.*|CoTI on cn-eth1/);
    expect(verdicts[1]!.detail).toMatch(/seen on .*ha-eth1|seen on .*cn-eth1/);
  });

  // mn is home and has deleted its binding at cn: replaying its last route-optimising BU would point
  // cn's traffic for the home address at a care-of address mn left (the nonces are still valid).
  it('after the deregistration, a replayed BU gets 135, a forged one is silently discarded, HAO data gets BE 1; counted, no binding made', async () => {
    const frames = parseCapture(readFileSync(pcap('mn-wlan0')), 'mn-wlan0');
    const lastBu = frames
      .map((f) => ({ f, w: walkIpv6(f.data, 14) }))
      .filter(
        ({ f, w }) =>
          w.ok &&
          w.value.upperLayer === 135 &&
          w.value.header.dst === CN &&
          w.value.extensions.some((e) => e.kind === 'DestinationOptions') &&
          f.data[w.value.upperOffset + 2] === 5,
      )
      .at(-1)!;
    expect(lastBu).toBeDefined();
    const w = lastBu.w.ok ? lastBu.w.value : null;
    const packet = Buffer.from(lastBu.f.data.subarray(14, 14 + 40 + w!.header.payloadLength));
    const sender = packetSender(lab, 'cr');
    try {
      const before = await cnStatus(lab);
      expect(before.view.bindingCache).toEqual([]);
      expect(before.view.machine['bu-deregistered']).toBe(1);

      // 1. The last BU mn sent from a care-of address, byte for byte: its sequence number is not newer
      //    than the deregistration's (cn keeps it after the binding went, §9.5.1).
      expect(sender.send(packet, CN)).toBe(true);
      await wait(300);
      const afterReplay = await cnStatus(lab);
      expect(afterReplay.view.machine['bu-sequence-out-of-window']).toBe(
        before.view.machine['bu-sequence-out-of-window']! + 1,
      );
      expect(afterReplay.counters['sent.BindingAcknowledgement']).toBe(
        before.counters['sent.BindingAcknowledgement']! + 1,
      );
      expect(afterReplay.view.bindingCache).toEqual([]);

      // 2. A BU with a newer sequence number and valid nonce indices, for another care-of address,
      //    authorised with a Kbm the sender made up: silently discarded (§9.5.1).
      const real = mh.decode(packet, 40 + 24);
      expect(real.ok && real.value.type).toBe('BindingUpdate');
      const bu = (real.ok ? real.value : null) as mh.BindingUpdate;
      const attackerCoa = 'fd00:6:7:2::66';
      const forged = sealWithBindingAuthorization(
        mh.bindingUpdate({
          sequenceNumber: (bu.sequenceNumber + 100) & 0xffff,
          lifetime: 100,
          acknowledge: true,
          options: bu.options.filter((o) => o.type === 'NonceIndices'),
        }),
        bindingManagementKey(Buffer.alloc(8, 0x66), Buffer.alloc(8, 0x77)),
        attackerCoa,
        CN,
        { src: HOA, dst: CN },
      );
      const forgedPacket = buildMobilityPacket({ src: attackerCoa, dst: CN, homeAddress: HOA, mh: forged.bytes });
      expect(sender.send(forgedPacket, CN)).toBe(true);
      await wait(300);
      const afterForged = await cnStatus(lab);
      expect(afterForged.view.machine['bu-auth-failed']).toBe(before.view.machine['bu-auth-failed']! + 1);
      expect(afterForged.counters['sent.BindingAcknowledgement']).toBe(
        afterReplay.counters['sent.BindingAcknowledgement'],
      );
      expect(afterForged.view.bindingCache).toEqual([]);
      expect(afterForged.view.machine['bu-accepted']).toBe(before.view.machine['bu-accepted']);

      // 3. Data with a Home Address option and no binding for it (§9.3.1): dropped, Binding Error status 1.
      const data = insertHomeAddressOption(
        buildIpv6Packet({
          src: HOA,
          dst: CN,
          hopLimit: 64,
          upper: {
            nextHeader: 17,
            encode: () =>
              udp.encode({ srcPort: 4000, dstPort: 9, payload: Buffer.alloc(16) }, undefined, 0, {
                addresses: { src: HOA, dst: CN },
              }),
          },
        }),
        ipv6ToBytes(attackerCoa),
      )!;
      expect(sender.send(data, CN)).toBe(true);
      await wait(300);
      const afterData = await cnStatus(lab);
      expect(afterData.view.machine['hao-without-binding']).toBe(before.view.machine['hao-without-binding']! + 1);
      expect(afterData.view.dataPlane.refused).toBe(before.view.dataPlane.refused! + 1);
      expect(afterData.view.dataPlane.accepted).toBe(before.view.dataPlane.accepted);
      expect(afterData.counters['sent.BindingError']).toBe((before.counters['sent.BindingError'] ?? 0) + 1);
    } finally {
      sender.close();
    }
  });
});
