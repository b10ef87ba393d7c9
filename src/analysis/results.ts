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
import { tcpAroundHandover, tcpDataSegments, type TcpSegment } from './tcp.js';
import { handoverMode, type HandoverMode, type ProxyHandoverMode, proxyHandoverMode } from './verdict.js';

export const RESULTS_VERSION = 3;

/** A constant-rate UDP flow of the lab (its traffic entry; src/wire/flow.ts carries its id). */
export interface MeasuredFlow {
  id: number;
  from: string;
  to: string;
  ratePps: number;
  sizeBytes: number;
}

/** A TCP flow of the lab (iperf3): its client `from` sends to the server `to` on `port`. */
export interface MeasuredTcpFlow {
  id: number;
  from: string;
  to: string;
  port: number;
}

/** What the receiving application recorded of a flow (src/wire/sink-record.ts), or why there is nothing. */
export interface ApplicationRecord {
  arrivals: FlowArrival[];
  /** Set when the record could not be read; the flow then counts as received by nobody. */
  error?: string;
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
  /** Where received, lost, duplicated and reordered were measured: the receiving application's record, or (without one) the receiving capture point. */
  measuredAt: 'application' | 'capture';
  /** Why the application's record is missing or damaged. */
  applicationError?: string;
  sent: number;
  sentSource: FlowStats['sentSource'];
  received: number;
  lost: number;
  /** Lost sequence numbers, the first 1000. */
  lostSeqs: number[];
  duplicated: number;
  reordered: number;
  /** The same at the receiving capture point (the interface): what the wire delivered. */
  receivedOnWire: number;
  lostOnWire: number;
  /** Sequence numbers lost on the wire, the first 1000. */
  lostOnWireSeqs: number[];
  duplicatedOnWire: number;
  minDelayMs: number | null;
  /** From the sender's summary: sends the kernel refused (no route while detached ...), by errno code. */
  sendErrors?: Record<string, number>;
}

export interface HandoverFlowResult {
  flow: number;
  /** downlink: the flow goes to the handover's node; uplink: it comes from it. */
  direction: 'downlink' | 'uplink';
  interruptionMs: number | null;
  /** Largest gap between consecutive receptions, before subtracting the nominal interval. */
  gapMs: number | null;
  resumed: boolean;
  /** From the first L2 event to the first fresh packet (or to the end of the search when not resumed). */
  resumeAfterMs: number;
  lost: number;
  buffered: number;
  duplicated: number;
  /** The same measures at the receiving capture point. */
  interruptionOnWireMs: number | null;
  lostOnWire: number;
  duplicatedOnWire: number;
}

/** A TCP flow around one handover (tcp.ts). */
export interface HandoverTcpResult {
  flow: number;
  direction: 'downlink' | 'uplink';
  /** Largest gap between segments bringing new bytes to the receiver; null when no data was captured. */
  longestStallMs: number | null;
  resumed: boolean;
  retransmissions: number;
  receiverCapture: string | null;
  senderCapture: string | null;
}

export interface HandoverResult {
  index: number;
  node: string;
  fromAp: string | null;
  toAp: string;
  /** Read from the mobile node's captures (verdict.ts); null when the node has no capture. */
  protocol: string | null;
  mode: HandoverMode | ProxyHandoverMode | null;
  /** Which frames decided protocol and mode. */
  modeEvidence: string | null;
  /** What the lab configured for the node, for comparison. */
  configured: { protocol: string; mode?: string } | null;
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
  /** The measures of the first downlink flow (lowest id); null fields when there is none. */
  interruptionMs: number | null;
  lost: number | null;
  buffered: number | null;
  duplicated: number | null;
  resumed: boolean | null;
  signalling: SignallingCount;
  /** The lowest-id flow of each direction, or null. */
  downlink: HandoverFlowResult | null;
  uplink: HandoverFlowResult | null;
  flows: HandoverFlowResult[];
  tcp: HandoverTcpResult[];
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
  lastFrame?: { ns: string; head: string } | null;
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
  /**
   * A station-left report: the last frame the AP's port sent the station before the leave (kernel
   * time, ns since the epoch; first bytes in hex from the IPv6 header on, hop limit zeroed), null if none.
   */
  lastFrame?: { ns: string; head: string } | null;
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
  /** Per node with an agent, what its status said after the run (the lab fills it in). */
  agents?: Record<string, AgentReport>;
}

/** An agent's exceptions during the run: any is a bug, and the run fails (docs/agent.md, "Bugs"). */
/** An access router's RADIUS exchange for a node's network-access authentication (docs/security.md). */
export interface AaaExchangeReport {
  nai: string;
  /** The node's address on the access link, as the router saw it. */
  node: string;
  startedAt: string;
  result: 'accept' | 'reject' | 'timeout';
  /** Access-Request -> verified answer, ms. */
  latencyMs?: number;
  /** First Access-Request -> outcome (answer, or giving up after RFC 5080 retransmissions), ms. */
  durationMs?: number;
  transmissions: number;
  forgedDropped: number;
}

