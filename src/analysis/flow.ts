// Per-flow measures at one receiving capture point (architecture.md, "Measures"): which sequence
// numbers arrived, which were sent and never received (lost), which arrived more than once
// (duplicated), and when. Pure functions over decoded frames or plain arrival lists.

import type { DecodedFrame } from './frames.js';

/** One copy of a flow packet seen at a capture point. */
export interface FlowArrival {
  seq: number;
  /** Send time stamped by the sender (ns since the epoch). */
  sendNs: bigint;
  /** Capture time at this point (ns since the epoch). */
  recvNs: bigint;
}

export interface FlowFilter {
  flowId: number;
  /** Keep only packets whose innermost destination is this address (a node's home address). */
  dst?: string;
  /** Keep only frames the capture marks inbound (SLL, pcapng flags); frames without a mark are kept. */
  inboundOnly?: boolean;
}

/** The flow's packets in capture order. Tunnelled copies count: frames.ts finds the inner packet. */
export function flowArrivals(frames: Iterable<DecodedFrame>, f: FlowFilter): FlowArrival[] {
  const out: FlowArrival[] = [];
  for (const fr of frames) {
    if (!fr.flow || fr.flow.flowId !== f.flowId) continue;
    if (f.dst !== undefined && fr.inner.header.dst !== f.dst) continue;
    if (f.inboundOnly && fr.direction === 'out') continue;
    out.push({ seq: fr.flow.seq, sendNs: fr.flow.sendNs, recvNs: fr.timestampNs });
  }
  return out;
}

/**
 * What the sender sent: the packets seen at the sender's capture point (best: gives each one's
 * send time), or the range from the sender's summary. Without either, the received range is
 * used, which cannot see loss before the first or after the last received packet.
 */
export type SentInfo =
  | { kind: 'captured'; packets: FlowArrival[] }
  | { kind: 'range'; firstSeq: number; lastSeq: number };

export interface FlowStats {
  flowId: number;
  /** How many packets were sent (the size of the sent set). */
  sent: number;
  /** Where `sent` came from. */
  sentSource: 'captured' | 'summary' | 'received-range';
  /** Distinct sequence numbers received, ascending. */
  receivedSeqs: number[];
  received: number;
  /** Sent and never received, ascending. */
  lost: number[];
  /** Extra copies: arrivals minus distinct sequence numbers. */
  duplicates: number;
  /** Sequence numbers that arrived more than once, ascending. */
  duplicatedSeqs: number[];
  /** First arrivals that came after a higher sequence number. */
  reordered: number;
  /** Every arrival, in capture order. */
  arrivals: FlowArrival[];
  /** Smallest one-way delay seen (recv - send), ns; null when nothing arrived. */
  minDelayNs: bigint | null;
}

export function flowStats(flowId: number, arrivals: FlowArrival[], sent?: SentInfo): FlowStats {
  const copies = new Map<number, number>();
  let reordered = 0;
  let maxSeq = -1;
  let minDelay: bigint | null = null;
  for (const a of arrivals) {
    const n = copies.get(a.seq) ?? 0;
    copies.set(a.seq, n + 1);
    if (n === 0) {
      if (a.seq < maxSeq) reordered++;
      else maxSeq = a.seq;
    }
    const d = a.recvNs - a.sendNs;
    if (minDelay === null || d < minDelay) minDelay = d;
  }
  const receivedSeqs = [...copies.keys()].sort((x, y) => x - y);
  const duplicatedSeqs = receivedSeqs.filter((s) => copies.get(s)! > 1);
  const duplicates = arrivals.length - receivedSeqs.length;

  let sentSeqs: Iterable<number>;
  let sentCount: number;
  let sentSource: FlowStats['sentSource'];
  if (sent?.kind === 'captured') {
    const set = new Set(sent.packets.map((p) => p.seq));
    sentSeqs = [...set].sort((x, y) => x - y);
    sentCount = set.size;
    sentSource = 'captured';
  } else {
    const first = sent?.kind === 'range' ? sent.firstSeq : (receivedSeqs[0] ?? 0);
    const last = sent?.kind === 'range' ? sent.lastSeq : (receivedSeqs.at(-1) ?? -1);
    sentSeqs = range(first, last);
    sentCount = Math.max(0, last - first + 1);
    sentSource = sent?.kind === 'range' ? 'summary' : 'received-range';
  }
  const lost: number[] = [];
  for (const s of sentSeqs) if (!copies.has(s)) lost.push(s);
  return {
    flowId,
    sent: sentCount,
    sentSource,
    receivedSeqs,
    received: receivedSeqs.length,
    lost,
    duplicates,
    duplicatedSeqs,
    reordered,
    arrivals,
    minDelayNs: minDelay,
  };
}

function* range(first: number, last: number): Generator<number> {
  for (let s = first; s <= last; s++) yield s;
}

/**
 * Send time of any sequence number: exact when a packet with it was seen (sender capture or
 * receiver), otherwise interpolated between the nearest known neighbours (a constant-rate sender
 * sends at evenly spaced times), or extrapolated with the nominal interval at the ends.
 */
export class SendTimes {
  private readonly seqs: number[];
  private readonly times: bigint[];

  constructor(
    known: Iterable<{ seq: number; sendNs: bigint }>,
    private readonly nominalIntervalNs: bigint,
  ) {
    const m = new Map<number, bigint>();
    for (const k of known) if (!m.has(k.seq)) m.set(k.seq, k.sendNs);
    this.seqs = [...m.keys()].sort((a, b) => a - b);
    this.times = this.seqs.map((s) => m.get(s)!);
  }

  of(seq: number): bigint | null {
    const n = this.seqs.length;
    if (n === 0) return null;
    // First index with seqs[i] >= seq.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n && this.seqs[lo] === seq) return this.times[lo]!;
    if (lo === 0) return this.times[0]! - BigInt(this.seqs[0]! - seq) * this.nominalIntervalNs;
    if (lo === n) return this.times[n - 1]! + BigInt(seq - this.seqs[n - 1]!) * this.nominalIntervalNs;
    const s0 = this.seqs[lo - 1]!;
    const s1 = this.seqs[lo]!;
    const t0 = this.times[lo - 1]!;
    const t1 = this.times[lo]!;
    return t0 + ((t1 - t0) * BigInt(seq - s0)) / BigInt(s1 - s0);
  }
}

/** 1/rate in ns. */
export function nominalIntervalNs(ratePps: number): bigint {
  return BigInt(Math.round(1e9 / ratePps));
}
