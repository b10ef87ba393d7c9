// 10,000 malformed Mobility Header packets at the home agent of topologies/mipv6.yaml
// (conventions: bytes from the network never crash anything, they are counted and dropped). With mn
// registered from ap1, Ethernet frames are put on the cr–ha link from cr's side (so that packets a
// router would refuse to forward, e.g. a Payload Length past the end, still reach the HA), all to the
// HA's address, a mix of plain MH (the raw-135 path) and HAO-bearing packets (the AF_PACKET path):
//   random bytes with a bad checksum, truncated MH (< 8 bytes), wrong Header Len, Payload Proto ≠ 59,
//   bad checksums behind a HAO, a HAO of the wrong length, a HAO with a garbage address in front of a
//   random but well-formed MH, IPv6 Payload Length past the end, non-MH data with a HAO.
// Every frame carries one flow label, so a tap on the HA's side counts how many arrived. Afterwards
// the HA's counters account for each arrival exactly, per kind (RFC 6275 §9.2 checks: Header Len,
// Payload Proto, checksum), the agent still answers, mn's binding is unchanged, and a real move to
// ap2 still registers. Seeded PRNG: a failure replays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../src/lab/lab.js';
import { nodeNetns } from '../../src/lab/names.js';
import { native } from '../../src/native/index.js';
import type { PacketSocket } from '../../src/native/types.js';
import * as ethernet from '../../src/wire/ethernet.js';
import { NextHeader } from '../../src/wire/ipv6.js';
import { buildIpv6Packet, type ExtensionHeaderInput } from '../../src/wire/packet.js';
import {
  CN_ADDRESS,
  HA_ADDRESS,
  MN_HOA,
  bindingOf,
  cnReachesMn,
  homeAgentStatus,
  moveAndRegister,
  upMipv6Lab,
  wait,
  type HomeAgentView,
} from '../support/mipv6-attack.js';
import { checkPrereqs } from '../support/prereq.js';
import { seededRandom } from '../support/random.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'ping'] });
const TOTAL = 10_000;
const MARK = 0xbad42; // flow label of every malformed packet
const IPPROTO_NONE = 59;

/** Where each kind must end up at the HA (mobility-header-io.ts receiver stats, kernel raw6 drops). */
const KINDS = {
  /** Plain MH, random bytes, checksum made wrong: the kernel's IPV6_CHECKSUM check drops them (raw6 drops). */
  randomPlain: 'rawDrops',
  /** Plain MH of 6–7 bytes (shorter than the 8-byte minimum), checksum right. */
  truncatedPlain: 'badMobilityHeader',
  /** Plain MH, Header Len past the end, checksum right. */
  headerLenPlain: 'badMobilityHeader',
  /** Plain MH, Payload Proto ≠ 59, checksum right. */
  payloadProtoPlain: 'badMobilityHeader',
  /** Plain MH, well formed (random type and body), checksum right: decoded, refused or counted malformed by the agent. */
  randomWellFormedPlain: 'fromRawSocket',
  /** HAO + well-formed MH with a wrong checksum. */
  badChecksumHao: 'badChecksum',
  /** HAO + Header Len past the end. */
  headerLenHao: 'badMobilityHeader',
  /** HAO + Payload Proto ≠ 59. */
  payloadProtoHao: 'badMobilityHeader',
  /** HAO + MH of 6–7 bytes. */
  truncatedHao: 'badMobilityHeader',
  /** Home Address option (type 201) of length 8 instead of 16. */
  haoWrongLength: 'malformed',
  /** IPv6 Payload Length past the end of the frame, behind a HAO. */
  payloadLengthPastEnd: 'malformed',
  /** HAO holding a random 16-byte address + random well-formed MH, checksum right over that "home address". */
  haoGarbageAddress: 'fromPacketSocket',
  /** HAO + UDP with random bytes (RFC 6275 §9.3.1: data with a HAO, no binding → Binding Error, rate-limited). */
  haoNonMh: 'other',
} as const;
type Kind = keyof typeof KINDS;
type Outcome = (typeof KINDS)[Kind];

interface Malformed {
  kind: Kind;
  packet: Buffer;
}

