// Runs one data plane piece as its own process (as an agent would), for measurements and tests that
// need the mobile node's and the home agent's packet handling on separate cores:
//   node piece.js '{"role":"mobile-node","homeAddress":…,"homeAgent":…,"careOf":…}'
//   node piece.js '{"role":"home-agent","homeAgentAddress":…,"homeLink":…,"bindings":[{"homeAddress":…,"careOfAddress":…}]}'
// Runs in the namespace it is started in (ip netns exec). Prints "ready"; each stdin line "stats"
// prints the counters as JSON; stdin closed or SIGTERM: closes everything and exits 0.
import { createInterface } from 'node:readline';
import { native } from '../../../native/index.js';
import { openHomeAddress } from '../home-address.js';
import { openHomeAgentForwarding } from '../home-agent-forwarding.js';

type Config =
  | { role: 'mobile-node'; homeAddress: string; homeAgent: string; careOf: string; batch?: number }
  | {
      role: 'home-agent';
      homeAgentAddress: string;
      homeLink: string;
      bindings: { homeAddress: string; careOfAddress: string }[];
      batch?: number;
    };

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
  let piece: { stats(): unknown; close(): void };
  if (cfg.role === 'mobile-node') {
    const home = await openHomeAddress({
      native,
      homeAddress: cfg.homeAddress,
      homeAgent: cfg.homeAgent,
      ...(cfg.batch ? { batch: cfg.batch } : {}),
    });
    home.setCareOf(cfg.careOf);
    piece = home;
  } else {
    const fwd = await openHomeAgentForwarding({
      native,
      homeAgentAddress: cfg.homeAgentAddress,
      homeLink: cfg.homeLink,
      ...(cfg.batch ? { batch: cfg.batch } : {}),
    });
    for (const b of cfg.bindings) {
      await fwd.proxyNdStart(b.homeAddress);
      await fwd.tunnelUp(b.homeAddress, b.careOfAddress);
    }
    piece = fwd;
  }
  let closed = false;
  const stop = () => {
    if (closed) return;
    closed = true;
    piece.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  createInterface({ input: process.stdin })
    .on('line', (l) => {
      if (l.trim() === 'stats') console.log(JSON.stringify(piece.stats()));
    })
    .on('close', stop);
  console.log('ready');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
