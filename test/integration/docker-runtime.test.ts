// The docker backend against a real engine: containers with their netns linked under /run/netns,
// veths between them, exec/spawn through dockerode, a node on its own image, teardown and cleanup.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureImages, type BuiltImages } from '../../src/lab/images/build.js';
import { LABEL_LAB, labStateDir } from '../../src/lab/names.js';
import { cleanupDocker, createDockerRuntime } from '../../src/lab/runtime/docker.js';
import { createRuntime } from '../../src/lab/runtime/index.js';
import type { NodeHandle, Runtime } from '../../src/lab/runtime/runtime.js';
import type { ResolvedNode } from '../../src/lab/topology/types.js';
import { dockerMissing } from '../support/docker.js';

const reason = dockerMissing(['ip', 'debootstrap']);

const lab = `t${randomBytes(4).toString('hex')}`;
const docker = new Docker();

function node(name: string, extra: Partial<ResolvedNode> = {}): ResolvedNode {
  return {
    name,
    roles: ['host'],
    interfaces: [],
    routes: [],
    sysctls: {},
    routerAdvertisements: [],
    agent: {},
    ...extra,
  };
}

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });

async function labContainers(name: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL_LAB}=${name}`] } });
}

describe.skipIf(!!reason)('docker runtime', () => {
  let images: BuiltImages;
  let rt: Runtime;
  const handles: NodeHandle[] = [];

  beforeAll(async () => {
    images = await ensureImages({ docker });
    rt = createDockerRuntime({ docker, image: images.agent.tag });
  });

  afterAll(async () => {
    await cleanupDocker(lab, docker);
    await cleanupDocker(`${lab}k`, docker);
    await cleanupDocker(`${lab}b`, docker);
    await cleanupDocker(`${lab}s`, docker);
    // The runtime made each lab's state directory (mounted into the containers); a lab's `down` removes
    // it, and these runtime-level tests must too.
    for (const l of [lab, `${lab}k`, `${lab}b`, `${lab}s`]) rmSync(labStateDir(l), { recursive: true, force: true });
  });

  test('two containers joined by a veth ping each other over IPv6', async () => {
    const [a, b] = await Promise.all([rt.createNode(lab, node('a')), rt.createNode(lab, node('b'))]);
    handles.push(a!, b!);
    expect(lstatSync(a!.netnsPath).isSymbolicLink()).toBe(true);
    expect(a!.pid).toBeGreaterThan(0);
    // The same calls the link code makes on netns: only the /run/netns name matters.
    ip('link', 'add', 'eth1', 'netns', a!.netns, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', b!.netns);
    ip('-n', a!.netns, 'addr', 'add', 'fd00:6::1/64', 'dev', 'eth1', 'nodad');
    ip('-n', b!.netns, 'addr', 'add', 'fd00:6::2/64', 'dev', 'eth1', 'nodad');
    ip('-n', a!.netns, 'link', 'set', 'eth1', 'up');
    ip('-n', b!.netns, 'link', 'set', 'eth1', 'up');
    // ping inside the container (its own binaries) ...
    const r = await rt.exec(a!, ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '2', 'fd00:6::2']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/2 received/);
    // ... and from the host through `ip netns exec`, as capture and impairments do.
    const host = execFileSync('ip', ['netns', 'exec', b!.netns, 'ping', '-6', '-c', '1', '-W', '2', 'fd00:6::1'], {
      encoding: 'utf8',
    });
    expect(host).toMatch(/1 received/);
    // The container sees the veth the host made: one namespace, not two.
    expect((await rt.exec(b!, ['ip', '-6', 'addr', 'show', 'dev', 'eth1'])).stdout).toContain('fd00:6::2/64');
  });

  test('exec passes input, env and exit codes; throws on failure unless reject is false', async () => {
    const a = handles[0]!;
    expect((await rt.exec(a, ['cat'], { input: 'hello\n' })).stdout).toBe('hello\n');
    expect((await rt.exec(a, ['sh', '-c', 'echo $X; echo err >&2'], { env: { X: 'y' } })).stdout).toBe('y\n');
    const r = await rt.exec(a, ['sh', '-c', 'echo oops >&2; exit 3'], { reject: false });
    expect(r).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
    await expect(rt.exec(a, ['false'])).rejects.toThrow(/exit 1/);
    await expect(rt.exec(a, ['sleep', '5'], { timeoutMs: 300 })).rejects.toThrow(/killed after 300 ms/);
    // IPv6 on and /proc/sys writable inside (agents set forwarding themselves).
    expect((await rt.exec(a, ['sysctl', '-n', 'net.ipv6.conf.all.disable_ipv6'])).stdout.trim()).toBe('0');
    await rt.exec(a, ['sysctl', '-w', 'net.ipv6.conf.all.forwarding=1']);
    // Read from the host through the namespace: the kernel's value, not the container's view of it.
    const fwd = execFileSync('ip', ['netns', 'exec', a.netns, 'cat', '/proc/sys/net/ipv6/conf/all/forwarding'], {
      encoding: 'utf8',
    });
    expect(fwd.trim()).toBe('1');
  });

  test('spawn writes output to files, and kill ends it with a null exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlab-docker-'));
    try {
      const out = join(dir, 'out.log');
      const done = rt.spawn(handles[0]!, ['sh', '-c', 'echo started; exit 7'], { stdoutFile: out });
      expect(await done.exited).toBe(7);
      expect(readFileSync(out, 'utf8')).toBe('started\n');

      const long = rt.spawn(handles[0]!, ['sleep', '60']);
      long.kill('SIGTERM'); // before the pid is known: delivered once it is
      expect(await long.exited).toBeNull();
      expect(long.pid).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a node on its own image (plain Debian base running busybox httpd) is reachable', async () => {
    const srv = await rt.createNode(
      lab,
      node('srv', {
        image: images.base.tag,
        command: [
          'sh',
          '-c',
          'mkdir -p /srv && echo hello-from-srv > /srv/index.html && exec busybox httpd -f -p 8080 -h /srv',
        ],
      }),
    );
    handles.push(srv);
    const a = handles[0]!;
    ip('link', 'add', 'eth2', 'netns', a.netns, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', srv.netns);
    ip('-n', a.netns, 'addr', 'add', 'fd00:7::1/64', 'dev', 'eth2', 'nodad');
    ip('-n', srv.netns, 'addr', 'add', 'fd00:7::2/64', 'dev', 'eth1', 'nodad');
    ip('-n', a.netns, 'link', 'set', 'eth2', 'up');
    ip('-n', srv.netns, 'link', 'set', 'eth1', 'up');
    let body = '';
    for (let i = 0; i < 20 && !body; i++) {
      // The agent image's Node as the client (busybox wget crashes on IPv6 literals in bookworm).
      const fetchOne = 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))';
      const r = await rt.exec(a, ['node', '-e', fetchOne, 'http://[fd00:7::2]:8080/'], { reject: false });
      body = r.exitCode === 0 ? r.stdout : '';
      if (!body) await new Promise((res) => setTimeout(res, 200));
    }
    expect(body).toBe('hello-from-srv\n');
  });

  test('list finds the lab; destroyNode removes every container and netns link', async () => {
    const listed = await rt.list(lab);
    expect(listed.map((h) => h.node).sort()).toEqual(['a', 'b', 'srv']);
    expect(listed.every((h) => h.pid && h.pid > 0)).toBe(true);
    await Promise.all(handles.map((h) => rt.destroyNode(h)));
    expect(await labContainers(lab)).toEqual([]);
    for (const h of handles)
      expect(existsSync(h.netnsPath) || lstatSync(h.netnsPath, { throwIfNoEntry: false })).toBeFalsy();
    expect(await rt.list(lab)).toEqual([]);
  });

  test('createRuntime("docker", { sharedDirs }) lets a process in the container write the run output', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mlab-docker-out-'));
    try {
      const shared = await createRuntime('docker', { sharedDirs: [out] });
      const h = await shared.createNode(`${lab}s`, node('o'));
      try {
        await shared.exec(h, ['sh', '-c', `echo written-inside > ${out}/inside.txt`]);
        expect(readFileSync(join(out, 'inside.txt'), 'utf8')).toBe('written-inside\n');
      } finally {
        await shared.destroyNode(h);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('createNodes makes nodes in order, and removes them all when one fails', async () => {
    const bulk = createDockerRuntime({ docker, image: images.agent.tag, concurrency: 3 });
    const made = await bulk.createNodes(
      `${lab}b`,
      ['p', 'q', 'r', 's'].map((n) => node(n)),
    );
    expect(made.map((h) => h.node)).toEqual(['p', 'q', 'r', 's']);
    await Promise.all(made.map((h) => bulk.destroyNode(h)));
    const nodes = [node('u'), node('v', { image: 'mipshop-lab/no-such-image:0' }), node('w')];
    await expect(bulk.createNodes(`${lab}b`, nodes)).rejects.toThrow(
      /image mipshop-lab\/no-such-image:0 of node v not found/,
    );
    expect(await labContainers(`${lab}b`)).toEqual([]);
    expect(readdirSync('/run/netns').filter((n) => n.startsWith(`mlab-${lab}b-`))).toEqual([]);
  });

  test('a container left by a killed process is removed by cleanupDocker', async () => {
    const killed = `${lab}k`;
    const entry = new URL('../../dist/lab/runtime/docker.js', import.meta.url).pathname;
    expect(existsSync(entry), 'npm run build first').toBe(true);
    const script = `
      const { createDockerRuntime } = await import(${JSON.stringify(entry)});
      const rt = createDockerRuntime({ image: ${JSON.stringify(images.agent.tag)} });
      const n = { name: 'x', roles: ['host'], interfaces: [], routes: [], sysctls: {}, routerAdvertisements: [], agent: {} };
      await rt.createNode(${JSON.stringify(killed)}, n);
      console.log('up');
      setInterval(() => {}, 1e6);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('up') && resolve());
      child.once('exit', (c) => reject(new Error(`child exited ${c} before its node was up`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await labContainers(killed)).toHaveLength(1);
    expect(lstatSync(`/run/netns/mlab-${killed}-x`).isSymbolicLink()).toBe(true);

    expect(await cleanupDocker(killed, docker)).toBe(1);
    expect(await labContainers(killed)).toEqual([]);
    expect(lstatSync(`/run/netns/mlab-${killed}-x`, { throwIfNoEntry: false })).toBeUndefined();
  });
});
