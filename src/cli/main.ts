#!/usr/bin/env node
// mipshop-lab: the command line over the Lab API (src/lab/lab.ts). Commands live one per file in
// commands/; each returns an exit code, and this file alone ends the process (after teardown).
// Each command loads what it needs when it runs (commands/*.ts); this file imports nothing else.
import { EXIT_LAB_ERROR, type SetOutcome } from './output.js';

const VERSION = '0.1.0';

async function main(argv: string[]): Promise<number> {
  // `--version` alone, as scripts ask it, is answered before the parser and the commands are loaded.
  if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [
    { Command },
    {
      registerCapture,
      registerCompare,
      registerDoctor,
      registerDown,
      registerExec,
      registerImages,
      registerImpair,
      registerL2,
      registerLs,
      registerReport,
      registerRun,
      registerUp,
    },
  ] = await Promise.all([import('commander'), import('./commands/index.js')]);
  let pending: Promise<number> | undefined;
  const setOutcome: SetOutcome = (p) => {
    pending = p;
  };
  const program = new Command()
    .name('mipshop-lab')
    .description(
      'A testbed for IPv6 mobility protocols: labs from YAML on network namespaces or Docker, protocol agents, scripted handovers, pcaps and verdicts.\n\n' +
        'Available: Mobile IPv6 with route optimisation (RFC 6275; topologies/mipv6.yaml, mipv6-ro.yaml), FMIPv6 predictive, reactive and on point-to-point links (RFC 5568; topologies/fmipv6-predictive.yaml, fmipv6-reactive.yaml, fmipv6-p2p.yaml) and with its FBU keyed from a FreeRADIUS in the lab (RFC 5568 §6.4.5, RFC 2865; topologies/fmipv6-aaa.yaml), HMIPv6, alone and with FMIPv6 inside a MAP domain (RFC 5380; topologies/hmipv6.yaml, fhmipv6.yaml), Proxy Mobile IPv6 (RFC 5213; topologies/pmipv6.yaml) with fast handovers, predictive and reactive (RFC 5949; topologies/pfmipv6-predictive.yaml, pfmipv6-reactive.yaml) and transient bindings (RFC 6058; topologies/pmipv6-transient.yaml), and IEEE 802.21 MIH over IP with MoS discovery by DHCPv6 and DNS, served by Kea and BIND 9 in the lab (RFC 5677, RFC 5678, RFC 5679; topologies/mih.yaml: capability discovery, registration and the Information Service over TLS; topologies/mih-fmipv6.yaml: MIH driving an FMIPv6 handover).\n\n' +
        'Not yet: network-initiated MIH handovers.',
    )
    .version(VERSION)
    .showHelpAfterError()
    .enablePositionalOptions() // lets `exec` pass the command's own options through (passThroughOptions)
    .exitOverride();
  registerUp(program, setOutcome);
  registerRun(program, setOutcome);
  registerReport(program, setOutcome);
  registerCompare(program, setOutcome);
  registerDown(program, setOutcome);
  registerLs(program, setOutcome);
  registerExec(program, setOutcome);
  registerL2(program, setOutcome);
  registerImpair(program, setOutcome);
  registerCapture(program, setOutcome);
  registerDoctor(program, setOutcome);
  registerImages(program, setOutcome);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    if (typeof e.exitCode === 'number') return EXIT_LAB_ERROR;
    throw err;
  }
  return pending ? await pending : 0;
}

// A reader that goes away (`mipshop-lab run lab.yaml | head`) must not stop the teardown: output to a
// closed pipe is dropped instead of raising an uncaught EPIPE that would leave the lab up.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

main(process.argv).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`mipshop-lab: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT_LAB_ERROR);
  },
);
