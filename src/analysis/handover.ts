// Per-handover measures (architecture.md, "Measures"). A handover of a mobile node runs from its
// first L2 event (a link-going-down / new-ap-detected trigger, or the detach itself) through the
// attach to the new AP, until the flow has resumed: the first packet received after the attach
// that was also sent after it (packets sent before it and delivered late were buffered somewhere).
// All times are ns since the Unix epoch: pcaps, flow packets and the scenario's records share
// CLOCK_REALTIME.

import type { FlowArrival } from './flow.js';
import type { SendTimes } from './flow.js';
import type { DecodedFrame } from './frames.js';

export interface Handover {
  node: string;
  /** AP the node left; null when unknown (the lab's initial attachment was not given). */
  fromAp: string | null;
  toAp: string;
  /** First L2 event of the handover: the earliest trigger since the last attach, or the detach. */
  l2StartNs: bigint;
  detachNs: bigint;
  attachNs: bigint;
}

/** The layer-2 actions a handover is built from (the lab's ScenarioAction has this shape). */
export type L2Action =
  | { kind: 'detach'; node: string }
  | { kind: 'attach'; node: string; ap: string }
  | { kind: 'trigger'; node: string; trigger: string; ap?: string };

/** A scenario action as the timeline runner recorded it (src/lab/scenario/timeline.ts ScenarioRecord). */
export interface RecordedAction {
  action: L2Action;
  /** ns since the epoch, decimal string as recorded, or a bigint. */
  appliedNs: string | bigint;
  error?: string;
}

/**
 * Pairs each node's detach with its next attach. `initialAp` names where each node started, so the
 * first handover has a fromAp. Failed actions are skipped; an attach without a detach (the first
 * attachment) only sets the node's current AP.
 */
