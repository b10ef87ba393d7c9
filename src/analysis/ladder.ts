// The signalling of a handover as a message sequence ("ladder"): each Mobility Header, FMIPv6
// ICMPv6, MIH message, Router Solicitation and unsolicited Neighbor Advertisement (the UNA of
// RFC 5568 §6.4) once, at the capture point that saw it first, with the tshark display filter that
// shows it. Router Advertisements are left out: access routers send them all the time.
import { ipv6ToBytes } from '../wire/address.js';
import type { DecodedFrame } from './frames.js';
import { signallingKind } from './handover.js';

export interface LadderSighting {
  /** Capture point, "node-iface". */
  point: string;
  /** 1-based frame number in that capture, as Wireshark and tshark number frames. */
  frame: number;
  atNs: bigint;
}

export interface LadderMessage {
  /** RFC 5568 / RFC 6275 name: RtSolPr, PrRtAdv, FBU, FBack, HI, HAck, UNA, BU, BA, RS, ... */
  name: string;
  /** Addresses of the packet that carries it (the inner one of a tunnel). */
  src: string;
  dst: string;
  /** The first sighting, then every other capture point that saw the same message. */
  first: LadderSighting;
  seenAt: LadderSighting[];
  /** A tshark/Wireshark display filter that shows this message (and its copies) in a capture. */
  filter: string;
}

const ICMPV6_NA = 136;
const NA_SOLICITED_FLAG = 0x40;
const FMIP_SUBTYPES: Record<number, string> = { 2: 'RtSolPr', 3: 'PrRtAdv' };
const ICMPV6_NAMES: Record<number, string> = {
  144: 'DHAAD Request',
  145: 'DHAAD Reply',
  146: 'MPS',
  147: 'MPA',
  150: 'ICMPv6 150',
};
/** Copies of one message at two capture points are at most this far apart. */
const SAME_MESSAGE_NS = 500_000_000n;

/** The ladder name and display filter of a frame, or null when it is not handover signalling. */
export function ladderKind(f: DecodedFrame): { name: string; filter: string } | null {
  const u = f.upper;
  const o = f.inner.upperOffset;
  if (u.kind === 'icmpv6' && u.type === ICMPV6_NA) {
    // Unsolicited (S = 0), to all nodes, for the sender's own address (RFC 5568 §6.4: source and
    // target the NCoA): a node announcing itself on a new link. A home agent's proxy NA for a home
    // address (RFC 6275 §10.4.1) comes from the home agent, so it is no UNA.
    const flags = f.data[o + 4] ?? 0;
    if ((flags & NA_SOLICITED_FLAG) !== 0 || f.inner.header.dst !== 'ff02::1') return null;
    const target = f.data.subarray(o + 8, o + 24);
    if (target.length !== 16 || !target.equals(ipv6ToBytes(f.inner.header.src))) return null;
    return { name: 'UNA', filter: 'icmpv6.type == 136 && icmpv6.nd.na.flag.s == 0' };
  }
  const k = signallingKind(f);
  if (!k || k.group === 'ra') return null;
  if (k.group === 'rs') return { name: 'RS', filter: 'icmpv6.type == 133' };
  if (u.kind === 'mh') return { name: k.name.replace(/^MH /, ''), filter: `mip6.mhtype == ${u.mhType}` };
  if (u.kind === 'icmpv6' && u.type === 154) {
    const subtype = f.data[o + 4] ?? -1;
    return {
      name: FMIP_SUBTYPES[subtype] ?? `ICMPv6 154/${subtype}`,
      filter: `icmpv6.type == 154 && icmpv6.fmip6.subtype == ${subtype}`,
    };
  }
  if (u.kind === 'icmpv6') return { name: ICMPV6_NAMES[u.type] ?? k.name, filter: `icmpv6.type == ${u.type}` };
  return { name: 'MIH', filter: 'udp.port == 4551 || tcp.port == 4551' };
}

/** The handover signalling seen in [fromNs, toNs] over every capture point, in the order it was first captured. */
export function ladderMessages(
  captures: { point: string; frames: DecodedFrame[] }[],
  fromNs: bigint,
  toNs: bigint,
): LadderMessage[] {
  const items: { point: string; f: DecodedFrame; kind: { name: string; filter: string } }[] = [];
  for (const c of captures)
    for (const f of c.frames) {
      if (f.timestampNs < fromNs || f.timestampNs > toNs) continue;
      const kind = ladderKind(f);
      if (kind) items.push({ point: c.point, f, kind });
    }
  items.sort((a, b) => (a.f.timestampNs < b.f.timestampNs ? -1 : a.f.timestampNs > b.f.timestampNs ? 1 : 0));
  const out: LadderMessage[] = [];
  const open = new Map<string, LadderMessage>();
  for (const { point, f, kind } of items) {
    const w = f.inner;
    const key = `${w.header.src}|${w.header.dst}|${f.data.subarray(w.upperOffset, w.upperOffset + w.upperLength).toString('base64')}`;
    const sighting = { point, frame: f.index + 1, atNs: f.timestampNs };
    const prev = open.get(key);
    // The same bytes again at another capture point, soon after: a copy of the message on its way.
    if (prev && !prev.seenAt.some((s) => s.point === point) && f.timestampNs - prev.first.atNs < SAME_MESSAGE_NS) {
      prev.seenAt.push(sighting);
      continue;
    }
    const m: LadderMessage = {
      name: kind.name,
      src: w.header.src,
      dst: w.header.dst,
      first: sighting,
      seenAt: [sighting],
      filter: `${kind.filter.includes('||') ? `(${kind.filter})` : kind.filter} && ipv6.src == ${w.header.src} && ipv6.dst == ${w.header.dst}`,
    };
    open.set(key, m);
    out.push(m);
  }
  return out;
}
