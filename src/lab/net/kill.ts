// Finding and stopping processes a lab started: the whole process group (agents fork helpers), TERM
// then KILL; and every process inside a namespace, found by one scan of /proc/*/ns/net.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** True while pid runs; a zombie (dead, waiting for its parent to reap it) does not count. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // already gone
  }
}

/**
 * Sends SIGTERM to the group led by pid (and to pid itself, in case it left the group), waits up to
 * graceMs, then SIGKILL. Resolves once the process is gone (or after KILL was sent and waited).
 */
export async function killProcessGroup(pid: number, graceMs = 1000): Promise<void> {
  if (pid <= 1) return;
  signal(-pid, 'SIGTERM');
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < deadline) await sleep(10);
  if (isRunning(pid)) {
    signal(-pid, 'SIGKILL');
    signal(pid, 'SIGKILL');
    const hard = Date.now() + 1000;
    while (isRunning(pid) && Date.now() < hard) await sleep(10);
  }
}

/** SIGKILL to a set of pids (processes left inside a namespace); resolves once none runs (or after 2 s). */
export async function killAll(pids: readonly number[]): Promise<void> {
  const targets = pids.filter((p) => p > 1 && p !== process.pid);
  for (const p of targets) signal(p, 'SIGKILL');
  const deadline = Date.now() + 2000;
  while (targets.some(isRunning) && Date.now() < deadline) await sleep(5);
}

/** Pids of every process whose network namespace is one of the given /run/netns entries (one /proc scan). */
export function pidsInNamespaces(names: readonly string[]): Map<string, number[]> {
  const byInode = new Map<string, string>();
  for (const n of names) {
    try {
      byInode.set(`net:[${statSync(`/run/netns/${n}`).ino}]`, n);
    } catch {
      // already gone
    }
  }
  const out = new Map<string, number[]>();
  if (byInode.size === 0) return out;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/${d}/ns/net`);
    } catch {
      continue;
    }
    const ns = byInode.get(link);
    if (!ns) continue;
    const pid = Number(d);
    if (pid === process.pid) continue;
    out.set(ns, [...(out.get(ns) ?? []), pid]);
  }
  return out;
}
