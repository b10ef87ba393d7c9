// results.json (architecture.md, "The run contract"): what a run measured, per flow, per handover
// and per capture point, and the verdict on each expectation. Definitions: docs/measures.md.

import { flowArrivals, flowStats, nominalIntervalNs, SendTimes, type FlowArrival, type FlowStats } from './flow.js';
import { decodeFrames, type DecodedFrame, type FrameStats } from './frames.js';
import {
  countSignalling,
  handoversFromScenario,
  measureHandoverFlow,
  type Handover,
  type RecordedAction,
  type SignallingCount,
} from './handover.js';
import { readCapture } from './pcap/read.js';

export const RESULTS_VERSION = 1;

/** A constant-rate UDP flow of the lab (its traffic entry; src/wire/flow.ts carries its id). */
export interface MeasuredFlow {
  id: number;
  from: string;
  to: string;
  ratePps: number;
  sizeBytes: number;
}

export interface CaptureResult {
  node: string;
  iface: string;
  /** Path relative to the run's output directory, e.g. pcap/mn-wlan0.pcap. */
  file: string;
  frames: number;
  ipv6: number;
  notIpv6: number;
  malformed: number;
  malformedReasons: Record<string, number>;
  /** Set when the file could not be read completely (frames before the problem are still used). */
  error?: string;
}

export interface FlowResult {
  id: number;
  from: string;
  to: string;
  ratePps: number;
  sizeBytes: number;
  /** "node-iface" of the capture point the measures come from; null when none saw the flow. */
  receiverCapture: string | null;
  senderCapture: string | null;
  sent: number;
  sentSource: FlowStats['sentSource'];
  received: number;
  lost: number;
  /** Lost sequence numbers, the first 1000. */
  lostSeqs: number[];
  duplicated: number;
  reordered: number;
  minDelayMs: number | null;
  /** From the sender's summary: sends the kernel refused (no route while detached ...), by errno code. */
  sendErrors?: Record<string, number>;
}

export interface HandoverFlowResult {
  flow: number;
  interruptionMs: number | null;
  /** Largest gap between consecutive receptions, before subtracting the nominal interval. */
  gapMs: number | null;
  resumed: boolean;
  /** From the first L2 event to the first fresh packet (or to the end of the search when not resumed). */
  resumeAfterMs: number;
  lost: number;
  buffered: number;
  duplicated: number;
}

export interface HandoverResult {
  index: number;
  node: string;
  fromAp: string | null;
  toAp: string;
  protocol: string | null;
  mode: string | null;
  /** Times as ns since the Unix epoch (decimal strings) and as ms since the run started. */
  l2StartNs: string;
  detachNs: string;
  attachNs: string;
  detachAtMs: number;
  /** Detach to attach. */
  l2GapMs: number;
  /** The measures of the first flow toward the node (lowest id); null fields when there is none. */
  interruptionMs: number | null;
  lost: number | null;
  buffered: number | null;
  duplicated: number | null;
  resumed: boolean | null;
  signalling: SignallingCount;
  flows: HandoverFlowResult[];
}

export interface ExpectationResult {
  /** The expectation as written in the lab (e.g. "handover[0].interruptionMs < 50"). */
  expectation: string;
  held: boolean;
  measured: number | string | boolean | null;
  detail?: string;
}

export interface Results {
  version: typeof RESULTS_VERSION;
  lab: string;
  runtime: string;
  /** ISO 8601 time the run started. */
  startedAt: string;
  durationMs: number;
  flows: FlowResult[];
  handovers: HandoverResult[];
  expectations: ExpectationResult[];
  captures: CaptureResult[];
  /** Per node with an agent, what its status said after the run (the lab fills it in). */
  agents?: Record<string, AgentReport>;
}

/** An agent's exceptions during the run: any is a bug, and the run fails (docs/agent.md, "Bugs"). */
export interface AgentReport {
  bugs: number;
  /** The first one: where in the agent, and its message (the agent's log has the stack). */
  firstBug?: { where: string; message: string };
  /** The status could not be read (the count is then unknown, and the run fails). */
  error?: string;
}

export interface CaptureInput {
  node: string;
  iface: string;
  file: string;
}