function makePackets(seed: number): Malformed[] {
  const rand = seededRandom(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const kinds = Object.keys(KINDS) as Kind[];
  const hao = (homeAddress: string): ExtensionHeaderInput[] => [
    { kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress }] },
  ];
  /** A Mobility Header that passes RFC 6275 §9.2's checks: Payload Proto 59, Header Len right, 8–64 bytes. */
  const wellFormedMh = () => {
    const len = 8 * (1 + int(8));
    const m = bytes(len);
    m[0] = IPPROTO_NONE;
    m[1] = len / 8 - 1;
    m[2] = int(24);
    return m;
  };
  const packet = (o: {
    mh: Buffer;
    extensions?: ExtensionHeaderInput[];
    upper?: number;
    corruptChecksum?: boolean;
    payloadLength?: number;
  }) => {
    const p = buildIpv6Packet({
      src: CN_ADDRESS,
      dst: HA_ADDRESS,
      flowLabel: MARK,
      extensions: o.extensions ?? [],
      upper: { nextHeader: o.upper ?? NextHeader.MobilityHeader, encode: () => o.mh },
      ...(o.payloadLength !== undefined ? { payloadLength: o.payloadLength } : {}),
    });
    if (o.corruptChecksum) p[p.length - o.mh.length + 4]! ^= 1 + int(255);
    return p;
  };
  const out: Malformed[] = [];
  for (let i = 0; i < TOTAL; i++) {
    const kind = kinds[i % kinds.length]!;
    let p: Buffer;
    switch (kind) {
      case 'randomPlain':
        p = packet({ mh: bytes(8 + int(120)), corruptChecksum: true });
        break;
      case 'truncatedPlain':
      case 'truncatedHao': {
        const m = bytes(6 + int(2));
        m[0] = IPPROTO_NONE;
        m[1] = 0;
        p = packet({ mh: m, ...(kind === 'truncatedHao' ? { extensions: hao(MN_HOA) } : {}) });
        break;
      }
      case 'headerLenPlain':
      case 'headerLenHao': {
        const m = wellFormedMh();
        m[1] = m.length / 8 + int(20); // claims at least 8 bytes more than there are
        p = packet({ mh: m, ...(kind === 'headerLenHao' ? { extensions: hao(MN_HOA) } : {}) });
        break;
      }
      case 'payloadProtoPlain':
      case 'payloadProtoHao': {
        const m = wellFormedMh();
        m[0] = [0, 6, 17, 41, 58, 135, 255][int(7)]!;
        p = packet({ mh: m, ...(kind === 'payloadProtoHao' ? { extensions: hao(MN_HOA) } : {}) });
        break;
      }
      case 'randomWellFormedPlain':
        p = packet({ mh: wellFormedMh() });
        break;
      case 'badChecksumHao':
        p = packet({ mh: wellFormedMh(), extensions: hao(MN_HOA), corruptChecksum: true });
        break;
      case 'haoWrongLength':
        p = packet({
          mh: wellFormedMh(),
          extensions: [{ kind: 'DestinationOptions', options: [{ type: 'Unknown', optionType: 201, data: bytes(8) }] }],
        });
        break;
      case 'payloadLengthPastEnd': {
        const m = wellFormedMh();
        p = packet({ mh: m, extensions: hao(MN_HOA), payloadLength: 24 + m.length + 8 * (1 + int(10)) });
        break;
      }
      case 'haoGarbageAddress': {
        const a = bytes(16);
        const text = Array.from({ length: 8 }, (_, k) => a.readUInt16BE(2 * k).toString(16)).join(':');
        p = packet({ mh: wellFormedMh(), extensions: hao(text) });
        break;
      }
      case 'haoNonMh':
        p = packet({ mh: bytes(8 + int(60)), extensions: hao(MN_HOA), upper: NextHeader.UDP });
        break;
    }
    out.push({ kind, packet: p });
  }
  return out;
}

