// What report.html shows, computed from results.json, topology.json and the decoded captures: the
// ladder of each handover and, for each flow, its packets against time. Times are ms relative to a
// detach (the handover's, or for a flow the first detach of the node it goes to or comes from).
import { flowArrivals, nominalIntervalNs, SendTimes, type FlowArrival } from '../analysis/flow.js';
import { interruption } from '../analysis/handover.js';
import { ladderMessages } from '../analysis/ladder.js';
import type { DecodedCapture, HandoverResult, Results } from '../analysis/results.js';
import { addressOwner, type ReportTopology } from './topology.js';

export interface LadderStep {
  name: string;
  /** Node names (or the address when no node owns it). */
  from: string;
  to: string;
  src: string;
  dst: string;
  /** ms from the detach. */
  tMs: number;
  /** Capture point that saw it first, its pcap (relative to the output directory) and frame number. */
  point: string;
  pcap: string;
  frame: number;
  /** Every capture point that saw it. */
  seenAt: string[];
  filter: string;
}

export interface HandoverView {
  result: HandoverResult;
  /** Columns of the ladder, left to right. */
  lanes: string[];
  steps: LadderStep[];
  /** ms from the detach to the attach (the L2 gap) and to the handover's first L2 event (<= 0). */
  attachMs: number;
  l2StartMs: number;
}

export type PacketKind = 'delivered' | 'buffered' | 'duplicate';

export interface FlowView {
  id: number;
  from: string;
  to: string;
  /** Capture point whose arrivals are plotted; null when none saw the flow. */
  point: string | null;
  /** The detach times are measured from (ns since the epoch, decimal), and whose it is. */
  zeroNs: string;
  zeroLabel: string;
  /** Arrivals at `point`: ms from zero, sequence number, kind. */
  packets: { tMs: number; seq: number; kind: PacketKind }[];
  /** Lost at the application (results.json lostSeqs), placed at their send time. */
  lost: { tMs: number; seq: number }[];
  /** Per handover of the node: the L2 gap and the longest gap in arrivals at `point` (the interruption on the wire). */
  windows: { handover: number; l2: [number, number]; interruption: [number, number] | null }[];
}

export interface ReportModel {
  results: Results;
  topology: ReportTopology | null;
  handovers: HandoverView[];
  flows: FlowView[];
  /** Files of the output directory worth opening: pcaps and logs (relative paths). */
  files: { pcaps: string[]; logs: string[] };
}

const msBetween = (a: bigint, b: bigint): number => Math.round(Number(a - b) / 1e3) / 1e3;
const pointOf = (c: { node: string; iface: string }) => `${c.node}-${c.iface}`;

/** The ladder window: from shortly before the first L2 event to 1.5 s after the attach (not into the node's next handover). */
const LEAD_NS = 50_000_000n;
const TAIL_NS = 1_500_000_000n;

export function buildReportModel(input: {
  results: Results;
  topology: ReportTopology | null;
  captures: DecodedCapture[];
  logs: string[];
}): ReportModel {
  const { results, topology, captures } = input;
  const owner = topology ? addressOwner(topology) : () => null;
  const files = new Map(captures.map((c) => [pointOf(c), c.file]));
  const handovers = results.handovers.map((h) => handoverView(h, results, topology, captures, owner, files));
  const flows = results.flows.map((f) => flowView(f, results, captures));
  return {
    results,
    topology,
    handovers,
    flows,
    files: { pcaps: results.captures.map((c) => c.file), logs: input.logs },
  };
}

function handoverView(
  h: HandoverResult,
  r: Results,
  topology: ReportTopology | null,
  captures: DecodedCapture[],
  owner: (a: string) => string | null,
  files: Map<string, string>,
): HandoverView {
  const detach = BigInt(h.detachNs);
  const attach = BigInt(h.attachNs);
  const start = BigInt(h.l2StartNs);
  const next = r.handovers.find((x) => x.node === h.node && x.index > h.index);
  const end = next && BigInt(next.l2StartNs) < attach + TAIL_NS ? BigInt(next.l2StartNs) : attach + TAIL_NS;
  const messages = ladderMessages(
    captures.map((c) => ({ point: pointOf(c), frames: c.frames })),
    start - LEAD_NS,
    end,
  );
  const routerOf = (ap: string | null) => topology?.aps.find((a) => a.name === ap)?.router ?? null;
  // Multicast has no owner: the node's access router of the moment, or the node itself when a router sends.
  const nameOf = (addr: string, other: string | null, at: bigint) => {
    const o = owner(addr);
    if (o) return o;
    if (addr.startsWith('ff')) {
      if (other === h.node) return routerOf(at >= attach ? h.toAp : h.fromAp) ?? addr;
      return h.node;
    }
    return addr;
  };
  const steps: LadderStep[] = messages.map((m) => {
    const from = nameOf(m.src, null, m.first.atNs);
    return {
      name: m.name,
      from,
      to: nameOf(m.dst, from, m.first.atNs),
      src: m.src,
      dst: m.dst,
      tMs: msBetween(m.first.atNs, detach),
      point: m.first.point,
      pcap: files.get(m.first.point) ?? '',
      frame: m.first.frame,
      seenAt: m.seenAt.map((s) => s.point),
      filter: m.filter,
    };
  });
  return {
    result: h,
    lanes: lanesOf(h, steps, topology),
    steps,
    attachMs: msBetween(attach, detach),
    l2StartMs: msBetween(start, detach),
  };
}

