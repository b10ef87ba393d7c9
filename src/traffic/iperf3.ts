// iperf3 argv builders (server and TCP client, JSON output) and a parser of iperf3's -J result.
// iperf3 runs unmodified inside a node; a mobile node's client binds its home address so the TCP
// session survives moves.

export interface Iperf3ServerOptions {
  port: number;
  bindAddress?: string;
  /** Exit after one test (-1), so the orchestrator can wait for it. */
  oneOff?: boolean;
}

export interface Iperf3ClientOptions {
  to: string;
  port: number;
  durationMs: number;
  /** 0 = unlimited (TCP at full speed); otherwise bits per second. */
  rateBps?: number;
  bindAddress?: string;
  /** Report interval in seconds (iperf3 allows 0.1 and more). */
  intervalS?: number;
  /** Receive instead of send (-R): the server sends toward the client. */
  reverse?: boolean;
}

export function iperf3ServerArgs(o: Iperf3ServerOptions): string[] {
  const a = ['-s', '-p', String(o.port), '-J'];
  if (o.bindAddress) a.push('-B', o.bindAddress);
  if (o.oneOff ?? true) a.push('-1');
  return a;
}

/**
 * With a rate, iperf3 writes a whole block (128 KiB for TCP by default) each time it is behind it: at
 * 2 Mbit/s that is a burst every 0.5 s, and a TCP stall measured around a handover would be iperf3's
 * own silence. Blocks of 20 ms at the rate (1-128 KiB) keep the flow even.
 */
export function writeBytes(rateBps: number): number {
  return Math.min(128 * 1024, Math.max(1024, Math.round(rateBps / 8 / 50)));
}

export function iperf3ClientArgs(o: Iperf3ClientOptions): string[] {
  // -t takes whole seconds.
  const seconds = Math.max(1, Math.ceil(o.durationMs / 1000));
  const a = ['-c', o.to, '-6', '-p', String(o.port), '-t', String(seconds), '-J', '-i', String(o.intervalS ?? 0.2)];
  if (o.rateBps && o.rateBps > 0) a.push('-b', String(Math.round(o.rateBps)), '-l', String(writeBytes(o.rateBps)));
  if (o.bindAddress) a.push('-B', o.bindAddress);
  if (o.reverse) a.push('-R');
  return a;
}

/** Client argv for a lab's iperf3 traffic entry. */
export function iperf3ClientArgsFor(
  spec: { toAddress: string; port: number; durationMs: number; rateBps: number },
  bindAddress?: string,
): string[] {
  return iperf3ClientArgs({
    to: spec.toAddress,
    port: spec.port,
    durationMs: spec.durationMs,
    rateBps: spec.rateBps,
    bindAddress,
  });
}

export interface Iperf3Interval {
  startS: number;
  endS: number;
  bytes: number;
  bitsPerSecond: number;
  /** TCP sender only; absent on the receiving side. */
  retransmits?: number;
}

export interface Iperf3Result {
  /** iperf3's own error text (e.g. "unable to connect to server"), if the test failed. */
  error?: string;
  intervals: Iperf3Interval[];
  sent?: { bytes: number; bitsPerSecond: number; retransmits?: number };
  received?: { bytes: number; bitsPerSecond: number };
  /** Longest run of consecutive zero-byte intervals, in seconds: a coarse TCP interruption. */
  longestStallS: number;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Parses iperf3 -J output. Never throws: bad JSON becomes { error }. */
export function parseIperf3Json(text: string): Iperf3Result {
  let root: Json | undefined;
  try {
    root = obj(JSON.parse(text));
  } catch (e) {
    return { error: `iperf3 output is not JSON: ${(e as Error).message}`, intervals: [], longestStallS: 0 };
  }
  if (!root) return { error: 'iperf3 output is not a JSON object', intervals: [], longestStallS: 0 };
  const result: Iperf3Result = { intervals: [], longestStallS: 0 };
  if (typeof root.error === 'string') result.error = root.error;
  const intervals = Array.isArray(root.intervals) ? root.intervals : [];
  for (const iv of intervals) {
    const sum = obj(obj(iv)?.sum);
    if (!sum) continue;
    const i: Iperf3Interval = {
      startS: num(sum.start) ?? 0,
      endS: num(sum.end) ?? 0,
      bytes: num(sum.bytes) ?? 0,
      bitsPerSecond: num(sum.bits_per_second) ?? 0,
    };
    const r = num(sum.retransmits);
    if (r !== undefined) i.retransmits = r;
    result.intervals.push(i);
  }
  const end = obj(root.end);
  const ss = obj(end?.sum_sent);
  const sr = obj(end?.sum_received);
  if (ss) {
    result.sent = { bytes: num(ss.bytes) ?? 0, bitsPerSecond: num(ss.bits_per_second) ?? 0 };
    const r = num(ss.retransmits);
    if (r !== undefined) result.sent.retransmits = r;
  }
  if (sr) result.received = { bytes: num(sr.bytes) ?? 0, bitsPerSecond: num(sr.bits_per_second) ?? 0 };
  let run = 0;
  for (const i of result.intervals) {
    run = i.bytes === 0 ? run + (i.endS - i.startS) : 0;
    result.longestStallS = Math.max(result.longestStallS, run);
  }
  return result;
}
