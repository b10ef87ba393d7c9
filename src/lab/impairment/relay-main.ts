// The userspace impairment relay, a process of its own (started by relay.ts in the air namespace):
// for every relayed link it reads frames from air:x (sent by end a) and writes them to air:y after
// the a->b impairment, and y->x with b->a. Netem semantics, arithmetic in relay-queue.ts. A frame
// carrying a flow packet draws its fate from a generator keyed on (link, direction, flow, seq)
// (flow-key.ts), so the same data packet meets the same fate in every run.
//   node relay-main.js CONFIG.json      SIGUSR1: write counters   SIGTERM/SIGINT: write counters, exit 0
//                                       SIGHUP: read CONFIG.json's impairments again (`mipshop-lab impair`)
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { native } from '../../native/index.js';
import type { Frame, PacketSocket } from '../../native/types.js';
import { flowKeyOf, keyedRandom } from './flow-key.js';
import { DROP_QUEUE, DirectionShaper, FrameQueue, xorshift32, type Random } from './relay-queue.js';
import type { DirectionCounters, RelayConfig, RelayCounters } from './relay.js';

/** Frames sent up to this much before their departure time: setTimeout fires on whole ms, late. */
const EARLY_MS = 0.5;
/** A direction holds at most this many frames (a delay-only queue is bounded too). */
const MAX_QUEUED = 200_000;
const ETHERNET_HEADER = 14;
/** Flow packets dropped by loss that a direction lists by (flow, seq); beyond, only counted. */
const MAX_DROPPED_LISTED = 10_000;

interface Direction {
  name: string;
  out: PacketSocket;
  /** Frames to send with one sendmmsg at the end of the current batch (reused, never reallocated). */
  batch: Buffer[];
  shaper: DirectionShaper | null;
  queue: FrameQueue;
  counters: DirectionCounters;
}

function zero(): DirectionCounters {
  return {
    in: 0,
    out: 0,
    droppedLoss: 0,
    droppedQueue: 0,
    duplicated: 0,
    sendFailed: 0,
    malformed: 0,
    timed: 0,
    lateMsSum: 0,
    lateMsMax: 0,
    keyed: 0,
    droppedLossFlows: {},
    droppedLossUnlisted: 0,
  };
}

/** Sequence numbers listed so far per direction (the bound's count, kept apart from the report). */
const listed = new Map<DirectionCounters, number>();