/** The mobile node, its previous and new access routers, the home agent, then whoever else took part. */
function lanesOf(h: HandoverResult, steps: LadderStep[], t: ReportTopology | null): string[] {
  const router = (ap: string | null) => t?.aps.find((a) => a.name === ap)?.router;
  const homeAgents = t?.nodes.filter((n) => n.roles.includes('home-agent')).map((n) => n.name) ?? [];
  const preferred = [h.node, router(h.fromAp), router(h.toAp), ...homeAgents].filter((x): x is string => !!x);
  const seen = new Set(steps.flatMap((s) => [s.from, s.to]));
  const lanes = [...new Set(preferred)].filter((n) => n === h.node || seen.has(n));
  for (const s of steps) for (const n of [s.from, s.to]) if (!lanes.includes(n)) lanes.push(n);
  return lanes;
}

function flowView(f: Results['flows'][number], r: Results, captures: DecodedCapture[]): FlowView {
  const hs = r.handovers.filter((h) => h.node === f.to || h.node === f.from);
  const zero = hs[0] ? BigInt(hs[0].detachNs) : BigInt(Date.parse(r.startedAt)) * 1_000_000n;
  const zeroLabel = hs[0] ? `${hs[0].node}'s detach (handover ${hs[0].index})` : 'the run start';
  const rx = captures.find((c) => pointOf(c) === f.receiverCapture);
  const tx = captures.find((c) => pointOf(c) === f.senderCapture);
  const arrivals = rx ? flowArrivals(rx.frames, { flowId: f.id }) : [];
  const interval = nominalIntervalNs(f.ratePps);
  const sendTimes = new SendTimes([...(tx ? flowArrivals(tx.frames, { flowId: f.id }) : []), ...arrivals], interval);
  const minDelayNs = BigInt(Math.round((f.minDelayMs ?? 0) * 1e6));
  const seen = new Set<number>();
  const sorted = [...arrivals].sort((a, b) => (a.recvNs < b.recvNs ? -1 : a.recvNs > b.recvNs ? 1 : 0));
  const packets = sorted.map((a) => {
    const dup = seen.has(a.seq);
    seen.add(a.seq);
    return { tMs: msBetween(a.recvNs, zero), seq: a.seq, kind: dup ? 'duplicate' : kindOf(a, hs, minDelayNs) } as const;
  });
  const lost = f.lostSeqs.flatMap((seq) => {
    const t = sendTimes.of(seq);
    return t === null ? [] : [{ tMs: msBetween(t, zero), seq }];
  });
  const end = BigInt(Date.parse(r.startedAt)) * 1_000_000n + BigInt(Math.round(r.durationMs * 1e6));
  const windows = hs.map((h) => {
    const next = hs.find((x) => x.index > h.index);
    const i = interruption(
      sorted,
      { l2StartNs: BigInt(h.l2StartNs), attachNs: BigInt(h.attachNs) },
      interval,
      next ? BigInt(next.l2StartNs) : end,
    );
    return {
      handover: h.index,
      l2: [msBetween(BigInt(h.detachNs), zero), msBetween(BigInt(h.attachNs), zero)] as [number, number],
      interruption:
        i.gapFromNs !== null && i.gapToNs !== null
          ? ([msBetween(i.gapFromNs, zero), msBetween(i.gapToNs, zero)] as [number, number])
          : null,
    };
  });
  return {
    id: f.id,
    from: f.from,
    to: f.to,
    point: f.receiverCapture,
    zeroNs: zero.toString(),
    zeroLabel,
    packets,
    lost,
    windows,
  };
}

/** Held somewhere during a handover: it came after the attach, though on the flow's fastest path it would have come before (docs/measures.md). */
function kindOf(a: FlowArrival, hs: HandoverResult[], minDelayNs: bigint): PacketKind {
  for (const h of hs) {
    const attach = BigInt(h.attachNs);
    if (a.recvNs >= attach && a.recvNs <= attach + TAIL_NS && a.sendNs + minDelayNs < attach) return 'buffered';
  }
  return 'delivered';
}
