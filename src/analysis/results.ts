// results.json (architecture.md, "The run contract"): what a run measured, per flow, per handover
// and per capture point, and the verdict on each expectation. Definitions: docs/measures.md.

import { flowArrivals, flowStats, nominalIntervalNs, SendTimes, type FlowArrival, type FlowStats } from './flow.js';
import { decodeFrames, type DecodedFrame, type FrameStats } from './frames.js';
import {
  countSignalling,
  handoversFromScenario,
  measureHandoverFlow,
  type Handover,
  type L2Action,
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
  /** Who timed the detach and the attach (`witness` when the air's link monitor saw both; else the worse of the two). */
  l2GapSource: TimeSource;
  /** The scheduled detach-to-attach, when both came from the scenario's schedule. */
  scheduledL2GapMs: number | null;
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

/** Who measured an action's applied time (docs/measures.md, "Scenario"). */
export type TimeSource = 'witness' | 'applier' | 'orchestrator';

/** An AP's notification to its access router (derived from an applied detach or attach). */
export interface ApEventShape {
  kind: 'ap-event';
  ap: string;
  event: string;
  station: string;
  router?: string;
}

/** A scenario action as recorded by the lab's timeline (src/lab/scenario/timeline.ts ScenarioRecord). */
export interface TimedAction extends Omit<RecordedAction, 'action'> {
  action: L2Action | ApEventShape;
  /** Scheduled offset from the run's start, ms. */
  atMs?: number;
  /** When the applier began the action (ms since the run's start). */
  startedMs?: number;
  timeSource?: TimeSource;
  /** The applier's own report when appliedNs is the witness's, and witness minus applier (ms). */
  applierNs?: string;
  disagreementMs?: number;
  after?: { index: number; delayMs: number };
}

/** The witness and the applier disagree beyond this (ms): one of them ran late. */
export const DISAGREEMENT_LIMIT_MS = 2;

export interface ScenarioActionResult {
  action: L2Action | ApEventShape;
  /** Scheduled time, ms since the run started and ns since the epoch; null when it could not be known. */
  scheduledMs: number | null;
  scheduledNs: string | null;
  /** Applied time, likewise; null when the action failed. */
  appliedMs: number | null;
  appliedNs: string | null;
  /** Applied minus scheduled. */
  lateMs: number | null;
  /** When it was begun: a late start is the scheduler's doing, a long begun-to-applied the kernel's (a lock). */
  startedMs?: number;
  timeSource: TimeSource;
  applierNs?: string;
  disagreementMs?: number;
  /** |disagreementMs| > DISAGREEMENT_LIMIT_MS. */
  disagrees?: boolean;
  /** A derived action: the index in `scenario` of the action it follows, and the delay after it. */
  after?: { index: number; delayMs: number };
  error?: string;
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
  /** Every scenario action with its scheduled and applied times. */
  scenario: ScenarioActionResult[];
  expectations: ExpectationResult[];
  captures: CaptureResult[];
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
  scenario: (RecordedAction | TimedAction)[];
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

  const l2 = input.scenario.filter((r): r is RecordedAction => r.action.kind !== 'ap-event');
  const hs = handoversFromScenario(l2, input.initialAp);
  const scenario = scenarioResults(input.scenario, input.startedNs);
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
      ...l2GapTiming(scenario, h),
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
    scenario,
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

function scenarioResults(records: (RecordedAction | TimedAction)[], startedNs: bigint): ScenarioActionResult[] {
  return records.map((r) => {
    const t = r as TimedAction;
    const scheduledMs = t.atMs !== undefined && Number.isFinite(t.atMs) ? round3(t.atMs) : null;
    const applied = r.error ? null : BigInt(r.appliedNs);
    const appliedMs = applied === null ? null : round3(ms(applied - startedNs));
    const out: ScenarioActionResult = {
      action: r.action,
      scheduledMs,
      scheduledNs: scheduledMs === null ? null : String(startedNs + BigInt(Math.round(scheduledMs * 1e6))),
      appliedMs,
      appliedNs: applied === null ? null : String(applied),
      lateMs: scheduledMs === null || appliedMs === null ? null : round3(appliedMs - scheduledMs),
      timeSource: t.timeSource ?? 'orchestrator',
    };
    if (t.startedMs !== undefined && Number.isFinite(t.startedMs)) out.startedMs = round3(t.startedMs);
    if (t.applierNs !== undefined) out.applierNs = t.applierNs;
    if (t.disagreementMs !== undefined) {
      out.disagreementMs = t.disagreementMs;
      out.disagrees = Math.abs(t.disagreementMs) > DISAGREEMENT_LIMIT_MS;
    }
    if (t.after) out.after = t.after;
    if (r.error) out.error = r.error;
    return out;
  });
}

const TRUST: TimeSource[] = ['witness', 'applier', 'orchestrator'];

/** Who timed a handover's detach and attach, and the scheduled gap between them. */
function l2GapTiming(
  scenario: ScenarioActionResult[],
  h: Handover,
): { l2GapSource: TimeSource; scheduledL2GapMs: number | null } {
  const find = (kind: string, ns: bigint) =>
    scenario.find(
      (s) => s.action.kind === kind && 'node' in s.action && s.action.node === h.node && s.appliedNs === String(ns),
    );
  const d = find('detach', h.detachNs);
  const a = find('attach', h.attachNs);
  const worst = Math.max(
    TRUST.indexOf(d?.timeSource ?? 'orchestrator'),
    TRUST.indexOf(a?.timeSource ?? 'orchestrator'),
  );
  // An attach planned after its detach (src/lab/scenario/realtime.ts) was scheduled as that delay.
  const gap =
    d && a?.after && scenario[a.after.index] === d
      ? a.after.delayMs
      : d?.scheduledMs != null && a?.scheduledMs != null
        ? round3(a.scheduledMs - d.scheduledMs)
        : null;
  return { l2GapSource: TRUST[worst]!, scheduledL2GapMs: gap };
}

/** Handovers of a results object, e.g. for expectations that name a node. */
export function handoversOf(r: Results, node?: string): HandoverResult[] {
  return node ? r.handovers.filter((h) => h.node === node) : r.handovers;
}

export type { Handover };
