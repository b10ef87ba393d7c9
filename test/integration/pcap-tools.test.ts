// Our capture reader and frame decoder against the tools: captures written live by tcpdump (three
// link types, micro- and nanosecond pcap), by tshark (pcapng), converted by editcap, and built by
// text2pcap, each read by us and by tshark, frame by frame. Then frames we build (tunnelled flow,
// Mobility Header, ICMPv6) as tshark dissects them.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../src/analysis/frames.js';
import { readCapture, writePcap } from '../../src/analysis/pcap/read.js';
import { ether, flowIpv6, frame, tunnel, upperPacket } from '../../src/analysis/testing/packets.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'tcpdump', 'tshark', 'editcap', 'text2pcap'] });
const id = randomBytes(3).toString('hex');
const NS = `tpc${id}`;
const dir = mkdtempSync(join(tmpdir(), `pcap-tools-${id}-`));
const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function epochNs(s: string): bigint {
  const [sec, frac = ''] = s.split('.');
  return BigInt(sec!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
}

/** tshark's reading: per frame [time ns, cap_len, len, udp payload hex or ''] */
function tsharkRows(file: string): [bigint, number, number, string][] {
  return sh('tshark', [
    '-r',
    file,
    '-T',
    'fields',
    '-e',
    'frame.time_epoch',
    '-e',
    'frame.cap_len',
    '-e',
    'frame.len',
    '-e',
    'udp.payload',
  ])
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, c, n, p] = l.split('\t');
      return [epochNs(t!), Number(c), Number(n), p ?? ''];
    });
}

async function compare(file: string, flowPackets: number): Promise<void> {
  const ours = await readCapture(file);
  const theirs = tsharkRows(file);
  expect(ours.length).toBe(theirs.length);
  ours.forEach((f, i) => {
    expect([f.timestampNs, f.capturedLength, f.originalLength]).toEqual(theirs[i]!.slice(0, 3));
  });
  const { frames, stats } = decodeFrames(ours);
  expect(stats.malformed).toBe(0);
  const flows = frames.filter((f) => f.flow);
  expect(flows.length).toBe(flowPackets);
  for (const f of flows) {
    const row = theirs[f.index]!;
    expect(row[3].slice(32, 48)).toBe(f.flow!.sendNs.toString(16).padStart(16, '0'));
  }
}

