// The APs' station reports to their routers (RFC 4260 §4: an 802.11 AP learns of a station's
// association and disassociation and tells its access router). The lab's APs are bridges with no
// agent, so the lab plays that part: an applied detach of node N from AP X becomes `station-left`
// (N's radio MAC, ap X) at X's router agent `notifyLatency` later; an attach to AP Y becomes
// `station-joined` at Y's router agent. Each delivery is recorded (kind `ap-event`) with its
// scheduled time (the applied detach/attach + latency) and the time the agent had taken it.
import type { L2TriggerEvent } from '../../agent/roles/role.js';
import type { StationEventName } from '../../agent/l2-triggers.js';
import { wallClockNs } from '../exec.js';
import type { ResolvedLab } from '../topology/types.js';
import type { FrameWitness } from './frame-witness.js';
import { monotonicClock, sleepUntil, type Clock } from './timeline.js';

export interface ApEventRecord {
  kind: 'ap-event';
  event: StationEventName;
  node: string;
  ap: string;
  router: string;
  station: string;
  /** The applied detach/attach this report follows, ns since the epoch (decimal). */
  l2AppliedNs: string;
  /** l2AppliedNs + the AP's notifyLatency. */
  scheduledNs: string;
  /** When the report says the station left/joined: after the last frame it got (witness) or the change's start. */
  atNs: string;
  atSource: 'last-frame' | 'change-started';
  /** When the router's agent had taken the report (its control answer came back). */
  appliedNs: string;
  error?: string;
}

/** An applied detach (from `ap`) or attach (to `ap`) of `node`, at `appliedNs` (ns since the epoch). */
export interface AppliedL2Change {
  change: 'detach' | 'attach';
  node: string;
  ap: string;
  appliedNs: bigint;
  /**
   * When the change was sent to the kernel (the carrier changed between this and appliedNs): the
   * report's `atNs`, the earliest moment the station can have gone. Default appliedNs.
   */
  startedNs?: bigint;
}

export interface ApEventDeps {
  lab: Pick<ResolvedLab, 'aps' | 'nodes'>;
  /** Delivers an L2 event to `router`'s agent (the control channel's `op: 'l2'`); rejects when refused. */
  send(router: string, event: L2TriggerEvent): Promise<void>;
  clock?: Clock;
  now?: () => bigint;
  /** The last frame the AP sent each station (frame-witness.ts); without it, the change's start time. */
  witness?: FrameWitness;
}

/**
 * Schedules the AP's report of one applied detach/attach. Resolves with its record, or null when the
 * AP's router runs no agent (nobody to tell) or the node has no radio.
 */
export async function scheduleApEvent(deps: ApEventDeps, c: AppliedL2Change): Promise<ApEventRecord | null> {
  const ap = deps.lab.aps.find((a) => a.name === c.ap);
  const node = deps.lab.nodes.find((n) => n.name === c.node);
  const station = node?.interfaces.find((i) => i.kind === 'radio')?.mac.toLowerCase();
  const router = ap && deps.lab.nodes.find((n) => n.name === ap.router);
  if (!ap || !station || !router || !routerHasAgent(router)) return null;
  const clock = deps.clock ?? monotonicClock;
  const now = deps.now ?? wallClockNs;
  const scheduledNs = c.appliedNs + BigInt(Math.round(ap.notifyLatencyMs * 1e6));
  await sleepUntil(clock, clock.now() + Number(scheduledNs - now()) / 1e6);
  const event: StationEventName = c.change === 'detach' ? 'station-left' : 'station-joined';
  // A leave happened just after the last frame the station got (in [startedNs, appliedNs]); a join at
  // the change's start. The PAR resends from this moment on (docs/fmipv6.md).
  const last = c.change === 'detach' ? deps.witness?.lastFrameAtOrBefore(c.node, c.appliedNs) : null;
  const from = c.startedNs ?? c.appliedNs;
  const seen = last !== null && last !== undefined && last.ns >= from ? last : null;
  const atNs = seen ? seen.ns + 1n : from;
  const rec: ApEventRecord = {
    kind: 'ap-event',
    event,
    node: c.node,
    ap: ap.name,
    router: ap.router,
    station,
    l2AppliedNs: String(c.appliedNs),
    scheduledNs: String(scheduledNs),
    atNs: String(atNs),
    atSource: atNs === from ? 'change-started' : 'last-frame',
    appliedNs: '0',
  };
  try {
    await deps.send(ap.router, {
      event,
      ap: ap.name,
      station,
      atNs: String(atNs),
      // Which packet it was, hop limit zeroed (each router on the way changes it).
      ...(seen && seen.head.length >= 40 ? { lastFrame: zeroHopLimit(seen.head).toString('hex') } : {}),
    });
  } catch (err) {
    rec.error = err instanceof Error ? err.message : String(err);
  }
  rec.appliedNs = String(now());
  return rec;
}

/** Routers with RAs or protocol roles run an agent (lab/agents.ts needsAgent); plain routers do not. */
export function routerHasAgent(n: ResolvedLab['nodes'][number]): boolean {
  return n.routerAdvertisements.length > 0 || n.roles.some((r) => r !== 'host' && r !== 'router');
}

/**
 * Follows each mobile node's AP (a detach does not name the AP it leaves) and schedules the reports;
 * `records()` waits for the deliveries scheduled so far.
 */
export class ApEventSource {
  readonly #deps: ApEventDeps;
  readonly #ap = new Map<string, string | null>();
  readonly #pending: Promise<ApEventRecord | null>[] = [];

  constructor(deps: ApEventDeps) {
    this.#deps = deps;
    for (const n of deps.lab.nodes)
      for (const i of n.interfaces) if (i.kind === 'radio') this.#ap.set(n.name, i.ap ?? null);
  }

  /** Where a radio is now (a lab opened by another process learns it from the air, lab.ts). */
  locate(node: string, ap: string | null): void {
    if (this.#ap.has(node)) this.#ap.set(node, ap);
  }

  detached(node: string, appliedNs: bigint, startedNs?: bigint): void {
    const ap = this.#ap.get(node);
    this.#ap.set(node, null);
    if (ap) this.#pending.push(scheduleApEvent(this.#deps, { change: 'detach', node, ap, appliedNs, startedNs }));
  }

  attached(node: string, ap: string, appliedNs: bigint, startedNs?: bigint): void {
    const was = this.#ap.get(node);
    // An attach straight from another AP (no detach first) is a disassociation there too.
    if (was && was !== ap) this.detached(node, appliedNs, startedNs);
    this.#ap.set(node, ap);
    this.#pending.push(scheduleApEvent(this.#deps, { change: 'attach', node, ap, appliedNs, startedNs }));
  }

  async records(): Promise<ApEventRecord[]> {
    const all = await Promise.all(this.#pending);
    return all.filter((r): r is ApEventRecord => r !== null).sort((a, b) => cmp(a.scheduledNs, b.scheduledNs));
  }
}

const cmp = (a: string, b: string): number => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

function zeroHopLimit(head: Buffer): Buffer {
  const b = Buffer.from(head);
  b[7] = 0;
  return b;
}
