// Report generation (`mipshop-lab report`, src/report/): the time to build report.html from a long
// run's output and the file's size. The run: topologies/fmipv6-predictive.yaml stretched to 60 s,
// with ten predictive moves (ap1 -> ap2 -> ap1 ... every 5 s) and both flows at 200 packets/s for the
// whole run. Targets (docs/report.md): under 3 s and under 5 MB.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { Lab } from '../lab/lab.js';
import { PROJECT_ROOT } from '../lab/paths.js';
import { resolveLab } from '../lab/topology/resolve.js';
import { labSchema } from '../lab/topology/schema.js';
import { writeReport } from '../report/write.js';

const MOVES = 10;
const MOVE_EVERY_S = 5;
const DURATION_S = 60;
const TIMINGS = 3;

/** The predictive lab with MOVES moves, alternating between ap2 and ap1, and flows over the whole run. */
export function longLab(text: string, name: string): unknown {
  const lab = parse(text) as Record<string, unknown> & { traffic: Record<string, unknown>[] };
  delete lab.profiles;
  delete lab.expectations;
  lab.name = name;
  lab.duration = `${DURATION_S}s`;
  const scenario: unknown[] = [];
  for (let i = 1; i <= MOVES; i++) {
    const t = i * MOVE_EVERY_S;
    const to = i % 2 === 1 ? 'ap2' : 'ap1';
    scenario.push(
      { at: `${t - 0.5}s`, trigger: { node: 'mn', event: 'new-ap-detected', ap: to } },
      { at: `${t - 0.1}s`, trigger: { node: 'mn', event: 'link-going-down', ap: to } },
      { at: `${t}s`, detach: 'mn' },
      { at: `${t + 0.1}s`, attach: { node: 'mn', ap: to } },
    );
  }
  lab.scenario = scenario;
  lab.traffic = lab.traffic.map((f) => ({ ...f, start: '1.5s', duration: `${DURATION_S - 3}s` }));
  return lab;
}

export async function run(): Promise<void> {
  const name = `br${randomBytes(3).toString('hex')}`;
  const text = readFileSync(path.join(PROJECT_ROOT, 'topologies/fmipv6-predictive.yaml'), 'utf8');
  const resolved = resolveLab(labSchema.parse(longLab(text, name)), '<report bench>');
  const outDir = mkdtempSync(path.join(tmpdir(), 'mlab-bench-report-'));
  try {
    const lab = await Lab.up(resolved, { name, outDir });
    let handovers = 0;
    try {
      handovers = (await lab.run()).results.handovers.length;
    } finally {
      await lab.down();
    }
    const pcaps = readdirSync(path.join(outDir, 'pcap')).filter((f) => f.endsWith('.pcap'));
    const pcapBytes = pcaps.reduce((s, f) => s + statSync(path.join(outDir, 'pcap', f)).size, 0);
    const ms: number[] = [];
    let file = '';
    for (let i = 0; i < TIMINGS; i++) {
      const t = performance.now();
      file = await writeReport(outDir);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    const size = statSync(file).size;
    console.log(
      `  report of a ${DURATION_S} s run, ${handovers} handovers, ${pcaps.length} pcaps (${(pcapBytes / 1e6).toFixed(1)} MB): ` +
        `built in ${ms.map((m) => m.toFixed(0)).join(' / ')} ms (target < 3000 ms), report.html ${(size / 1e6).toFixed(2)} MB (target < 5 MB)`,
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
