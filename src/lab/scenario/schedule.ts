// The schedule handed to the real-time applier (native/timeline/applier.c) and the reading of what
// it and the witness report. Pure: deadlines are CLOCK_MONOTONIC ns, times reported are both
// CLOCK_MONOTONIC and CLOCK_REALTIME ns (docs/decisions.md, "The timeline is applied by a real-time
// helper").
import type { ScenarioAction } from '../topology/types.js';

/** An AP's notification to its access router that a station left or joined (a derived action). */
export interface ApEventAction {
  kind: 'ap-event';
  ap: string;
  /** The node whose agent gets the notification (the AP's access router). */
  router: string;
  event: 'station-left' | 'station-joined';
  station: string;
}

export type TimelineAction = ScenarioAction | ApEventAction;

/** What the applier does for an action. */
export type ApplierOp =
  /**
   * `nextBridge`: the bridge of the attach that follows, where the port waits, down (one request at
   * the attach). `isolated`: the port is isolated on that bridge (the AP's `isolated`), set right
   * after it joins it, while down.
   */
  | { kind: 'detach'; ifname: string; nextBridge?: string; isolated?: true }
  | { kind: 'attach'; ifname: string; bridge: string; isolated?: true }
  /** One JSON line to an agent's control socket (docs/agent.md, "Control channel"). */
  | { kind: 'send'; socket: string; request: Record<string, unknown> };

export interface PlannedAction {
  id: number;
  action: TimelineAction;
  /**
   * An absolute CLOCK_MONOTONIC deadline, or a delay after another action was applied; with
   * `fallbackMonoNs`, the deadline to keep when that action fails (an attach after its detach).
   */
  at: { monoNs: bigint } | { after: number; delayNs: bigint; fallbackMonoNs?: bigint };
  op: ApplierOp;
}

/** In a derived action's line, replaced by the applier with its reference's applied CLOCK_REALTIME ns. */
export const REF_REAL_NS = '@REF_REAL_NS@';

/**
 * In a station-left line, replaced by the applier with the first bytes (hex) of the last frame the
 * detached port sent its station, or with nothing when it saw none (applier.c, "last-frame").
 */
export const LAST_FRAME = '@LAST_FRAME@';

/** The request id the applier's control line carries, so its answer can be matched. */
export const requestId = (id: number): string => `tl-${id}`;

/** The applier's input line for an action (see the header of native/timeline/applier.c). */
export function applierLine(p: PlannedAction): string {
  const when =
    'monoNs' in p.at
      ? `at ${p.id} ${p.at.monoNs}`
      : p.at.fallbackMonoNs !== undefined
        ? `follow ${p.id} ${p.at.after} ${p.at.delayNs} ${p.at.fallbackMonoNs}`
        : `after ${p.id} ${p.at.after} ${p.at.delayNs}`;
  const op = p.op;
  if (/\s/.test(op.kind === 'send' ? op.socket : op.ifname)) throw new Error(`blank in applier argument: ${op.kind}`);
  switch (op.kind) {
    case 'detach':
      return `${when} detach ${op.ifname}${op.nextBridge ? ` ${op.nextBridge}${op.isolated ? ' isolated' : ''}` : ''}`;
    case 'attach':
      return `${when} attach ${op.ifname} ${op.bridge}${op.isolated ? ' isolated' : ''}`;
    case 'send':
      return `${when} send ${op.socket} ${JSON.stringify({ ...op.request, id: requestId(p.id) })}`;
  }
}

export type ApplierReport =
  | { kind: 'ready'; monoNs: bigint; realNs: bigint }
  | { kind: 'applied'; id: number; startMonoNs: bigint; monoNs: bigint; realNs: bigint }
  | { kind: 'failed'; id: number; monoNs: bigint; realNs: bigint; reason: string }
  | { kind: 'reply'; id: string | null; ok: boolean; error?: string }
  /** What a send's LAST_FRAME became: the frame's kernel time and first bytes, or none seen. */
  | { kind: 'last-frame'; id: number; realNs: bigint | null; head: string | null }
  | { kind: 'malformed'; reason: string };

const INT = /^\d+$/;

