import type { Command } from 'commander';
import { describeLabError } from '../errors.js';
import { jsonOption } from '../options.js';
import { EXIT_LAB_ERROR, EXIT_OK, makeOutput, type SetOutcome } from '../output.js';

const USAGE = 'expected `detach NODE`, `attach NODE AP` or `trigger NODE EVENT [AP]`';

export function registerL2(program: Command, setOutcome: SetOutcome): void {
  program
    .command('l2')
    .description(
      "a scenario's layer-2 action, by hand, on a running lab: `l2 LAB detach mn`, `l2 LAB attach mn ap2`, " +
        '`l2 LAB trigger mn link-going-down ap2` (RFC 4260 trigger names, delivered to the agent of NODE). ' +
        "A detach or attach is followed by the AP's station report to its router, as in a run.\n" +
        'Exit 0: applied; 2: no such lab, node, AP or trigger, or the action failed.',
    )
    .argument('<lab>', 'lab name')
    .argument('<action>', 'detach | attach | trigger')
    .argument('<node>', 'the mobile node')
    .argument('[more...]', 'attach: AP; trigger: EVENT [AP]')
    .addOption(jsonOption())
    .action((lab: string, action: string, node: string, more: string[], o: { json?: boolean }) =>
      setOutcome(l2(lab, action, node, more, o)),
    );
}

async function l2(name: string, action: string, node: string, more: string[], o: { json?: boolean }): Promise<number> {
  const out = makeOutput(!!o.json);
  const [{ Lab }, { closeL2 }, { L2_TRIGGERS }] = await Promise.all([
    import('../../lab/lab.js'),
    import('../../lab/net/l2.js'),
    import('../../agent/l2-triggers.js'),
  ]);
  // The layer-2 channel and the station reports' timers do not hold a process open (a lab's run ends
  // without waiting for them): this command must, until its change is applied and reported.
  const hold = setInterval(() => undefined, 1000);
  try {
    const lab = await Lab.open(name);
    const n = lab.lab.nodes.find((x) => x.name === node);
    if (!n) throw new Error(`lab ${name} has no node ${node} (nodes: ${lab.lab.nodes.map((x) => x.name).join(', ')})`);
    const aps = lab.lab.aps.map((a) => a.name);
    const ap = action === 'attach' ? more[0] : action === 'trigger' ? more[1] : undefined;
    if (ap !== undefined && !aps.includes(ap)) throw new Error(`lab ${name} has no AP ${ap} (APs: ${aps.join(', ')})`);
    let appliedNs: bigint;
    let reports: { event: string; ap: string; router: string; error?: string }[] = [];
    if (action === 'detach' || action === 'attach') {
      if (!n.interfaces.some((i) => i.kind === 'radio')) throw new Error(`node ${node} has no radio`);
      if (action === 'attach' && (ap === undefined || more.length !== 1)) throw new Error(`attach: ${USAGE}`);
      if (action === 'detach' && more.length) throw new Error(`detach: ${USAGE}`);
      await lab.locateRadios();
      appliedNs = action === 'detach' ? await lab.l2.detach(node) : await lab.l2.attach(node, ap as string);
      // The AP's station report follows the change (notifyLatency later): wait for it before leaving.
      reports = (await lab.apEvents()).map((e) => ({
        event: e.event,
        ap: e.ap,
        router: e.router,
        ...(e.error ? { error: e.error } : {}),
      }));
    } else if (action === 'trigger') {
      const event = more[0];
      if (!event || !(L2_TRIGGERS as readonly string[]).includes(event) || more.length > 2)
        throw new Error(`trigger: expected EVENT one of ${L2_TRIGGERS.join(', ')} and an optional AP`);
      appliedNs = await lab.l2.trigger(node, event, ap);
    } else throw new Error(`"${action}": ${USAGE}`);
    lab.detach();
    const told = reports.map(
      (r) => `\n  ${r.ap} told ${r.router}: ${r.event}${r.error ? ` (failed: ${r.error})` : ''}`,
    );
    out.result(
      `${action} ${node}${action === 'trigger' ? ` ${more[0]}` : ''}${ap ? ` ${ap}` : ''} applied${told.join('')}`,
      {
        ok: true,
        lab: name,
        action,
        node,
        ...(action === 'trigger' ? { event: more[0] } : {}),
        ...(ap ? { ap } : {}),
        appliedNs: String(appliedNs),
        stationReports: reports,
      },
    );
    return EXIT_OK;
  } catch (err) {
    out.error(describeLabError(err));
    return EXIT_LAB_ERROR;
  } finally {
    clearInterval(hold);
    closeL2(name);
  }
}
