// The agent end to end in-process over the fake native binding: an access router's RAs reach a
// "mobile node" namespace on the same fake link, its RS is answered, malformed RSs are counted and
// dropped, L2 triggers reach roles, and stop() releases every socket and the control socket.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeNative, type FakeHub } from '../native/testing/fake.js';
import type { NativeBinding, Raw6Packet, Raw6Socket } from '../native/types.js';
import * as ndOptions from '../wire/icmpv6/nd-options.js';
import { startAgent, type Agent } from './agent.js';
import type { AgentConfig } from './config.js';
import { sendControl } from './control-client.js';
import { createLogger, silentLogger } from './log.js';
import type { RoleDefinition } from './roles/role.js';

const AR_MAC = '02:00:5e:10:a1:01';
const MN_MAC = '02:00:5e:99:00:02';

let dir: string;
let hub: FakeHub;
let native: NativeBinding;
let agent: Agent | null;
let mnSock: Raw6Socket;
let received: Raw6Packet[];

function config(over: Partial<AgentConfig> = {}): AgentConfig {
  return {
    lab: 'tunit',
    node: 'ar1',
    roles: ['access-router'],
    interfaces: [{ name: 'ap1', kind: 'ap', mac: AR_MAC, addresses: [], ap: 'ap1' }],
    routerAdvertisements: [
      { iface: 'ap1', prefix: '2001:db8:10:a1::/64', minIntervalMs: 30, maxIntervalMs: 70, routerLifetimeS: 1800 },
    ],
    agent: {},
    controlSocket: join(dir, 'ar1.sock'),
    statusFile: join(dir, 'ar1.status.json'),
    ...over,
  };
}

const until = async (what: string, fn: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

/** RS bytes (RFC 4861 §4.1) with a Source Link-Layer Address option; checksum left to the "kernel". */
function routerSolicitation(opts: { code?: number; withSlla?: boolean } = {}): Buffer {
  const head = Buffer.from([133, opts.code ?? 0, 0, 0, 0, 0, 0, 0]);
  if (opts.withSlla === false) return head;
  return Buffer.concat([
    head,
    ndOptions.encode({
      type: 'SourceLinkLayerAddress',
      linkLayerAddress: Buffer.from(MN_MAC.split(':').map((x) => parseInt(x, 16))),
    }),
  ]);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mipshop-agent-'));
  ({ hub, native } = createFakeNative());
  hub.addInterface({ name: 'ap1', link: 'cell1', mac: AR_MAC, addresses: ['fe80::1', '2001:db8:10:a1::1'] });
  hub.addInterface({ name: 'wlan0', netns: 'mn', link: 'cell1', mac: MN_MAC, addresses: ['fe80::2'] });
  // The mobile node's side: RAs only, as a host's kernel would take them.
  mnSock = native.openRaw6Socket({
    protocol: 58,
    netns: 'mn',
    bindDevice: 'wlan0',
    icmp6Types: [134],
    multicastHops: 255,
  });
  received = [];
  mnSock.start((p) => received.push(...p));
  agent = null;
});

