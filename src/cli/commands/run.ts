import path from 'node:path';
import type { Command } from 'commander';
import type { StartedLab } from '../../lab/lab.js';
import { describeLabError } from '../errors.js';
import type { SetOutcome } from '../output.js';
import { jsonOption, junitOption, nameOption, outOption, profileOption, runtimeOption, upOptions } from '../options.js';
import { writeJunit, writeJunitError } from '../junit.js';
import { EXIT_FAILED, EXIT_LAB_ERROR, EXIT_OK, makeOutput } from '../output.js';
import { abortOnSignals } from '../signals.js';

interface RunOpts {
  runtime: 'netns' | 'docker';
  name?: string;
  profile?: string;
  out: string;
  keep?: boolean;
  json?: boolean;
  junit?: string;
}

export function registerRun(program: Command, setOutcome: SetOutcome): void {
  program
    .command('run')
    .description(
      'bring a lab up, run its traffic and scenario, judge its expectations, tear it down.\n' +
        'Exit 0: every expectation held; 1: an expectation failed; 2: the lab or its YAML is wrong.',
    )
    .argument('<lab.yaml>', 'the lab file')
    .addOption(runtimeOption())
    .addOption(nameOption())
    .addOption(profileOption())
    .addOption(outOption())
    .option('--keep', 'leave the lab running after the run (tear it down with `down`)')
    .addOption(jsonOption())
    .addOption(junitOption())
    .action((file: string, o: RunOpts) => setOutcome(runLab(file, o)));
}

async function runLab(file: string, o: RunOpts): Promise<number> {
  const out = makeOutput(!!o.json);
  const sig = abortOnSignals();
  let lab: StartedLab | undefined;
  try {
    out.progress(`bringing up ${file} on ${o.runtime}`);
    const { Lab } = await import('../../lab/lab.js');
    // Captures listening before the agents start: their first messages are in the pcaps (lab.ts).
    lab = await Lab.up(o.profile ? await Lab.load(file, { profile: o.profile }) : file, {
      ...upOptions(o, out, sig.signal),
      capture: true,
    });
    out.progress(`running ${lab.name} for ${(lab.lab.durationMs / 1000).toFixed(1)} s`);
    const r = await lab.run({ signal: sig.signal, onEvent: (line) => out.progress(`  ${line}`) });
    const lines = [`${r.passed ? 'PASS' : 'FAIL'} ${lab.name}: results in ${r.resultsFile}`];
    for (const h of r.results.handovers) {
      lines.push(
        `  handover ${h.node} ${h.fromAp ?? '-'} -> ${h.toAp}: L2 gap ${fmt(h.l2GapMs)} ms, interruption ${fmt(h.interruptionMs)} ms, lost ${h.lost ?? '-'}`,
      );
    }
    for (const e of r.results.expectations)
      lines.push(
        `  ${e.held ? '✓' : '✗'} ${e.expectation}: measured ${String(e.measured)}${e.detail ? ` (${e.detail})` : ''}`,
      );
    if (o.junit) {
      await writeJunit(o.junit, r.results, path.dirname(r.resultsFile));
      lines.push(`JUnit XML in ${o.junit}`);
    }
    out.result(lines.join('\n'), { ok: r.passed, resultsFile: r.resultsFile, ...r.results });
    return r.passed ? EXIT_OK : EXIT_FAILED;
  } catch (err) {
    out.error(describeLabError(err));
    if (o.junit) await writeJunitError(o.junit, lab?.name ?? path.basename(file), describeLabError(err));
    return EXIT_LAB_ERROR;
  } finally {
    if (lab) {
      if (o.keep && !sig.signal.aborted) {
        out.progress(`lab ${lab.name} kept running: mipshop-lab down ${lab.name}`);
        lab.detach();
      } else {
        await lab.down().catch((e) => out.error(`teardown: ${describeLabError(e)}`));
      }
    }
    sig.dispose();
  }
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : v.toFixed(1);
}
