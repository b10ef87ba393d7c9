// Starting and stopping the userspace impairment relay (relay-main.ts): one process per lab, in the
// air namespace, joining air:lxN and air:lyN of every relayed link. Why it exists: docs/runtime.md.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { airNetns, labStateDir } from '../names.js';
import { relayPorts } from '../net/ifnames.js';
import { distEntry } from '../paths.js';
import { spawnInNetns } from '../runtime/netns.js';
import type { Impairment, ResolvedLab, ResolvedLink } from '../topology/types.js';
import { isImpaired } from './impairment.js';

export interface RelayLinkConfig {
  id: string;
  /** Air interface facing end a (frames from a arrive here and leave on y after ab). */
  x: string;
  /** Air interface facing end b. */
  y: string;
  ab: Impairment | null;
  ba: Impairment | null;
}

export interface RelayConfig {
  lab: string;
  links: RelayLinkConfig[];
  /** Written on SIGUSR1 and at exit. */
  countersFile: string;
  /** Created once every socket is open and polling. */
  readyFile: string;
  /** Seed of the loss/duplication/jitter draws; random when absent. */
  seed?: number;
}

export interface DirectionCounters {
  in: number;
  out: number;
  droppedLoss: number;
  droppedQueue: number;
  duplicated: number;
  /** Sends the kernel refused (EAGAIN/ENOBUFS). */
  sendFailed: number;
  /** Frames too short to be Ethernet: counted and dropped. */
  malformed: number;
  /** Queued frames sent, and how late they left against their departure time (ms; negative = early). */
  timed: number;
  lateMsSum: number;
  lateMsMax: number;
  /** Frames carrying a flow packet: their draws were keyed on (link, direction, flow, seq) (flow-key.ts). */
  keyed: number;
  /** Flow packets dropped by loss, by flow id (sequence numbers, in drop order), up to a bound. */
  droppedLossFlows: Record<string, number[]>;
  /** Flow packets dropped by loss beyond that bound. */
  droppedLossUnlisted: number;
}

export interface RelayCounters {
  pid: number;
  /** Increases with every write, so a reader can tell a fresh report. */
  seq: number;
  /** Impairment changes read (SIGHUP). */
  reloads: number;
  links: Record<string, { ab: DirectionCounters; ba: DirectionCounters }>;
}

export interface RelayHandle {
  pid: number;
  configFile: string;
  countersFile: string;
  /** Asks the relay for its counters (SIGUSR1) and waits for the fresh report. */
  counters(): Promise<RelayCounters>;
  /** SIGTERM, wait for exit, return the final counters. */
  stop(): Promise<RelayCounters>;
}

export function relayConfig(lab: ResolvedLab, links: readonly ResolvedLink[], seed?: number): RelayConfig {
  const dir = labStateDir(lab.name);
  return {
    lab: lab.name,
    links: links.map((l) => {
      const { x, y } = relayPorts(lab.links.indexOf(l));
      return { id: l.id, x, y, ab: isImpaired(l.ab) ? l.ab : null, ba: isImpaired(l.ba) ? l.ba : null };
    }),
    countersFile: `${dir}/relay-counters.json`,
    readyFile: `${dir}/relay.ready`,
    ...(seed !== undefined ? { seed } : {}),
  };
}

export function readCounters(file: string): RelayCounters | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RelayCounters;
  } catch {
    return null;
  }
}

/** The relay's entry point: the built JavaScript (nodes and the air run dist/, also under vitest). */
export const RELAY_MAIN = distEntry('lab/impairment/relay-main.js');

export async function startRelay(
  lab: ResolvedLab,
  links: readonly ResolvedLink[],
  seed?: number,
): Promise<RelayHandle> {
  if (!existsSync(RELAY_MAIN)) throw new Error(`relay not built: ${RELAY_MAIN} is missing (npm run build)`);
  const cfg = relayConfig(lab, links, seed);
  const dir = labStateDir(lab.name);
  const configFile = `${dir}/relay.json`;
  const logFile = `${dir}/relay.log`;
  rmSync(cfg.readyFile, { force: true });
  rmSync(cfg.countersFile, { force: true });
  writeFileSync(configFile, `${JSON.stringify(cfg, null, 2)}\n`);
  const proc = spawnInNetns(lab.name, airNetns(lab.name), [process.execPath, RELAY_MAIN, configFile], {
    stderrFile: logFile,
    stdoutFile: logFile,
  });
  let exited: number | null | undefined;
  void proc.exited.then((c) => (exited = c));
  const deadline = Date.now() + 10_000;
  while (!existsSync(cfg.readyFile)) {
    if (exited !== undefined || Date.now() > deadline) {
      proc.kill('SIGKILL');
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
      throw new Error(`impairment relay of lab ${lab.name} did not start (exit ${exited}):\n${log}`);
    }
    await sleep(5);
  }
  const fresh = async (ask: () => void, timeoutMs: number): Promise<RelayCounters> => {
    const before = readCounters(cfg.countersFile)?.seq ?? -1;
    ask();
    const until = Date.now() + timeoutMs;
    for (;;) {
      const c = readCounters(cfg.countersFile);
      if (c && c.seq > before) return c;
      if (Date.now() > until) throw new Error(`impairment relay of lab ${lab.name} wrote no counters`);
      await sleep(5);
    }
  };
  let stopped: Promise<RelayCounters> | null = null;
  return {
    pid: proc.pid,
    configFile,
    countersFile: cfg.countersFile,
    counters: () => fresh(() => process.kill(proc.pid, 'SIGUSR1'), 3000),
    stop: () =>
      (stopped ??= (async () => {
        const c = await fresh(() => proc.kill('SIGTERM'), 3000).catch(() => null);
        const gone = await Promise.race([proc.exited.then(() => true), sleep(3000).then(() => false)]);
        if (!gone) proc.kill('SIGKILL');
        const last = c ?? readCounters(cfg.countersFile);
        if (!last) throw new Error(`impairment relay of lab ${lab.name} left no counters`);
        return last;
      })()),
  };
}
