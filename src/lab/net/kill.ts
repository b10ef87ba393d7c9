// Stopping processes a lab started: the whole process group (agents fork helpers), TERM then KILL.
import { readFileSync } from 'node:fs';
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

const alive = isRunning;

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
  while (alive(pid) && Date.now() < deadline) await sleep(10);
  if (alive(pid)) {
    signal(-pid, 'SIGKILL');
    signal(pid, 'SIGKILL');
    const hard = Date.now() + 1000;
    while (alive(pid) && Date.now() < hard) await sleep(10);
  }
}

/** SIGKILL to a set of pids (processes left inside a namespace); resolves once none runs (or after 2 s). */
export async function killAll(pids: readonly number[]): Promise<void> {
  const targets = pids.filter((p) => p > 1 && p !== process.pid);
  for (const p of targets) signal(p, 'SIGKILL');
  const deadline = Date.now() + 2000;
  while (targets.some(isRunning) && Date.now() < deadline) await sleep(5);
}