export interface DecodedCapture extends CaptureInput {
  frames: DecodedFrame[];
  stats: FrameStats;
  error?: string;
}

/** What the results take from a UDP sender's summary: the sequence numbers it used and its failed sends. */
export interface SenderSummary {
  firstSeq: number | null;
  lastSeq: number | null;
  /** Sends that failed, by error code. */
  errors: Record<string, number>;
  errorCount: number;
}

export interface ResultsInput {
  lab: string;
  runtime: string;
  /** Run start, ns since the epoch (handover times are also given relative to it). */
  startedNs: bigint;
  durationMs: number;
  captures: DecodedCapture[];
  flows: MeasuredFlow[];
  /** Sender summaries by flow id (what `traffic send` printed). */
  senders?: Record<number, SenderSummary>;
  scenario: RecordedAction[];
  /** Each mobile node's AP at the start, so the first handover has a fromAp. */
  initialAp?: Record<string, string>;
  /** Protocol and mode per mobile node, e.g. { mn: { protocol: 'fmipv6', mode: 'predictive' } }. */
  protocols?: Record<string, { protocol: string; mode?: string }>;
  expectations?: ExpectationResult[];
}

const ms = (ns: bigint): number => Number(ns) / 1e6;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const pointName = (c: CaptureInput): string => `${c.node}-${c.iface}`;

