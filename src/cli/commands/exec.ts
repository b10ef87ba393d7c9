import type { Command } from 'commander';
import { describeLabError } from '../errors.js';
import type { SetOutcome } from '../output.js';
import { EXIT_LAB_ERROR, makeOutput } from '../output.js';

export function registerExec(program: Command, setOutcome: SetOutcome): void {
  program
    .command('exec')
    .description('run a command inside a node of a running lab, e.g. `mipshop-lab exec smoke mn -- ip -6 addr`')
    .argument('<lab>', 'lab name')
    .argument('<node>', 'node name')
    .argument('<command...>', 'the command and its arguments (`--` before them is optional)')
    // Options after <lab> belong to the command: `exec smoke mn ip -6 addr` as with `docker exec`.
    .passThroughOptions()
    .action((lab: string, node: string, command: string[]) => setOutcome(execIn(lab, node, command)));
}

async function execIn(lab: string, node: string, command: string[]): Promise<number> {
  const out = makeOutput(false);
  try {
    const { Lab } = await import('../../lab/lab.js');
    const started = await Lab.open(lab);
    // With passThroughOptions commander keeps a `--` that follows <node>: it is ours, not the command's.
    const argv = command[0] === '--' ? command.slice(1) : command;
    const r = await started.node(node).exec(argv, { reject: false });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    started.detach();
    return r.exitCode;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  }
}
