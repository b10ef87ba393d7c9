// Captures: one tcpdump per point, listening before traffic starts, flushed at stop, readable by
// tshark; a radio's capture survives a detach/attach (only the far end's carrier changes).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startCaptures, stopCaptures } from '../../src/lab/capture/tcpdump.js';
import { cleanupLab } from '../../src/lab/cleanup.js';
import { nsExec, run } from '../../src/lab/exec.js';
import { addAp, addLink, addNode, addRadio, emptyLab } from '../../src/lab/net/fixtures.js';
import { attach, detach } from '../../src/lab/net/l2.js';
import { downNetwork, upNetwork } from '../../src/lab/net/network.js';
import { NetnsRuntime } from '../../src/lab/runtime/netns.js';
import { uniqueLabName } from '../support/lab-names.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'ping', 'tcpdump', 'tshark'] });
const labs: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const l of labs) await cleanupLab(l);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(skip)('capture', () => {
  test('pcaps of a link and of a radio across a detach/attach, opened by tshark', async () => {
    const lab = emptyLab(uniqueLabName());
    labs.push(lab.name);
    addNode(lab, 'cn');
    addNode(lab, 'ar1', ['access-router']);
    addNode(lab, 'mn', ['mobile-node']);
    addLink(lab, 'cn', 'ar1', '2001:db8:0:1');
    addAp(lab, 'ap1', 'ar1', 'ap1', '2001:db8:0:a1');
    addRadio(lab, 'mn', 'ap1');
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-cap-'));
    dirs.push(out);
    const net = await upNetwork(lab, new NetnsRuntime());
    try {
      const caps = await startCaptures(
        lab.name,
        [
          { node: 'cn', iface: 'eth1' },
          { node: 'mn', iface: 'wlan0' },
        ],
        out,
      );
      // Listening already: the very first packets are in the files.
      await nsExec(net.nodes.get('cn')!.netns, ['ping', '-c', '3', '-i', '0.1', '-W', '2', '2001:db8:0:1::2']);
      const ll = (
        await run(['ip', '-n', net.nodes.get('ar1')!.netns, '-6', '-o', 'addr', 'show', 'dev', 'ap1', 'scope', 'link'])
      ).stdout;
      const ar1ll = /inet6 (fe80::[0-9a-f:]+)/.exec(ll)![1]!;
      const mnNs = net.nodes.get('mn')!.netns;
      const received = (r: { stdout: string }) => Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
      const before = received(await nsExec(mnNs, ['ping', '-c', '2', '-i', '0.1', '-W', '2', `${ar1ll}%wlan0`]));
      await detach(lab.name, 'mn');
      await new Promise((r) => setTimeout(r, 100));
      await attach(lab.name, 'mn', 'ap1');
      const after = received(await nsExec(mnNs, ['ping', '-c', '2', '-i', '0.1', '-W', '2', `${ar1ll}%wlan0`]));
      expect(before).toBeGreaterThan(0);
      expect(after).toBeGreaterThan(0);
      const results = await stopCaptures(caps);
      expect(results.map((r) => path.basename(r.file)).sort()).toEqual(['cn-eth1.pcap', 'mn-wlan0.pcap']);
      for (const r of results) expect(statSync(r.file).size).toBeGreaterThan(24);

      const echo = await run([
        'tshark',
        '-r',
        path.join(out, 'pcap', 'cn-eth1.pcap'),
        '-Y',
        'icmpv6.type == 128',
        '-T',
        'fields',
        '-e',
        'ipv6.dst',
      ]);
      expect(echo.stdout.trim().split('\n')).toEqual(Array(3).fill('2001:db8:0:1::2'));
      // The radio's capture went on through the detach: every echo reply ping saw, before and after.
      const radio = await run([
        'tshark',
        '-r',
        path.join(out, 'pcap', 'mn-wlan0.pcap'),
        '-Y',
        'icmpv6.type == 129',
        '-T',
        'fields',
        '-e',
        'frame.time_epoch',
      ]);
      expect(radio.stdout.trim().split('\n')).toHaveLength(before + after);
      // Nanosecond timestamps (pcap magic 0xa1b23c4d).
      const capinfos = await run(['capinfos', '-M', path.join(out, 'pcap', 'cn-eth1.pcap')]);
      expect(capinfos.stdout).toMatch(/nanoseconds/);
    } finally {
      await downNetwork(net);
    }
  });

  test("a capture on a missing interface fails with tcpdump's reason, and leaves nothing running", async () => {
    const lab = emptyLab(uniqueLabName());
    labs.push(lab.name);
    addNode(lab, 'a');
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-cap-'));
    dirs.push(out);
    const net = await upNetwork(lab, new NetnsRuntime());
    try {
      await expect(startCaptures(lab.name, [{ node: 'a', iface: 'nope0' }], out)).rejects.toThrow(/nope0/);
    } finally {
      await downNetwork(net);
    }
  });
});