export function handoversFromScenario(records: RecordedAction[], initialAp: Record<string, string> = {}): Handover[] {
  const ok = records
    .filter((r) => !r.error)
    .map((r) => ({ action: r.action, at: BigInt(r.appliedNs) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const state = new Map<string, { ap: string | null; trigger: bigint | null; detach: bigint | null }>();
  const get = (node: string) => {
    let s = state.get(node);
    if (!s) {
      s = { ap: initialAp[node] ?? null, trigger: null, detach: null };
      state.set(node, s);
    }
    return s;
  };
  const out: Handover[] = [];
  for (const { action: a, at } of ok) {
    const s = get(a.node);
    if (a.kind === 'trigger') {
      // link-up/link-down are reports of what already happened, not the start of a handover.
      if (
        (a.trigger === 'link-going-down' || a.trigger === 'new-ap-detected') &&
        s.detach === null &&
        s.trigger === null
      )
        s.trigger = at;
    } else if (a.kind === 'detach') {
      if (s.detach === null) s.detach = at;
    } else if (a.kind === 'attach') {
      if (s.detach !== null) {
        out.push({
          node: a.node,
          fromAp: s.ap,
          toAp: a.ap,
          l2StartNs: s.trigger ?? s.detach,
          detachNs: s.detach,
          attachNs: at,
        });
      }
      s.ap = a.ap;
      s.trigger = null;
      s.detach = null;
    }
  }
  return out;
}

export interface InterruptionResult {
  /** Largest gap between consecutive receptions in the window, ns; null when nothing framed a gap. */
  gapNs: bigint | null;
  /** gapNs minus the nominal interval, never below 0. */
  interruptionNs: bigint | null;
  /** Receive times and sequence numbers of the packets on either side of the largest gap. */
  gapFromNs: bigint | null;
  gapToNs: bigint | null;
  beforeSeq: number | null;
  afterSeq: number | null;
  /** Whether a fresh packet (sent after the attach) arrived before `endNs`. */
  resumed: boolean;
  /** Receive time of that packet, or endNs when the flow did not resume. */
  resumeNs: bigint;
}

/**
 * Interruption (architecture.md): the largest gap between two consecutive packets received by the
 * mobile node from the handover's first L2 event until the flow resumed, minus the nominal interval.
 * `endNs` bounds the search (the next handover's start, or the end of the capture). When the flow
 * does not resume, the gap is measured up to endNs (a lower bound).
 */
export function interruption(
  arrivals: FlowArrival[],
  h: Pick<Handover, 'l2StartNs' | 'attachNs'>,
  nominalIntervalNs: bigint,
  endNs?: bigint,
): InterruptionResult {
  const sorted = [...arrivals].sort((a, b) => (a.recvNs < b.recvNs ? -1 : a.recvNs > b.recvNs ? 1 : 0));
  const limit = endNs ?? sorted.at(-1)?.recvNs ?? h.attachNs;
  const fresh = sorted.find((a) => a.recvNs >= h.attachNs && a.sendNs >= h.attachNs && a.recvNs <= limit);
  const resumeNs = fresh ? fresh.recvNs : limit;
  let best: { gap: bigint; from: FlowArrival; to: FlowArrival | null } | null = null;
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    if (a.recvNs >= resumeNs) break;
    const b = sorted[i + 1];
    // A pair counts when it overlaps [l2StartNs, resumeNs]: the gap ends after the window opens.
    const toNs = b && b.recvNs <= resumeNs ? b.recvNs : fresh ? null : resumeNs;
    if (toNs === null || toNs <= h.l2StartNs) continue;
    const gap = toNs - a.recvNs;
    if (!best || gap > best.gap) best = { gap, from: a, to: b && b.recvNs <= resumeNs ? b : null };
  }
  if (!best) {
    return {
      gapNs: null,
      interruptionNs: null,
      gapFromNs: null,
      gapToNs: null,
      beforeSeq: null,
      afterSeq: null,
      resumed: !!fresh,
      resumeNs,
    };
  }
  const over = best.gap - nominalIntervalNs;
  return {
    gapNs: best.gap,
    interruptionNs: over > 0n ? over : 0n,
    gapFromNs: best.from.recvNs,
    gapToNs: best.to ? best.to.recvNs : resumeNs,
    beforeSeq: best.from.seq,
    afterSeq: best.to?.seq ?? null,
    resumed: !!fresh,
    resumeNs,
  };
}

/** ICMPv6 types counted as mobility signalling (RFC 6275 §6.5-6.8 DHAAD/MPS/MPA, RFC 4065 150, RFC 5568 §6.1 154). */
export const ICMPV6_MOBILITY_TYPES = new Set([144, 145, 146, 147, 150, 154]);
export const ICMPV6_RS = 133;
export const ICMPV6_RA = 134;
/** MIH over IP uses UDP and TCP port 4551 (RFC 5677 §9). */
export const MIH_PORT = 4551;

const MH_NAMES: Record<number, string> = {
  0: 'BRR',
  1: 'HoTI',
  2: 'CoTI',
  3: 'HoT',
  4: 'CoT',
  5: 'BU',
  6: 'BA',
  7: 'BE',
  8: 'FBU',
  9: 'FBack',
  10: 'FNA',
  11: 'Experimental',
  12: 'HAS',
  13: 'Heartbeat',
  14: 'HI',
  15: 'HAck',
  16: 'BRI',
  17: 'LRI',
  18: 'LRA',
};

/** How a frame counts for signalling: 'mh', 'icmpv6' (mobility types), 'mih', 'rs', 'ra', or not at all. */
export function signallingKind(f: DecodedFrame): { group: 'mobility' | 'rs' | 'ra'; name: string } | null {
  const u = f.upper;
  if (u.kind === 'mh') return { group: 'mobility', name: `MH ${MH_NAMES[u.mhType] ?? u.mhType}` };
  if (u.kind === 'icmpv6') {
    if (ICMPV6_MOBILITY_TYPES.has(u.type)) {
      // Type 154 messages are told apart by the Subtype byte after the checksum (RFC 5568 §6.1).
      return {
        group: 'mobility',
        name: u.type === 154 ? `ICMPv6 154/${f.data[f.inner.upperOffset + 4] ?? '?'}` : `ICMPv6 ${u.type}`,
      };
    }
    if (u.type === ICMPV6_RS) return { group: 'rs', name: 'RS' };
    if (u.type === ICMPV6_RA) return { group: 'ra', name: 'RA' };
    return null;
  }
  if ((u.kind === 'udp' || u.kind === 'tcp') && (u.srcPort === MIH_PORT || u.dstPort === MIH_PORT)) {
    // TCP segments without payload are transport, not MIH messages.
    if (u.kind === 'tcp' && tcpPayloadLength(f) === 0) return null;
    return { group: 'mobility', name: 'MIH' };
  }
  return null;
}

function tcpPayloadLength(f: DecodedFrame): number {
  const o = f.inner.upperOffset;
  const dataOffset = ((f.data[o + 12] ?? 0) >> 4) * 4;
  return f.inner.upperLength - dataOffset;
}

export interface SignallingCount {
  /** Mobility Header, ICMPv6 mobility and MIH messages. */
  messages: number;
  /** Their bytes: the IPv6 packets that carried them, as on the wire at the capture point. */
  bytes: number;
  /** Router Solicitations and Advertisements, counted apart (they are ND, sent also without handovers). */
  rs: number;
  ra: number;
  byName: Record<string, { count: number; bytes: number }>;
}

export function emptySignalling(): SignallingCount {
  return { messages: 0, bytes: 0, rs: 0, ra: 0, byName: {} };
}

/**
 * Counts signalling in [fromNs, toNs] over several capture points. The same message seen at two
 * points (the MN's radio and its access router) is counted once: same source, destination and
 * upper-layer bytes within 500 ms at a different point.
 */
export function countSignalling(
  captures: { point: string; frames: DecodedFrame[] }[],
  fromNs: bigint,
  toNs: bigint,
): SignallingCount {
  const out = emptySignalling();
  const seen = new Map<string, { point: string; at: bigint }[]>();
  const items: { point: string; f: DecodedFrame; kind: NonNullable<ReturnType<typeof signallingKind>> }[] = [];
  for (const c of captures) {
    for (const f of c.frames) {
      if (f.timestampNs < fromNs || f.timestampNs > toNs) continue;
      const kind = signallingKind(f);
      if (kind) items.push({ point: c.point, f, kind });
    }
  }
  items.sort((a, b) => (a.f.timestampNs < b.f.timestampNs ? -1 : a.f.timestampNs > b.f.timestampNs ? 1 : 0));
  for (const { point, f, kind } of items) {
    const w = f.inner;
    const key = `${w.header.src}|${w.header.dst}|${f.data.subarray(w.upperOffset, w.upperOffset + w.upperLength).toString('base64')}`;
    const prev = seen.get(key) ?? [];
    if (prev.some((p) => p.point !== point && f.timestampNs - p.at < 500_000_000n)) continue;
    prev.push({ point, at: f.timestampNs });
    seen.set(key, prev);
    if (kind.group === 'rs') out.rs++;
    else if (kind.group === 'ra') out.ra++;
    else {
      out.messages++;
      out.bytes += f.packetLength;
    }
    out.byName[kind.name] ??= { count: 0, bytes: 0 };
    const n = out.byName[kind.name]!;
    n.count++;
    n.bytes += f.packetLength;
  }
  return out;
}

export interface HandoverMeasureOptions {
  nominalIntervalNs: bigint;
  /** Bound of the search: next handover's first L2 event or the capture's end. */
  endNs?: bigint;
  /** Lost packets sent up to this long before the first L2 event still count (in flight). Default 100 ms. */
  lossLeadNs?: bigint;
  /** Duplicates and signalling are counted until this long after the flow resumed. Default 1 s. */
  tailNs?: bigint;
  /** Signalling is counted from this long before the first L2 event. Default 0. */
  signallingLeadNs?: bigint;
}

export interface HandoverFlowMeasures {
  interruption: InterruptionResult;
  /** Lost packets whose send time falls in [l2Start - lossLead, resume]. */
  lostSeqs: number[];
  /** Received in [attach, resume + tail] although sent early enough to have arrived before the attach: held somewhere. */
  buffered: number;
  /** Extra copies received in [l2Start, resume + tail]. */
  duplicated: number;
}

/**
 * Loss, buffering and duplicates of one flow around one handover. `lost` and `sendTimes` come from
 * flowStats / SendTimes over the whole run; `minDelayNs` is the flow's smallest one-way delay.
 */
export function measureHandoverFlow(
  h: Handover,
  arrivals: FlowArrival[],
  lost: number[],
  sendTimes: SendTimes,
  minDelayNs: bigint,
  o: HandoverMeasureOptions,
): HandoverFlowMeasures {
  const intr = interruption(arrivals, h, o.nominalIntervalNs, o.endNs);
  const lossFrom = h.l2StartNs - (o.lossLeadNs ?? 100_000_000n);
  const lostSeqs = lost.filter((s) => {
    const t = sendTimes.of(s);
    return t !== null && t >= lossFrom && t <= intr.resumeNs;
  });
  const tailEnd = minBig(intr.resumeNs + (o.tailNs ?? 1_000_000_000n), o.endNs);
  const firstSeen = new Set<number>();
  let buffered = 0;
  let duplicated = 0;
  const inOrder = [...arrivals].sort((a, b) => (a.recvNs < b.recvNs ? -1 : a.recvNs > b.recvNs ? 1 : 0));
  for (const a of inOrder) {
    const dup = firstSeen.has(a.seq);
    firstSeen.add(a.seq);
    if (a.recvNs < h.l2StartNs) continue;
    if (dup) {
      if (a.recvNs <= tailEnd) duplicated++;
      continue;
    }
    // On the path's fastest delay it would have arrived before the attach, yet it came after.
    if (a.recvNs >= h.attachNs && a.recvNs <= tailEnd && a.sendNs + minDelayNs < h.attachNs) buffered++;
  }
  return { interruption: intr, lostSeqs, buffered, duplicated };
}

export function minBig(a: bigint, b?: bigint): bigint {
  return b === undefined || a < b ? a : b;
}