/** Reads and decodes the captures; a damaged file keeps the frames before the damage and records the error. */
export async function decodeCaptures(dir: string, captures: CaptureInput[]): Promise<DecodedCapture[]> {
  const out: DecodedCapture[] = [];
  for (const c of captures) {
    let error: string | undefined;
    let frames: Awaited<ReturnType<typeof readCapture>> = [];
    try {
      frames = await readCapture(`${dir}/${c.file}`, { allowTruncated: true, onTruncated: (e) => (error = e.message) });
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const d = decodeFrames(frames);
    out.push({ ...c, frames: d.frames, stats: d.stats, ...(error ? { error } : {}) });
  }
  return out;
}

/** The capture on `node` that saw most of the flow, with its arrivals. */
function bestCapture(
  captures: DecodedCapture[],
  node: string,
  flowId: number,
): { capture: DecodedCapture; arrivals: FlowArrival[] } | null {
  let best: { capture: DecodedCapture; arrivals: FlowArrival[]; distinct: number } | null = null;
  for (const c of captures) {
    if (c.node !== node) continue;
    const arrivals = flowArrivals(c.frames, { flowId });
    const distinct = new Set(arrivals.map((a) => a.seq)).size;
    if (distinct > 0 && (!best || distinct > best.distinct)) best = { capture: c, arrivals, distinct };
  }
  return best;
}

/** Builds results.json from decoded captures, the flows, the recorded scenario and the expectations' verdicts. */
export function buildResults(input: ResultsInput): Results {
  const flows: FlowResult[] = [];
  const perFlow = new Map<
    number,
    { spec: MeasuredFlow; arrivals: FlowArrival[]; stats: FlowStats; sendTimes: SendTimes }
  >();
  for (const spec of [...input.flows].sort((a, b) => a.id - b.id)) {
    const rx = bestCapture(input.captures, spec.to, spec.id);
    const tx = bestCapture(input.captures, spec.from, spec.id);
    const summary = input.senders?.[spec.id];
    const sent = tx
      ? ({ kind: 'captured', packets: tx.arrivals } as const)
      : summary && summary.firstSeq !== null && summary.lastSeq !== null
        ? ({ kind: 'range', firstSeq: summary.firstSeq, lastSeq: summary.lastSeq } as const)
        : undefined;
    const arrivals = rx?.arrivals ?? [];
    const stats = flowStats(spec.id, arrivals, sent);
    const interval = nominalIntervalNs(spec.ratePps);
    perFlow.set(spec.id, {
      spec,
      arrivals,
      stats,
      sendTimes: new SendTimes([...(tx?.arrivals ?? []), ...arrivals], interval),
    });
    const f: FlowResult = {
      id: spec.id,
      from: spec.from,
      to: spec.to,
      ratePps: spec.ratePps,
      sizeBytes: spec.sizeBytes,
      receiverCapture: rx ? pointName(rx.capture) : null,
      senderCapture: tx ? pointName(tx.capture) : null,
      sent: stats.sent,
      sentSource: stats.sentSource,
      received: stats.received,
      lost: stats.lost.length,
      lostSeqs: stats.lost.slice(0, 1000),
      duplicated: stats.duplicates,
      reordered: stats.reordered,
      minDelayMs: stats.minDelayNs === null ? null : round3(ms(stats.minDelayNs)),
    };
    if (summary && summary.errorCount > 0) f.sendErrors = summary.errors;
    flows.push(f);
  }

  const hs = handoversFromScenario(input.scenario, input.initialAp);
  const captureEnd = input.startedNs + BigInt(Math.round(input.durationMs * 1e6));
  const handovers: HandoverResult[] = hs.map((h, index) => {
    // The search for this handover stops where the node's next handover begins.
    const next = hs.slice(index + 1).find((n) => n.node === h.node);
    const endNs = next ? next.l2StartNs : captureEnd;
    const flowResults: HandoverFlowResult[] = [];
    let resumeMax = h.attachNs;
    for (const pf of perFlow.values()) {
      if (pf.spec.to !== h.node) continue;
      const m = measureHandoverFlow(h, pf.arrivals, pf.stats.lost, pf.sendTimes, pf.stats.minDelayNs ?? 0n, {
        nominalIntervalNs: nominalIntervalNs(pf.spec.ratePps),
        endNs,
      });
      if (m.interruption.resumeNs > resumeMax) resumeMax = m.interruption.resumeNs;
      flowResults.push({
        flow: pf.spec.id,
        interruptionMs: m.interruption.interruptionNs === null ? null : round3(ms(m.interruption.interruptionNs)),
        gapMs: m.interruption.gapNs === null ? null : round3(ms(m.interruption.gapNs)),
        resumed: m.interruption.resumed,
        resumeAfterMs: round3(ms(m.interruption.resumeNs - h.l2StartNs)),
        lost: m.lostSeqs.length,
        buffered: m.buffered,
        duplicated: m.duplicated,
      });
    }
    // Signalling: from the first L2 event to 1 s after the flows resumed (or the attach), not past the next handover.
    const sigEnd = resumeMax + 1_000_000_000n < endNs ? resumeMax + 1_000_000_000n : endNs;
    const signalling = countSignalling(
      input.captures.map((c) => ({ point: pointName(c), frames: c.frames })),
      h.l2StartNs,
      sigEnd,
    );
    const head = flowResults[0];
    const proto = input.protocols?.[h.node];
    return {
      index,
      node: h.node,
      fromAp: h.fromAp,
      toAp: h.toAp,
      protocol: proto?.protocol ?? null,
      mode: proto?.mode ?? null,
      l2StartNs: h.l2StartNs.toString(),
      detachNs: h.detachNs.toString(),
      attachNs: h.attachNs.toString(),
      detachAtMs: round3(ms(h.detachNs - input.startedNs)),
      l2GapMs: round3(ms(h.attachNs - h.detachNs)),
      interruptionMs: head?.interruptionMs ?? null,
      lost: head?.lost ?? null,
      buffered: head?.buffered ?? null,
      duplicated: head?.duplicated ?? null,
      resumed: head?.resumed ?? null,
      signalling,
      flows: flowResults,
    };
  });

  return {
    version: RESULTS_VERSION,
    lab: input.lab,
    runtime: input.runtime,
    startedAt: new Date(Number(input.startedNs / 1_000_000n)).toISOString(),
    durationMs: input.durationMs,
    flows,
    handovers,
    expectations: input.expectations ?? [],
    captures: input.captures.map((c) => ({
      node: c.node,
      iface: c.iface,
      file: c.file,
      frames: c.stats.frames,
      ipv6: c.stats.ipv6,
      notIpv6: c.stats.notIpv6,
      malformed: c.stats.malformed,
      malformedReasons: c.stats.reasons,
      ...(c.error ? { error: c.error } : {}),
    })),
  };
}

/** Handovers of a results object, e.g. for expectations that name a node. */
export function handoversOf(r: Results, node?: string): HandoverResult[] {
  return node ? r.handovers.filter((h) => h.node === node) : r.handovers;
}

export type { Handover };
