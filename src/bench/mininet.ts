// Mininet's own up+down time for `--topo linear,n` with Linux-bridge switches and no controller, for a
// side-by-side figure (Debian packages `mininet` and `bridge-utils`). A string says why there is none.
import { execFileSync } from 'node:child_process';

export async function mininetUpDownSeconds(n: number): Promise<number | string> {
  try {
    execFileSync('sh', ['-c', 'command -v mn && command -v brctl'], { stdio: 'ignore' });
  } catch {
    return 'not installed (apt-get install mininet bridge-utils)';
  }
  const t0 = performance.now();
  try {
    execFileSync('mn', ['--topo', `linear,${n}`, '--switch', 'lxbr', '--controller', 'none', '--test', 'none'], {
      stdio: 'ignore',
      timeout: 120_000,
    });
  } catch (err) {
    execFileSync('mn', ['-c'], { stdio: 'ignore' });
    return `failed: ${(err as Error).message.split('\n')[0]}`;
  }
  return (performance.now() - t0) / 1000;
}
