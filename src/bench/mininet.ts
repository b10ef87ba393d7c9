// Mininet's own up+down time for `--topo linear,n` with Linux-bridge switches and no controller, for a
// side-by-side figure. Returns null when Mininet is not installed (the Debian package `mininet`).
import { execFileSync } from 'node:child_process';

export async function mininetUpDownSeconds(n: number): Promise<number | null> {
  try {
    execFileSync('sh', ['-c', 'command -v mn'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const t0 = performance.now();
  try {
    execFileSync('mn', ['--topo', `linear,${n}`, '--switch', 'lxbr', '--controller', 'none', '--test', 'none'], { stdio: 'ignore', timeout: 120_000 });
  } catch {
    execFileSync('mn', ['-c'], { stdio: 'ignore' });
    return null;
  }
  return (performance.now() - t0) / 1000;
}
