// Service nodes: real kea-dhcp6 and named started inside the lab from the topology, really queried
// (their own logs show the queries), stopped with nothing left; a daemon that cannot start fails `up`
// with its own error lines.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src/lab/lab.js';
import { mosOptionData } from '../../src/lab/services/kea.js';
import type { ResolvedLab } from '../../src/lab/topology/types.js';
import { decode } from '../../src/wire/dhcpv6/message.js';
import { cli } from '../support/cli.js';
import { uniqueLabName } from '../support/lab-names.js';
import { leftovers } from '../support/leftovers.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'kea-dhcp6', 'named', 'dig'] });
const MIH = path.resolve('topologies/mih.yaml');

// An Information-request with an ORO for 54 and 55 (RFC 5678 §6.2.1), resent every 300 ms until a
// Reply comes; prints the Reply in hex.
const CLIENT = `
const dgram = require('node:dgram');
const [iface, hex] = process.argv.slice(1);
const s = dgram.createSocket({ type: 'udp6' });
s.on('message', (d) => { if (d[0] === 7) { console.log(d.toString('hex')); process.exit(0); } });
s.bind(546, '::', () => {
  let n = 0;
  const send = () => { if (n++ > 30) process.exit(2); s.send(Buffer.from(hex, 'hex'), 547, 'ff02::1:2%' + iface); };
  send(); setInterval(send, 300);
});`;

function outDir(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'mlab-svc-')), name);
}

