import type { Command } from 'commander';
import { describeLabError } from '../errors.js';
import type { SetOutcome } from '../output.js';
import { jsonOption } from '../options.js';
import { EXIT_LAB_ERROR, EXIT_OK, makeOutput } from '../output.js';

export function registerDown(program: Command, setOutcome: SetOutcome): void {
  program
    .command('down')
    .description('tear a lab down by name or lab file; --all removes every lab and whatever a killed run left')
    .argument('[lab]', 'lab name or lab file')
    .option('--all', 'every lab on this machine, including leftovers of killed runs')
    .addOption(jsonOption())
    .action((lab: string | undefined, o: { all?: boolean; json?: boolean }) => setOutcome(down(lab, o)));
}

async function down(lab: string | undefined, o: { all?: boolean; json?: boolean }): Promise<number> {
  const out = makeOutput(!!o.json);
  try {
    const { Lab } = await import('../../lab/lab.js');
    if (o.all) {
      const removed = await Lab.downAll();
      out.result(removed.length ? `removed: ${removed.join(', ')}` : 'nothing to remove', { ok: true, removed });
      return EXIT_OK;
    }
    if (!lab) {
      out.error('name a lab (or a lab file), or use --all');
      return EXIT_LAB_ERROR;
    }
    const name = await Lab.nameOf(lab);
    if (!(await Lab.downByName(name))) {
      out.error(`no lab named ${name} on this machine (see mipshop-lab ls)`);
      return EXIT_LAB_ERROR;
    }
    out.result(`lab ${name} is down`, { ok: true, removed: [name] });
    return EXIT_OK;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  }
}