export interface AgentReport {
  bugs: number;
  /** The first one: where in the agent, and its message (the agent's log has the stack). */
  firstBug?: { where: string; message: string };
  /** An FMIPv6 access router with AAA: its RADIUS exchanges, oldest first (at most 64). */
  aaaExchanges?: AaaExchangeReport[];
  /** The status could not be read (the count is then unknown, and the run fails). */
  error?: string;
  /** Handovers the node's MIH function started, with their MIH messages (Unix ms, wall clock). */
  mihHandovers?: MihHandoverReport[];
}

export interface MihHandoverReport {
  atUnixMs: number;
  from: string | null;
  target: string;
  messages: { message: string; to: 'local' | 'mos'; atUnixMs: number }[];
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
  /** The receiving applications' records by flow id; a flow without one is measured at its receiving capture. */
  application?: Record<number, ApplicationRecord>;
  tcpFlows?: MeasuredTcpFlow[];
  scenario: (RecordedAction | TimedAction)[];
  /** Each mobile node's AP at the start, so the first handover has a fromAp. */
  initialAp?: Record<string, string>;
  /** The lab's configured protocol and mode per mobile node (reported beside what the captures show). */
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

interface PerFlow {
  spec: MeasuredFlow;
  /** What the figures are measured on: the application's record, else the receiving capture. */
  primary: { arrivals: FlowArrival[]; stats: FlowStats };
  wire: { arrivals: FlowArrival[]; stats: FlowStats } | null;
  sendTimes: SendTimes;
}

function measureFlow(spec: MeasuredFlow, input: ResultsInput): { pf: PerFlow; result: FlowResult } {
  const rx = bestCapture(input.captures, spec.to, spec.id);
  const tx = bestCapture(input.captures, spec.from, spec.id);
  const summary = input.senders?.[spec.id];
  // What the sending application sent: its own summary first (sends the kernel refused count as sent).
  const sent =
    summary && summary.firstSeq !== null && summary.lastSeq !== null
      ? ({ kind: 'range', firstSeq: summary.firstSeq, lastSeq: summary.lastSeq } as const)
      : tx
        ? ({ kind: 'captured', packets: tx.arrivals } as const)
        : undefined;
  const wireArrivals = rx?.arrivals ?? [];
  const wireStats = flowStats(spec.id, wireArrivals, sent);
  const app = input.application?.[spec.id];
  const primary = app ? { arrivals: app.arrivals, stats: flowStats(spec.id, app.arrivals, sent) } : null;
  const main = primary ?? { arrivals: wireArrivals, stats: wireStats };
  const interval = nominalIntervalNs(spec.ratePps);
  const pf: PerFlow = {
    spec,
    primary: main,
    wire: primary ? { arrivals: wireArrivals, stats: wireStats } : null,
    sendTimes: new SendTimes([...(tx?.arrivals ?? []), ...wireArrivals, ...(app?.arrivals ?? [])], interval),
  };
  const st = main.stats;
  const minDelay = st.minDelayNs ?? wireStats.minDelayNs;
  const result: FlowResult = {
    id: spec.id,
    from: spec.from,
    to: spec.to,
    ratePps: spec.ratePps,
    sizeBytes: spec.sizeBytes,
    receiverCapture: rx ? pointName(rx.capture) : null,
    senderCapture: tx ? pointName(tx.capture) : null,
    measuredAt: app ? 'application' : 'capture',
    ...(app?.error ? { applicationError: app.error } : {}),
    sent: st.sent,
    sentSource: st.sentSource,
    received: st.received,
    lost: st.lost.length,
    lostSeqs: st.lost.slice(0, 1000),
    duplicated: st.duplicates,
    reordered: st.reordered,
    receivedOnWire: wireStats.received,
    lostOnWire: wireStats.lost.length,
    lostOnWireSeqs: wireStats.lost.slice(0, 1000),
    duplicatedOnWire: wireStats.duplicates,
    minDelayMs: minDelay === null ? null : round3(ms(minDelay)),
  };
  if (summary && summary.errorCount > 0) result.sendErrors = summary.errors;
  return { pf, result };
}

/** The capture on `node` with most of the TCP flow's data segments. */
function bestTcpCapture(captures: DecodedCapture[], node: string, port: number) {
  let best: { capture: DecodedCapture; segments: TcpSegment[] } | null = null;
  for (const c of captures) {
    if (c.node !== node) continue;
    const segments = tcpDataSegments(c.frames, port);
    if (segments.length > 0 && (!best || segments.length > best.segments.length)) best = { capture: c, segments };
  }
  return best;
}

/** Builds results.json from decoded captures, the flows, the recorded scenario and the expectations' verdicts. */
export function buildResults(input: ResultsInput): Results {
  const flows: FlowResult[] = [];
  const perFlow: PerFlow[] = [];
  for (const spec of [...input.flows].sort((a, b) => a.id - b.id)) {
    const { pf, result } = measureFlow(spec, input);
    perFlow.push(pf);
    flows.push(result);
  }
  const tcpFlows = (input.tcpFlows ?? []).map((t) => ({
    spec: t,
    rx: bestTcpCapture(input.captures, t.to, t.port),
    tx: bestTcpCapture(input.captures, t.from, t.port),
  }));

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
    for (const pf of perFlow) {
      if (pf.spec.to !== h.node && pf.spec.from !== h.node) continue;
      const o = { nominalIntervalNs: nominalIntervalNs(pf.spec.ratePps), endNs };
      const measure = (x: { arrivals: FlowArrival[]; stats: FlowStats }) =>
        measureHandoverFlow(h, x.arrivals, x.stats.lost, pf.sendTimes, x.stats.minDelayNs ?? 0n, o);
      const m = measure(pf.primary);
      const w = pf.wire ? measure(pf.wire) : m;
      if (m.interruption.resumeNs > resumeMax) resumeMax = m.interruption.resumeNs;
      const intrMs = (x: typeof m) =>
        x.interruption.interruptionNs === null ? null : round3(ms(x.interruption.interruptionNs));
      flowResults.push({
        flow: pf.spec.id,
        direction: pf.spec.to === h.node ? 'downlink' : 'uplink',
        interruptionMs: intrMs(m),
        gapMs: m.interruption.gapNs === null ? null : round3(ms(m.interruption.gapNs)),
        resumed: m.interruption.resumed,
        resumeAfterMs: round3(ms(m.interruption.resumeNs - h.l2StartNs)),
        lost: m.lostSeqs.length,
        buffered: m.buffered,
        duplicated: m.duplicated,
        interruptionOnWireMs: intrMs(w),
        lostOnWire: w.lostSeqs.length,
        duplicatedOnWire: w.duplicated,
      });
    }
    const tcp: HandoverTcpResult[] = tcpFlows
      .filter((t) => t.spec.to === h.node || t.spec.from === h.node)
      .map((t) => {
        const m = tcpAroundHandover(t.rx?.segments ?? [], t.tx?.segments ?? t.rx?.segments ?? [], h, endNs);
        return {
          flow: t.spec.id,
          direction: t.spec.to === h.node ? 'downlink' : 'uplink',
          longestStallMs: m.longestStallNs === null ? null : round3(ms(m.longestStallNs)),
          resumed: m.resumed,
          retransmissions: m.retransmissions,
          receiverCapture: t.rx ? pointName(t.rx.capture) : null,
          senderCapture: t.tx ? pointName(t.tx.capture) : null,
        };
      });
    // Signalling: from the first L2 event to 1 s after the flows resumed (or the attach), not past the next handover.
    const sigEnd = resumeMax + 1_000_000_000n < endNs ? resumeMax + 1_000_000_000n : endNs;
    const signalling = countSignalling(
      input.captures.map((c) => ({ point: pointName(c), frames: c.frames })),
      h.l2StartNs,
      sigEnd,
    );
    const window = { fromNs: h.l2StartNs, detachNs: h.detachNs, toNs: endNs };
    const own = handoverMode(
      input.captures.filter((c) => c.node === h.node).map((c) => c.frames),
      window,
    );
    // A node that signals nothing itself (Proxy Mobile IPv6): the network's captures decide.
    const verdict =
      own && own.protocol === 'none'
        ? (proxyHandoverMode(
            input.captures.map((c) => c.frames),
            window,
          ) ?? own)
        : own;
    const downlink = flowResults.find((f) => f.direction === 'downlink') ?? null;
    const uplink = flowResults.find((f) => f.direction === 'uplink') ?? null;
    return {
      index,
      node: h.node,
      fromAp: h.fromAp,
      toAp: h.toAp,
      protocol: verdict?.protocol ?? null,
      mode: verdict?.mode ?? null,
      modeEvidence: verdict?.evidence ?? null,
      configured: input.protocols?.[h.node] ?? null,
      l2StartNs: h.l2StartNs.toString(),
      detachNs: h.detachNs.toString(),
      attachNs: h.attachNs.toString(),
      detachAtMs: round3(ms(h.detachNs - input.startedNs)),
      l2GapMs: round3(ms(h.attachNs - h.detachNs)),
      ...l2GapTiming(scenario, h),
      interruptionMs: downlink?.interruptionMs ?? null,
      lost: downlink?.lost ?? null,
      buffered: downlink?.buffered ?? null,
      duplicated: downlink?.duplicated ?? null,
      resumed: downlink?.resumed ?? null,
      signalling,
      downlink,
      uplink,
      flows: flowResults,
      tcp,
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
    if (t.lastFrame !== undefined) out.lastFrame = t.lastFrame;
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
