// mipshop-agent for real: the built agent runs in a router namespace joined by a veth to a host
// namespace whose kernel does SLAAC from the advertised prefix. Checks the address, tshark's reading
// of the RAs, RS answers, the control channel, and a clean SIGTERM.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/agent/config.js';
import { sendControl } from '../../src/agent/control-client.js';
import { native } from '../../src/native/index.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'tshark', 'tcpdump'] });

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/agent/main.js');
const id = randomBytes(3).toString('hex');
const NS_R = `tar${id}`;
const NS_H = `tah${id}`;
const IF_R = `ar${id}`; // router's AP interface
const IF_H = `mh${id}`; // host's radio
const MAC_R = '02:00:5e:10:a1:01';
const PREFIX = '2001:db8:10:a1::';
const dir = mkdtempSync(join(tmpdir(), `agent-ra-${id}-`));

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}
const ipR = (...a: string[]) => sh('ip', ['-n', NS_R, ...a]);
const ipH = (...a: string[]) => sh('ip', ['-n', NS_H, ...a]);
const sysctl = (ns: string, kv: string) => sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', kv]);

interface RunningAgent {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
  socket: string;
}

function startAgent(
  name: string,
  ra: Partial<AgentConfig['routerAdvertisements'][number]>,
  agent: Record<string, unknown> = {},
): RunningAgent {
  const socket = join(dir, `${name}.sock`);
  const config: AgentConfig = {
    lab: `t${id}`,
    node: 'ar1',
    roles: ['access-router'],
    interfaces: [{ name: IF_R, kind: 'ap', mac: MAC_R, addresses: [], ap: 'ap1' }],
    routerAdvertisements: [
      { iface: IF_R, prefix: `${PREFIX}/64`, minIntervalMs: 30, maxIntervalMs: 70, routerLifetimeS: 1800, ...ra },
    ],
    agent,
    controlSocket: socket,
    statusFile: join(dir, `${name}.status.json`),
  };
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const child = spawn('ip', ['netns', 'exec', NS_R, process.execPath, MAIN, '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      if (code !== 0 && stderr) console.error(stderr);
      r(code);
    }),
  );
  return { child, lines, exit, socket };
}

async function until<T>(
  what: string,
  fn: () => T | undefined | null | false,
  timeoutMs: number,
  stepMs = 5,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

function globalAddrs(): { addr: string; tentative: boolean }[] {
  const j = JSON.parse(ipH('-j', '-6', 'addr', 'show', 'dev', IF_H, 'scope', 'global')) as {
    addr_info: { local: string; tentative?: boolean }[];
  }[];
  return (j[0]?.addr_info ?? []).map((a) => ({ addr: a.local, tentative: !!a.tentative }));
}

/** tcpdump (in the host namespace by default); resolves once it listens. Immediate mode: otherwise
 * frames still in a TPACKET_V3 block are lost when it is stopped. */
async function capture(file: string, ns = NS_H, iface = IF_H): Promise<() => Promise<void>> {
  const p = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '--immediate-mode', '-U', '-i', iface, '-w', file, 'icmp6'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  await new Promise<void>((res, rej) => {
    p.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (d.includes('listening on')) res();
    });
    p.once('exit', (c) => rej(new Error(`tcpdump exited ${c}`)));
  });
  return async () => {
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGINT');
    await done;
    if (process.env.KEEP_PCAP) console.log(`tcpdump: ${err}`);
  };
}

