import type { Command } from 'commander';
import type { SetOutcome } from '../output.js';
import { jsonOption } from '../options.js';
import { EXIT_OK, makeOutput } from '../output.js';

export function registerLs(program: Command, setOutcome: SetOutcome): void {
  program
    .command('ls')
    .description('list the labs running on this machine')
    .addOption(jsonOption())
    .action((o: { json?: boolean }) => setOutcome(ls(o)));
}

async function ls(o: { json?: boolean }): Promise<number> {
  const out = makeOutput(!!o.json);
  const { Lab } = await import('../../lab/lab.js');
  const labs = await Lab.list();
  const text = labs.length
    ? labs
        .map((l) =>
          l.runtime
            ? `${l.name}\t${l.runtime}\t${l.nodes.join(',')}\t${l.file ?? ''}`
            : // No record: a run killed before it wrote one, or an `up` still under way.
              `${l.name}\t-\tno record (coming up, or left by a killed run: mipshop-lab down ${l.name})`,
        )
        .join('\n')
    : 'no labs';
  out.result(text, { labs });
  return EXIT_OK;
}
