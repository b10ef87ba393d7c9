// Captured frame -> IPv6 packet, its extension chain, what it carries, and the flow packet inside.
// Mobility tunnels carry the flow as IPv6-in-IPv6 (next header 41, RFC 2473), so the walk goes into
// inner packets. Frames that do not parse are counted by reason, never thrown.

import { decode as decodeFlow, looksLikeFlowPacket, type FlowPacket } from '../wire/flow.js';
import * as ethernet from '../wire/ethernet.js';
import { NextHeader, walkIpv6, type Ipv6Walk } from '../wire/ipv6.js';
import * as udp from '../wire/udp.js';
import { LinkType, type CapturedFrame } from './pcap/frame.js';

const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8];
const TCP = 6;
/** Deepest tunnel nesting followed (a loop of 41s in a forged packet must end). */
const MAX_TUNNEL_DEPTH = 4;

export type Upper =
  | { kind: 'udp'; srcPort: number; dstPort: number; payloadOffset: number; payloadLength: number }
  | { kind: 'icmpv6'; type: number; code: number }
  /**
   * Mobility Header (RFC 6275 §6.1): its MH Type and total length; `dataWord`, the 16 bits at offset 2
   * of the message data when there (a BU's flags, with P; an HI's or HAck's flags and code).
   */
  | { kind: 'mh'; mhType: number; length: number; dataWord?: number }
  | { kind: 'tcp'; srcPort: number; dstPort: number }
  | { kind: 'other'; nextHeader: number };

export interface DecodedFrame {
  /** 0-based position of the frame in its capture. */
  index: number;
  timestampNs: bigint;
  /** 'in' / 'out' when the capture says (SLL packet type, pcapng epb_flags); else undefined. */
  direction?: 'in' | 'out';
  /** The outermost IPv6 packet. */
  ipv6: Ipv6Walk;
  /** Inner packets of IPv6-in-IPv6 tunnels, outermost first; empty when not tunnelled. */
  tunnels: Ipv6Walk[];
  /** Bytes of the outer IPv6 packet (40 + Payload Length), i.e. what the link carried above L2. */
  packetLength: number;
  /** The upper layer of the innermost packet. */
  upper: Upper;
  /** Set when the innermost packet is UDP carrying a flow packet. */
  flow?: FlowPacket;
  /** The innermost IPv6 walk (= ipv6 when not tunnelled). */
  inner: Ipv6Walk;
  /** The buffer the walks' offsets refer to. */
  data: Buffer;
}

export interface FrameStats {
  frames: number;
  ipv6: number;
  /** Frames of other protocols (ARP, IPv4 ...) — not errors. */
  notIpv6: number;
  /** Frames that claim to be IPv6 but do not parse, by reason. */
  malformed: number;
  reasons: Record<string, number>;
  /** Unknown link types, by number. */
  unknownLinkTypes: Record<string, number>;
}

export function emptyStats(): FrameStats {
  return { frames: 0, ipv6: 0, notIpv6: 0, malformed: 0, reasons: {}, unknownLinkTypes: {} };
}

type L3 = { ok: true; offset: number; direction?: 'in' | 'out' } | { ok: false; notIpv6: boolean; reason: string };

/** Finds where the IPv6 packet starts in a frame of the given link type. */
function l3Offset(f: CapturedFrame): L3 | { unknownLink: number } {
  const d = f.data;
  switch (f.linkType) {
    case LinkType.Ethernet: {
      const e = ethernet.decode(d, 0);
      if (!e.ok) return { ok: false, notIpv6: false, reason: 'ethernet-truncated' };
      let type = e.value.ethertype;
      let o = ethernet.ETHERNET_HEADER_LENGTH;
      // IEEE 802.1Q / 802.1ad tags: 4 bytes each, the real EtherType follows.
      while (ETHERTYPE_VLAN.includes(type)) {
        if (d.length < o + 4) return { ok: false, notIpv6: false, reason: 'vlan-truncated' };
        type = d.readUInt16BE(o + 2);
        o += 4;
      }
      return type === ETHERTYPE_IPV6 ? { ok: true, offset: o } : { ok: false, notIpv6: true, reason: 'not-ipv6' };
    }
    case LinkType.Raw:
    case LinkType.Ipv6:
      if (d.length < 1) return { ok: false, notIpv6: false, reason: 'empty' };
      return d[0]! >> 4 === 6 ? { ok: true, offset: 0 } : { ok: false, notIpv6: true, reason: 'not-ipv6' };
    case LinkType.LinuxSll: {
      // 16 bytes: packet type, ARPHRD, address length, 8 address bytes, protocol (big-endian).
      if (d.length < 16) return { ok: false, notIpv6: false, reason: 'sll-truncated' };
      if (d.readUInt16BE(14) !== ETHERTYPE_IPV6) return { ok: false, notIpv6: true, reason: 'not-ipv6' };
      return { ok: true, offset: 16, ...sllDirection(d.readUInt16BE(0)) };
    }
    case LinkType.LinuxSll2: {
      // 20 bytes: protocol, reserved, ifindex, ARPHRD, packet type (byte 10), address length, 8 address bytes.
      if (d.length < 20) return { ok: false, notIpv6: false, reason: 'sll2-truncated' };
      if (d.readUInt16BE(0) !== ETHERTYPE_IPV6) return { ok: false, notIpv6: true, reason: 'not-ipv6' };
      return { ok: true, offset: 20, ...sllDirection(d[10]!) };
    }
    default:
      return { unknownLink: f.linkType };
  }
}