function tsharkFields(file: string, filter: string, fields: string[]): string[][] {
  const out = sh('tshark', [
    '-r',
    file,
    '-Y',
    filter,
    '-T',
    'fields',
    '-E',
    'separator=|',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('|'));
}

describe.skipIf(skip)('mipshop-agent access router (RFC 4861 §6.2, RFC 6275 §7.5) between two namespaces', () => {
  beforeAll(() => {
    // Type errors elsewhere in the tree make tsc exit non-zero but do not stop the emit (no noEmitOnError).
    const built = Date.now();
    spawnSync('npx', ['tsc', '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'ignore' });
    if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < built - 1_000) throw new Error(`${MAIN} was not built`);
    sh('ip', ['netns', 'add', NS_R]);
    sh('ip', ['netns', 'add', NS_H]);
    sh('ip', [
      'link',
      'add',
      IF_R,
      'netns',
      NS_R,
      'address',
      MAC_R,
      'type',
      'veth',
      'peer',
      'name',
      IF_H,
      'netns',
      NS_H,
    ]);
    // The router's link-local address is usable at once (no DAD), as the orchestrator sets up APs.
    sysctl(NS_R, `net.ipv6.conf.${IF_R}.accept_dad=0`);
    sysctl(NS_R, 'net.ipv6.conf.all.forwarding=1');
    // The host: a plain SLAAC client (RFC 4862), no DAD on its link-local so it solicits at once.
    sysctl(NS_H, 'net.ipv6.conf.all.forwarding=0');
    sysctl(NS_H, `net.ipv6.conf.${IF_H}.accept_ra=1`);
    sysctl(NS_H, `net.ipv6.conf.${IF_H}.autoconf=1`);
    sysctl(NS_H, `net.ipv6.conf.${IF_H}.accept_dad=0`);
    ipR('link', 'set', 'lo', 'up');
    ipH('link', 'set', 'lo', 'up');
    ipR('link', 'set', IF_R, 'up');
    ipH('link', 'set', IF_H, 'up');
  }, 120_000);

  afterAll(() => {
    for (const ns of [NS_R, NS_H]) {
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('advertises the prefix: SLAAC within 1 s, RAs that tshark reads cleanly, control channel, SIGTERM', async () => {
    const pcap = join(dir, 'fast.pcap');
    let sentBeforeStatus = Infinity;
    const stopCapture = await capture(pcap);
    const t0 = performance.now();
    const agent = startAgent('fast', {});
    try {
      // Node's own start-up (hundreds of ms on a loaded 2-core machine) is not the agent's: the clock
      // for "within 1 s" starts when the agent has opened its socket and begun advertising.
      await until('ra.started', () => agent.lines.some((l) => l.event === 'ra.started'), 10_000, 1);
      const tStarted = performance.now();
      const slaac = await until(
        'a SLAAC address from the prefix',
        () => globalAddrs().find((a) => a.addr.startsWith('2001:db8:10:a1:')),
        1_000,
        2,
      );
      const now = performance.now();
      console.log(
        `SLAAC address ${slaac.addr}: ${(now - tStarted).toFixed(0)} ms after ra.started was seen, ${(now - t0).toFixed(0)} ms after spawning the agent`,
      );
      // EUI-64 interface identifier from the host's MAC (RFC 4291 App. A) under the advertised /64.
      expect(slaac.addr).toMatch(/^2001:db8:10:a1:[0-9a-f:]+$/);

      // Control channel: status with counters and per-role state; a malformed line is counted.
      await until('the control socket', () => existsSync(agent.socket), 2_000);
      const bad = await new Promise<string>((res, rej) => {
        const s = createConnection(agent.socket);
        s.setEncoding('utf8');
        s.on('connect', () => s.write('{oops\n'));
        s.on('data', (d: string) => {
          res(d);
          s.destroy();
        });
        s.on('error', rej);
      });
      expect(JSON.parse(bad)).toMatchObject({ ok: false, id: null });
      await new Promise((r) => setTimeout(r, 500)); // let a few more RAs go
      const st = await sendControl(agent.socket, { op: 'status' }, 2_000);
      expect(st.ok).toBe(true);
      if (!st.ok || !st.status) throw new Error('no status');
      expect(st.status.roles).toEqual(['access-router']);
      expect(st.status.counters.control!.malformed).toBe(1);
      const sent = st.status.counters['access-router']!['ra.sent.unsolicited']!;
      sentBeforeStatus = sent;
      const upMs = st.status.uptimeS * 1000;
      console.log(`${sent} unsolicited RAs in ${upMs.toFixed(0)} ms of uptime`);
      // Uniform in [30, 70] ms: mean 50 ms, so about uptime/50 (+1 for the one at start).
      expect(sent).toBeGreaterThanOrEqual(Math.floor(upMs / 70));
      expect(sent).toBeLessThanOrEqual(Math.ceil(upMs / 30) + 1);
      expect(st.status.state['access-router']).toMatchObject({ interfaces: [{ iface: IF_R, prefix: `${PREFIX}/64` }] });

      // SIGTERM: exit 0 and the control socket is gone.
      agent.child.kill('SIGTERM');
      expect(await agent.exit).toBe(0);
      expect(existsSync(agent.socket)).toBe(false);
      expect(agent.lines.some((l) => l.event === 'agent.stopped')).toBe(true);
      for (const l of agent.lines) expect(Object.keys(l).slice(0, 3)).toEqual(['time', 'level', 'event']);
    } finally {
      agent.child.kill('SIGKILL');
      await stopCapture();
    }

    // tshark's reading of the RAs.
    const ras = tsharkFields(pcap, 'icmpv6.type == 134', [
      'frame.time_relative',
      'ipv6.src',
      'ipv6.dst',
      'ipv6.hlim',
      'icmpv6.nd.ra.router_lifetime',
      'icmpv6.opt.linkaddr',
      'icmpv6.opt.prefix',
      'icmpv6.opt.prefix.length',
      'icmpv6.opt.prefix.flag.l',
      'icmpv6.opt.prefix.flag.a',
      'icmpv6.opt.advertisement_interval',
      'icmpv6.checksum.status',
    ]);
    console.log(`${ras.length} RAs captured; ${sentBeforeStatus} counted by the agent at its status`);
    if (process.env.KEEP_PCAP) sh('cp', [pcap, process.env.KEEP_PCAP]);
    expect(ras.length).toBeGreaterThanOrEqual(sentBeforeStatus);
    const routerLinkLocal = ras[0]![1]!;
    expect(routerLinkLocal).toMatch(/^fe80::/);
    for (const r of ras) {
      // ..., Advertisement Interval 70 ms, checksum status 1 = Good (filled in by the kernel)
      expect(r.slice(1)).toEqual([routerLinkLocal, 'ff02::1', '255', '1800', MAC_R, PREFIX, '64', '1', '1', '70', '1']);
    }
    const times = ras.map((r) => Number(r[0]) * 1000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    console.log(
      `RA gaps over ${gaps.length}: min ${Math.min(...gaps).toFixed(1)} ms, max ${Math.max(...gaps).toFixed(1)} ms, mean ${(gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(1)} ms`,
    );
    // Periodic gaps in [30, 70] ms; a solicited RA (the host's RS) may come sooner, and timers late by a little.
    expect(gaps.filter((g) => g < 29).length).toBeLessThanOrEqual(2);
    // A loaded machine fires a timer late now and then; the schedule itself must keep to MaxRtrAdvInterval.
    const late = gaps.filter((g) => g >= 70 + 15);
    expect(late.length, `late gaps: ${late.join(', ')}`).toBeLessThanOrEqual(Math.max(1, Math.floor(gaps.length / 20)));
    // No malformed packets and no expert errors or warnings in the whole capture.
    expect(sh('tshark', ['-r', pcap, '-Y', '_ws.malformed || _ws.expert.severity >= "Warning"'])).toBe('');
  });

  it('answers a Router Solicitation promptly with an RA (RFC 4861 §6.2.6)', async () => {
    const pcap = join(dir, 'slow.pcap');
    // Slow periodic RAs so a solicited one stands out; MinDelayBetweenRAs at its RFC 6275 minimum.
    const agent = startAgent(
      'slow',
      { minIntervalMs: 3_000, maxIntervalMs: 4_000 },
      { logLevel: 'debug', 'access-router': { minDelayBetweenRasMs: 30 } },
    );
    let stopCapture: (() => Promise<void>) | null = null;
    try {
      await until('the control socket', () => existsSync(agent.socket), 3_000);
      await new Promise((r) => setTimeout(r, 300)); // past the first RA and its MinDelayBetweenRAs
      // On the router's side: the host's tcpdump would stop when its interface goes down.
      stopCapture = await capture(pcap, NS_R, IF_R);
      // A link flap makes the host's kernel solicit (RFC 4861 §6.3.7).
      ipH('link', 'set', IF_H, 'down');
      ipH('link', 'set', IF_H, 'up');
      await until(
        'a solicited RA',
        () => agent.lines.find((l) => l.event === 'ra.sent' && l.cause === 'solicited'),
        2_000,
      );
      // Bytes the kernel passes but the codec refuses, and an RS that may have crossed a router:
      // counted and dropped, the agent carries on (sent from the host namespace by the native addon).
      const sock = native.openRaw6Socket({
        protocol: 58,
        netns: `/run/netns/${NS_H}`,
        bindDevice: IF_H,
        multicastHops: 255,
      });
      try {
        sock.send(Buffer.from([133, 0, 0, 0, 0]), 'ff02::2'); // shorter than the 8-byte RS
        sock.send(Buffer.from([133, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), 'ff02::2'); // option Length 0
        sock.send(Buffer.from([133, 0, 0, 0, 0, 0, 0, 0]), 'ff02::2', { hopLimit: 64 });
      } finally {
        sock.close();
      }
      const counters = async () => {
        const st = await sendControl(agent.socket, { op: 'status' });
        if (!st.ok || !st.status) throw new Error('no status');
        return st.status.counters['access-router']!;
      };
      let c = await counters();
      for (let i = 0; i < 100 && !c['rs.discarded.hop-limit']; i++) c = await counters();
      expect(c['rs.received']).toBeGreaterThanOrEqual(2); // the kernel's RS and the hop-limit-64 one
      expect(c['ra.sent.solicited']).toBeGreaterThanOrEqual(1);
      expect(c['rs.malformed.truncated']).toBe(1);
      expect(c['rs.malformed.bad-length']).toBe(1);
      expect(c['rs.discarded.hop-limit']).toBe(1);
    } finally {
      await stopCapture?.();
      agent.child.kill('SIGTERM');
      expect(await agent.exit).toBe(0);
    }
    const rows = tsharkFields(pcap, 'icmpv6.type == 133 || icmpv6.type == 134', [
      'frame.time_relative',
      'icmpv6.type',
      'ipv6.src',
      'ipv6.hlim',
    ]);
    const rs = rows.findIndex((r) => r[1] === '133');
    expect(rs).toBeGreaterThanOrEqual(0);
    const answer = rows.slice(rs + 1).find((r) => r[1] === '134');
    expect(answer).toBeDefined();
    const delayMs = (Number(answer![0]) - Number(rows[rs]![0])) * 1000;
    console.log(`RS -> RA in ${delayMs.toFixed(1)} ms`);
    expect(delayMs).toBeLessThan(50); // default random delay 0-10 ms plus scheduling
    expect(answer![3]).toBe('255');
  });
});