/** Kernel drop counter of the HA agent's raw socket for protocol 135 (/proc/net/raw6 "drops", per namespace). */
async function rawMhDrops(lab: StartedLab): Promise<number> {
  const r = await lab.node('ha').exec(['cat', '/proc/net/raw6']);
  const rows = r.stdout.split('\n').filter((l) => /^\s*\d+:\s+[0-9A-F]{32}:0087\s/.test(l));
  if (rows.length !== 1) throw new Error(`expected one raw socket of protocol 135 in ha, found:\n${r.stdout}`);
  return Number(rows[0]!.trim().split(/\s+/).at(-1));
}

const RECEIVER_FIELDS = [
  'malformed',
  'badChecksum',
  'badMobilityHeader',
  'fromRawSocket',
  'fromPacketSocket',
  'other',
] as const;

function receiver(v: HomeAgentView): Record<(typeof RECEIVER_FIELDS)[number], number> {
  return Object.fromEntries(RECEIVER_FIELDS.map((f) => [f, v.mobilityHeaders[f] ?? 0])) as Record<
    (typeof RECEIVER_FIELDS)[number],
    number
  >;
}

/** What the agent did with the MH it was handed: decoded (mh.received.*) or counted malformed (mh.malformed.*). */
function agentMh(counters: Record<string, Record<string, number>>): { received: number; malformed: number } {
  const c = counters['home-agent'] ?? {};
  let received = 0;
  let malformed = 0;
  for (const [k, n] of Object.entries(c)) {
    if (k.startsWith('mh.received.')) received += n;
    if (k.startsWith('mh.malformed.')) malformed += n;
  }
  return { received, malformed };
}