/** Reads one line of the applier's output; null for a line it would never print. */
export function parseApplierLine(line: string): ApplierReport | null {
  const [verb, ...f] = line.split(' ');
  const ints = (n: number) => f.length >= n && f.slice(0, n).every((x) => INT.test(x));
  switch (verb) {
    case 'ready':
      return ints(2) ? { kind: 'ready', monoNs: BigInt(f[0]!), realNs: BigInt(f[1]!) } : null;
    case 'applied':
      return ints(4)
        ? {
            kind: 'applied',
            id: Number(f[0]),
            startMonoNs: BigInt(f[1]!),
            monoNs: BigInt(f[2]!),
            realNs: BigInt(f[3]!),
          }
        : null;
    case 'failed':
      return ints(3)
        ? {
            kind: 'failed',
            id: Number(f[0]),
            monoNs: BigInt(f[1]!),
            realNs: BigInt(f[2]!),
            reason: f.slice(3).join(' '),
          }
        : null;
    case 'reply': {
      try {
        const r = JSON.parse(f.join(' ')) as { id?: unknown; ok?: unknown; error?: unknown };
        return {
          kind: 'reply',
          id: typeof r.id === 'string' ? r.id : null,
          ok: r.ok === true,
          ...(typeof r.error === 'string' ? { error: r.error } : {}),
        };
      } catch {
        return null;
      }
    }
    case 'last-frame':
      if (!ints(2) || f.length !== 3 || (f[2] !== '-' && !/^([0-9a-f]{2})+$/.test(f[2]!))) return null;
      return f[2] === '-'
        ? { kind: 'last-frame', id: Number(f[0]), realNs: null, head: null }
        : { kind: 'last-frame', id: Number(f[0]), realNs: BigInt(f[1]!), head: f[2]! };
    case 'malformed':
      return { kind: 'malformed', reason: f.join(' ') };
    default:
      return null;
  }
}

/** A change of a link's administrative state seen by `ip -ts -o monitor link` (ip-monitor(8)). */
export interface LinkEvent {
  /** CLOCK_REALTIME ns at which ip read the kernel's notification. */
  realNs: bigint;
  ifname: string;
  up: boolean;
  master: string | null;
}

// [2026-12-06T12:15:33.118411] 3: va@vb: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state UP ...
const MONITOR = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\] \d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>(.*)$/;

/** One line of `ip -ts -o monitor link`; null for other lines (a deleted link included). ip prints local time. */
export function parseMonitorLine(line: string): LinkEvent | null {
  const m = MONITOR.exec(line);
  if (!m) return null;
  const ms = new Date(m[1]!).getTime();
  if (Number.isNaN(ms)) return null;
  const master = / master (\S+)/.exec(m[5]!);
  return {
    realNs: BigInt(ms) * 1_000_000n + BigInt(m[2]!) * 1000n,
    ifname: m[3]!,
    up: m[4]!.split(',').includes('UP'),
    master: master ? master[1]! : null,
  };
}

// 7: wmn@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master ap1 state UP ...
const LINK_SHOW = /^\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>(.*)$/;

/** Each link's administrative state from `ip -o link show` (ip-link(8)): where the witness starts from. */
export function parseLinkShow(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const m = LINK_SHOW.exec(line);
    if (m) out.set(m[1]!, m[2]!.split(',').includes('UP'));
  }
  return out;
}

/**
 * The administrative state changes among `events`, per link, from the `initial` states; a link
 * without one has its first event count as a change.
 */
export function transitions(events: LinkEvent[], initial: Map<string, boolean> = new Map()): LinkEvent[] {
  const last = new Map(initial);
  const out: LinkEvent[] = [];
  for (const e of events) {
    if (last.get(e.ifname) !== e.up) out.push(e);
    last.set(e.ifname, e.up);
  }
  return out;
}

/** A witnessed link action: its down (detach) or up (attach) transition, and how far apart the two reports are. */
export interface Witnessed {
  realNs: bigint;
  /** Witness minus applier, ms. */
  disagreementMs: number;
}

/** A transition this far from the applier's report is not the action's. */
const MATCH_WINDOW_NS = 1_000_000_000n;

/**
 * Pairs each applied link action with the witness's transition of that link in the same direction,
 * in order: the kernel applies one link's changes in the order they were made and reports them in
 * that order, so the k-th detach of a radio is its k-th down transition however late the witness
 * read it (a late witness shows as a disagreement). A pair further apart than MATCH_WINDOW_NS is
 * not one.
 */
export function matchWitness(
  applied: { id: number; ifname: string; up: boolean; realNs: bigint }[],
  events: LinkEvent[],
  initial?: Map<string, boolean>,
): Map<number, Witnessed> {
  const seen = new Map<string, LinkEvent[]>();
  for (const t of transitions(events, initial)) {
    const key = `${t.ifname} ${t.up}`;
    seen.set(key, [...(seen.get(key) ?? []), t]);
  }
  const next = new Map<string, number>();
  const out = new Map<number, Witnessed>();
  for (const a of [...applied].sort((x, y) => (x.realNs < y.realNs ? -1 : 1))) {
    const key = `${a.ifname} ${a.up}`;
    const k = next.get(key) ?? 0;
    next.set(key, k + 1);
    const t = seen.get(key)?.[k];
    if (!t) continue;
    const d = t.realNs - a.realNs;
    if (d > MATCH_WINDOW_NS || -d > MATCH_WINDOW_NS) continue;
    out.set(a.id, { realNs: t.realNs, disagreementMs: Number(d) / 1e6 });
  }
  return out;
}

/** p-quantile (0..1) of xs by nearest rank. */
export function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}
