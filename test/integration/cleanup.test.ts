// Nothing is left behind: 20 up/down cycles of a small lab (air, AP, radio, relayed link, a process
// per node, a capture), and a lab whose orchestrating process was SIGKILLed.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startCaptures, stopCaptures } from '../../src/lab/capture/tcpdump.js';
import { cleanupAll, cleanupLab } from '../../src/lab/cleanup.js';
import { run } from '../../src/lab/exec.js';
import { addAp, addLink, addNode, addRadio, emptyLab, impairment } from '../../src/lab/net/fixtures.js';
import { downNetwork, upNetwork } from '../../src/lab/net/network.js';
import { kernelCaps } from '../../src/lab/kernel.js';
import { isRunning, pidsInNamespaces } from '../../src/lab/net/kill.js';
import { attach, detach } from '../../src/lab/net/l2.js';
import { labStateDir } from '../../src/lab/names.js';
import { distEntry } from '../../src/lab/paths.js';
import { listNetns, NetnsRuntime } from '../../src/lab/runtime/netns.js';
import type { ResolvedLab } from '../../src/lab/topology/types.js';
import { uniqueLabName } from '../support/lab-names.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'tcpdump', 'ethtool'] });
const labs: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const l of labs) await cleanupLab(l);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function smallLab(name: string): ResolvedLab {
  const lab = emptyLab(name);
  addNode(lab, 'cn');
  addNode(lab, 'ar1', ['access-router']);
  addNode(lab, 'mn', ['mobile-node']);
  addLink(lab, 'cn', 'ar1', '2001:db8:0:1', { ab: impairment({ delayMs: 5 }), ba: impairment({ delayMs: 5 }) });
  addAp(lab, 'ap1', 'ar1', 'ap1', '2001:db8:0:a1');
  addRadio(lab, 'mn', 'ap1');
  return lab;
}

/** Everything of the lab visible on the machine: namespaces, mounts, processes, host links, state. */
async function traces(lab: string) {
  const ns = (await listNetns()).filter((n) => n.startsWith(`mlab-${lab}-`));
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.includes(`/run/netns/mlab-${lab}-`));
  const procs = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`mlab-${lab}-`) || l.includes(`${labStateDir(lab)}/`));
  return { ns, mounts, procs, state: existsSync(labStateDir(lab)) };
}

const clean = { ns: [], mounts: [], procs: [], state: false };

describe.skipIf(skip)('cleanup', () => {
  test('20 up/down cycles leave no namespace, link, process, mount or state behind', async () => {
    const caps = { ...(await kernelCaps()).caps, netem: false };
    const hostLinks = (await run(['ip', '-o', 'link'])).stdout.split('\n').length;
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-clean-'));
    dirs.push(out);
    for (let i = 0; i < 20; i++) {
      const name = uniqueLabName();
      labs.push(name);
      const lab = smallLab(name);
      const rt = new NetnsRuntime();
      const net = await upNetwork(lab, rt, { caps });
      expect(net.impairments.relay).not.toBeNull();
      for (const h of net.nodes.values()) rt.spawn(h, ['sleep', '600']);
      const c = await startCaptures(name, [{ node: 'mn', iface: 'wlan0' }], out);
      await detach(name, 'mn'); // opens the lab's layer-2 channel, which down() must end too
      await attach(name, 'mn', 'ap1');
      if (i % 2 === 0) await stopCaptures(c); // odd cycles leave the capture running for down() to kill
      const before = await traces(name);
      const running = [...pidsInNamespaces(before.ns).values()].flat();
      expect(running.length).toBeGreaterThanOrEqual(4); // 3 sleeps and the relay (and maybe tcpdump)
      await downNetwork(net);
      expect(await traces(name)).toEqual(clean);
      for (const pid of running) expect(isRunning(pid)).toBe(false);
    }
    // No veth end ever appeared in (or stayed in) the host namespace.
    expect((await run(['ip', '-o', 'link'])).stdout.split('\n').length).toBe(hostLinks);
  });

  test('a lab whose orchestrating process was SIGKILLed is fully removed by cleanupAll()', async () => {
    const name = uniqueLabName();
    labs.push(name);
    // The orchestrator is a separate Node process running the built code, so it can be SIGKILLed.
    const script = `
      const { upNetwork } = await import(${JSON.stringify(distEntry('lab/net/network.js'))});
      const { NetnsRuntime } = await import(${JSON.stringify(distEntry('lab/runtime/netns.js'))});
      const { kernelCaps } = await import(${JSON.stringify(distEntry('lab/kernel.js'))});
      const lab = JSON.parse(process.argv[1]);
      const rt = new NetnsRuntime();
      const caps = { ...(await kernelCaps()).caps, netem: false };
      const net = await upNetwork(lab, rt, { caps });
      for (const h of net.nodes.values()) rt.spawn(h, ['sleep', '600']);
      process.stdout.write('up\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(smallLab(name))], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('up') && resolve());
      child.once('exit', (c) => reject(new Error(`orchestrator exited ${c}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const left = await traces(name);
    expect(left.ns.length).toBe(4); // cn, ar1, mn, _air
    const running = [...pidsInNamespaces(left.ns).values()].flat();
    expect(running.length).toBeGreaterThanOrEqual(4); // 3 sleeps and the relay

    const report = await cleanupAll({ only: (l) => l === name });
    expect(report.labs).toEqual([name]);
    expect(await traces(name)).toEqual(clean);
    for (const pid of running) expect(isRunning(pid)).toBe(false);
  });
});

describe.skipIf(skip)('a failure half way', () => {
  test('upNetwork throws with the failing line quoted, and leaves nothing behind', async () => {
    const name = uniqueLabName();
    labs.push(name);
    const lab = smallLab(name);
    // A gateway on no link of the node: the kernel refuses the route, after namespaces and links exist.
    lab.nodes.find((n) => n.name === 'cn')!.routes.push({ dst: '2001:db8:99::/64', via: '2001:db8:77::1' });
    const err = await upNetwork(lab, new NetnsRuntime(), {
      caps: { ...(await kernelCaps()).caps, netem: false },
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/route replace 2001:db8:99::\/64 via 2001:db8:77::1/);
    expect((err as Error).message).toContain(`network setup failed in namespace mlab-${name}-cn`);
    expect(await traces(name)).toEqual(clean);
  });
});
