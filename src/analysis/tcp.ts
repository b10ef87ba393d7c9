// A TCP flow (iperf3) around a handover, from the captures' TCP sequence numbers (docs/measures.md,
// "TCP flows"): the longest stall is the largest gap between two segments that brought new bytes to
// the receiving node, and retransmissions are data segments the sending node sent again (their bytes
// lie wholly below the highest sequence number it had already sent). Captures give millisecond
// resolution; iperf3's own reports come at 0.1 s at best.

import type { DecodedFrame } from './frames.js';

export interface TcpSegment {
  timestampNs: bigint;
  /** Sequence number unwrapped to a running byte offset from the first segment seen (RFC 9293 §3.4). */
  seq: number;
  length: number;
}

/**
 * Data segments toward `port` (the server's: iperf3's client sends its data there), in capture order,
 * of one connection: the one that brought the most bytes. iperf3 opens a control connection to the
 * same port beside its data connection, and its few bytes (parameters, results) carry another
 * sequence number space, which read as one stream made retransmissions and stalls of their own.
 */
export function tcpDataSegments(frames: Iterable<DecodedFrame>, port: number): TcpSegment[] {
  const byClient = new Map<number, { frame: DecodedFrame; raw: number; length: number }[]>();
  const bytes = new Map<number, number>();
  for (const f of frames) {
    const u = f.upper;
    if (u.kind !== 'tcp' || u.dstPort !== port) continue;
    const o = f.inner.upperOffset;
    if (o + 20 > f.data.length) continue;
    const dataOffset = ((f.data[o + 12] ?? 0) >> 4) * 4;
    const length = f.inner.upperLength - dataOffset;
    if (length <= 0) continue;
    const list = byClient.get(u.srcPort) ?? [];
    list.push({ frame: f, raw: f.data.readUInt32BE(o + 4), length });
    byClient.set(u.srcPort, list);
    bytes.set(u.srcPort, (bytes.get(u.srcPort) ?? 0) + length);
  }
  let chosen: number | null = null;
  for (const [client, n] of bytes) if (chosen === null || n > bytes.get(chosen)!) chosen = client;
  const out: TcpSegment[] = [];
  let last = 0;
  let lastAbs = 0;
  for (const [i, { frame, raw, length }] of (chosen === null ? [] : byClient.get(chosen)!).entries()) {
    if (i === 0) last = raw;
    // Serial-number difference (RFC 1982): a segment is at most 2^31 bytes from the last one seen.
    const abs = lastAbs + ((raw - last) | 0);
    last = raw;
    lastAbs = abs;
    out.push({ timestampNs: frame.timestampNs, seq: abs, length });
  }
  return out;
}

export interface TcpHandoverMeasures {
  /** Largest gap between segments bringing new bytes, among those open during [l2Start, attach]; null with no data. */
  longestStallNs: bigint | null;
  stallFromNs: bigint | null;
  stallToNs: bigint | null;
  /** Whether new bytes arrived after the attach, before the end of the window. */
  resumed: boolean;
  /** Segments re-sent by the sender in [l2Start, stall end + tail]. */
  retransmissions: number;
}

/**
 * `received`: segments at the receiving node's capture; `sent`: at the sending node's (or the
 * receiving one's when the sender has no capture: then only re-sent bytes that arrived count).
 */
export function tcpAroundHandover(
  received: TcpSegment[],
  sent: TcpSegment[],
  h: { l2StartNs: bigint; attachNs: bigint },
  endNs: bigint,
  tailNs = 1_000_000_000n,
): TcpHandoverMeasures {
  // Times at which the receiver got new bytes.
  const progress: bigint[] = [];
  let high = Number.NEGATIVE_INFINITY;
  for (const s of received) {
    if (s.seq + s.length > high) {
      high = s.seq + s.length;
      if (s.timestampNs <= endNs) progress.push(s.timestampNs);
    }
  }
  progress.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let best: { from: bigint; to: bigint } | null = null;
  for (let i = 0; i < progress.length; i++) {
    const from = progress[i]!;
    // Without new bytes after it the stall lasts to the end of the window.
    const to = progress[i + 1] ?? endNs;
    if (to <= h.l2StartNs || from >= h.attachNs) continue;
    if (!best || to - from > best.to - best.from) best = { from, to };
  }
  const resumed = progress.some((t) => t >= h.attachNs);
  const stallEnd = best ? best.to : h.attachNs;
  const tailEnd = stallEnd + tailNs < endNs ? stallEnd + tailNs : endNs;
  let retransmissions = 0;
  let sentHigh = Number.NEGATIVE_INFINITY;
  for (const s of sent) {
    const end = s.seq + s.length;
    if (end <= sentHigh) {
      if (s.timestampNs >= h.l2StartNs && s.timestampNs <= tailEnd) retransmissions++;
    } else sentHigh = end;
  }
  return {
    longestStallNs: best ? best.to - best.from : null,
    stallFromNs: best?.from ?? null,
    stallToNs: best?.to ?? null,
    resumed,
    retransmissions,
  };
}
