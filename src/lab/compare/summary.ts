// What `compare` makes of its runs (pure): per run the handover's measures, per protocol the median
// and spread over its runs, the timeline as applied in every run, and whether the links' random
// impairments dropped the same flow packets in every run. docs/compare.md.
import type { Results } from '../../analysis/results.js';

/** How a run's links drew their random impairments. */
export type ImpairmentPath = 'relay' | 'netem' | 'none';

export interface RunMeasures {
  protocol: string;
  repeat: number;
  outDir: string;
  /** Every expectation of the lab held (the lab's expectations are written for the lab as written). */
  passed: boolean;
  l2GapMs: number | null;
  downInterruptionMs: number | null;
  downLost: number | null;
  upInterruptionMs: number | null;
  upLost: number | null;
  buffered: number | null;
  signallingMessages: number;
  signallingBytes: number;
  /** Signalling messages captured addressed to the home agent (BU, HoTI, ...); null without one. */
  atHomeAgent: number | null;
  /** Each scenario action's applied time, ms since the run started (results.json scenario[].appliedMs). */
  applied: (number | null)[];
  /** Labels of those actions, in order. */
  actions: string[];
  impairmentPath: ImpairmentPath;
  /** Flow packets the relay's loss dropped: "link:direction" -> flow id -> sequence numbers (sorted). */
  impairmentDrops: Record<string, Record<string, number[]>> | null;
}

export interface Stat {
  median: number | null;
  min: number | null;
  max: number | null;
  /** Runs that had a value. */
  n: number;
}

export function stat(values: readonly (number | null | undefined)[]): Stat {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: null, min: null, max: null, n: 0 };
  const m = v.length >> 1;
  const median = v.length % 2 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
  return { median, min: v[0] as number, max: v.at(-1) as number, n: v.length };
}

export const MEASURES = [
  ['downInterruptionMs', 'interruption down (ms)'],
  ['downLost', 'lost down'],
  ['upInterruptionMs', 'interruption up (ms)'],
  ['upLost', 'lost up'],
  ['buffered', 'buffered'],
  ['signallingMessages', 'signalling msgs'],
  ['signallingBytes', 'signalling bytes'],
  ['atHomeAgent', 'msgs at HA'],
  ['l2GapMs', 'L2 gap (ms)'],
] as const;
export type MeasureKey = (typeof MEASURES)[number][0];

export interface ProtocolSummary {
  protocol: string;
  runs: number;
  passed: number;
  stats: Record<MeasureKey, Stat>;
}

export interface TimelineAction {
  index: number;
  action: string;
  minAppliedMs: number | null;
  maxAppliedMs: number | null;
  /** max - min over every run of every protocol. */
  spreadMs: number | null;
}

export interface DropsSummary {
  path: ImpairmentPath;
  /** relay: whether every run dropped exactly the same flow packets on every link; null when not keyed. */
  sameInEveryRun: boolean | null;
  /** The drops of the first run (the reference), "link:direction" -> flow -> seqs. */
  reference: Record<string, Record<string, number[]>> | null;
  /** Runs whose drops differ from the reference: "protocol#repeat". */
  differing: string[];
  note: string;
}

export interface CompareSummary {
  protocols: ProtocolSummary[];
  timeline: { actions: TimelineAction[]; maxSpreadMs: number | null };
  drops: DropsSummary;
}

/** One run's measures from its results.json (the first handover of the lab). */
export function runMeasures(
  r: Results,
  run: Pick<RunMeasures, 'protocol' | 'repeat' | 'outDir' | 'atHomeAgent' | 'impairmentPath' | 'impairmentDrops'>,
): RunMeasures {
  const h = r.handovers[0];
  return {
    ...run,
    passed: r.expectations.every((e) => e.held),
    l2GapMs: h?.l2GapMs ?? null,
    downInterruptionMs: h?.downlink?.interruptionMs ?? null,
    downLost: h?.downlink?.lost ?? null,
    upInterruptionMs: h?.uplink?.interruptionMs ?? null,
    upLost: h?.uplink?.lost ?? null,
    buffered: h?.buffered ?? null,
    signallingMessages: h?.signalling.messages ?? 0,
    signallingBytes: h?.signalling.bytes ?? 0,
    applied: r.scenario.map((s) => s.appliedMs),
    actions: r.scenario.map((s) => actionLabel(s.action)),
  };
}

