import { Option, type Command } from 'commander';
import { describeLabError } from '../errors.js';
import { jsonOption, nameOption, runtimeOption } from '../options.js';
import { EXIT_LAB_ERROR, EXIT_OK, makeOutput, type SetOutcome } from '../output.js';
import { abortOnSignals } from '../signals.js';

interface CompareOpts {
  protocols: string;
  repeat: string;
  out?: string;
  runtime: 'netns' | 'docker';
  name?: string;
  json?: boolean;
}

export function registerCompare(program: Command, setOutcome: SetOutcome): void {
  program
    .command('compare')
    .description(
      "run one lab under several protocols: each profile of the lab file's `profiles:` on the same nodes, links, " +
        'timeline and traffic, --repeat times each; print interruption and loss both ways, buffered, signalling and ' +
        'messages at the home agent (median [min-max]), and write OUT/compare.html, OUT/compare.json and each run in ' +
        'OUT/<protocol>/run<i>/ (docs/compare.md).\n' +
        "Exit 0: every run ran (the lab's own expectations are not judged across protocols); 2: the lab, its YAML or a run is wrong.",
    )
    .argument('<lab.yaml>', 'the lab file, with profiles')
    .addOption(
      new Option('--protocols <list>', 'comma-separated profile names of the lab, or "all"').makeOptionMandatory(),
    )
    .addOption(new Option('--repeat <n>', 'runs per protocol').default('5'))
    .addOption(
      new Option('--out <dir>', 'where compare.html, compare.json and the runs go (default out/<lab>-compare)'),
    )
    .addOption(runtimeOption())
    .addOption(nameOption())
    .addOption(jsonOption())
    .action((file: string, o: CompareOpts) => setOutcome(compare(file, o)));
}

async function compare(file: string, o: CompareOpts): Promise<number> {
  const out = makeOutput(!!o.json);
  const repeat = Number(o.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) {
    out.error(`--repeat ${o.repeat}: expected a whole number from 1 to 100`);
    return EXIT_LAB_ERROR;
  }
  const protocols = o.protocols
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const sig = abortOnSignals();
  try {
    const [{ runCompare, COMPARE_FILE, COMPARE_HTML }, { compareTable }, { Lab }, path] = await Promise.all([
      import('../../lab/compare/run.js'),
      import('../../lab/compare/summary.js'),
      import('../../lab/lab.js'),
      import('node:path'),
    ]);
    const outDir = path.resolve(o.out ?? path.join('out', `${(await Lab.load(file)).name}-compare`));
    const r = await runCompare(file, {
      protocols,
      repeat,
      outDir,
      runtime: o.runtime,
      ...(o.name ? { name: o.name } : {}),
      signal: sig.signal,
      onEvent: (line) => out.progress(line),
    });
    const html = path.join(outDir, COMPARE_HTML);
    // The arrivals stay in compare.json: --json prints the table's data, small enough for any pipe.
    const { arrivals: _arrivals, ...rest } = r;
    out.result(`${compareTable(r.summary)}\ncompare.html in ${html}`, {
      ok: true,
      html,
      json: path.join(outDir, COMPARE_FILE),
      ...rest,
    });
    return EXIT_OK;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  } finally {
    sig.dispose();
  }
}
