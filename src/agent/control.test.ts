import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendControl } from './control-client.js';
import {
  MAX_LINE_BYTES,
  startControlServer,
  type AgentStatus,
  type ControlServer,
  type ControlTarget,
} from './control.js';
import { Counters } from './counters.js';
import { silentLogger } from './log.js';
import type { L2TriggerEvent } from './roles/role.js';

const STATUS: AgentStatus = {
  lab: 't1',
  node: 'ar1',
  pid: 1,
  uptimeS: 0,
  roles: [],
  counters: {},
  state: {},
  bugs: { count: 0 },
};

let dir: string;
let path: string;
let server: ControlServer;
let counters: Counters;
let l2: L2TriggerEvent[];
let shutdowns: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mipshop-ctl-'));
  path = join(dir, 'sub', 'ar1.sock');
  counters = new Counters();
  l2 = [];
  shutdowns = 0;
  const target: ControlTarget = { status: () => STATUS, l2: (e) => l2.push(e), shutdown: () => shutdowns++ };
  server = await startControlServer(path, target, silentLogger, counters);
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes raw text on one connection and collects `n` answer lines. */
function exchange(text: string, n: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    const lines: unknown[] = [];
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(text));
    sock.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
        if (lines.length === n) {
          sock.destroy();
          resolve(lines);
        }
      }
    });
    sock.on('error', reject);
    setTimeout(() => reject(new Error(`timeout, got ${JSON.stringify(lines)}`)), 2_000);
  });
}

describe('control channel', () => {
  it('answers status with the target status and the request id', async () => {
    expect(await sendControl(path, { id: 7, op: 'status' })).toEqual({ id: 7, ok: true, status: STATUS });
    expect(counters.get('requests.status')).toBe(1);
  });

  it('gives a request without an id a fresh one and matches the answer', async () => {
    const res = await sendControl(path, { op: 'status' });
    expect(res.ok).toBe(true);
    expect(typeof res.id).toBe('string');
  });

  it('delivers an l2 trigger with its fields', async () => {
    const res = await sendControl(path, {
      id: 'a',
      op: 'l2',
      event: 'link-going-down',
      ap: 'ap2',
      bssid: '02:aa:00:00:00:02',
      routerAddress: 'fe80::1',
      prefix: '2001:db8:10:a2::/64',
    });
    expect(res).toEqual({ id: 'a', ok: true });
    expect(l2).toEqual([
      {
        event: 'link-going-down',
        ap: 'ap2',
        bssid: '02:aa:00:00:00:02',
        routerAddress: 'fe80::1',
        prefix: '2001:db8:10:a2::/64',
      },
    ]);
  });

  it("delivers an AP's station-left report (RFC 4260 §4) with the station and the time", async () => {
    const res = await sendControl(path, {
      id: 'b',
      op: 'l2',
      event: 'station-left',
      ap: 'ap1',
      station: '02:00:5e:10:00:07',
      atNs: '1700000000123456789',
    });
    expect(res).toEqual({ id: 'b', ok: true });
    expect(l2).toEqual([
      { event: 'station-left', ap: 'ap1', station: '02:00:5e:10:00:07', atNs: '1700000000123456789' },
    ]);
  });

  it('refuses a station report without its station, or with an upper-case MAC, and counts it', async () => {
    const a = await sendControl(path, { id: 4, op: 'l2', event: 'station-joined', ap: 'ap2' });
    const b = await sendControl(path, {
      id: 5,
      op: 'l2',
      event: 'station-left',
      ap: 'ap2',
      station: '02:00:5E:10:00:07',
    });
    const c = await sendControl(path, { id: 6, op: 'l2', event: 'link-up', station: '02:00:5e:10:00:07' });
    for (const r of [a, b, c]) expect(r).toMatchObject({ ok: false });
    expect(l2).toEqual([]);
    expect(counters.get('malformed')).toBe(3);
  });

  it('refuses an unknown trigger name, counts it and delivers nothing', async () => {
    const res = await sendControl(path, { id: 3, op: 'l2', event: 'link-sideways' } as never);
    expect(res).toMatchObject({ id: 3, ok: false });
    expect((res as { error: string }).error).toMatch(/event/);
    expect(l2).toEqual([]);
    expect(counters.get('malformed')).toBe(1);
  });

  it('answers malformed lines with ok:false, counts them, and keeps the connection usable', async () => {
    const lines = await exchange(
      'this is not json\n{"op":"status"}\n{"id":1,"op":"fly"}\n\n{"id":2,"op":"status"}\n',
      4,
    );
    expect(lines[0]).toEqual({ id: null, ok: false, error: 'not a JSON line' });
    expect(lines[1]).toMatchObject({ id: null, ok: false }); // no id
    expect(lines[2]).toMatchObject({ id: 1, ok: false });
    expect(lines[3]).toEqual({ id: 2, ok: true, status: STATUS });
    expect(counters.get('malformed')).toBe(3);
  });

  it('handles requests split across writes and several in one write', async () => {
    const sock = createConnection(path);
    const got: unknown[] = [];
    await new Promise<void>((resolve) => {
      sock.setEncoding('utf8');
      let buf = '';
      sock.on('data', (d: string) => {
        buf += d;
        const parts = buf.split('\n');
        buf = parts.pop()!;
        for (const p of parts) got.push(JSON.parse(p));
        if (got.length === 2) resolve();
      });
      sock.on('connect', () => {
        sock.write('{"id":1,"op":"sta');
        setTimeout(() => sock.write('tus"}\n{"id":2,"op":"status"}\n'), 20);
      });
    });
    sock.destroy();
    expect(got.map((g) => (g as { id: number }).id)).toEqual([1, 2]);
  });

  it('cuts off a peer that sends an endless line', async () => {
    const lines = await exchange('x'.repeat(MAX_LINE_BYTES + 10), 1);
    expect(lines[0]).toMatchObject({ ok: false });
    expect(counters.get('malformed')).toBe(1);
  });

  it('answers shutdown, then calls the target', async () => {
    expect(await sendControl(path, { id: 9, op: 'shutdown' })).toEqual({ id: 9, ok: true });
    await new Promise((r) => setImmediate(r));
    expect(shutdowns).toBe(1);
  });

  it('close() removes the socket file, and sendControl then rejects', async () => {
    expect(existsSync(path)).toBe(true);
    await server.close();
    expect(existsSync(path)).toBe(false);
    await expect(sendControl(path, { op: 'status' }, 500)).rejects.toThrow(/ENOENT/);
  });

  it('replaces a stale socket file left by a killed agent', async () => {
    const stale = join(dir, 'stale.sock');
    // A process that listens and is then SIGKILLed leaves its socket file behind.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`,
    ]);
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(stale)).toBe(true);
    await expect(sendControl(stale, { op: 'status' }, 500)).rejects.toThrow(/ECONNREFUSED/);
    const s2 = await startControlServer(
      stale,
      { status: () => STATUS, l2() {}, shutdown() {} },
      silentLogger,
      new Counters(),
    );
    expect((await sendControl(stale, { op: 'status' })).ok).toBe(true);
    await s2.close();
  });

  it('sendControl times out when nobody answers', async () => {
    const { createServer } = await import('node:net');
    const mute = join(dir, 'mute.sock');
    const srv = createServer(() => {});
    await new Promise<void>((r) => srv.listen(mute, r));
    await expect(sendControl(mute, { op: 'status' }, 100)).rejects.toThrow(/within 100 ms/);
    srv.close();
  });
});