function listDropped(c: DirectionCounters, flowId: number, seq: number): void {
  const n = listed.get(c) ?? 0;
  if (n >= MAX_DROPPED_LISTED) {
    c.droppedLossUnlisted++;
    return;
  }
  listed.set(c, n + 1);
  const list = c.droppedLossFlows[flowId] ?? [];
  list.push(seq);
  c.droppedLossFlows[flowId] = list;
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as RelayConfig;
const rand: Random = config.seed !== undefined ? xorshift32(config.seed) : Math.random;
const sockets: PacketSocket[] = [];
const directions: Direction[] = [];
const perLink: RelayCounters['links'] = {};
let seq = 0;
let reloads = 0;
let timer: NodeJS.Timeout | null = null;
let timerDue = Infinity;

function send(d: Direction, frame: Buffer): void {
  d.batch.push(frame);
}

/** Sends what the current receive batch or timer run collected, in one sendmmsg. */
function flush(d: Direction): void {
  const n = d.batch.length;
  if (n === 0) return;
  const sent = n === 1 ? (d.out.send(d.batch[0]!) ? 1 : 0) : d.out.sendMany(d.batch);
  d.counters.out += sent;
  d.counters.sendFailed += n - sent;
  d.batch.length = 0;
}

/** Sends every frame that is due, then arms one timer for the earliest frame still waiting. */
function drain(): void {
  timer = null;
  timerDue = Infinity;
  const now = performance.now();
  let next = Infinity;
  for (const d of directions) {
    while (d.queue.length > 0 && d.queue.headDue() <= now + EARLY_MS) {
      const late = now - d.queue.headDue();
      d.counters.timed++;
      d.counters.lateMsSum += late;
      if (late > d.counters.lateMsMax) d.counters.lateMsMax = late;
      send(d, d.queue.shift() as Buffer);
    }
    flush(d);
    next = Math.min(next, d.queue.headDue());
  }
  arm(next, now);
}

function arm(due: number, now: number): void {
  if (due === Infinity || due >= timerDue) return;
  if (timer) clearTimeout(timer);
  timerDue = due;
  timer = setTimeout(drain, Math.max(0, due - now - EARLY_MS));
}

function enqueue(d: Direction, frame: Buffer, now: number, r: Random): void {
  const shaper = d.shaper as DirectionShaper;
  const due = shaper.admit(now, frame.length, r);
  if (due === DROP_QUEUE || d.queue.length >= MAX_QUEUED) {
    d.counters.droppedQueue++;
    return;
  }
  // Nothing ahead and nothing to wait for: straight out, no timer.
  if (d.queue.length === 0 && due <= now + EARLY_MS) {
    send(d, frame);
    return;
  }
  d.queue.push(frame, due);
  arm(due, now);
}

function onFrames(d: Direction, frames: Frame[]): void {
  const now = performance.now();
  for (const f of frames) {
    d.counters.in++;
    if (f.data.length < ETHERNET_HEADER) {
      d.counters.malformed++;
      continue;
    }
    const shaper = d.shaper;
    if (!shaper) {
      send(d, f.data);
      continue;
    }
    const key = shaper.random ? flowKeyOf(f.data) : null;
    let r = rand;
    if (key) {
      d.counters.keyed++;
      r = keyedRandom(d.name, key);
    }
    if (shaper.lost(r)) {
      d.counters.droppedLoss++;
      if (key) listDropped(d.counters, key.flowId, key.seq);
      continue;
    }
    const twice = shaper.duplicated(r);
    enqueue(d, f.data, now, r);
    if (twice) {
      d.counters.duplicated++;
      enqueue(d, f.data, now, r);
    }
  }
  flush(d);
}

function writeCounters(): void {
  const report: RelayCounters = { pid: process.pid, seq: ++seq, reloads, links: perLink };
  const tmp = `${config.countersFile}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(report)}\n`);
  renameSync(tmp, config.countersFile);
}

function shutdown(): void {
  for (const s of sockets) s.close();
  if (timer) clearTimeout(timer);
  writeCounters();
  process.exit(0);
}

for (const link of config.links) {
  const open = (ifname: string) => {
    // Promiscuous: frames to the far node's MAC must be read; outgoing ones (our own sends) are not.
    const s = native.openPacketSocket({
      ifname,
      promiscuous: true,
      ignoreOutgoing: true,
      batch: 256,
      receiveBuffer: 4 << 20,
    });
    sockets.push(s);
    return s;
  };
  const sx = open(link.x);
  const sy = open(link.y);
  const ab: Direction = {
    name: `${link.id}:ab`,
    out: sy,
    batch: [],
    shaper: link.ab ? new DirectionShaper(link.ab) : null,
    queue: new FrameQueue(),
    counters: zero(),
  };
  const ba: Direction = {
    name: `${link.id}:ba`,
    out: sx,
    batch: [],
    shaper: link.ba ? new DirectionShaper(link.ba) : null,
    queue: new FrameQueue(),
    counters: zero(),
  };
  directions.push(ab, ba);
  perLink[link.id] = { ab: ab.counters, ba: ba.counters };
  const fail = (e: NodeJS.ErrnoException) => process.stderr.write(`relay ${link.id}: ${e.message}\n`);
  sx.start((frames) => onFrames(ab, frames), fail);
  sy.start((frames) => onFrames(ba, frames), fail);
}

/** New impairments from the config file; frames already queued keep their departure times. */
function reload(): void {
  try {
    const next = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as RelayConfig;
    for (const link of next.links) {
      const ab = directions.find((d) => d.name === `${link.id}:ab`);
      const ba = directions.find((d) => d.name === `${link.id}:ba`);
      if (ab) ab.shaper = link.ab ? new DirectionShaper(link.ab) : null;
      if (ba) ba.shaper = link.ba ? new DirectionShaper(link.ba) : null;
    }
    reloads++;
  } catch (e) {
    process.stderr.write(`relay: reload refused: ${(e as Error).message}\n`);
  }
}

process.on('SIGUSR1', writeCounters);
process.on('SIGHUP', () => {
  reload();
  writeCounters();
});
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
writeCounters();
writeFileSync(config.readyFile, `${process.pid}\n`);
