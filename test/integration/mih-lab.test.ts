// topologies/mih.yaml end to end: Kea and BIND 9 run inside the lab and are really queried (their own
// logs show it); the mobile node's MIH function finds the MoS by DHCPv6 (RFC 5678) and by DNS
// (RFC 5679), discovers its capabilities over UDP 4551 (the lab marks the path trusted) and registers
// over TLS on TCP 4551; tshark decrypts (the run's key log) and decodes the captured exchange;
// everything is stopped with nothing left behind.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendControl } from '../../src/agent/control-client.js';
import { Lab } from '../../src/lab/lab.js';
import { controlSocketPath } from '../../src/lab/names.js';
import { ipv6ToBytes } from '../../src/wire/address.js';
import { encode } from '../../src/wire/mih/message.js';
import { uniqueLabName } from '../support/lab-names.js';
import { leftovers } from '../support/leftovers.js';
import { mihFrameErrors, mihShark } from '../support/mih-tshark.js';
import { checkPrereqs } from '../support/prereq.js';
import { FRAME_CHECK_FIELDS } from '../support/tshark.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'kea-dhcp6', 'named', 'tshark', 'tcpdump'] });
const MIH = path.resolve('topologies/mih.yaml');

interface MihfStatus {
  phase: string;
  error?: string;
  dhcp?: { addresses: Record<string, string[]>; domains: Record<string, string[]>; dnsServers: string[] };
  dns?: { address: string; port: number; transport: string; srv: string; target: string };
  capability?: {
    mos: string;
    mosMihfId: string;
    status: number;
    transports: number[];
    ackRsp: boolean;
    attempts: number;
  };
  registration?: { mos: string; port: number; status: number; validTimeInterval?: number };
  information?: { status: number; networks: unknown[] };
}

