// From the applier's reports and the witness's link events to the scenario's records (pure).
// Detach and attach take the witness's time (the earliest of its readers): it saw the kernel's
// notification of the change, so it does not depend on the applier telling the truth about itself. The applier's own time stays in
// the record, and a disagreement beyond DISAGREEMENT_LIMIT_MS is flagged by the results (analysis/results.ts).
import type { ScenarioRecord } from './timeline.js';
import {
  type ApplierReport,
  type LinkEvent,
  matchWitness,
  type PlannedAction,
  requestId,
  type Witnessed,
} from './schedule.js';

export interface RunClock {
  /** CLOCK_MONOTONIC ns of the run's t0. */
  t0MonoNs: bigint;
  /** CLOCK_REALTIME ns of the same moment. */
  t0RealNs: bigint;
}

const msBetween = (a: bigint, b: bigint): number => Number(a - b) / 1e6;

export function buildRecords(
  plan: PlannedAction[],
  reports: ApplierReport[],
  /** Each witness reader's events; a change takes the earliest stamp among them. */
  witness: LinkEvent[][] | null,
  clock: RunClock,
  /** The links' states when the witness started (`ip -o link show`). */
  initial?: Map<string, boolean>,
): ScenarioRecord[] {
  const done = new Map<number, Extract<ApplierReport, { kind: 'applied' | 'failed' }>>();
  const replies = new Map<string, Extract<ApplierReport, { kind: 'reply' }>>();
  const lastFrames = new Map<number, Extract<ApplierReport, { kind: 'last-frame' }>>();
  for (const r of reports) {
    if (r.kind === 'applied' || r.kind === 'failed') done.set(r.id, r);
    else if (r.kind === 'reply' && r.id !== null) replies.set(r.id, r);
    else if (r.kind === 'last-frame') lastFrames.set(r.id, r);
  }
  const links = plan.flatMap((p) => {
    const r = done.get(p.id);
    if (r?.kind !== 'applied' || p.op.kind === 'send') return [];
    return [{ id: p.id, ifname: p.op.ifname, up: p.op.kind === 'attach', realNs: r.realNs }];
  });
  const seen = new Map<number, Witnessed>();
  for (const reader of witness ?? [])
    for (const [id, w] of matchWitness(links, reader, initial)) {
      const prev = seen.get(id);
      if (!prev || w.realNs < prev.realNs) seen.set(id, w);
    }
  const index = new Map(plan.map((p, i) => [p.id, i]));
  return plan.map((p): ScenarioRecord => {
    const r = done.get(p.id);
    let atMs: number;
    let after: ScenarioRecord['after'];
    if ('monoNs' in p.at) atMs = msBetween(p.at.monoNs, clock.t0MonoNs);
    else {
      const ref = done.get(p.at.after);
      const delayMs = Number(p.at.delayNs) / 1e6;
      const fallback = p.at.fallbackMonoNs;
      atMs =
        ref?.kind === 'applied'
          ? msBetween(ref.monoNs, clock.t0MonoNs) + delayMs
          : fallback !== undefined
            ? msBetween(fallback, clock.t0MonoNs)
            : Number.NaN;
      after = { index: index.get(p.at.after) ?? -1, delayMs };
    }
    const base = { atMs, action: p.action, ...(after ? { after } : {}) };
    if (!r) return { ...base, startedMs: Number.NaN, appliedNs: '0', error: 'never applied' };
    if (r.kind === 'failed')
      return { ...base, startedMs: msBetween(r.monoNs, clock.t0MonoNs), appliedNs: '0', error: r.reason };
    const rec: ScenarioRecord = {
      ...base,
      startedMs: msBetween(r.startMonoNs, clock.t0MonoNs),
      appliedNs: String(r.realNs),
      timeSource: 'applier',
    };
    const w = seen.get(p.id);
    if (w) {
      rec.appliedNs = String(w.realNs);
      rec.timeSource = 'witness';
      rec.applierNs = String(r.realNs);
      rec.disagreementMs = Math.round(w.disagreementMs * 1000) / 1000;
    }
    const last = lastFrames.get(p.id);
    if (last)
      rec.lastFrame = last.head !== null && last.realNs !== null ? { ns: String(last.realNs), head: last.head } : null;
    if (p.op.kind === 'send') {
      const reply = replies.get(requestId(p.id));
      if (!reply) rec.error = 'no answer from the agent';
      else if (!reply.ok) rec.error = `agent refused: ${reply.error ?? ''}`;
    }
    return rec;
  });
}
