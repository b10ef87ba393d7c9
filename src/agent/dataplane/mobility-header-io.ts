// Sending and receiving Mobility Header messages on a kernel without IPv6 mobility (CONFIG_IPV6_MIP6),
// mobility-anchors.md §D.3-D.4:
// - A packet with a Home Address option (BU from MN to HA, RFC 6275 §6.3) is answered with ICMPv6
//   Parameter Problem code 2 and dropped even with a raw-135 socket open; one with a type 2 routing
//   header (BA from HA to MN, §6.4) with Parameter Problem code 0. So an nft table drops such packets
//   to our addresses at prerouting priority -300 (before the IPv6 input path answers them), and an
//   AF_PACKET socket, which sees frames before netfilter, hands them over.
// - Plain MH (no HAO, no RH2) is delivered by the kernel to a raw socket of protocol 135.
// - Sending: the whole packet is built here (wire/packet.ts) with the MH checksum over the RFC 6275
//   §6.1.7 pseudo-header (HoA as source with an HAO, final destination with an RH2) and sent
//   header-included; the kernel's IPV6_CHECKSUM would use the on-wire source (§D.3, measured).
import type { Frame, NativeBinding, PacketSocket, Raw6Packet, Raw6Socket } from '../../native/types.js';
import { verifyPseudoHeaderChecksum } from '../../wire/checksum.js';
import { homeAddressOf } from '../../wire/ext/hop-by-hop-dest-options.js';
import { NextHeader, pseudoHeaderAddresses, walkIpv6 } from '../../wire/ipv6.js';
import { buildIpv6Packet, type ExtensionHeaderInput } from '../../wire/packet.js';
import { firstNextHeaderFilter } from './bpf.js';
import { KernelCommandError, run, runSync } from './kernel.js';
import { canonicalIpv6 } from './tunnel.js';

export const ETH_P_IPV6 = 0x86dd;
export const ETHERNET_HEADER_LENGTH = 14;
/** RFC 6275 §6.1.1: Payload Proto of every MH we accept. */
export const IPPROTO_NONE = 59;
const PACKET_OUTGOING = 4;

// ---------------------------------------------------------------------------------------------
// nft: keep the kernel from answering HAO / RH2 packets with Parameter Problem (§D.4.2)

export const FILTER_SET = 'mobility_addresses';

/** The raw-135 socket's receive buffer (SO_RCVBUFFORCE), bytes. */
const RAW_MH_RECEIVE_BUFFER = 4 * 1024 * 1024;

export interface MobilityFilters {
  readonly table: string;
  /** Replaces the protected addresses (e.g. a new CoA) in one nft transaction. */
  setAddresses(addresses: readonly string[]): Promise<void>;
  /** Deletes the table (idempotent, never throws). */
  remove(): void;
}

/** The nft ruleset text: table `ip6 <table>` with a set of our addresses and two drop rules. */
export function mobilityFilterRuleset(table: string, addresses: readonly string[]): string {
  const elements = addresses.length
    ? `\nadd element ip6 ${table} ${FILTER_SET} { ${addresses.map(canonicalIpv6).join(', ')} }`
    : '';
  // "table …" then "delete table …" makes the script idempotent (an old table of the same name goes).
  return `table ip6 ${table}
delete table ip6 ${table}
table ip6 ${table} {
  set ${FILTER_SET} { type ipv6_addr; }
  chain prerouting {
    type filter hook prerouting priority -300; policy accept;
    ip6 daddr @${FILTER_SET} exthdr dst exists counter drop comment "Home Address option: read from AF_PACKET (RFC 6275 6.3)"
    ip6 daddr @${FILTER_SET} rt type 2 counter drop comment "type 2 routing header: read from AF_PACKET (RFC 6275 6.4)"
  }
}${elements}
`;
}

