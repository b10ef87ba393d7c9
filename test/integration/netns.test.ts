// The netns runtime on the real kernel: create, exec, spawn (pid recorded), list, destroy.
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { cleanupLab } from '../../src/lab/cleanup.js';
import { addNode, emptyLab } from '../../src/lab/net/fixtures.js';
import { labStateDir } from '../../src/lab/names.js';
import { NetnsRuntime, listNetns } from '../../src/lab/runtime/netns.js';
import { uniqueLabName } from '../support/lab-names.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'sysctl'] });

describe.skipIf(skip)('netns runtime', () => {
  const lab = emptyLab(uniqueLabName());
  const rt = new NetnsRuntime();
  afterAll(() => cleanupLab(lab.name));

  test('creates a node with loopback up and its sysctls, runs commands in it, destroys it', async () => {
    const router = addNode(lab, 'r1', ['router']);
    const host = addNode(lab, 'h1', ['host']);
    const [hr, hh] = await rt.createNodes(lab.name, [router, host]);
    expect(hr!.netns).toBe(`mlab-${lab.name}-r1`);
    expect(existsSync(hr!.netnsPath)).toBe(true);

    const lo = await rt.exec(hr!, ['ip', '-br', 'link', 'show', 'lo']);
    expect(lo.stdout).toMatch(/UP|UNKNOWN/);
    const fwd = await rt.exec(hr!, ['sysctl', '-n', 'net.ipv6.conf.all.forwarding']);
    expect(fwd.stdout.trim()).toBe('1');
    const hostFwd = await rt.exec(hh!, [
      'sysctl',
      '-n',
      'net.ipv6.conf.all.forwarding',
      'net.ipv6.conf.default.accept_dad',
    ]);
    expect(hostFwd.stdout.trim().split('\n')).toEqual(['0', '0']);

    // A process started in the node sees the node's namespace, not the host's.
    const links = await rt.exec(hh!, ['ip', '-o', 'link']);
    expect(links.stdout.trim().split('\n')).toHaveLength(1);

    const failed = await rt.exec(hh!, ['sh', '-c', 'echo oops >&2; exit 3'], { reject: false });
    expect(failed.exitCode).toBe(3);
    expect(failed.stderr).toContain('oops');
    await expect(rt.exec(hh!, ['sh', '-c', 'echo oops >&2; exit 3'])).rejects.toThrow(/exit 3.*\n.*oops/s);

    expect((await rt.list(lab.name)).map((h) => h.node).sort()).toEqual(['h1', 'r1']);

    // spawn: own process group, pid recorded in the state dir until destroy kills it.
    const sp = rt.spawn(hh!, ['sh', '-c', 'sleep 60 & sleep 60']);
    await new Promise((r) => setTimeout(r, 200));
    expect(readdirSync(`${labStateDir(lab.name)}/pids`)).toContain(`${sp.pid}.json`);
    await rt.destroyNode(hh!);
    expect(await sp.exited).toBeNull(); // killed by a signal
    expect(existsSync(hh!.netnsPath)).toBe(false);
    expect(readdirSync(`${labStateDir(lab.name)}/pids`)).not.toContain(`${sp.pid}.json`);
    expect(await listNetns()).not.toContain(hh!.netns);

    await rt.destroyNode(hr!);
    expect(await rt.list(lab.name)).toEqual([]);
  });

  test('createNode (one at a time) gives the same result', async () => {
    const n = addNode(lab, 'h2');
    const h = await rt.createNode(lab.name, n);
    expect((await rt.exec(h, ['sysctl', '-n', 'net.ipv6.conf.default.accept_ra'])).stdout.trim()).toBe('0');
    await rt.destroyNode(h);
  });
});

describe.skipIf(skip)('kernel probe', () => {
  test('answers every feature, and agrees with a direct attempt', async () => {
    const { kernelCaps } = await import('../../src/lab/kernel.js');
    const { run } = await import('../../src/lab/exec.js');
    const { caps, notes } = await kernelCaps({ refresh: true });
    for (const k of ['netem', 'tbf', 'ip6tnl', 'mip6', 'tun', 'nftables', 'docker'] as const)
      expect(typeof caps[k]).toBe('boolean');
    expect(caps.release).toBe((await run(['uname', '-r'])).stdout.trim());
    // Absent features say why.
    for (const [k, v] of Object.entries(caps)) if (v === false) expect(notes[k as keyof typeof notes]).toBeTruthy();
    // A second, independent attempt at netem agrees.
    const ns = `mlab-_probe${Math.random().toString(16).slice(2, 8)}-t`;
    await run(['ip', 'netns', 'add', ns]);
    try {
      await run(['ip', '-n', ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
      const r = await run(['tc', '-n', ns, 'qdisc', 'add', 'dev', 'p0', 'root', 'netem', 'delay', '1ms'], {
        reject: false,
      });
      expect(caps.netem).toBe(r.exitCode === 0);
    } finally {
      await run(['ip', 'netns', 'del', ns]);
    }
    // Cached: the second call answers the same without probing.
    expect((await kernelCaps()).caps).toEqual(caps);
  });
});