describe.skipIf(missing)('MIH lab: MoS discovery by DHCPv6 and DNS, capability discovery and registration', () => {
  it('runs with real Kea and BIND 9, both ways find the MoS, tshark reads it all, nothing is left', async () => {
    const name = uniqueLabName('mih');
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'mlab-mih-')), name);
    const lab = await Lab.up(MIH, { name, outDir: out });
    let mihf: MihfStatus | undefined;
    const node = (n: string) => lab.lab.nodes.find((x) => x.name === n)!;
    const addr = (n: string) => node(n).interfaces[0]!.addresses[0]!.split('/')[0]!;
    let mosCounters: Record<string, number> = {};
    let mosState: { mihfId: string; registrations: { mihfId: string; count: number }[] } | undefined;
    try {
      // The MoS's first UDP 4551 datagram is lost, so the MN's Capability_Discover request goes again
      // after TMO, 3 s (RFC 5677 §6.3). tcpdump sees it before the filter drops it. The quota (nft_quota:
      // match while the bytes counted, this packet's included, stay below it) takes one packet of 75..149 octets.
      await lab.node('mos').exec(['nft', '-f', '-'], {
        input:
          'table ip6 mihloss { chain in { type filter hook input priority 0; udp dport 4551 quota until 150 bytes drop; }; }\n',
      });
      const result = await lab.run();
      expect(result.passed, JSON.stringify(result.results.expectations)).toBe(true);
      const st = (await sendControl(controlSocketPath(name, 'mn'), { op: 'status' }, 2000)) as unknown as {
        status: { state: { mihf: MihfStatus } };
      };
      mihf = st.status.state.mihf;
      const ms = (await sendControl(controlSocketPath(name, 'mos'), { op: 'status' }, 2000)) as unknown as {
        status: { state: { mos: typeof mosState } };
      };
      mosState = ms.status.state.mos;
      // Garbage at the MoS: a 5-octet datagram, a frame without its MIHF IDs, plain TCP where TLS is
      // due, a frame cut short inside TLS (with mn's certificate); then a good request, still answered.
      const mos = addr('mos');
      const good = encode({
        ackReq: false,
        ackRsp: false,
        transactionId: 99,
        source: 'probe.lab',
        destination: 'x',
        body: { kind: 'capability-discover-request' },
      }).toString('hex');
      const script = `
        const dgram = require('node:dgram'); const net = require('node:net'); const tls = require('node:tls');
        const fs = require('node:fs');
        const [mos, good, dir] = process.argv.slice(1);
        const f = (n) => fs.readFileSync(dir + '/' + n);
        const s = dgram.createSocket('udp6');
        s.on('message', () => { console.log('answered'); process.exit(0); });
        s.send(Buffer.from('0102030405', 'hex'), 4551, mos);
        s.send(Buffer.from('1000140100630003030100', 'hex'), 4551, mos);
        const p = net.connect({ host: mos, port: 4551 }, () => p.end(Buffer.from('1000140100630010', 'hex')));
        p.on('error', () => {});
        p.on('close', () => {
          const c = tls.connect({ host: mos, port: 4551, ca: f('ca.pem'), cert: f('mn.pem'), key: f('mn.key'),
            checkServerIdentity: () => undefined }, () => c.end(Buffer.from('1000140100630010', 'hex')));
          c.on('error', () => {});
          c.on('close', () => setTimeout(() => s.send(Buffer.from(good, 'hex'), 4551, mos), 100));
        });
        setTimeout(() => process.exit(2), 5000);`;
      const r = await lab
        .node('mn')
        .exec([process.execPath, '-e', script, mos, good, path.join(out, 'tls')], { timeoutMs: 10_000 });
      expect(r.stdout.trim()).toBe('answered');
      const after = (await sendControl(controlSocketPath(name, 'mos'), { op: 'status' }, 2000)) as unknown as {
        status: { counters: { mos: Record<string, number> } };
      };
      mosCounters = after.status.counters.mos;
    } finally {
      await lab.down();
    }
    expect(leftovers(name)).toEqual([]);

    // Both ways lead to the same MoS.
    expect(mihf?.error).toBeUndefined();
    expect(mihf?.phase).toBe('informed');
    expect(mihf?.dhcp).toEqual({
      addresses: { IS: [addr('mos')], CS: [addr('mos')], ES: [addr('mos')] },
      domains: { IS: ['mih.example'], CS: ['mih.example'], ES: ['mih.example'] },
      dnsServers: [addr('dns')],
      problems: [],
    });
    expect(mihf?.dns).toMatchObject({
      address: addr('mos'),
      port: 4551,
      transport: 'tcp',
      srv: '_MIHES._tcp.mih.example',
      target: 'mos1.mih.example',
    });
    expect(mihf?.capability).toMatchObject({
      mos: addr('mos'),
      mosMihfId: `mos.${name}.mih`,
      status: 0,
      transports: [0, 1],
      ackRsp: true,
      attempts: 2,
    });
    expect(mihf?.registration).toEqual({ mos: addr('mos'), port: 4551, status: 0, validTimeInterval: 3600 });
    // The Information Service lists the lab's points of attachment: ar1's two APs, their BSSIDs and
    // prefixes and ar1's address on each cell, as the resolved topology has them.
    const ar1 = node('ar1');
    expect(mihf?.information).toEqual({
      status: 0,
      octets: expect.any(Number),
      networks: [
        {
          networkId: 'ar1',
          poas: lab.lab.aps.map((ap) => ({
            linkAddress: ap.bssid,
            prefix: ap.prefix,
            routerAddress: ar1.interfaces.find((i) => i.name === ap.routerIface)!.addresses[0]!.split('/')[0],
          })),
        },
      ],
    });
    expect(mosState?.registrations).toEqual([
      { mihfId: `mn.${name}.mih`, peer: expect.stringMatching(/^\[.+\]:\d+$/), count: 1 },
    ]);

    // The daemons' own logs show the queries.
    const kea = readFileSync(path.join(out, 'logs', 'ar1-kea-dhcp6.log'), 'utf8');
    expect(kea).toMatch(
      /DHCP6_BUFFER_RECEIVED received buffer from fe80::[0-9a-f:]+:546 to ff02::1:2:0 over interface ap1/,
    );
    expect(kea).toMatch(/DHCP6_PACKET_SEND .*trying to send packet REPLY \(type 7\)/);
    const named = readFileSync(path.join(out, 'logs', 'dns-named.log'), 'utf8');
    expect(named).toMatch(/query: mih\.example IN NAPTR/);
    expect(named).toMatch(/query: _MIHES\._tcp\.mih\.example IN SRV/);

    // tshark: the MoS's capture holds the MIH exchange on 4551, UDP and TLS over TCP, every frame
    // decoded; the TLS records decrypted with the run's key log. Without it no MIH shows on TCP.
    const pcaps = readdirSync(path.join(out, 'pcap'));
    const mosPcap = path.join(out, 'pcap', pcaps.find((f) => f.startsWith('mos-'))!);
    expect(mihShark(mosPcap, 'mih && tcp', ['frame.number'])).toEqual([]);
    const mih = mihShark(
      mosPcap,
      'mih',
      [
        'mih.mid',
        'mih.tid',
        'frame.time_relative',
        'mih.acq_req',
        'mih.acq_resp',
        'udp.port',
        'tcp.port',
        ...FRAME_CHECK_FIELDS,
      ],
      path.join(out, 'tls', 'keylog.txt'),
    );
    for (const f of mih) expect(mihFrameErrors(f)).toEqual([]);
    const mids = mih.map((f) => `${Number(f['mih.mid']).toString(16)}/${f['udp.port'] ? 'udp' : 'tcp'}`);
    expect(mids).toEqual(['1401/udp', '1401/udp', '1801/udp', '1402/tcp', '1802/tcp', '4401/tcp', '4801/tcp']);
    expect(mih[0]!['mih.acq_req']).toBe('1');
    expect(mih[2]!['mih.acq_resp']).toBe('1');
    // The retransmission is the same request (same TID), TMO after the first.
    expect(mih[1]!['mih.tid']).toBe(mih[0]!['mih.tid']);
    const gap = Number(mih[1]!['frame.time_relative']) - Number(mih[0]!['frame.time_relative']);
    expect(gap).toBeGreaterThan(2.9);
    expect(gap).toBeLessThan(3.5);
    // The radio's capture: the Information-request asks for 54 and 55; the Reply carries them with the lab's bytes.
    const mnPcap = path.join(out, 'pcap', pcaps.find((f) => f.startsWith('mn-'))!);
    const ir = mihShark(mnPcap, 'dhcpv6.msgtype == 11', ['dhcpv6.requested_option_code']);
    expect(ir.length).toBeGreaterThan(0);
    expect(ir[0]!['dhcpv6.requested_option_code']!.split(',')).toEqual(['23', '54', '55']);
    // The SRV answer carries the target's AAAA in its additional section, so no AAAA query follows (RFC 5679 §2.2).
    const srv = mihShark(mnPcap, 'dns.flags.response == 1 && dns.srv.port == 4551', ['dns.srv.target', 'dns.aaaa']);
    expect(srv.length).toBeGreaterThan(0);
    expect(srv[0]!['dns.srv.target']!.split(',')).toContain('mos1.mih.example');
    expect(srv[0]!['dns.aaaa']!.split(',')).toContain(addr('mos'));
    expect(mihShark(mnPcap, 'dns.qry.type == 35', ['dns.qry.name'])[0]).toEqual({ 'dns.qry.name': 'mih.example' });
    const reply = mihShark(mnPcap, 'dhcpv6.msgtype == 7 && dhcpv6.option.type == 54 && dhcpv6.option.type == 55', [
      'dhcpv6.option.length',
      'dhcpv6.option.type',
    ]);
    expect(reply.length).toBeGreaterThan(0);
    // tshark does not split the MoS options: match their bytes, laid out by hand from RFC 5678 §4-5
    // (sub-option code ES = 3 and length, 2 octets each; the domain in DNS label form).
    const colons = (hex: string) => hex.match(/../g)!.join(':');
    const es54 = `00030010${ipv6ToBytes(addr('mos')).toString('hex')}`;
    const es55 = `0003000d036d696807${Buffer.from('example').toString('hex')}00`;
    expect(
      mihShark(mnPcap, `dhcpv6.msgtype == 7 && dhcpv6 contains ${colons(es54)}`, ['frame.number']).length,
    ).toBeGreaterThan(0);
    expect(
      mihShark(mnPcap, `dhcpv6.msgtype == 7 && dhcpv6 contains ${colons(es55)}`, ['frame.number']).length,
    ).toBeGreaterThan(0);
    // Bad input to the MoS was counted and dropped; the MoS answered on.
    expect(mosCounters['mih.udp.malformed.truncated']).toBe(1);
    expect(mosCounters['mih.udp.malformed.bad-value']).toBe(1);
    expect(mosCounters['mih.tcp.malformed.truncated']).toBe(1);
    const refused = Object.entries(mosCounters).filter(([k]) => k.startsWith('mih.tls.refused.'));
    expect(refused.map(([, n]) => n)).toEqual([1]); // the plain TCP connection
    expect(mosCounters['mih.udp.received.capability-discover-request']).toBe(2); // the MN's retransmission and the probe
  }, 120_000);
});