afterEach(async () => {
  await agent?.stop();
  mnSock.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('agent with the access-router role over the fake binding', () => {
  it('sends RAs to all-nodes with hop limit 255 and the SLLA, Prefix Information and Advertisement Interval options', async () => {
    agent = await startAgent(config(), { native, log: silentLogger });
    await until('three RAs', () => received.length >= 3);
    for (const p of received) {
      expect(p).toMatchObject({ src: 'fe80::1', dst: 'ff02::1', hopLimit: 255 });
      expect(p.data[0]).toBe(134);
      expect(p.data[1]).toBe(0);
      expect(p.data.readUInt16BE(6)).toBe(1800); // Router Lifetime
      const opts = ndOptions.readOptions(p.data, 16, p.data.length);
      expect(opts.ok && opts.value).toEqual([
        { type: 'SourceLinkLayerAddress', linkLayerAddress: Buffer.from([2, 0, 0x5e, 0x10, 0xa1, 1]) },
        {
          type: 'PrefixInformation',
          prefixLength: 64,
          onLink: true,
          autonomous: true,
          routerAddress: false,
          validLifetime: 2_592_000,
          preferredLifetime: 604_800,
          prefix: '2001:db8:10:a1::',
        },
        { type: 'AdvertisementInterval', advertisementInterval: 70 },
      ]);
    }
  });

  it('answers a Router Solicitation sent to all-routers (it joined ff02::2)', async () => {
    agent = await startAgent(
      config({
        routerAdvertisements: [
          {
            iface: 'ap1',
            prefix: '2001:db8:10:a1::/64',
            minIntervalMs: 3_000,
            maxIntervalMs: 4_000,
            routerLifetimeS: 1800,
          },
        ],
        agent: { 'access-router': { minDelayBetweenRasMs: 30 } },
      }),
      { native, log: silentLogger },
    );
    await until('the first RA', () => received.length === 1);
    await new Promise((r) => setTimeout(r, 40)); // past MinDelayBetweenRAs
    const rsSock = native.openRaw6Socket({ protocol: 58, netns: 'mn', bindDevice: 'wlan0', multicastHops: 255 });
    const t0 = performance.now();
    rsSock.send(routerSolicitation(), 'ff02::2');
    await until('the solicited RA', () => received.length === 2);
    const ms = performance.now() - t0;
    rsSock.close();
    expect(ms).toBeLessThan(100); // random delay 0-10 ms by default
    const st = agent.status();
    expect(st.counters['access-router']).toMatchObject({
      'rs.received': 1,
      'ra.sent.solicited': 1,
      'ra.sent.unsolicited': 1,
    });
  });

  it('counts and drops malformed and invalid solicitations without crashing', async () => {
    agent = await startAgent(
      config({
        routerAdvertisements: [
          {
            iface: 'ap1',
            prefix: '2001:db8:10:a1::/64',
            minIntervalMs: 3_000,
            maxIntervalMs: 4_000,
            routerLifetimeS: 1800,
          },
        ],
      }),
      { native, log: silentLogger },
    );
    const rsSock = native.openRaw6Socket({ protocol: 58, netns: 'mn', bindDevice: 'wlan0', multicastHops: 255 });
    rsSock.send(Buffer.from([133, 0, 0, 0, 0]), 'ff02::2'); // shorter than the 8-byte RS
    rsSock.send(
      Buffer.concat([routerSolicitation({ withSlla: false }), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0])]),
      'ff02::2',
    ); // option Length 0
    rsSock.send(routerSolicitation(), 'ff02::2', { hopLimit: 64 }); // not 255: maybe forwarded from off-link
    rsSock.send(routerSolicitation({ code: 3 }), 'ff02::2');
    await until('four solicitations handled', () => {
      const c = agent!.status().counters['access-router']!;
      return (
        Object.entries(c)
          .filter(([k]) => k.startsWith('rs.'))
          .reduce((a, [, v]) => a + v, 0) >= 4
      );
    });
    rsSock.close();
    const c = agent.status().counters['access-router']!;
    expect(c['rs.malformed.truncated']).toBe(1);
    expect(c['rs.malformed.bad-length']).toBe(1);
    expect(c['rs.discarded.hop-limit']).toBe(1);
    expect(c['rs.malformed.bad-value']).toBe(1); // code 3: the codec refuses it (RFC 4861 §6.1.1)
    expect(c['ra.sent.solicited']).toBeUndefined();
  });

  it('serves status and L2 triggers on the control socket, and stop() releases everything', async () => {
    const triggers: unknown[] = [];
    const watcher: RoleDefinition = {
      name: 'watcher',
      wanted: () => true,
      start: () => ({
        name: 'watcher',
        state: () => ({ triggers: triggers.length }),
        onL2Trigger: (e) => triggers.push(e),
      }),
    };
    const { accessRouter } = await import('./roles/access-router.js');
    const before = hub.openHandles;
    const lines: string[] = [];
    agent = await startAgent(config(), {
      native,
      log: createLogger({ write: (l) => lines.push(l) }),
      roles: [accessRouter, watcher],
    });
    expect(hub.openHandles).toBe(before + 1);
    expect(await sendControl(config().controlSocket, { id: 1, op: 'l2', event: 'new-ap-detected', ap: 'ap2' })).toEqual(
      { id: 1, ok: true },
    );
    expect(triggers).toEqual([{ event: 'new-ap-detected', ap: 'ap2' }]);
    const st = await sendControl(config().controlSocket, { id: 2, op: 'status' });
    expect(st).toMatchObject({
      id: 2,
      ok: true,
      status: { lab: 'tunit', node: 'ar1', roles: ['access-router', 'watcher'], state: { watcher: { triggers: 1 } } },
    });
    expect(st.ok && st.status!.counters.watcher).toEqual({ 'l2.new-ap-detected': 1 });

    await agent.stop('test');
    expect(await agent.stopped).toEqual({ code: 0, reason: 'test' });
    expect(hub.openHandles).toBe(before);
    expect(existsSync(config().controlSocket)).toBe(false);
    const status = JSON.parse(readFileSync(config().statusFile!, 'utf8')) as { roles: string[] };
    expect(status.roles).toEqual(['access-router', 'watcher']);
    const events = lines.map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(
      expect.arrayContaining([
        'agent.starting',
        'ra.started',
        'control.listening',
        'agent.ready',
        'l2.trigger',
        'agent.stopping',
        'agent.stopped',
      ]),
    );
    agent = null;
  });

  it('a role that owns the L2 events gets them alone and hands what it derives to the others', async () => {
    const seen: string[] = [];
    const owner: RoleDefinition = {
      name: 'owner',
      wanted: () => true,
      start: (ctx) => ({
        name: 'owner',
        ownsL2: true,
        state: () => ({}),
        onL2Trigger: (e) => {
          seen.push(`owner:${e.event}`);
          // Like the MIH function: a link-going-down goes on with the target it chose.
          ctx.emitL2?.(e.event === 'link-going-down' ? { ...e, bssid: '02:00:00:00:00:02' } : e);
        },
      }),
    };
    const user: RoleDefinition = {
      name: 'user',
      wanted: () => true,
      start: () => ({
        name: 'user',
        state: () => ({}),
        onL2Trigger: (e) => seen.push(`user:${e.event}:${e.bssid ?? '-'}`),
      }),
    };
    agent = await startAgent(config(), { native, log: silentLogger, roles: [owner, user] });
    agent.l2({ event: 'link-going-down' });
    agent.l2({ event: 'new-ap-detected', ap: 'ap2' });
    expect(seen).toEqual([
      'owner:link-going-down',
      'user:link-going-down:02:00:00:00:00:02',
      'owner:new-ap-detected',
      'user:new-ap-detected:-',
    ]);
  });

  it('a throwing role is fatal: the agent stops with code 1 and closes its sockets', async () => {
    let crash: () => void = () => {};
    const fragile: RoleDefinition = {
      name: 'fragile',
      wanted: () => true,
      start: (ctx) => {
        crash = () => ctx.fatal(new Error('role bug'));
        return { name: 'fragile', state: () => ({}) };
      },
    };
    const { accessRouter } = await import('./roles/access-router.js');
    const before = hub.openHandles;
    agent = await startAgent(config(), { native, log: silentLogger, roles: [accessRouter, fragile] });
    crash();
    expect(await agent.stopped).toEqual({ code: 1, reason: 'fatal' });
    expect(hub.openHandles).toBe(before);
    agent = null;
  });

  it('a machine that throws is a bug: logged with its stack, counted in status, and the agent keeps serving', async () => {
    const handled: string[] = [];
    const brittle: RoleDefinition = {
      name: 'brittle',
      wanted: () => true,
      start: (ctx) => {
        const running = ctx.run<{ kind: 'l2'; event: string }, never>(
          {
            handle: (_now, input) => {
              if (input.kind !== 'l2') return [];
              if (input.event === 'link-going-down') throw new Error('no rule for this');
              handled.push(input.event);
              return [];
            },
            nextDeadline: () => null,
          },
          { perform: () => {} },
        );
        return {
          name: 'brittle',
          state: () => ({ handled: handled.length }),
          onL2Trigger: (e) => running.feed([{ kind: 'l2', event: e.event }]),
        };
      },
    };
    const { accessRouter } = await import('./roles/access-router.js');
    const lines: string[] = [];
    agent = await startAgent(config(), {
      native,
      log: createLogger({ write: (l) => lines.push(l) }),
      roles: [accessRouter, brittle],
    });
    const sock = config().controlSocket;
    expect(await sendControl(sock, { id: 1, op: 'l2', event: 'link-going-down' })).toEqual({ id: 1, ok: true });
    expect(await sendControl(sock, { id: 2, op: 'l2', event: 'link-up' })).toEqual({ id: 2, ok: true });
    expect(handled).toEqual(['link-up']);
    const st = await sendControl(sock, { id: 3, op: 'status' });
    expect(st.ok && st.status!.bugs).toEqual({ count: 1, first: { where: 'brittle', message: 'no rule for this' } });
    const bugLines = lines
      .map((l) => JSON.parse(l) as { event: string; where?: string; err?: { message: string; stack: string } })
      .filter((l) => l.event === 'agent.bug');
    expect(bugLines).toHaveLength(1);
    expect(bugLines[0]!.err!.stack).toMatch(/no rule for this\n\s+at /);
    // Still serving: RAs go on and the agent stops cleanly, with the count in its status file.
    const seen = received.length;
    await until('another RA', () => received.length > seen);
    await agent.stop('test');
    expect(await agent.stopped).toEqual({ code: 0, reason: 'test' });
    expect((JSON.parse(readFileSync(config().statusFile!, 'utf8')) as { bugs: unknown }).bugs).toMatchObject({
      count: 1,
    });
    agent = null;
  });

  it('a bad role setting names the file and the path', async () => {
    await expect(
      startAgent(config({ agent: { 'access-router': { maxResponseDelayMs: 900 } } }), {
        native,
        log: silentLogger,
        configFile: 'ar1.json',
      }),
    ).rejects.toThrow(/ar1\.json: agent\.access-router\.maxResponseDelayMs/);
    expect(existsSync(config().controlSocket)).toBe(false);
  });
});
