// The built mipshop-agent as a process, without namespaces: exit codes, the control channel's
// shutdown op, the status file, and the errors users see for a bad config.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/agent/config.js';
import { sendControl } from '../../src/agent/control-client.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/agent/main.js');
const dir = mkdtempSync(join(tmpdir(), 'agent-main-'));

function run(config: unknown): {
  child: ReturnType<typeof spawn>;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
  file: string;
} {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config));
  const child = spawn(process.execPath, [MAIN, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { child, out: () => out, err: () => err, exit, file };
}

function mobileConfig(name: string): AgentConfig {
  return {
    lab: 'tmain',
    node: 'mn',
    roles: ['mobile'],
    interfaces: [],
    routerAdvertisements: [],
    agent: {},
    controlSocket: join(dir, `${name}.sock`),
    statusFile: join(dir, `${name}.status.json`),
  };
}

async function until(fn: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('mipshop-agent process', () => {
  beforeAll(() => {
    // Type errors elsewhere in the tree make tsc exit non-zero but do not stop the emit.
    const built = Date.now();
    spawnSync('npx', ['tsc', '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'ignore' });
    if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < built - 1_000) throw new Error(`${MAIN} was not built`);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs with no protocol role, takes an L2 trigger, and exits 0 on a control shutdown', async () => {
    const cfg = mobileConfig('mn');
    const a = run(cfg);
    await until(() => existsSync(cfg.controlSocket), 10_000);
    expect(await sendControl(cfg.controlSocket, { op: 'l2', event: 'link-going-down', ap: 'ap2' })).toMatchObject({
      ok: true,
    });
    const st = await sendControl(cfg.controlSocket, { op: 'status' });
    expect(st).toMatchObject({
      ok: true,
      status: {
        lab: 'tmain',
        node: 'mn',
        roles: [],
        counters: { control: { 'requests.l2': 1, 'requests.status': 1 } },
      },
    });
    expect(await sendControl(cfg.controlSocket, { id: 'bye', op: 'shutdown' })).toEqual({ id: 'bye', ok: true });
    expect(await a.exit).toBe(0);
    expect(existsSync(cfg.controlSocket)).toBe(false);
    const status = JSON.parse(readFileSync(cfg.statusFile!, 'utf8')) as {
      counters: { control: Record<string, number> };
    };
    expect(status.counters.control['requests.shutdown']).toBe(1);
    const events = a
      .out()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(
      expect.arrayContaining(['agent.starting', 'agent.ready', 'l2.trigger', 'agent.stopping', 'agent.stopped']),
    );
  });

  it('exits 0 on SIGTERM and SIGINT and removes its socket', async () => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const cfg = mobileConfig(`sig${sig}`);
      const a = run(cfg);
      await until(() => existsSync(cfg.controlSocket), 10_000);
      a.child.kill(sig);
      expect(await a.exit).toBe(0);
      expect(existsSync(cfg.controlSocket)).toBe(false);
    }
  });

  it('exits 2 for a config that is not valid, naming the file and the path', async () => {
    const bad = {
      ...mobileConfig('bad'),
      routerAdvertisements: [
        { iface: 'ap1', prefix: 'nonsense', minIntervalMs: 30, maxIntervalMs: 70, routerLifetimeS: 1 },
      ],
    };
    const a = run(bad);
    expect(await a.exit).toBe(2);
    expect(a.err()).toContain(`${a.file}: routerAdvertisements[0].prefix: an IPv6 prefix like 2001:db8:10:a1::/64`);
    const notJson = run('{');
    expect(await notJson.exit).toBe(2);
    expect(notJson.err()).toContain(`${notJson.file}: not JSON`);
  });

  it('exits 2 without --config', async () => {
    const r = spawnSync(process.execPath, [MAIN], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: mipshop-agent --config FILE\.json/);
  });

  it('exits 1 when a role cannot start (no such interface), logging why', async () => {
    const cfg = {
      ...mobileConfig('noif'),
      roles: ['access-router'],
      interfaces: [{ name: 'nosuch0', kind: 'ap', mac: '02:00:00:00:00:01', addresses: [] }],
      routerAdvertisements: [
        { iface: 'nosuch0', prefix: '2001:db8:1::/64', minIntervalMs: 30, maxIntervalMs: 70, routerLifetimeS: 1800 },
      ],
    };
    const a = run(cfg);
    expect(await a.exit).toBe(1);
    const failed = a
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; err?: { code?: string } })
      .find((l) => l.event === 'agent.start-failed');
    expect(failed?.err?.code).toBe('ENODEV');
    expect(existsSync(cfg.controlSocket)).toBe(false);
  });
});
