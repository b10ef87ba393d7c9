// What the benches read of a process from /proc.
import { readFileSync } from 'node:fs';

/** CPU ms (user + system) of a process so far; null once it is gone. */
export function cpuMs(pid: number, ticksPerS: number): number | null {
  try {
    // utime and stime are the 12th and 13th fields after the command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticksPerS;
  } catch {
    return null;
  }
}
