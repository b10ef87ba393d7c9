// Changing a running link's impairment (`mipshop-lab impair`), on the path the lab uses: the relay
// reads its config again on SIGHUP; netem qdiscs are replaced in place. Settings left out keep their
// current value; the latest values per link are kept in <state>/impairments.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nsExec } from '../exec.js';
import type { KernelCaps } from '../kernel.js';
import { labStateDir, nodeNetns } from '../names.js';
import { bitRate, duration, percent } from '../topology/schema-quantities.js';
import type { Impairment, ResolvedLab, ResolvedLink } from '../topology/types.js';
import { isImpaired } from './impairment.js';
import { netemArgs, netemRemoveArgs } from './netem.js';
import { readCounters, type RelayConfig } from './relay.js';

export type ImpairmentChange = Partial<Impairment>;
export type Direction = 'both' | 'forward' | 'reverse';

const KEYS: Record<string, { key: keyof Impairment; parse: (s: string) => number | null; example: string }> = {
  delay: { key: 'delayMs', parse: q(duration), example: 'delay=20ms' },
  jitter: { key: 'jitterMs', parse: q(duration), example: 'jitter=5ms' },
  loss: { key: 'lossPct', parse: q(percent), example: 'loss=1%' },
  duplicate: { key: 'duplicatePct', parse: q(percent), example: 'duplicate=0.5%' },
  rate: { key: 'rateBps', parse: (s) => (s === '0' ? 0 : q(bitRate)(s)), example: 'rate=10mbit (0: unlimited)' },
};

function q(schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }): (s: string) => number | null {
  return (s) => {
    const r = schema.safeParse(s);
    return r.success && typeof r.data === 'number' ? r.data : null;
  };
}

/** `delay=20ms loss=1%` -> { delayMs: 20, lossPct: 1 }; throws with what was expected. */
export function parseImpairmentArgs(args: readonly string[]): ImpairmentChange {
  if (args.length === 0) throw new Error(`expected at least one of ${Object.keys(KEYS).join('=, ')}=`);
  const out: ImpairmentChange = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    const k = KEYS[a.slice(0, Math.max(0, eq))];
    if (!k) throw new Error(`"${a}": expected KEY=VALUE with KEY one of ${Object.keys(KEYS).join(', ')}`);
    const v = k.parse(a.slice(eq + 1));
    if (v === null) throw new Error(`"${a}": expected e.g. ${k.example}`);
    out[k.key] = v;
  }
  return out;
}

/** A link by id (link1), by its ends (cn-cr, in either order: then forward is from the first named), or by an end (cn:eth1). */
export function findLink(lab: ResolvedLab, ref: string): { link: ResolvedLink; swapped: boolean } {
  for (const l of lab.links) {
    if (l.id === ref || ref === `${l.a.node}-${l.b.node}` || ref === `${l.a.node}:${l.a.iface}`)
      return { link: l, swapped: false };
    if (ref === `${l.b.node}-${l.a.node}` || ref === `${l.b.node}:${l.b.iface}`) return { link: l, swapped: true };
  }
  throw new Error(
    `lab ${lab.name} has no link ${ref}: expected one of ${lab.links.map((l) => `${l.id} (${l.a.node}-${l.b.node})`).join(', ')}`,
  );
}

const NONE: Impairment = { delayMs: 0, jitterMs: 0, lossPct: 0, duplicatePct: 0, rateBps: 0 };
const stateFile = (lab: string) => path.join(labStateDir(lab), 'impairments.json');

type Current = Record<string, { ab: Impairment | null; ba: Impairment | null }>;

function current(lab: ResolvedLab): Current {
  try {
    return JSON.parse(readFileSync(stateFile(lab.name), 'utf8')) as Current;
  } catch {
    return {};
  }
}

export interface ImpairResult {
  link: string;
  ends: [string, string];
  path: 'relay' | 'netem';
  /** The impairments now in force: a->b and b->a of the link as the lab file names its ends. */
  ab: Impairment | null;
  ba: Impairment | null;
}

export async function changeImpairment(
  lab: ResolvedLab,
  ref: string,
  change: ImpairmentChange,
  direction: Direction,
  caps: Pick<KernelCaps, 'netem'>,
): Promise<ImpairResult> {
  const { link, swapped } = findLink(lab, ref);
  const now = current(lab)[link.id] ?? { ab: link.ab, ba: link.ba };
  const fwd = swapped ? 'ba' : 'ab';
  const rev = swapped ? 'ab' : 'ba';
  const next = { ...now };
  if (direction !== 'reverse') next[fwd] = { ...(now[fwd] ?? NONE), ...change };
  if (direction !== 'forward') next[rev] = { ...(now[rev] ?? NONE), ...change };
  const ab = isImpaired(next.ab) ? next.ab : null;
  const ba = isImpaired(next.ba) ? next.ba : null;
  const dir = labStateDir(lab.name);
  const relayFile = path.join(dir, 'relay.json');
  const relay = existsSync(relayFile) ? (JSON.parse(readFileSync(relayFile, 'utf8')) as RelayConfig) : null;
  const relayed = relay?.links.find((l) => l.id === link.id);
  let used: ImpairResult['path'];
  if (relay && relayed) {
    relayed.ab = ab;
    relayed.ba = ba;
    writeFileSync(relayFile, `${JSON.stringify(relay, null, 2)}\n`);
    await reloadRelay(lab.name, relay);
    used = 'relay';
  } else if (caps.netem) {
    for (const [end, imp] of [
      [link.a, ab],
      [link.b, ba],
    ] as const) {
      const argv = imp ? netemArgs(end.iface, imp) : netemRemoveArgs(end.iface);
      const r = await nsExec(nodeNetns(lab.name, end.node), ['tc', ...argv], { reject: false });
      // Removing a qdisc that is not there is fine; anything else is not.
      if (r.exitCode !== 0 && imp) throw new Error(`tc ${argv.join(' ')} in ${end.node}: ${r.stderr.trim()}`);
    }
    used = 'netem';
  } else
    throw new Error(
      `link ${link.id} (${link.a.node}-${link.b.node}) is a plain veth: this kernel has no netem, and the relay carries only links impaired when the lab came up; give the link an impairment in the lab file (e.g. delay: 0.1ms) to change it while the lab runs`,
    );
  writeFileSync(stateFile(lab.name), `${JSON.stringify({ ...current(lab), [link.id]: { ab, ba } })}\n`);
  return { link: link.id, ends: [link.a.node, link.b.node], path: used, ab, ba };
}

/** SIGHUP, then wait for the counters that say the relay read its config again. */
async function reloadRelay(lab: string, cfg: RelayConfig): Promise<void> {
  const ready = path.join(labStateDir(lab), 'relay.ready');
  const pid = Number(readFileSync(ready, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${ready}: no relay pid`);
  const before = readCounters(cfg.countersFile)?.reloads ?? 0;
  process.kill(pid, 'SIGHUP');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    const c = readCounters(cfg.countersFile);
    if (c && (c.reloads ?? 0) > before) return;
    await sleep(20);
  }
  throw new Error(`the relay (pid ${pid}) did not confirm the change within 3 s; see ${labStateDir(lab)}/relay.log`);
}