/** SLL packet types: 0-3 were received (host, broadcast, multicast, other host), 4 was sent. */
function sllDirection(t: number): { direction?: 'in' | 'out' } {
  if (t === 4) return { direction: 'out' };
  if (t <= 3) return { direction: 'in' };
  return {};
}

function count(stats: FrameStats, reason: string): void {
  stats.malformed++;
  stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1;
}

/** Decodes one frame; returns undefined (and counts why in `stats`) when it holds no usable IPv6 packet. */
export function decodeFrame(
  f: CapturedFrame,
  index: number,
  stats: FrameStats = emptyStats(),
): DecodedFrame | undefined {
  stats.frames++;
  const l3 = l3Offset(f);
  if ('unknownLink' in l3) {
    stats.unknownLinkTypes[l3.unknownLink] = (stats.unknownLinkTypes[l3.unknownLink] ?? 0) + 1;
    return undefined;
  }
  if (!l3.ok) {
    if (l3.notIpv6) stats.notIpv6++;
    else count(stats, l3.reason);
    return undefined;
  }
  const data = f.data;
  const outer = walkIpv6(data, l3.offset);
  if (!outer.ok) {
    // A frame cut by the snaplen is not the sender's fault, but it is still unusable here.
    count(stats, f.capturedLength < f.originalLength ? 'snaplen' : `ipv6-${outer.error.code}`);
    return undefined;
  }
  stats.ipv6++;
  const tunnels: Ipv6Walk[] = [];
  let inner = outer.value;
  while (inner.upperLayer === NextHeader.IPv6 && tunnels.length < MAX_TUNNEL_DEPTH && !isLaterFragment(inner)) {
    const w = walkIpv6(data.subarray(0, inner.upperOffset + inner.upperLength), inner.upperOffset);
    if (!w.ok) {
      count(stats, `inner-ipv6-${w.error.code}`);
      break;
    }
    tunnels.push(w.value);
    inner = w.value;
  }
  const frame: DecodedFrame = {
    index,
    timestampNs: f.timestampNs,
    ipv6: outer.value,
    tunnels,
    packetLength: outer.bytes,
    upper: upperOf(data, inner, stats),
    inner,
    data,
  };
  const dir = l3.direction ?? (f.direction === 1 ? 'in' : f.direction === 2 ? 'out' : undefined);
  if (dir) frame.direction = dir;
  if (
    frame.upper.kind === 'udp' &&
    looksLikeFlowPacket(data, frame.upper.payloadOffset, frame.upper.payloadOffset + frame.upper.payloadLength)
  ) {
    const fp = decodeFlow(data, frame.upper.payloadOffset, frame.upper.payloadOffset + frame.upper.payloadLength);
    if (fp.ok) frame.flow = fp.value;
    else count(stats, `flow-${fp.error.code}`);
  }
  return frame;
}

/** A non-first fragment has no upper-layer header to read (RFC 8200 §4.5). */
function isLaterFragment(w: Ipv6Walk): boolean {
  return w.extensions.some((e) => e.kind === 'Fragment' && e.fragmentOffset !== 0);
}

function upperOf(data: Buffer, w: Ipv6Walk, stats: FrameStats): Upper {
  const o = w.upperOffset;
  const end = o + w.upperLength;
  if (isLaterFragment(w)) return { kind: 'other', nextHeader: NextHeader.Fragment };
  switch (w.upperLayer) {
    case NextHeader.UDP: {
      const u = udp.decode(data.subarray(0, end), o);
      if (!u.ok) {
        count(stats, `udp-${u.error.code}`);
        return { kind: 'other', nextHeader: w.upperLayer };
      }
      return {
        kind: 'udp',
        srcPort: u.value.srcPort,
        dstPort: u.value.dstPort,
        payloadOffset: o + 8,
        payloadLength: u.bytes - 8,
      };
    }
    case NextHeader.ICMPv6:
      if (end - o < 4) break;
      return { kind: 'icmpv6', type: data[o]!, code: data[o + 1]! };
    case NextHeader.MobilityHeader:
      // Payload Proto, Header Len, MH Type (RFC 6275 §6.1.1).
      if (end - o < 6) break;
      return {
        kind: 'mh',
        mhType: data[o + 2]!,
        length: (data[o + 1]! + 1) * 8,
        ...(end - o >= 10 ? { dataWord: data.readUInt16BE(o + 8) } : {}),
      };
    case TCP:
      if (end - o < 20) break;
      return { kind: 'tcp', srcPort: data.readUInt16BE(o), dstPort: data.readUInt16BE(o + 2) };
    default:
      return { kind: 'other', nextHeader: w.upperLayer };
  }
  count(stats, `upper-${w.upperLayer}-truncated`);
  return { kind: 'other', nextHeader: w.upperLayer };
}

/** Decodes every frame of a capture; undecodable ones are only counted. */
export function decodeFrames(frames: Iterable<CapturedFrame>): { frames: DecodedFrame[]; stats: FrameStats } {
  const stats = emptyStats();
  const out: DecodedFrame[] = [];
  let i = 0;
  for (const f of frames) {
    const d = decodeFrame(f, i++, stats);
    if (d) out.push(d);
  }
  return { frames: out, stats };
}
