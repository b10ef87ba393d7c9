// Helpers for the Mobile IPv6 attack tests (mipv6-security, mipv6-malformed): a copy of
// topologies/mipv6.yaml with a second, never attached mobile node "mn2" known to the home agent, the
// home agent's status over its control channel, Binding Updates built from the test process, and a tap
// on the home agent's core link (AF_PACKET in its namespace) that sees BUs come in and BAs go out.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sendControl } from '../../src/agent/control-client.js';
import type { AgentBugs } from '../../src/agent/control.js';
import { buildMobilityPacket } from '../../src/agent/dataplane/mobility-header-io.js';
import { Lab, type StartedLab } from '../../src/lab/lab.js';
import { controlSocketPath, nodeNetns } from '../../src/lab/names.js';
import type { Frame, PacketSocket } from '../../src/native/types.js';
import { native } from '../../src/native/index.js';
import { ntpTimestampFromUnixMs, sealWithMnHa } from '../../src/protocols/mipv6/auth.js';
import { homeAddressOf } from '../../src/wire/ext/hop-by-hop-dest-options.js';
import { NextHeader, walkIpv6 } from '../../src/wire/ipv6.js';
import * as mh from '../../src/wire/mh/index.js';
import { uniqueLabName } from './lab-names.js';

export const MIPV6_FILE = path.resolve('topologies/mipv6.yaml');
/** Addresses of topologies/mipv6.yaml (its prefix fd00:6:6::/48, links numbered in file order). */
export const HA_ADDRESS = 'fd00:6:6:100::1';
export const CN_ADDRESS = 'fd00:6:6:1::2';
export const MN_HOA = 'fd00:6:6:100::100';
export const MN_NAI = 'mn@mipv6.lab';
export const MN_SPI = 1000;
export const MN_KEY = Buffer.from('6d6970763620686f6d65206b65792031', 'hex');
/** The victim-less second node: known to the HA, never attached. */
export const MN2 = {
  nai: 'mn2@mipv6.lab',
  homeAddress: 'fd00:6:6:100::200',
  spi: 1001,
  key: Buffer.from('6d6970763620686f6d65206b65792032', 'hex'),
};

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * topologies/mipv6.yaml without its scenario and traffic (the test drives them), with mn2 added to
 * the HA's mobile nodes and mn's lifetime long enough that no refresh changes its binding mid-test,
 * and no router validating source addresses.
 */
export async function upMipv6Lab(prefix: string): Promise<{ lab: StartedLab; outDir: string }> {
  const resolved = await Lab.load(MIPV6_FILE);
  const nodes = resolved.nodes.map((n) => {
    if (n.name === 'ha') {
      const ha = structuredClone(n.agent['home-agent']) as { mobileNodes: unknown[] };
      ha.mobileNodes.push({ ...MN2, key: MN2.key.toString('hex') });
      return { ...n, agent: { ...n.agent, 'home-agent': ha } };
    }
    if (n.name === 'mn')
      return { ...n, agent: { ...n.agent, 'mobile-node': { ...(n.agent['mobile-node'] as object), lifetimeS: 600 } } };
    return n;
  });
  const outDir = mkdtempSync(path.join(tmpdir(), `mlab-${prefix}-`));
  // The attacks here come from cn with any source address (an off-link attacker where routers do not
  // filter): the routers' source validation (BCP 38) would stop them before the agents' own checks.
  const open = nodes.map((n) => (n.sourceValidation === undefined ? n : { ...n, sourceValidation: false }));
  const lab = await Lab.up(
    { ...resolved, nodes: open, scenario: [], traffic: [], expectations: [] },
    { name: uniqueLabName(prefix), outDir },
  );
  return { lab, outDir };
}

export interface BindingCacheView {
  homeAddress: string;
  careOfAddress: string;
  nai: string;
  sequenceNumber: number;
  lifetimeS: number;
  remainingS: number;
}

export interface HomeAgentView {
  bindingCache: BindingCacheView[];
  machine: Record<string, number>;
  mobilityHeaders: Record<string, number>;
  pendingKernelActions: number;
}

/** The home agent role's state; rejects when the agent does not answer (it died). */
export async function homeAgentStatus(
  lab: StartedLab,
): Promise<{ view: HomeAgentView; counters: Record<string, Record<string, number>>; bugs: AgentBugs }> {
  const r = await sendControl(controlSocketPath(lab.name, 'ha'), { op: 'status' });
  if (!r.ok || !('status' in r) || !r.status) throw new Error(`ha status: ${JSON.stringify(r)}`);
  return { view: r.status.state['home-agent'] as HomeAgentView, counters: r.status.counters, bugs: r.status.bugs };
}

/** mn's binding without the ticking remaining time: coa, sequence, lifetime, nai. */
export function bindingOf(v: HomeAgentView, hoa = MN_HOA): Omit<BindingCacheView, 'remainingS'> | undefined {
  const e = v.bindingCache.find((b) => b.homeAddress === hoa);
  if (!e) return undefined;
  const { remainingS: _, ...rest } = e;
  return rest;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await wait(50);
  }
}

