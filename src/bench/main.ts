// `npm run bench`: prints figures (speed and throughput targets are checked here, not by timed tests).
// Sections: wire codecs, CLI start-up and up+down through the CLI, lab up+down on netns (beside
// Mininet when installed), docker runtime, Mobile IPv6 tunnel throughput beside routed throughput,
// predictive FMIPv6 handovers against the trigger's lead and the number of mobile nodes (handover.ts),
// scenario timeline precision (timeline.ts), localized mobility: Mobile IPv6 with and without route
// optimisation, HMIPv6 and HMIPv6 + FMIPv6 on one move inside a MAP domain (localized.ts), Proxy Mobile
// IPv6: RFC 5213, RFC 5949 and RFC 6058 on one move, and the LMA's CPU per PBU with 100 nodes moving
// (pmipv6.ts), report.html from a 60 s run with ten handovers (report.ts).
// `node dist/bench/main.js wire lab` (`npm run bench -- handover`) runs only the named sections.
const sections: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  wire: () => import('./wire.js'),
  cli: () => import('./cli.js'),
  lab: () => import('./lab.js'),
  docker: () => import('./docker.js'),
  mipv6: () => import('./mipv6.js'),
  handover: () => import('./handover.js'),
  timeline: () => import('./timeline.js'),
  localized: () => import('./localized.js'),
  pmipv6: () => import('./pmipv6.js'),
  report: () => import('./report.js'),
};

const wanted = process.argv.slice(2);
for (const [name, load] of Object.entries(sections)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name}`);
  try {
    await (await load()).run();
  } catch (err) {
    console.log(`  ${name}: could not run: ${err instanceof Error ? err.message : String(err)}`);
  }
}
