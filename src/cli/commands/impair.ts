import { type Command, Option } from 'commander';
import { describeLabError } from '../errors.js';
import { jsonOption } from '../options.js';
import { EXIT_LAB_ERROR, EXIT_OK, makeOutput, type SetOutcome } from '../output.js';

interface ImpairOpts {
  direction: 'both' | 'forward' | 'reverse';
  json?: boolean;
}

export function registerImpair(program: Command, setOutcome: SetOutcome): void {
  program
    .command('impair')
    .description(
      "change a running link's impairment: `impair LAB cn-cr delay=50ms loss=1%` (keys delay, jitter, loss, " +
        'duplicate, rate; rate=0 is unlimited; keys left out keep their value). LINK is the link id (link1), its ends ' +
        '(cn-cr; forward is from the first named) or one end (cn:eth1). On the relay path only links impaired when ' +
        'the lab came up can change; with netem, any link.\nExit 0: changed; 2: no such lab or link, a wrong value, or the change failed.',
    )
    .argument('<lab>', 'lab name')
    .argument('<link>', 'link id, ends "a-b", or one end "node:iface"')
    .argument('<settings...>', 'KEY=VALUE: delay=20ms jitter=5ms loss=1% duplicate=0.5% rate=10mbit')
    .addOption(
      new Option('--direction <dir>', 'which direction changes')
        .choices(['both', 'forward', 'reverse'])
        .default('both'),
    )
    .addOption(jsonOption())
    .action((lab: string, link: string, settings: string[], o: ImpairOpts) =>
      setOutcome(impair(lab, link, settings, o)),
    );
}

function describe(
  i: { delayMs: number; jitterMs: number; lossPct: number; duplicatePct: number; rateBps: number } | null,
) {
  if (!i) return 'none';
  const parts = [`delay ${i.delayMs} ms`];
  if (i.jitterMs) parts.push(`jitter ${i.jitterMs} ms`);
  if (i.lossPct) parts.push(`loss ${i.lossPct}%`);
  if (i.duplicatePct) parts.push(`duplicate ${i.duplicatePct}%`);
  if (i.rateBps) parts.push(`rate ${i.rateBps} bit/s`);
  return parts.join(', ');
}

async function impair(name: string, ref: string, settings: string[], o: ImpairOpts): Promise<number> {
  const out = makeOutput(!!o.json);
  try {
    const [{ Lab }, { changeImpairment, parseImpairmentArgs }, { kernelCaps }] = await Promise.all([
      import('../../lab/lab.js'),
      import('../../lab/impairment/live.js'),
      import('../../lab/kernel.js'),
    ]);
    const change = parseImpairmentArgs(settings);
    const lab = await Lab.open(name);
    lab.detach();
    const r = await changeImpairment(lab.lab, ref, change, o.direction, (await kernelCaps()).caps);
    out.result(
      `${r.link} (${r.ends[0]}-${r.ends[1]}) on the ${r.path} path\n  ${r.ends[0]} -> ${r.ends[1]}: ${describe(r.ab)}\n  ${r.ends[1]} -> ${r.ends[0]}: ${describe(r.ba)}`,
      { ok: true, lab: name, ...r },
    );
    return EXIT_OK;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  }
}
