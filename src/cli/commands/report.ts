import type { Command } from 'commander';
import { describeLabError } from '../errors.js';
import { writeJunit } from '../junit.js';
import { jsonOption, junitOption } from '../options.js';
import { EXIT_LAB_ERROR, EXIT_OK, makeOutput, type SetOutcome } from '../output.js';

interface ReportOpts {
  json?: boolean;
  junit?: string;
}

export function registerReport(program: Command, setOutcome: SetOutcome): void {
  program
    .command('report')
    .description(
      "rebuild OUTDIR/report.html from a run's output directory (results.json, topology.json, pcaps, logs): " +
        'the topology, a ladder of each handover from the captures, each flow against time, the expectations. ' +
        'One self-contained file that opens offline.\nExit 0 when it was written, 2 when OUTDIR is not a run of this version.',
    )
    .argument('<outdir>', "a run's output directory (where results.json is)")
    .addOption(junitOption())
    .addOption(jsonOption())
    .action((dir: string, o: ReportOpts) => setOutcome(report(dir, o)));
}

async function report(dir: string, o: ReportOpts): Promise<number> {
  const out = makeOutput(!!o.json);
  try {
    const { readResults, writeReport } = await import('../../report/write.js');
    const file = await writeReport(dir);
    const lines = [`report in ${file}`];
    if (o.junit) {
      await writeJunit(o.junit, readResults(dir), dir);
      lines.push(`JUnit XML in ${o.junit}`);
    }
    out.result(lines.join('\n'), { ok: true, report: file, ...(o.junit ? { junit: o.junit } : {}) });
    return EXIT_OK;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  }
}
