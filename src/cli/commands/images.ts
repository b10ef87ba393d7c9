import type { Command } from 'commander';
import { describeLabError } from '../errors.js';
import type { SetOutcome } from '../output.js';
import { jsonOption } from '../options.js';
import { EXIT_LAB_ERROR, EXIT_OK, makeOutput } from '../output.js';

export function registerImages(program: Command, setOutcome: SetOutcome): void {
  const images = program.command('images').description('Docker images of the docker runtime');
  images
    .command('build')
    .description('build the base image (offline, debootstrap) and the agent image; only when inputs changed')
    .option('--force', 'rebuild even when the inputs are unchanged')
    .addOption(jsonOption())
    .action((o: { force?: boolean; json?: boolean }) => setOutcome(build(o)));
  images
    .command('prune')
    .description(
      'remove images of ours that the current inputs no longer use (kept: the current base, node and agent images)',
    )
    .addOption(jsonOption())
    .action((o: { json?: boolean }) => setOutcome(prune(o)));
}

async function prune(o: { json?: boolean }): Promise<number> {
  const out = makeOutput(!!o.json);
  try {
    const { buildImages, pruneImages } = await import('../../lab/images/index.js');
    const current = await buildImages({ onProgress: (l: string) => out.progress(l) });
    const removed = await pruneImages(current.map((i) => i.id));
    out.result(`removed ${removed} image(s)`, { ok: true, removed, kept: current.map((i) => i.tag) });
    return EXIT_OK;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  }
}

async function build(o: { force?: boolean; json?: boolean }): Promise<number> {
  const out = makeOutput(!!o.json);
  try {
    const { buildImages } = await import('../../lab/images/index.js');
    const r = await buildImages({ force: !!o.force, onProgress: (l: string) => out.progress(l) });
    out.result(r.map((i) => `${i.tag}${i.built ? ' (built)' : ' (up to date)'}`).join('\n'), { ok: true, images: r });
    return EXIT_OK;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  }
}