describe.skipIf(skip)('captures written by tcpdump, tshark, editcap and text2pcap', () => {
  beforeAll(async () => {
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    const caps = [
      ['tcpdump', '-i', 'lo', '--immediate-mode', '-U', '-w', join(dir, 'eth.pcap'), 'udp', 'port', '9000'],
      [
        'tcpdump',
        '-i',
        'any',
        '-y',
        'LINUX_SLL',
        '--immediate-mode',
        '-U',
        '-w',
        join(dir, 'sll.pcap'),
        'udp',
        'port',
        '9000',
      ],
      [
        'tcpdump',
        '-i',
        'any',
        '-y',
        'LINUX_SLL2',
        '--time-stamp-precision=nano',
        '--immediate-mode',
        '-U',
        '-w',
        join(dir, 'sll2.pcap'),
        'udp',
        'port',
        '9000',
      ],
      ['tshark', '-i', 'lo', '-F', 'pcapng', '-w', join(dir, 'tshark.pcapng'), '-f', 'udp port 9000'],
    ].map((args) => {
      const c = spawn('ip', ['netns', 'exec', NS, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr!.on('data', (d: Buffer) => (err += d));
      return { c, ready: () => /listening on|Capturing on/.test(err), exit: new Promise((r) => c.on('exit', r)) };
    });
    const t = Date.now();
    while (!caps.every((c) => c.ready())) {
      if (Date.now() - t > 20_000) throw new Error('captures did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Ten flow packets to ::1, 20 ms apart, from a node one-liner (no build needed).
    const script = `
      import dgram from 'node:dgram';
      const s = dgram.createSocket('udp6');
      let n = 0;
      const t = setInterval(() => {
        const b = Buffer.alloc(64);
        b.writeUInt32BE(0x4d4c4650, 0); b[4] = 1; b.writeUInt16BE(24, 6); b.writeUInt32BE(5, 8); b.writeUInt32BE(n, 12);
        b.writeBigUInt64BE(BigInt(Date.now()) * 1000000n, 16);
        s.send(b, 9000, '::1');
        if (++n === 10) { clearInterval(t); setTimeout(() => s.close(), 50); }
      }, 20);`;
    sh('ip', ['netns', 'exec', NS, 'node', '--input-type=module', '-e', script]);
    await new Promise((r) => setTimeout(r, 500));
    for (const c of caps) c.c.kill('SIGTERM');
    await Promise.all(caps.map((c) => c.exit));
    sh('editcap', ['-F', 'pcapng', join(dir, 'eth.pcap'), join(dir, 'eth-editcap.pcapng')]);
    sh('editcap', ['-F', 'nsecpcap', join(dir, 'eth.pcap'), join(dir, 'eth-editcap-ns.pcap')]);
    // text2pcap: a hex dump of one raw IPv6 flow packet.
    const pkt = flowIpv6({ flowId: 9, seq: 1, sendNs: 0x0102030405060708n });
    const dump = `${(pkt.toString('hex').match(/.{1,32}/g) ?? []).map((l, i) => `${(i * 16).toString(16).padStart(6, '0')} ${l.match(/../g)!.join(' ')}`).join('\n')}\n`;
    writeFileSync(join(dir, 'dump.txt'), dump);
    sh('text2pcap', ['-q', '-l', '101', '-F', 'pcapng', join(dir, 'dump.txt'), join(dir, 'text2pcap.pcapng')]);
    sh('text2pcap', ['-q', '-l', '229', '-F', 'pcap', join(dir, 'dump.txt'), join(dir, 'text2pcap.pcap')]);
  }, 120_000);

  afterAll(() => {
    try {
      for (const p of sh('ip', ['netns', 'pids', NS]).split('\n').filter(Boolean)) process.kill(Number(p), 'SIGKILL');
      sh('ip', ['netns', 'del', NS]);
    } catch {
      /* gone */
    }
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [file, n] of [
    ['eth.pcap', 10],
    ['sll.pcap', 10],
    ['sll2.pcap', 10],
    ['tshark.pcapng', 10],
    ['eth-editcap.pcapng', 10],
    ['eth-editcap-ns.pcap', 10],
    ['text2pcap.pcapng', 1],
    ['text2pcap.pcap', 1],
  ] as const) {
    it(`${file}: same frames and times as tshark, every flow packet found`, async () => {
      await compare(join(dir, file), n);
    });
  }

  it('decodes tunnels, Mobility Header and ICMPv6 as tshark does', async () => {
    const inner = flowIpv6({ flowId: 3, seq: 77, sendNs: 5n }, '2001:db8:c::1', '2001:db8:b::5');
    const bu = upperPacket(
      135,
      Buffer.from('3b01050000000000' + '0001000000000000', 'hex'),
      '2001:db8:a2::5',
      '2001:db8:4a::1',
    );
    const rtsolpr = upperPacket(58, Buffer.from('9a00000002000001', 'hex'), '2001:db8:a2::5', '2001:db8:a2::1');
    const file = join(dir, 'built.pcap');
    writeFileSync(
      file,
      writePcap(
        [
          frame(ether(tunnel(inner, '2001:db8:4a::1', '2001:db8:a2::5')), 1n),
          frame(ether(bu), 2n),
          frame(ether(rtsolpr), 3n),
        ],
        { linkType: 1 },
      ),
    );
    const ts = sh('tshark', [
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'occurrence=l',
      '-e',
      'ipv6.src',
      '-e',
      'ipv6.dst',
      '-e',
      'udp.dstport',
      '-e',
      'mip6.mhtype',
      '-e',
      'icmpv6.type',
    ])
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const { frames } = decodeFrames(await readCapture(file));
    const ours = frames.map((f) => [
      f.inner.header.src,
      f.inner.header.dst,
      f.upper.kind === 'udp' ? String(f.upper.dstPort) : '',
      f.upper.kind === 'mh' ? String(f.upper.mhType) : '',
      f.upper.kind === 'icmpv6' ? String(f.upper.type) : '',
    ]);
    expect(ours).toEqual(ts);
    expect(frames[0]!.flow?.seq).toBe(77);
  });
});
