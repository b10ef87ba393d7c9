// Up+down seconds of the generated chain lab on the docker runtime beside netns (the same network
// code on both; only node creation and removal differ). Images are built (or found) first and their
// time is printed apart, so the figure is the lab's, not the image build's.
import { ensureImages } from '../lab/images/build.js';
import { downNetwork, upNetwork } from '../lab/net/network.js';
import { createDockerRuntime } from '../lab/runtime/docker.js';
import { NetnsRuntime } from '../lab/runtime/netns.js';
import type { Runtime } from '../lab/runtime/runtime.js';
import { chainLab } from '../lab/topology/generate.js';

const CHAIN = 10;

async function upDown(runtime: Runtime, name: string): Promise<{ up: number; down: number; nodes: number }> {
  const lab = chainLab(CHAIN, name);
  const t0 = performance.now();
  const net = await upNetwork(lab, runtime);
  const t1 = performance.now();
  await downNetwork(net);
  const t2 = performance.now();
  return { up: (t1 - t0) / 1000, down: (t2 - t1) / 1000, nodes: lab.nodes.length };
}

export async function run(): Promise<void> {
  const images = await ensureImages();
  console.log(
    `docker images: base ${images.base.built ? 'built' : 'cached'} ${images.base.seconds.toFixed(1)} s, ` +
      `agent ${images.agent.built ? 'built' : 'cached'} ${images.agent.seconds.toFixed(1)} s`,
  );
  const suffix = Math.random().toString(36).slice(2, 7);
  const rows: [string, Runtime][] = [
    ['netns', new NetnsRuntime()],
    ['docker', createDockerRuntime({ image: images.agent.tag })],
  ];
  for (const [kind, runtime] of rows) {
    const r = await upDown(runtime, `bch${kind[0]}${suffix}`);
    console.log(
      `chainLab(${CHAIN}) ${r.nodes} nodes on ${kind.padEnd(6)}: up ${r.up.toFixed(2)} s, down ${r.down.toFixed(2)} s, ` +
        `up+down ${(r.up + r.down).toFixed(2)} s`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
