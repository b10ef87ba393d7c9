// The layer-2 model on the real kernel: APs are bridges in the air; a mobile node's radio is a veth
// whose far end moves between them. Detach = NO-CARRIER in the node; attach = carrier back, on the
// new AP's bridge, and the node autoconfigures from what it hears there.
import { afterAll, describe, expect, test } from 'vitest';
import { cleanupLab } from '../../src/lab/cleanup.js';
import { nsExec, run } from '../../src/lab/exec.js';
import { addAp, addNode, addRadio, emptyLab } from '../../src/lab/net/fixtures.js';
import { attach, detach } from '../../src/lab/net/l2.js';
import { startRealtimeTimeline } from '../../src/lab/scenario/realtime.js';
import { downNetwork, upNetwork } from '../../src/lab/net/network.js';
import { airNetns } from '../../src/lab/names.js';
import { NetnsRuntime } from '../../src/lab/runtime/netns.js';
import { uniqueLabName } from '../support/lab-names.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'ping'] });
const labs: string[] = [];
afterAll(async () => {
  for (const l of labs) await cleanupLab(l);
});

async function linkFlags(ns: string, dev: string): Promise<string> {
  return (await run(['ip', '-n', ns, '-o', 'link', 'show', 'dev', dev])).stdout;
}

describe.skipIf(skip)('air: APs and radios', () => {
  test('detach makes the radio NO-CARRIER; attach to another AP brings carrier back on that bridge', async () => {
    const lab = emptyLab(uniqueLabName());
    labs.push(lab.name);
    addNode(lab, 'ar1', ['access-router']);
    addNode(lab, 'ar2', ['access-router']);
    addNode(lab, 'mn', ['mobile-node']);
    addAp(lab, 'ap1', 'ar1', 'ap1', '2001:db8:0:a1');
    addAp(lab, 'ap2', 'ar2', 'ap2', '2001:db8:0:a2');
    addRadio(lab, 'mn', 'ap1');
    const net = await upNetwork(lab, new NetnsRuntime());
    const air = airNetns(lab.name);
    const mnNs = net.nodes.get('mn')!.netns;
    try {
      // The bridges: forward delay 0, no STP, no multicast snooping.
      const br = (await run(['ip', '-n', air, '-d', 'link', 'show', 'dev', 'ap1'])).stdout;
      expect(br).toMatch(/forward_delay 0 /);
      expect(br).toMatch(/stp_state 0 /);
      expect(br).toMatch(/mcast_snooping 0 /);
      // The radio starts on ap1, with carrier; its far end is a port of ap1's bridge.
      expect(await linkFlags(mnNs, 'wlan0')).toContain('LOWER_UP');
      expect(await linkFlags(air, 'wmn')).toContain('master ap1');
      // The radio's sysctls: SLAAC from RAs with EUI-64, optimistic DAD.
      const sys = await nsExec(mnNs, [
        'sysctl',
        '-n',
        'net.ipv6.conf.wlan0.accept_ra',
        'net.ipv6.conf.wlan0.autoconf',
        'net.ipv6.conf.wlan0.addr_gen_mode',
        'net.ipv6.conf.wlan0.optimistic_dad',
      ]);
      expect(sys.stdout.trim().split('\n')).toEqual(['1', '1', '0', '1']);
      // Layer 2 reaches the access router on ap1 (link-local: the radio has no global address yet).
      const ll = (
        await run(['ip', '-n', net.nodes.get('ar1')!.netns, '-6', '-o', 'addr', 'show', 'dev', 'ap1', 'scope', 'link'])
      ).stdout;
      const ar1ll = /inet6 (fe80::[0-9a-f:]+)/.exec(ll)![1]!;
      await nsExec(mnNs, ['ping', '-c', '1', '-W', '3', `${ar1ll}%wlan0`]);

      const d = await detach(lab.name, 'mn');
      expect(d.appliedNs).toBeGreaterThanOrEqual(d.startedNs);
      expect(await linkFlags(mnNs, 'wlan0')).toContain('NO-CARRIER');
      expect(await linkFlags(air, 'wmn')).not.toContain('master');
      const lost = await nsExec(mnNs, ['ping', '-c', '1', '-W', '1', `${ar1ll}%wlan0`], { reject: false });
      expect(lost.exitCode).not.toBe(0);

      const a = await attach(lab.name, 'mn', 'ap2');
      expect(a.ap).toBe('ap2');
      expect(await linkFlags(air, 'wmn')).toContain('master ap2');
      expect(await linkFlags(mnNs, 'wlan0')).toContain('LOWER_UP');
      expect(await linkFlags(mnNs, 'wlan0')).not.toContain('NO-CARRIER');
      const ll2 = (
        await run(['ip', '-n', net.nodes.get('ar2')!.netns, '-6', '-o', 'addr', 'show', 'dev', 'ap2', 'scope', 'link'])
      ).stdout;
      const ar2ll = /inet6 (fe80::[0-9a-f:]+)/.exec(ll2)![1]!;
      await nsExec(mnNs, ['ping', '-c', '1', '-W', '3', `${ar2ll}%wlan0`]);
      // ...and ar1 is out of reach now (another cell).
      const other = await nsExec(mnNs, ['ping', '-c', '1', '-W', '1', `${ar1ll}%wlan0`], { reject: false });
      expect(other.exitCode).not.toBe(0);
      // Unknown radio: the kernel's refusal comes back as an error, and the channel stays usable.
      await expect(detach(lab.name, 'nobody')).rejects.toThrow(/wnobody/);
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const x = await detach(lab.name, 'mn');
        const y = await attach(lab.name, 'mn', i % 2 ? 'ap1' : 'ap2');
        times.push(Number(x.appliedNs - x.startedNs) / 1e6, Number(y.appliedNs - y.startedNs) / 1e6);
      }
      times.sort((p, q) => p - q);
      console.log(`detach/attach: median ${times[10]!.toFixed(2)} ms, max ${times.at(-1)!.toFixed(2)} ms`);
      expect(times[10]).toBeLessThan(20);
      console.log(
        `detach took ${Number(d.appliedNs - d.startedNs) / 1e6} ms, attach ${Number(a.appliedNs - a.startedNs) / 1e6} ms`,
      );
    } finally {
      await downNetwork(net);
    }
  });

  test('an isolated AP: its stations reach the router, never each other, after the lab comes up, a manual attach and a move by the applier', async () => {
    const lab = emptyLab(uniqueLabName());
    labs.push(lab.name);
    addNode(lab, 'ar1', ['access-router']);
    addNode(lab, 'ar2', ['access-router']);
    addNode(lab, 'm1', ['mobile-node']);
    addNode(lab, 'm2', ['mobile-node']);
    addAp(lab, 'ap1', 'ar1', 'ap1', '2001:db8:0:a1');
    addAp(lab, 'ap2', 'ar2', 'ap2', '2001:db8:0:a2');
    for (const ap of lab.aps) ap.isolated = true;
    addRadio(lab, 'm1', 'ap1');
    addRadio(lab, 'm2', 'ap1');
    const net = await upNetwork(lab, new NetnsRuntime());
    const air = airNetns(lab.name);
    const ns = (n: string) => net.nodes.get(n)!.netns;
    const linkLocal = async (n: string, dev: string) =>
      /inet6 (fe80::[0-9a-f:]+)/.exec(
        (await run(['ip', '-n', ns(n), '-6', '-o', 'addr', 'show', 'dev', dev])).stdout,
      )![1]!;
    // Up to 3 s for an answer when one is expected (a fresh link's addresses and neighbours), 1 s when not.
    const reaches = async (from: string, to: string, waitS = 3) =>
      (await nsExec(ns(from), ['ping', '-c', '1', '-W', String(waitS), `${to}%wlan0`], { reject: false })).exitCode ===
      0;
    const isolatedFlag = async (port: string) =>
      /isolated on/.test((await run(['ip', '-n', air, '-d', 'link', 'show', 'dev', port])).stdout);
    try {
      const ar1 = await linkLocal('ar1', 'ap1');
      const ar2 = await linkLocal('ar2', 'ap2');
      const m2 = await linkLocal('m2', 'wlan0');
      expect(await isolatedFlag('wm1')).toBe(true);
      expect(await isolatedFlag('pap1')).toBe(false); // the router's port
      expect(await reaches('m1', ar1)).toBe(true);
      expect(await reaches('m2', ar1)).toBe(true);
      expect(await reaches('m1', m2, 1)).toBe(false);
      // A port that leaves a bridge loses the flag: a manual attach sets it again.
      await detach(lab.name, 'm2');
      await attach(lab.name, 'm2', 'ap1', true);
      expect(await isolatedFlag('wm2')).toBe(true);
      expect(await reaches('m2', ar1)).toBe(true);
      expect(await reaches('m1', m2, 1)).toBe(false);
      // The real-time applier: m1 and m2 move to ap2 (each detach parks the port there, isolated).
      const tl = await startRealtimeTimeline(lab.name);
      try {
        const t0 = process.hrtime.bigint();
        const move = (node: string, id: number, atMs: number) => [
          {
            id,
            action: { kind: 'detach' as const, node },
            at: { monoNs: t0 + BigInt(atMs) * 1_000_000n },
            op: { kind: 'detach' as const, ifname: `w${node}`, nextBridge: 'ap2', isolated: true as const },
          },
          {
            id: id + 1,
            action: { kind: 'attach' as const, node, ap: 'ap2' },
            at: { monoNs: t0 + BigInt(atMs + 50) * 1_000_000n },
            op: { kind: 'attach' as const, ifname: `w${node}`, bridge: 'ap2', isolated: true as const },
          },
        ];
        const recs = await tl.run([...move('m1', 0, 100), ...move('m2', 2, 150)], t0);
        expect(recs.map((r) => r.error ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok']);
      } finally {
        tl.close();
      }
      expect(await isolatedFlag('wm1')).toBe(true);
      expect(await isolatedFlag('wm2')).toBe(true);
      expect(await reaches('m1', ar2)).toBe(true);
      expect(await reaches('m2', ar2)).toBe(true);
      expect(await reaches('m1', m2, 1)).toBe(false);
    } finally {
      await downNetwork(net);
    }
  });

  test('a radio that starts detached has no carrier', async () => {
    const lab = emptyLab(uniqueLabName());
    labs.push(lab.name);
    addNode(lab, 'ar1', ['access-router']);
    addNode(lab, 'mn', ['mobile-node']);
    addAp(lab, 'ap1', 'ar1', 'ap1', '2001:db8:0:a1');
    addRadio(lab, 'mn');
    const net = await upNetwork(lab, new NetnsRuntime());
    try {
      expect(await linkFlags(net.nodes.get('mn')!.netns, 'wlan0')).toContain('NO-CARRIER');
      await attach(lab.name, 'mn', 'ap1');
      expect(await linkFlags(net.nodes.get('mn')!.netns, 'wlan0')).not.toContain('NO-CARRIER');
    } finally {
      await downNetwork(net);
    }
  });
});
