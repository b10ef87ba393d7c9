// Removing what labs left behind: what `mipshop-lab down --all` and every lab's down() call.
// Only resources whose names parse to the lab (names.ts) are touched, so two labs never clash.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { run } from './exec.js';
import { NETNS_PREFIX, STATE_ROOT, parseNetns } from './names.js';
import { killAll, killProcessGroup, pidsInNamespaces } from './net/kill.js';
import { closeL2 } from './net/l2.js';
import { isSameProcess, listProcesses, readLabState, removeLabState } from './net/state.js';
import { listNetns } from './runtime/netns.js';

export interface CleanupReport {
  labs: string[];
  namespaces: string[];
  killed: number[];
  unmounted: string[];
}

/** Labs that have a namespace or a state directory. */
export async function listLabs(): Promise<string[]> {
  const labs = new Set<string>();
  for (const ns of await listNetns()) {
    const p = parseNetns(ns);
    if (p) labs.add(p.lab);
  }
  try {
    for (const d of readdirSync(STATE_ROOT, { withFileTypes: true })) if (d.isDirectory()) labs.add(d.name);
  } catch {
    // no state root yet
  }
  return [...labs];
}

async function removeNamespaces(names: string[], report: CleanupReport): Promise<void> {
  if (names.length === 0) return;
  // 1. processes inside them (agents, relays, tcpdumps a killed run left), then 2. the namespaces.
  const pids = [...pidsInNamespaces(names).values()].flat();
  await killAll(pids);
  report.killed.push(...pids);
  await run(['ip', '-force', '-batch', '-'], { input: names.map((n) => `netns del ${n}\n`).join(''), reject: false });
  // A namespace file still there is a bind mount `ip netns del` could not remove (busy): detach it.
  for (const n of names) {
    const path = `/run/netns/${n}`;
    if (!existsSync(path)) continue;
    await run(['umount', '-l', path], { reject: false });
    rmSync(path, { force: true });
    report.unmounted.push(path);
  }
  report.namespaces.push(...names);
}

/** Mount points under /run/netns for our namespaces whose file is gone (a crash mid `netns add`). */
function strayMounts(filter: (ns: string) => boolean): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const mnt = line.split(' ')[1] ?? '';
    const m = /^\/run\/netns\/(.+)$/.exec(mnt);
    if (m && m[1]!.startsWith(NETNS_PREFIX) && filter(m[1]!)) out.push(mnt);
  }
  return out;
}

async function cleanupOne(lab: string, netnsNames: string[], report: CleanupReport): Promise<void> {
  closeL2(lab);
  const procs = listProcesses(lab);
  await Promise.all(procs.filter(isSameProcess).map((p) => killProcessGroup(p.pid, 500)));
  report.killed.push(...procs.map((p) => p.pid));
  const state = readLabState(lab);
  const mine = new Set(netnsNames.filter((n) => parseNetns(n)?.lab === lab));
  for (const n of state?.namespaces ?? []) if (parseNetns(n)?.lab === lab && existsSync(`/run/netns/${n}`)) mine.add(n);
  await removeNamespaces([...mine], report);
  for (const m of strayMounts((ns) => parseNetns(ns)?.lab === lab)) {
    await run(['umount', '-l', m], { reject: false });
    rmSync(m, { force: true });
    report.unmounted.push(m);
  }
  removeLabState(lab);
  report.labs.push(lab);
}

/** Removes everything of one lab: its processes, namespaces (and their links), mounts, state. */
export async function cleanupLab(lab: string): Promise<CleanupReport> {
  const report: CleanupReport = { labs: [], namespaces: [], killed: [], unmounted: [] };
  await cleanupOne(lab, await listNetns(), report);
  return report;
}

/**
 * Removes every lab's leftovers (`mipshop-lab down --all`). `only` narrows it to some labs: tests use
 * it so they never remove labs that other test runs on the same machine are using.
 */
export async function cleanupAll(options: { only?: (lab: string) => boolean } = {}): Promise<CleanupReport> {
  const report: CleanupReport = { labs: [], namespaces: [], killed: [], unmounted: [] };
  const names = await listNetns();
  for (const lab of await listLabs()) if (!options.only || options.only(lab)) await cleanupOne(lab, names, report);
  return report;
}
