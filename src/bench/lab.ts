// Up+down seconds of labs on the netns runtime: smoke.yaml and generated chains (n routers in a line,
// one host on each — the shape of Mininet's `--topo linear,n`). Targets on a 2-core machine:
// chain of 10 under 0.7 s, chain of 50 under 3.5 s (half of Mininet 2.3's 1.6 s and 7.1 s here).
import path from 'node:path';
import { Lab } from '../lab/lab.js';
import { PROJECT_ROOT } from '../lab/paths.js';
import { chainLab } from '../lab/topology/generate.js';
import type { ResolvedLab } from '../lab/topology/types.js';
import { mininetUpDownSeconds } from './mininet.js';

async function upDown(source: string | ResolvedLab, name: string): Promise<{ up: number; down: number }> {
  const t0 = performance.now();
  const lab = await Lab.up(source, { name, outDir: path.join('/tmp', `mlab-bench-${name}`) });
  const t1 = performance.now();
  await lab.down();
  const t2 = performance.now();
  return { up: (t1 - t0) / 1000, down: (t2 - t1) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  const cases: { label: string; source: string | ResolvedLab; target?: number; mininet?: number }[] = [
    { label: 'smoke.yaml', source: path.join(PROJECT_ROOT, 'topologies/smoke.yaml') },
    { label: 'chain 10+10', source: chainLab(10, 'bchain10'), target: 0.7, mininet: 10 },
    { label: 'chain 50+50', source: chainLab(50, 'bchain50'), target: 3.5, mininet: 50 },
  ];
  console.log('lab up+down (netns runtime), median of 3 runs');
  for (const c of cases) {
    const runs: number[] = [];
    let last = { up: 0, down: 0 };
    for (let i = 0; i < 3; i++) {
      last = await upDown(c.source, typeof c.source === 'string' ? 'bsmoke' : c.source.name);
      runs.push(last.up + last.down);
    }
    const m = median(runs);
    let line = `  ${c.label.padEnd(12)} ${m.toFixed(2)} s (up ${last.up.toFixed(2)} s, down ${last.down.toFixed(2)} s)`;
    if (c.target !== undefined) line += `  target < ${c.target} s: ${m < c.target ? 'met' : 'NOT met'}`;
    if (c.mininet !== undefined) {
      const mn = await mininetUpDownSeconds(c.mininet);
      line += typeof mn === 'string' ? `  mininet: ${mn}` : `  mininet linear,${c.mininet}: ${mn.toFixed(2)} s`;
    }
    console.log(line);
  }
}
