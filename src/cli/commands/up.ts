import type { Command } from 'commander';
import { describeLabError } from '../errors.js';
import type { SetOutcome } from '../output.js';
import { jsonOption, nameOption, outOption, profileOption, runtimeOption, upOptions } from '../options.js';
import { EXIT_LAB_ERROR, EXIT_OK, makeOutput } from '../output.js';
import { abortOnSignals } from '../signals.js';

export function registerUp(program: Command, setOutcome: SetOutcome): void {
  program
    .command('up')
    .description('bring a lab up and leave it running (tear it down with `down`)')
    .argument('<lab.yaml>', 'the lab file')
    .addOption(runtimeOption())
    .addOption(nameOption())
    .addOption(profileOption())
    .addOption(outOption())
    .addOption(jsonOption())
    .action(
      (
        file: string,
        o: { runtime: 'netns' | 'docker'; name?: string; profile?: string; out: string; json?: boolean },
      ) => {
        setOutcome(up(file, o));
      },
    );
}

async function up(
  file: string,
  o: { runtime: 'netns' | 'docker'; name?: string; profile?: string; out: string; json?: boolean },
): Promise<number> {
  const out = makeOutput(!!o.json);
  const sig = abortOnSignals();
  try {
    const { Lab } = await import('../../lab/lab.js');
    const lab = await Lab.up(
      o.profile ? await Lab.load(file, { profile: o.profile }) : file,
      upOptions(o, out, sig.signal),
    );
    const nodes = lab.lab.nodes.map((n) => n.name);
    out.result(
      `lab ${lab.name} is up on ${lab.runtimeKind}: ${nodes.join(', ')}\n` +
        `  exec:  mipshop-lab exec ${lab.name} <node> -- <command>\n  down:  mipshop-lab down ${lab.name}`,
      { ok: true, lab: lab.name, runtime: lab.runtimeKind, nodes, outDir: lab.outDir },
    );
    lab.detach();
    return EXIT_OK;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  } finally {
    sig.dispose();
  }
}