function actionLabel(a: Results['scenario'][number]['action']): string {
  if (a.kind === 'ap-event') return `${a.ap} ${a.event} ${a.station}`;
  if (a.kind === 'trigger') return `trigger ${a.node} ${a.trigger}${a.ap ? ` ${a.ap}` : ''}`;
  return a.kind === 'attach' ? `attach ${a.node} ${a.ap}` : `detach ${a.node}`;
}

function sameDrops(a: RunMeasures['impairmentDrops'], b: RunMeasures['impairmentDrops']): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

export function summarise(runs: readonly RunMeasures[], protocols: readonly string[]): CompareSummary {
  const summaries = protocols.map((p): ProtocolSummary => {
    const mine = runs.filter((r) => r.protocol === p);
    const stats = Object.fromEntries(MEASURES.map(([k]) => [k, stat(mine.map((r) => r[k]))])) as Record<
      MeasureKey,
      Stat
    >;
    return { protocol: p, runs: mine.length, passed: mine.filter((r) => r.passed).length, stats };
  });
  const count = Math.max(0, ...runs.map((r) => r.applied.length));
  const actions: TimelineAction[] = [];
  for (let i = 0; i < count; i++) {
    const s = stat(runs.map((r) => r.applied[i]));
    actions.push({
      index: i,
      action: runs.find((r) => r.actions[i])?.actions[i] ?? '',
      minAppliedMs: s.min,
      maxAppliedMs: s.max,
      spreadMs: s.min === null || s.max === null ? null : Math.round((s.max - s.min) * 1000) / 1000,
    });
  }
  const spreads = actions.map((a) => a.spreadMs).filter((x): x is number => x !== null);
  return {
    protocols: summaries,
    timeline: { actions, maxSpreadMs: spreads.length ? Math.max(...spreads) : null },
    drops: dropsSummary(runs),
  };
}

function dropsSummary(runs: readonly RunMeasures[]): DropsSummary {
  const paths = new Set(runs.map((r) => r.impairmentPath));
  const path: ImpairmentPath = paths.has('netem') ? 'netem' : paths.has('relay') ? 'relay' : 'none';
  if (path === 'netem')
    return {
      path,
      sameInEveryRun: null,
      reference: null,
      differing: [],
      note: 'links impaired by netem: loss is drawn per frame by the kernel, not keyed on the packet, so runs may drop different packets',
    };
  if (path === 'none') return { path, sameInEveryRun: null, reference: null, differing: [], note: 'no impaired link' };
  const ref = runs[0]?.impairmentDrops ?? null;
  const differing = runs.filter((r) => !sameDrops(r.impairmentDrops, ref)).map((r) => `${r.protocol}#${r.repeat}`);
  return {
    path,
    sameInEveryRun: differing.length === 0,
    reference: ref,
    differing,
    note: 'relay: loss, duplication and jitter of each flow packet drawn from (link, direction, flow, seq)',
  };
}

function fmtStat(s: Stat): string {
  if (s.median === null) return '-';
  const r = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  return s.min === s.max ? r(s.median) : `${r(s.median)} [${r(s.min as number)}-${r(s.max as number)}]`;
}

export const TABLE_HEAD = ['protocol', 'runs', ...MEASURES.map(([, label]) => label)];

/** One row per protocol: medians with [min-max] over the runs. */
export function tableRows(s: CompareSummary): string[][] {
  return s.protocols.map((p) => [p.protocol, String(p.runs), ...MEASURES.map(([k]) => fmtStat(p.stats[k]))]);
}

/** What the table's numbers rest on: the timeline as applied, and how random impairments were drawn. */
export function tableNotes(s: CompareSummary): string[] {
  const d = s.drops;
  return [
    'median [min-max] over the runs; interruption and lost of the first handover, down = to the mobile node; msgs at HA = signalling addressed to the home agent',
    `timeline: every action applied within ${s.timeline.maxSpreadMs === null ? '-' : `${s.timeline.maxSpreadMs.toFixed(2)} ms`} of the same time in every run`,
    d.path === 'relay'
      ? `impairment drops: ${d.sameInEveryRun ? 'the same flow packets in every run' : `differ in ${d.differing.join(', ')}`} (${d.note})`
      : `impairment drops: ${d.note}`,
  ];
}

/** The printed table and its notes. */
export function compareTable(s: CompareSummary): string {
  const head = TABLE_HEAD;
  const rows = tableRows(s);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line), ...tableNotes(s)].join('\n');
}
