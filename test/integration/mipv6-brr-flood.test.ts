// Binding Refresh Requests and Binding Errors forged with the home agent's source address, sent from
// cn (an off-link attacker) at mn's care-of address in topologies/mipv6.yaml for 5 s, 100 of each per
// second. Neither message is authenticated (RFC 6275 §6.1.2, §6.1.9), so mn must answer them, but at
// most MAX_UPDATE_RATE (3) BUs per second go to any one destination (§11.8). A tap on mn's radio
// (AF_PACKET, kernel timestamps) counts the BUs mn sends and the forged messages it receives; cn's
// 100/s echo flow to mn's home address loses no more during the flood than in the 5 s before it; the
// agent still answers; a move to ap2 afterwards registers at once and cn reaches mn there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendControl } from '../../src/agent/control-client.js';
import { buildMobilityPacket } from '../../src/agent/dataplane/mobility-header-io.js';
import type { StartedLab } from '../../src/lab/lab.js';
import { controlSocketPath, nodeNetns } from '../../src/lab/names.js';
import { native } from '../../src/native/index.js';
import type { Frame, PacketSocket } from '../../src/native/types.js';
import { MAX_UPDATE_RATE } from '../../src/protocols/mipv6/constants.js';
import { NextHeader, walkIpv6 } from '../../src/wire/ipv6.js';
import * as mh from '../../src/wire/mh/index.js';
import {
  HA_ADDRESS,
  MN_HOA,
  cnReachesMn,
  moveAndRegister,
  packetSender,
  upMipv6Lab,
  wait,
} from '../support/mipv6-attack.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'ping'] });
const PACKET_OUTGOING = 4;
const FLOOD_MS = 5_000;

interface Seen {
  direction: 'in' | 'out';
  dst: string;
  type: mh.MobilityMessage['type'];
  atMs: number;
}

/** AF_PACKET on mn's radio: every Mobility Header in or out, with the kernel's timestamp. */
function tapRadio(lab: StartedLab): { seen: Seen[]; close(): void } {
  const seen: Seen[] = [];
  const sock: PacketSocket = native.openPacketSocket({
    ifname: 'wlan0',
    protocol: 0x0003,
    ignoreOutgoing: false,
    netns: `/run/netns/${nodeNetns(lab.name, 'mn')}`,
  });
  const onFrame = (f: Frame) => {
    if (f.data.length < 54 || f.data.readUInt16BE(12) !== 0x86dd) return;
    const w = walkIpv6(f.data, 14);
    if (!w.ok || w.value.upperLayer !== NextHeader.MobilityHeader) return;
    const d = mh.decode(f.data.subarray(w.value.upperOffset, w.value.upperOffset + w.value.upperLength), 0);
    if (!d.ok) return;
    seen.push({
      direction: f.packetType === PACKET_OUTGOING ? 'out' : 'in',
      dst: w.value.header.dst,
      type: d.value.type,
      atMs: Number(f.timestampNs / 1_000_000n),
    });
  };
  sock.start(
    (frames) => frames.forEach(onFrame),
    () => {},
  );
  return { seen, close: () => sock.close() };
}

/** The most sends in any window [t, t + 1 s) starting at a send. */
function maxPerSecond(times: number[]): number {
  return Math.max(0, ...times.map((t) => times.filter((s) => s >= t && s < t + 1000).length));
}

/** ping -c N at 100/s from cn to mn's home address: echoes lost. */
async function lostEchoes(lab: StartedLab, count: number): Promise<{ lost: number; output: string }> {
  const r = await lab
    .node('cn')
    .exec(['ping', '-6', '-n', '-q', '-c', String(count), '-i', '0.01', '-W', '2', MN_HOA], { reject: false });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (!m) throw new Error(`ping said:\n${r.stdout}${r.stderr}`);
  return { lost: Number(m[1]) - Number(m[2]), output: r.stdout };
}

async function mnStatus(lab: StartedLab): Promise<{ machine: Record<string, number> }> {
  const r = await sendControl(controlSocketPath(lab.name, 'mn'), { op: 'status' });
  if (!r.ok || !('status' in r) || !r.status) throw new Error(`mn status: ${JSON.stringify(r)}`);
  return r.status.state['mobile-node'] as { machine: Record<string, number> };
}

describe.skipIf(missing)('mipv6: BRRs and Binding Errors forged from the home agent’s address', () => {
  let lab: StartedLab;
  let careOf: string;

  beforeAll(async () => {
    ({ lab } = await upMipv6Lab('mbrr'));
    careOf = (await moveAndRegister(lab, 'ap1')).careOfAddress;
  }, 120_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('mn sends at most 3 BUs per second to its home agent, its flow loses nothing more, it still moves', async () => {
    const baseline = await lostEchoes(lab, FLOOD_MS / 10);
    const tap = tapRadio(lab);
    const sender = packetSender(lab, 'cn');
    const brr = buildMobilityPacket({
      src: HA_ADDRESS,
      dst: careOf,
      mh: mh.encode({ type: 'BindingRefreshRequest', options: [] }),
    });
    const be = buildMobilityPacket({
      src: HA_ADDRESS,
      dst: careOf,
      mh: mh.encode({ type: 'BindingError', status: 1, homeAddress: MN_HOA, options: [] }),
    });
    let forged = 0;
    let flooding = true;
    const flood = (async () => {
      const end = Date.now() + FLOOD_MS;
      while (Date.now() < end) {
        if (sender.send(brr, careOf)) forged++;
        if (sender.send(be, careOf)) forged++;
        await wait(10);
      }
      flooding = false;
    })();
    const during = await lostEchoes(lab, FLOOD_MS / 10);
    await flood;
    expect(flooding).toBe(false);
    await wait(1_500); // a deferred BU and its BA
    sender.close();
    tap.close();

    const arrived = tap.seen.filter((s) => s.direction === 'in' && s.type !== 'BindingAcknowledgement');
    const bus = tap.seen.filter((s) => s.direction === 'out' && s.type === 'BindingUpdate');
    const byDst = new Map<string, Seen[]>();
    for (const s of bus) byDst.set(s.dst, [...(byDst.get(s.dst) ?? []), s]);
    const perDst = [...byDst].map(([dst, s]) => ({ dst, n: s.length, max: maxPerSecond(s.map((x) => x.atMs)) }));
    console.log(
      `forged sent ${forged}, arrived at mn ${arrived.length}; BUs ${JSON.stringify(perDst)}; ` +
        `echoes lost: baseline ${baseline.lost}, during ${during.lost}; machine ${JSON.stringify((await mnStatus(lab)).machine)}`,
    );
    expect(arrived.length, 'the forged messages reached mn’s radio').toBeGreaterThanOrEqual(forged * 0.9);
    expect([...byDst.keys()]).toEqual([HA_ADDRESS]);
    expect(bus.length, 'mn still answers them (RFC 6275 §11.7.4), paced').toBeGreaterThanOrEqual(3);
    for (const d of perDst) expect(d.max, `BUs to ${d.dst} in any 1 s`).toBeLessThanOrEqual(MAX_UPDATE_RATE + 1);
    expect(during.lost, `echoes lost during the flood vs before:\n${during.output}`).toBeLessThanOrEqual(baseline.lost);

    await mnStatus(lab); // the agent answers
    const b = await moveAndRegister(lab, 'ap2');
    expect(b.careOfAddress.startsWith('fd00:6:6:a2:')).toBe(true);
    const reach = await cnReachesMn(lab);
    expect(reach.ok, `cn reaches mn on ap2:\n${reach.output}`).toBe(true);
  }, 90_000);
});