describe.skipIf(missing)(
  `mipv6: ${TOTAL.toLocaleString('en')} malformed Mobility Header packets at the home agent`,
  () => {
    let lab: StartedLab;
    let inject: PacketSocket;
    let tap: PacketSocket;
    const arrived = new Map<Kind, number>();
    const packets = makePackets(0x4a11);
    const kindOf = new Map<string, Kind>();

    beforeAll(async () => {
      ({ lab } = await upMipv6Lab('mmal'));
      const ns = (node: string) => `/run/netns/${nodeNetns(lab.name, node)}`;
      const crIf = lab.lab.nodes
        .find((n) => n.name === 'cr')!
        .interfaces.find((i) => i.addresses.some((a) => a.startsWith('fd00:6:6:2::')))!;
      inject = native.openPacketSocket({ ifname: crIf.name, protocol: 0x86dd, netns: ns('cr') });
      // Count arrivals on the HA's side per kind: the frame bytes name the kind (every frame is unique
      // enough for this map; duplicates are of the same kind anyway).
      for (const m of packets) kindOf.set(m.packet.toString('base64'), m.kind);
      tap = native.openPacketSocket({ ifname: 'eth1', protocol: 0x86dd, netns: ns('ha') });
      tap.start((frames) => {
        for (const f of frames) {
          if (f.data.length < 54 || (f.data.readUInt32BE(14) & 0xfffff) !== MARK) continue;
          const k = kindOf.get(f.data.subarray(14).toString('base64'));
          if (k) arrived.set(k, (arrived.get(k) ?? 0) + 1);
        }
      });
      await moveAndRegister(lab, 'ap1');
    }, 120_000);
    afterAll(async () => {
      inject?.close();
      tap?.close();
      await lab?.down();
    });

    it('every arrival is counted and dropped in its place, the agent lives, mn’s binding is unchanged, a real move still registers', async () => {
      const haIf = lab.lab.nodes.find((n) => n.name === 'ha')!.interfaces.find((i) => i.name === 'eth1')!;
      const crIf = lab.lab.nodes
        .find((n) => n.name === 'cr')!
        .interfaces.find((i) => i.addresses.some((a) => a.startsWith('fd00:6:6:2::')))!;
      const eth = ethernet.encode({ dst: haIf.mac, src: crIf.mac, ethertype: ethernet.ETHERTYPE_IPV6 });

      const before = await homeAgentStatus(lab);
      const drops0 = await rawMhDrops(lab);
      const binding = bindingOf(before.view)!;
      expect(binding).toBeDefined();

      // Paced: 100 frames every 20 ms (5,000 per second), under every queue on the path.
      let sent = 0;
      for (let i = 0; i < packets.length; i += 100) {
        const frames = packets.slice(i, i + 100).map((m) => Buffer.concat([eth, m.packet]));
        let off = 0;
        while (off < frames.length) {
          const n = inject.sendMany(frames.slice(off));
          off += n;
          if (n === 0) await wait(2);
        }
        sent += frames.length;
        await wait(20);
      }
      expect(sent).toBe(TOTAL);

      // Settle: the agent has looked at every arrival when its counters stop moving.
      const total = () => [...arrived.values()].reduce((a, b) => a + b, 0);
      let last = -1;
      let after = before;
      let drops = drops0;
      for (let i = 0; i < 40; i++) {
        await wait(250);
        after = await homeAgentStatus(lab);
        drops = await rawMhDrops(lab);
        const now = RECEIVER_FIELDS.reduce((n, f) => n + receiver(after.view)[f], 0) + drops;
        if (now === last && total() > 0) break;
        last = now;
      }

      const arrivedTotal = total();
      console.log(
        `malformed MH: ${sent} sent, ${arrivedTotal} arrived at ha; per kind ${JSON.stringify(Object.fromEntries(arrived))}`,
      );
      expect(arrivedTotal, 'arrived at the HA (the link has a bounded relay queue)').toBeGreaterThanOrEqual(
        TOTAL * 0.99,
      );

      // Per outcome: what arrived of each kind is exactly what the HA counted there.
      const expected: Record<Outcome, number> = {
        rawDrops: 0,
        badMobilityHeader: 0,
        fromRawSocket: 0,
        badChecksum: 0,
        malformed: 0,
        fromPacketSocket: 0,
        other: 0,
      };
      for (const [k, n] of arrived) expected[KINDS[k]] += n;
      const r0 = receiver(before.view);
      const r1 = receiver(after.view);
      const counted: Record<Outcome, number> = {
        rawDrops: drops - drops0,
        badMobilityHeader: r1.badMobilityHeader - r0.badMobilityHeader,
        fromRawSocket: r1.fromRawSocket - r0.fromRawSocket,
        badChecksum: r1.badChecksum - r0.badChecksum,
        malformed: r1.malformed - r0.malformed,
        fromPacketSocket: r1.fromPacketSocket - r0.fromPacketSocket,
        other: r1.other - r0.other,
      };
      console.log(`counted at ha: ${JSON.stringify(counted)}`);
      expect(counted).toEqual(expected);

      // What reached the agent's decoder was decoded or counted malformed, one or the other, once.
      const a0 = agentMh(before.counters);
      const a1 = agentMh(after.counters);
      expect(a1.received - a0.received + (a1.malformed - a0.malformed)).toBe(
        expected.fromRawSocket + expected.fromPacketSocket,
      );
      expect(a1.malformed - a0.malformed).toBeGreaterThan(0);
      console.log(
        `agent: ${a1.received - a0.received} decoded, ${a1.malformed - a0.malformed} malformed; machine ${JSON.stringify(
          Object.fromEntries(
            Object.entries(after.view.machine)
              .filter(([k, v]) => v !== before.view.machine[k])
              .map(([k, v]) => [k, v - before.view.machine[k]!]),
          ),
        )}`,
      );

      // Refused where decoded: not one of them reached a machine as something it could throw on.
      expect(after.bugs).toEqual({ count: 0 });

      // Nothing changed for mn, nothing was accepted, and the agent is alive and idle.
      expect(bindingOf(after.view), 'mn’s binding (coa, sequence, lifetime)').toEqual(binding);
      expect(after.view.machine['bu-accepted']).toBe(before.view.machine['bu-accepted']);
      expect(after.view.bindingCache).toHaveLength(1);
      expect(after.view.pendingKernelActions).toBe(0);
      const reach = await cnReachesMn(lab);
      expect(reach.ok, `cn still reaches mn:\n${reach.output}`).toBe(true);

      // A fresh real move still registers: newer sequence number, care-of address on ap2.
      const moved = await moveAndRegister(lab, 'ap2');
      expect(moved.careOfAddress.startsWith('fd00:6:6:a2:')).toBe(true);
      expect(moved.sequenceNumber).not.toBe(binding.sequenceNumber);
      expect((await cnReachesMn(lab)).ok).toBe(true);
    });
  },
);
