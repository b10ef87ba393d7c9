// Stopping processes a lab started: the whole process group (agents fork helpers), TERM then KILL.
import { setTimeout as sleep } from 'node:timers/promises';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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
  while (alive(pid) && Date.now() < deadline) await sleep(10);
  if (alive(pid)) {
    signal(-pid, 'SIGKILL');
    signal(pid, 'SIGKILL');
    const hard = Date.now() + 1000;
    while (alive(pid) && Date.now() < hard) await sleep(10);
  }
}

/** SIGKILL to a set of pids (processes left inside a namespace). */
export function killAll(pids: readonly number[]): void {
  for (const p of pids) if (p > 1 && p !== process.pid) signal(p, 'SIGKILL');
}
