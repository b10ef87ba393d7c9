// `npm run bench`: prints figures (speed and throughput targets are checked here, not by timed tests).
// Sections: wire codecs, lab up+down on netns (beside Mininet when installed), docker runtime,
// Mobile IPv6 tunnel throughput beside routed throughput on mipv6.yaml, scenario timeline precision.
// `node dist/bench/main.js wire lab` (or `npm run bench -- timeline`) runs only the named sections.
const sections: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  wire: () => import('./wire.js'),
  lab: () => import('./lab.js'),
  docker: () => import('./docker.js'),
  mipv6: () => import('./mipv6.js'),
  timeline: () => import('./timeline.js'),
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