/** Table names: letters, digits, underscore (nft identifiers), e.g. `mipshop_ha1`. */
export function filterTableName(agent: string): string {
  return `mipshop_${agent.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 60);
}

/**
 * True when nft failed because the kernel has no nftables of the ip6 family (a kernel built without
 * CONFIG_NF_TABLES_IPV6, such as Debian's user-mode-linux 6.1: docs/kernel-tier.md).
 */
export function nftFamilyUnsupported(err: unknown): boolean {
  return err instanceof KernelCommandError && /Operation not supported|Protocol not supported/.test(err.stderr);
}

/** What an agent does when the kernel cannot hold the filter: log it (the agent goes on without). */
export type FilterUnavailable = (reason: string) => void;

const NO_FILTERS = (table: string): MobilityFilters => ({
  table,
  setAddresses: async () => undefined,
  remove: () => undefined,
});

/**
 * Without nftables' ip6 family the table cannot be made. A kernel with IPv6 mobility (CONFIG_IPV6_MIP6)
 * then drops such packets itself, silently, when no XFRM state covers the address (its HAO and RH2
 * handlers look one up, xfrm6_input_addr), and AF_PACKET still reads them first; on a kernel
 * with neither, the Parameter Problem the kernel sends is what a lab's no-icmpv6-error expectation
 * catches. So the agent goes on, and says so in its log.
 */
export async function installMobilityFilters(o: {
  netns?: string;
  table: string;
  addresses: readonly string[];
  onUnavailable: FilterUnavailable;
}): Promise<MobilityFilters> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.table))
    throw new Error(`nft table name ${JSON.stringify(o.table)}: letters, digits and _ only`);
  try {
    await run(o.netns, 'nft', ['-f', '-'], mobilityFilterRuleset(o.table, o.addresses));
  } catch (err) {
    if (!nftFamilyUnsupported(err)) throw err;
    o.onUnavailable((err as KernelCommandError).stderr.trim().split('\n')[0] ?? 'nft ip6 unsupported');
    return NO_FILTERS(o.table);
  }
  let removed = false;
  return {
    table: o.table,
    async setAddresses(addresses: readonly string[]): Promise<void> {
      const add = addresses.length
        ? `\nadd element ip6 ${o.table} ${FILTER_SET} { ${addresses.map(canonicalIpv6).join(', ')} }`
        : '';
      await run(o.netns, 'nft', ['-f', '-'], `flush set ip6 ${o.table} ${FILTER_SET}${add}\n`);
    },
    remove(): void {
      if (removed) return;
      removed = true;
      try {
        runSync(o.netns, 'nft', ['delete', 'table', 'ip6', o.table]);
      } catch {
        // already gone (namespace deleted, or removed by hand)
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Receiving

export interface ReceivedMobilityHeader {
  src: string;
  dst: string;
  /** The Home Address option's address (RFC 6275 §6.3), when present. */
  homeAddress?: string;
  /** The type 2 routing header's home address (RFC 6275 §6.4), when present. */
  routingHomeAddress?: string;
  /** The Mobility Header, from Payload Proto on (a copy: safe to keep). Checksum verified. */
  mh: Buffer;
  ifindex: number;
  timestampNs: bigint;
  /** Where it came from: the AF_PACKET receiver (HAO/RH2) or the raw-135 socket (plain MH). */
  via: 'packet-socket' | 'raw-socket';
}

/** A non-MH packet with an HAO or RH2 (e.g. the HomeAgent's 'home-address-option' input, §9.3.1). */
export interface ReceivedWithMobilityHeaders {
  src: string;
  dst: string;
  homeAddress?: string;
  routingHomeAddress?: string;
  upperLayer: number;
  /** The IPv6 packet, from its header to the end of its payload: a view into the receive batch (copy it to keep it). */
  packet: Buffer;
}

export interface MobilityReceiverStats {
  /** Messages handed to onMessage, per path. */
  fromPacketSocket: number;
  fromRawSocket: number;
  /** Non-MH packets with HAO/RH2 handed to onOtherPacket. */
  other: number;
  /** IPv6 frames without HAO/RH2 (the kernel handles them), or not to our addresses. */
  ignored: number;
  /** Frames that are not a valid IPv6 packet (walkIpv6 failed) or too short. */
  malformed: number;
  /** MH with a bad checksum (RFC 6275 §9.2: silently discarded). */
  badChecksum: number;
  /** MH whose Header Len does not fit, or Payload Proto ≠ 59 (§9.2: the kernel's MIP6 checks, done here). */
  badMobilityHeader: number;
  /** Frames whose handling threw (handed to onBug). */
  bugs: number;
}

export interface MobilityReceiverOptions {
  native: NativeBinding;
  netns?: string;
  /** Interfaces whose frames are read with AF_PACKET (where HAO/RH2 messages arrive). */
  interfaces: readonly string[];
  /** Our addresses: only packets to them are handed over. */
  addresses: readonly string[];
  onMessage: (m: ReceivedMobilityHeader) => void;
  onOtherPacket?: (p: ReceivedWithMobilityHeaders) => void;
  /** Gets what handling a frame threw (RoleContext.bug); without it the throw goes on to the caller. */
  onBug?: (err: unknown) => void;
  /** Bytes before the IPv6 header in each frame (14 for Ethernet/veth, 0 for TUN). */
  linkHeaderLength?: number;
  /** Also open the raw-135 socket for plain MH (default true). */
  plainMobilityHeader?: boolean;
}

export interface MobilityReceiver {
  setAddresses(addresses: readonly string[]): void;
  stats(): MobilityReceiverStats;
  close(): void;
}

/** RFC 6275 §9.2 checks the kernel's MIP6 code would do (mobility-anchors.md §D.4.1). */
function mobilityHeaderOk(mh: Buffer): boolean {
  return mh.length >= 8 && mh[0] === IPPROTO_NONE && (mh[1]! + 1) * 8 <= mh.length;
}

/** First Next Header values that can lead to a Home Address option or a type 2 routing header. */
const CARRIERS: readonly number[] = [NextHeader.DestinationOptions, NextHeader.Routing, NextHeader.HopByHop];

export function openMobilityReceiver(o: MobilityReceiverOptions): MobilityReceiver {
  let ours = new Set(o.addresses.map(canonicalIpv6));
  const link = o.linkHeaderLength ?? ETHERNET_HEADER_LENGTH;
  const st: MobilityReceiverStats = {
    fromPacketSocket: 0,
    fromRawSocket: 0,
    other: 0,
    ignored: 0,
    malformed: 0,
    badChecksum: 0,
    badMobilityHeader: 0,
    bugs: 0,
  };
  const sockets: (PacketSocket | Raw6Socket)[] = [];

  const onFrame = (f: Frame) => {
    const d = f.data;
    if (f.packetType === PACKET_OUTGOING || d.length < link + 40) {
      st.ignored++;
      return;
    }
    // Only Destination Options (60) or Routing (43) first, or behind a Hop-by-Hop header (0), can
    // carry what the kernel refuses. The socket's filter keeps the rest in the kernel; checked again
    // here for a binding without one.
    const first = d[link + 6]!;
    if (!CARRIERS.includes(first)) {
      st.ignored++;
      return;
    }
    const w = walkIpv6(d, link);
    if (!w.ok) {
      st.malformed++;
      return;
    }
    const { header, extensions, upperLayer, upperOffset, upperLength } = w.value;
    if (!ours.has(header.dst)) {
      st.ignored++;
      return;
    }
    let homeAddress: string | undefined;
    let routingHomeAddress: string | undefined;
    for (const e of extensions) {
      if (e.kind === 'DestinationOptions') homeAddress ??= homeAddressOf(e);
      else if (e.kind === 'Routing' && e.routingType === 2 && 'homeAddress' in e) routingHomeAddress ??= e.homeAddress;
    }
    if (homeAddress === undefined && routingHomeAddress === undefined) {
      st.ignored++;
      return;
    }
    if (upperLayer !== NextHeader.MobilityHeader) {
      st.other++;
      o.onOtherPacket?.({
        src: header.src,
        dst: header.dst,
        homeAddress,
        routingHomeAddress,
        upperLayer,
        packet: d.subarray(link, link + 40 + header.payloadLength),
      });
      return;
    }
    const mh = d.subarray(upperOffset, upperOffset + upperLength);
    if (!mobilityHeaderOk(mh)) {
      st.badMobilityHeader++;
      return;
    }
    const ph = pseudoHeaderAddresses({ header, extensions });
    if (!verifyPseudoHeaderChecksum(ph.src, ph.dst, NextHeader.MobilityHeader, mh)) {
      st.badChecksum++;
      return;
    }
    st.fromPacketSocket++;
    const m: ReceivedMobilityHeader = {
      src: header.src,
      dst: header.dst,
      mh: Buffer.from(mh),
      ifindex: f.ifindex,
      timestampNs: f.timestampNs,
      via: 'packet-socket',
    };
    if (homeAddress !== undefined) m.homeAddress = homeAddress;
    if (routingHomeAddress !== undefined) m.routingHomeAddress = routingHomeAddress;
    o.onMessage(m);
  };

  const onRaw = (p: Raw6Packet) => {
    // The kernel verified the checksum (IPV6_CHECKSUM 4) over the on-wire addresses, right for plain MH.
    if (!mobilityHeaderOk(p.data)) {
      st.badMobilityHeader++;
      return;
    }
    st.fromRawSocket++;
    o.onMessage({
      src: p.src,
      dst: p.dst,
      mh: Buffer.from(p.data),
      ifindex: p.ifindex,
      timestampNs: p.timestampNs,
      via: 'raw-socket',
    });
  };

  try {
    for (const ifname of o.interfaces) {
      // Every IPv6 frame of the interface would otherwise be copied up and looked at in JS: on a router
      // that is all the traffic it forwards (2,000 frames/s with ten mobile nodes), for a few MH.
      const s = o.native.openPacketSocket({
        ifname,
        protocol: ETH_P_IPV6,
        netns: o.netns,
        filter: firstNextHeaderFilter(link, CARRIERS),
      });
      sockets.push(s);
      s.start(
        (frames) => {
          for (const f of frames) {
            try {
              onFrame(f);
            } catch (err) {
              // Bad bytes are refused above with a reason; a throw is a bug (ours or a handler's): it
              // goes to onBug and the next frame is read.
              st.bugs++;
              if (!o.onBug) throw err;
              o.onBug(err);
            }
          }
        },
        () => {},
      );
    }
    if (o.plainMobilityHeader ?? true) {
      // A raw socket whose receive buffer is full does not count as having taken the packet: the kernel
      // then answers it with Parameter Problem code 1 (net/ipv6/raw.c skips a full socket before it
      // marks the packet delivered). Room for a burst: 400 HIs at once filled the default 208 KiB.
      const raw = o.native.openRaw6Socket({
        protocol: NextHeader.MobilityHeader,
        checksumOffset: 4,
        netns: o.netns,
        receiveBuffer: RAW_MH_RECEIVE_BUFFER,
      });
      sockets.push(raw);
      raw.start(
        (ps) => ps.forEach(onRaw),
        () => {},
      );
    }
  } catch (err) {
    for (const s of sockets) s.close();
    throw err;
  }

  return {
    setAddresses(addresses: readonly string[]): void {
      ours = new Set(addresses.map(canonicalIpv6));
    },
    stats: () => ({ ...st }),
    close(): void {
      for (const s of sockets) s.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sending

export interface MobilityHeaderToSend {
  src: string;
  dst: string;
  /** Adds a Destination Options header with this Home Address option (MN → HA/CN, RFC 6275 §6.3). */
  homeAddress?: string;
  /** Adds a type 2 routing header with this home address, Segments Left 1 (HA/CN → MN, §6.4). */
  routingHomeAddress?: string;
  /** The Mobility Header bytes (its checksum is recomputed over the right pseudo-header). */
  mh: Uint8Array;
  hopLimit?: number;
}

/** The whole IPv6 packet for a Mobility Header, extension headers in RFC 8200 §4.1 order. */
export function buildMobilityPacket(m: MobilityHeaderToSend): Buffer {
  const extensions: ExtensionHeaderInput[] = [];
  // RFC 8200 §4.1: the Routing header precedes Destination Options carried for the final destination.
  if (m.routingHomeAddress !== undefined)
    extensions.push({ kind: 'Routing', routingType: 2, segmentsLeft: 1, homeAddress: m.routingHomeAddress });
  if (m.homeAddress !== undefined)
    extensions.push({ kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress: m.homeAddress }] });
  return buildIpv6Packet({
    src: m.src,
    dst: m.dst,
    hopLimit: m.hopLimit ?? 64,
    extensions,
    upper: { nextHeader: NextHeader.MobilityHeader, encode: () => m.mh },
  });
}

export interface MobilitySender {
  /** False when the kernel refused it (queue full, no route): the machine's retransmission recovers. */
  send(m: MobilityHeaderToSend): boolean;
  readonly sent: number;
  readonly failed: number;
  close(): void;
}

export function openMobilitySender(o: { native: NativeBinding; netns?: string }): MobilitySender {
  const sock = o.native.openRaw6Socket({ protocol: 255, headerIncluded: true, netns: o.netns });
  let sent = 0;
  let failed = 0;
  return {
    send(m: MobilityHeaderToSend): boolean {
      let ok = false;
      try {
        ok = sock.send(buildMobilityPacket(m), m.dst);
      } catch {
        ok = false; // ENETUNREACH right after a move, for instance
      }
      if (ok) sent++;
      else failed++;
      return ok;
    },
    get sent() {
      return sent;
    },
    get failed() {
      return failed;
    },
    close: () => sock.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// All three together, for a role

export interface MobilityHeaderIo extends MobilityReceiver {
  send(m: MobilityHeaderToSend): boolean;
  /** Our addresses changed (new CoA): the nft set and the receiver's filter follow. */
  setAddresses(addresses: readonly string[]): Promise<void>;
}

export async function openMobilityHeaderIo(
  o: MobilityReceiverOptions & {
    /** nft table name, e.g. filterTableName(agentName) */ table: string;
    onFilterUnavailable: FilterUnavailable;
  },
): Promise<MobilityHeaderIo> {
  const filters = await installMobilityFilters({
    netns: o.netns,
    table: o.table,
    addresses: o.addresses,
    onUnavailable: o.onFilterUnavailable,
  });
  let receiver: MobilityReceiver | undefined;
  let sender: MobilitySender | undefined;
  try {
    receiver = openMobilityReceiver(o);
    sender = openMobilitySender(o);
  } catch (err) {
    receiver?.close();
    filters.remove();
    throw err;
  }
  const r = receiver;
  const s = sender;
  return {
    send: (m) => s.send(m),
    async setAddresses(addresses: readonly string[]): Promise<void> {
      r.setAddresses(addresses);
      await filters.setAddresses(addresses);
    },
    stats: () => r.stats(),
    close(): void {
      r.close();
      s.close();
      filters.remove();
    },
  };
}