describe.skipIf(missing)('service nodes: Kea DHCPv6 and BIND 9', () => {
  it('serve the lab their generated data, log the queries, and leave nothing behind', async () => {
    const name = uniqueLabName('svc');
    const out = outDir(name);
    // Without the mobile node's MIH function: this test is the DHCPv6 client.
    const spec = await Lab.load(MIH);
    const mn = spec.nodes.find((n) => n.name === 'mn')!;
    mn.roles = mn.roles.filter((r) => r !== 'mihf');
    const lab = await Lab.up(spec, { name, outDir: out });
    try {
      await lab.l2.attach('mn', 'ap1');
      const radio0 = spec.nodes.find((n) => n.name === 'mn')!.interfaces.find((i) => i.kind === 'radio')!.name;
      // SLAAC after the attach: the DNS queries below need a global source address.
      for (let t = 0; t < 100; t++) {
        const a = await lab.node('mn').exec(['ip', '-6', '-o', 'addr', 'show', 'dev', radio0, 'scope', 'global']);
        if (a.stdout.includes('inet6') && !a.stdout.includes('tentative')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const node = (n: string) => lab.lab.nodes.find((x) => x.name === n)!;
      const dnsAddr = node('dns').interfaces[0]!.addresses[0]!.split('/')[0]!;
      const mosAddr = node('mos').interfaces[0]!.addresses[0]!.split('/')[0]!;
      const radio = node('mn').interfaces.find((i) => i.kind === 'radio')!.name;

      // DNS: the NAPTR, SRV and AAAA records of RFC 5679 from named.
      const dig = async (...q: string[]) =>
        (await lab.node('mn').exec(['dig', '+short', '+tries=3', '+time=1', `@${dnsAddr}`, ...q])).stdout.trim();
      expect((await dig('mih.example', 'NAPTR')).split('\n')).toContain(
        '10 50 "s" "MIHES+M2T" "" _MIHES._tcp.mih.example.',
      );
      expect(await dig('_MIHES._udp.mih.example', 'SRV')).toBe('0 1 4551 mos1.mih.example.');
      expect(await dig('mos1.mih.example', 'AAAA')).toBe(mosAddr);
      const namedLog = readFileSync(path.join(out, 'logs', 'dns-named.log'), 'utf8');
      expect(namedLog).toMatch(/query: mih\.example IN NAPTR/);
      expect(namedLog).toMatch(/query: _MIHES\._udp\.mih\.example IN SRV/);

      // DHCPv6: Kea answers the Information-request with options 54 and 55 as the lab wrote them.
      const request = Buffer.from('0b123456' + '0006000400360037' + '000800020000', 'hex').toString('hex');
      const r = await lab.node('mn').exec([process.execPath, '-e', CLIENT, radio, request], { timeoutMs: 20_000 });
      const reply = decode(Buffer.from(r.stdout.trim(), 'hex'));
      expect(reply.ok).toBe(true);
      if (!reply.ok) return;
      expect(reply.value.msgType).toBe(7);
      expect(reply.value.transactionId).toBe(0x123456);
      const want = mosOptionData(node('ar1').services!['dhcpv6-server']!);
      const opt = (c: number) => reply.value.options.find((o) => o.code === c)?.data.toString('hex');
      expect(opt(54)).toBe(want.addresses);
      expect(opt(55)).toBe(want.domains);
      const keaLog = readFileSync(path.join(out, 'logs', 'ar1-kea-dhcp6.log'), 'utf8');
      expect(keaLog).toMatch(
        /DHCP6_BUFFER_RECEIVED received buffer from fe80::[0-9a-f:]+:546 to ff02::1:2:0 over interface ap1/,
      );
      expect(keaLog).toMatch(/DHCP6_PACKET_SEND .*tid=0x123456: trying to send packet REPLY \(type 7\)/);
      // The configurations stay with the run's output.
      expect(JSON.parse(readFileSync(path.join(out, 'services', 'ar1', 'kea-dhcp6.json'), 'utf8')).Dhcp6).toBeTruthy();
      expect(readFileSync(path.join(out, 'services', 'dns', 'mih.example.zone'), 'utf8')).toContain('NAPTR');
    } finally {
      await lab.down();
    }
    expect(leftovers(name)).toEqual([]);
  }, 90_000);

  it('a daemon that cannot start fails up with its own error lines, and up leaves nothing', async () => {
    const base = await Lab.load(MIH);
    const withNode = (n: string, f: (node: ResolvedLab['nodes'][number]) => void): ResolvedLab => {
      const lab = structuredClone(base);
      f(lab.nodes.find((x) => x.name === n)!);
      return lab;
    };
    // Kea: an interface that does not exist is its configuration error.
    const kea = withNode('ar1', (n) => {
      n.services!['dhcpv6-server']!.interfaces = [{ name: 'nosuch0', prefix: '2001:db8::/64' }];
    });
    const n1 = uniqueLabName('svk');
    await expect(Lab.up(kea, { name: n1, outDir: outDir(n1) })).rejects.toThrow(
      /kea-dhcp6 of ar1 exited with \d+; see \S+ar1-kea-dhcp6\.log\n {2}.*ERROR.*nosuch0/,
    );
    expect(leftovers(n1)).toEqual([]);
    // named: a zone it cannot load (an SRV target that is no domain name).
    const named = withNode('dns', (n) => {
      n.services!['dns-server']!.zones[0]!.hosts.push({ label: 'mos1', address: '2001:db8::1' });
      n.services!['dns-server']!.zones[0]!.mos[0]!.host = 'bad..label';
    });
    const n2 = uniqueLabName('svn');
    await expect(Lab.up(named, { name: n2, outDir: outDir(n2) })).rejects.toThrow(
      /named of dns failed to start; see \S+dns-named\.log\n(?: {2}.*\n)* {2}.*not loaded due to errors/,
    );
    expect(leftovers(n2)).toEqual([]);
  }, 90_000);

  it('daemons started by `up` are stopped by `down` from another process', async () => {
    const name = uniqueLabName('svd');
    const out = outDir(name);
    const up = await cli(['up', MIH, '--name', name, '--out', out]);
    expect(up.code, up.stderr).toBe(0);
    const daemons = () => leftovers(name).filter((l) => l.startsWith('process') && /kea-dhcp6|named/.test(l)).length;
    expect(daemons()).toBe(2);
    const down = await cli(['down', name]);
    expect(down.code, down.stderr).toBe(0);
    expect(leftovers(name)).toEqual([]);
  }, 90_000);
});