/** Moves mn to `ap` and waits until the HA's binding for its home address names a care-of address in that AP's prefix. */
export async function moveAndRegister(lab: StartedLab, ap: string): Promise<Omit<BindingCacheView, 'remainingS'>> {
  const prefix = lab.lab.aps.find((a) => a.name === ap)!.prefix.split('::/')[0]!;
  await lab.l2.detach('mn');
  await lab.l2.attach('mn', ap);
  return waitFor(`mn registered from ${ap}`, async () => {
    const b = bindingOf((await homeAgentStatus(lab)).view);
    return b?.careOfAddress.startsWith(`${prefix}:`) ? b : undefined;
  });
}

export interface BuSpec {
  /** Outer source; also the care-of address the authenticator covers. */
  src: string;
  homeAddress: string;
  nai: string;
  spi: number;
  key: Buffer;
  sequenceNumber: number;
  lifetimeS: number;
  /** Unix ms of the replay-protection timestamp; default now. */
  timestampMs?: number;
}

/** A whole IPv6 packet: BU with Home Address option, MN-ID, replay protection and MN-HA authenticator (RFC 6275 §11.7.1, RFC 4283, RFC 4285). */
export function buildBindingUpdatePacket(s: BuSpec): Buffer {
  const bu = mh.bindingUpdate({
    sequenceNumber: s.sequenceNumber,
    lifetime: Math.floor(s.lifetimeS / 4),
    acknowledge: true,
    homeRegistration: true,
    options: [
      mh.naiIdentifier(s.nai),
      { type: 'MobilityMessageReplayProtection', timestamp: ntpTimestampFromUnixMs(s.timestampMs ?? Date.now()) },
    ],
  });
  const sealed = sealWithMnHa(bu, { spi: s.spi, key: s.key }, s.src, s.homeAddress, {
    src: s.homeAddress,
    dst: HA_ADDRESS,
  });
  return buildMobilityPacket({ src: s.src, dst: HA_ADDRESS, homeAddress: s.homeAddress, mh: sealed.bytes });
}

/** Sends whole IPv6 packets from inside a lab node (header-included raw socket in its namespace). */
export function packetSender(
  lab: StartedLab,
  node: string,
): { send(packet: Buffer, dst: string): boolean; close(): void } {
  const sock = native.openRaw6Socket({
    protocol: 255,
    headerIncluded: true,
    netns: `/run/netns/${nodeNetns(lab.name, node)}`,
  });
  return {
    send: (packet, dst) => {
      try {
        return sock.send(packet, dst);
      } catch {
        return false;
      }
    },
    close: () => sock.close(),
  };
}

export interface SeenMobilityHeader {
  direction: 'in' | 'out';
  src: string;
  dst: string;
  homeAddress?: string;
  message: mh.MobilityMessage;
  /** The whole IPv6 packet as it was on the wire (for a replay). */
  packet: Buffer;
  atMs: number;
}

const PACKET_OUTGOING = 4;

/** AF_PACKET on the HA's core interface: every Mobility Header going in or out, decoded. */
export function tapHomeAgent(lab: StartedLab, ifname = 'eth1'): { seen: SeenMobilityHeader[]; close(): void } {
  const seen: SeenMobilityHeader[] = [];
  const sock: PacketSocket = native.openPacketSocket({
    ifname,
    protocol: 0x0003 /* ETH_P_ALL: only these taps see frames sent (packet(7)) */,
    ignoreOutgoing: false,
    netns: `/run/netns/${nodeNetns(lab.name, 'ha')}`,
  });
  const onFrame = (f: Frame) => {
    if (f.data.length < 54 || f.data.readUInt16BE(12) !== 0x86dd) return;
    const w = walkIpv6(f.data, 14);
    if (!w.ok || w.value.upperLayer !== NextHeader.MobilityHeader) return;
    const { header, extensions, upperOffset, upperLength } = w.value;
    const d = mh.decode(f.data.subarray(upperOffset, upperOffset + upperLength), 0);
    if (!d.ok) return;
    let homeAddress: string | undefined;
    for (const e of extensions) if (e.kind === 'DestinationOptions') homeAddress ??= homeAddressOf(e);
    seen.push({
      direction: f.packetType === PACKET_OUTGOING ? 'out' : 'in',
      src: header.src,
      dst: header.dst,
      ...(homeAddress !== undefined ? { homeAddress } : {}),
      message: d.value,
      packet: Buffer.from(f.data.subarray(14)),
      atMs: Date.now(),
    });
  };
  sock.start(
    (frames) => frames.forEach(onFrame),
    () => {},
  );
  return { seen, close: () => sock.close() };
}

/** BA statuses the HA sent since `from` (index into seen), to `dst`. */
export function acksTo(
  seen: SeenMobilityHeader[],
  from: number,
  dst: string,
): { status: number; sequenceNumber: number }[] {
  return seen
    .slice(from)
    .filter((s) => s.direction === 'out' && s.dst === dst && s.message.type === 'BindingAcknowledgement')
    .map((s) => {
      const ba = s.message as mh.BindingAcknowledgement;
      return { status: ba.status, sequenceNumber: ba.sequenceNumber };
    });
}

/** cn pings mn's home address: true when every echo comes back (through the HA's tunnel both ways). */
export async function cnReachesMn(lab: StartedLab, count = 5): Promise<{ ok: boolean; output: string }> {
  const r = await lab
    .node('cn')
    .exec(['ping', '-6', '-n', '-c', String(count), '-i', '0.2', '-W', '2', MN_HOA], { reject: false });
  return { ok: r.exitCode === 0, output: r.stdout + r.stderr };
}
