// Live control of a running lab with the built CLI: `impair` changes a link's delay and ping's RTT
// follows; `l2 detach` then `attach` moves the mobile node to the other AP (its far end on that AP's
// bridge, an address from that AP's prefix); `capture` streams a pcap that tshark reads.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airNetns } from '../../src/lab/names.js';
import { radioFarEnd } from '../../src/lab/net/ifnames.js';
import { CLI, cli } from '../support/cli.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'tcpdump', 'tshark', 'ping'] });
const LAB = path.resolve('topologies/fmipv6-predictive.yaml');
const CR_ON_CN_LINK = 'fd00:f:1:1::1';

/** ping's average RTT in ms from cn to cr over the cn-cr link. */
async function rttMs(name: string): Promise<number> {
  const r = await cli(['exec', name, 'cn', 'ping', '-6', '-n', '-q', '-c', '10', '-i', '0.1', CR_ON_CN_LINK]);
  const m = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
  if (r.code !== 0 || !m) throw new Error(`ping failed (${r.code}): ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

async function mnAddresses(name: string): Promise<string> {
  return (await cli(['exec', name, 'mn', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'wlan0'])).stdout;
}

async function until(what: string, check: () => Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(missing)('live control of a running lab: impair, l2, capture', () => {
  const name = uniqueLabName('tliv');
  const out = mkdtempSync(path.join(tmpdir(), 'mipshop-live-'));

  beforeAll(async () => {
    const r = await cli(['up', LAB, '--name', name, '--out', out]);
    if (r.code !== 0) throw new Error(`up failed: ${r.stderr}`);
  }, 120_000);

  afterAll(async () => {
    await cli(['down', name]);
  }, 60_000);

  it('impair: a new delay on cn-cr, and ping shows the new RTT within ±20 %', async () => {
    const before = await rttMs(name);
    const r = await cli(['impair', name, 'cn-cr', 'delay=40ms', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; path: string; ab: { delayMs: number }; ba: { delayMs: number } };
    expect(doc).toMatchObject({ ok: true, ab: { delayMs: 40 }, ba: { delayMs: 40 } });
    const after = await rttMs(name);
    console.log(`impair on the ${doc.path} path: RTT ${before} ms -> ${after} ms (expected 80 ms)`);
    expect(after).toBeGreaterThan(80 * 0.8);
    expect(after).toBeLessThan(80 * 1.2);
    // One direction only, from the far end's name: cr -> cn stays at 40 ms, cn -> cr goes to 10 ms.
    expect((await cli(['impair', name, 'cr-cn', 'delay=10ms', '--direction', 'reverse'])).code).toBe(0);
    const one = await rttMs(name);
    expect(one).toBeGreaterThan(50 * 0.8);
    expect(one).toBeLessThan(50 * 1.2);
  }, 60_000);

  it('impair: wrong link or value exits 2 and says what was expected', async () => {
    const a = await cli(['impair', name, 'cn-zz', 'delay=1ms']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/has no link cn-zz: expected one of link1 \(cn-cr\)/);
    const b = await cli(['impair', name, 'cn-cr', 'delay=soon', '--json']);
    expect(b.code).toBe(2);
    expect(JSON.parse(b.stdout)).toMatchObject({ ok: false, error: '"delay=soon": expected e.g. delay=20ms' });
  });

  it('l2 detach then attach moves mn from ap1 to ap2', async () => {
    expect(await mnAddresses(name)).toMatch(/fd00:f:1:a1:/);
    const d = await cli(['l2', name, 'detach', 'mn', '--json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({
      ok: true,
      action: 'detach',
      stationReports: [{ ap: 'ap1', event: 'station-left' }],
    });
    const far = execFileSync('ip', ['-n', airNetns(name), '-o', 'link', 'show', 'dev', radioFarEnd('mn')], {
      encoding: 'utf8',
    });
    expect(far).not.toMatch(/ master /);
    const a = await cli(['l2', name, 'attach', 'mn', 'ap2', '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({
      ok: true,
      action: 'attach',
      ap: 'ap2',
      stationReports: [{ ap: 'ap2', event: 'station-joined' }],
    });
    const now = execFileSync('ip', ['-n', airNetns(name), '-o', 'link', 'show', 'dev', radioFarEnd('mn')], {
      encoding: 'utf8',
    });
    expect(now).toMatch(/ master ap2 /);
    await until('an address from ap2', async () => /fd00:f:1:a2:/.test(await mnAddresses(name)));
    const t = await cli(['l2', name, 'trigger', 'mn', 'new-ap-detected', 'ap1']);
    expect(t.code).toBe(0);
    const bad = await cli(['l2', name, 'attach', 'mn', 'ap9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has no AP ap9/);
  }, 60_000);

  it('capture streams a pcap that tshark reads', async () => {
    const file = path.join(out, 'stream.pcap');
    const child = spawn(process.execPath, [CLI, 'capture', name, 'cn:eth1', '-c', '5', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    await new Promise((r) => setTimeout(r, 1000)); // tcpdump listening
    await cli(['exec', name, 'cn', 'ping', '-6', '-n', '-q', '-c', '10', '-i', '0.1', CR_ON_CN_LINK]);
    expect(await exited).toBe(0);
    writeFileSync(file, Buffer.concat(chunks));
    expect(JSON.parse(stderr.trim().split('\n').at(-1)!)).toMatchObject({
      ok: true,
      node: 'cn',
      iface: 'eth1',
      packets: 5,
    });
    const read = await promisify(execFile)('tshark', ['-r', file, '-T', 'fields', '-e', 'ipv6.src']);
    expect(read.stdout.trim().split('\n')).toHaveLength(5);
    const bad = await cli(['capture', name, 'cn:eth9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/IFACE one of cn's interfaces \(eth1\)/);
  }, 60_000);
});
