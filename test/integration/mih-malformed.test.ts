// 10,000 malformed MIH messages at the MoS of topologies/mih.yaml: 5,000 over UDP 4551 (in batches of
// 50, each closed by a good request the MoS must answer) and 5,000 over
// one TLS connection (a certificate from the run's CA), each one a frame whose payload length is
// right but whose content is not an MIH message (a TLV cut short, a missing MIHF ID, a fragment, a
// bad length coding, a bad value in a typed body). Every one is counted and dropped; the MoS stays up,
// keeps the TLS connection and answers the next request on it and over UDP; the mobile node's
// registration is untouched and no agent reports a bug.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendControl } from '../../src/agent/control-client.js';
import { Lab } from '../../src/lab/lab.js';
import { controlSocketPath } from '../../src/lab/names.js';
import { issueCertificate } from '../../src/lab/pki.js';
import { decode, encode, type MihFrame } from '../../src/wire/mih/message.js';
import { uniqueLabName } from '../support/lab-names.js';
import { leftovers } from '../support/leftovers.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'kea-dhcp6', 'named', 'tcpdump', 'openssl'] });
const N = 5000;

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` frames of valid length that the MIH decoder refuses, from good messages broken five ways. */
function malformed(n: number, seed: number, source: string, mos: string): Buffer[] {
  const rnd = prng(seed);
  const base = (tid: number): MihFrame[] => [
    {
      ackReq: false,
      ackRsp: false,
      transactionId: tid,
      source,
      destination: mos,
      body: { kind: 'capability-discover-request' },
    },
    {
      ackReq: false,
      ackRsp: false,
      transactionId: tid,
      source,
      destination: mos,
      body: {
        kind: 'register-request',
        linkIdentifiers: [{ linkType: 19, address: { kind: 'mac', mac: '02:00:00:00:00:01' } }],
        requestCode: 0,
      },
    },
    {
      ackReq: false,
      ackRsp: false,
      transactionId: tid,
      source,
      destination: mos,
      body: { kind: 'get-information-request', queries: [[0x10000200]] },
    },
  ];
  const withLength = (b: Buffer) => {
    b.writeUInt16BE(b.length - 8, 6);
    return b;
  };
  const out: Buffer[] = [];
  while (out.length < n) {
    const good = encode(base(1 + Math.floor(rnd() * 4000))[Math.floor(rnd() * 3)]!);
    const how = out.length % 5;
    let b: Buffer;
    if (how === 0)
      b = withLength(Buffer.from(good.subarray(0, 8 + 1 + Math.floor(rnd() * (good.length - 10))))); // a TLV cut short
    else if (how === 1)
      b = withLength(Buffer.concat([good.subarray(0, 8), good.subarray(8 + 2 + good[9]!)])); // no Source MIHF ID
    else if (how === 2) {
      b = Buffer.from(good);
      b[0] = b[0]! | 0x01; // M (more fragments): no fragmentation over IP
    } else if (how === 3) {
      b = Buffer.from(good);
      b[9] = 0x85; // a length coding of 5 extra octets
    } else {
      b = Buffer.from(good);
      b[b.length - 1 - Math.floor(rnd() * 4)] = 0xff; // a bad value at the end of the typed body
    }
    if (!decode(b).ok) out.push(b);
  }
  return out;
}

const SENDER = `
const dgram = require('node:dgram'); const tls = require('node:tls'); const fs = require('node:fs');
const [mos, dir, udpFile, tcpFile, goodUdp, goodTcp] = process.argv.slice(1);
const f = (n) => fs.readFileSync(dir + '/' + n);
const frames = (file) => fs.readFileSync(file, 'utf8').split('\\n').filter(Boolean).map((h) => Buffer.from(h, 'hex'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const s = dgram.createSocket('udp6');
  const udp = frames(udpFile);
  // In batches of 50, each followed by a good request whose answer says the MoS has read the batch
  // (one socket, in order), so no datagram is lost in a full receive buffer on a loaded machine.
  const barrier = Buffer.from(goodUdp, 'hex');
  for (let i = 0; i < udp.length; i += 50) {
    for (const b of udp.slice(i, i + 50)) s.send(b, 4551, mos);
    barrier.writeUInt16BE(0x0800 + i / 50, 4);
    const ok = await new Promise((r) => { const t = setTimeout(() => r(false), 3000);
      s.once('message', () => { clearTimeout(t); r(true); }); s.send(barrier, 4551, mos); });
    if (!ok) throw new Error('no answer after batch ' + i / 50);
  }
  const c = tls.connect({ host: mos, port: 4551, ca: f('ca.pem'), cert: f('probe.pem'), key: f('probe.key'),
    checkServerIdentity: () => undefined });
  await new Promise((r, j) => { c.once('secureConnect', r); c.once('error', j); });
  c.setNoDelay(true);
  for (const b of frames(tcpFile)) if (!c.write(b)) await new Promise((r) => c.once('drain', r));
  await sleep(500);
  const answer = (send) => new Promise((r) => { const t = setTimeout(() => r(false), 3000); send(() => { clearTimeout(t); r(true); }); });
  const tcpOk = await answer((done) => { c.once('data', done); c.write(Buffer.from(goodTcp, 'hex')); });
  const udpOk = await answer((done) => { s.once('message', done); s.send(Buffer.from(goodUdp, 'hex'), 4551, mos); });
  console.log(JSON.stringify({ tcpOk, udpOk, tlsOpen: !c.destroyed }));
  process.exit(0);
})().catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });`;

describe.skipIf(missing)('MIH: 10,000 malformed messages at the MoS over UDP and TLS', () => {
  it('counts and drops every one, and the MoS answers on', async () => {
    const name = uniqueLabName('mbad');
    const base = mkdtempSync(path.join(tmpdir(), 'mlab-mihbad-'));
    const out = path.join(base, name);
    const lab = await Lab.up(path.resolve('topologies/mih.yaml'), { name, outDir: out });
    const tlsDir = path.join(out, 'tls');
    const probeId = `probe.${name}.mih`;
    const mosId = `mos.${name}.mih`;
    let result: Record<string, unknown> = {};
    let counters: Record<string, number> = {};
    let mihf: { phase?: string; error?: string } = {};
    let bugs = -1;
    const t0 = performance.now();
    let sendMs = 0;
    try {
      await issueCertificate(
        { dir: tlsDir, cert: path.join(tlsDir, 'ca.pem'), key: path.join(tlsDir, 'ca.key') },
        { name: probeId, file: 'probe' },
      );
      const { writeFileSync } = await import('node:fs');
      const udpFile = path.join(base, 'udp.hex');
      const tcpFile = path.join(base, 'tcp.hex');
      writeFileSync(
        udpFile,
        malformed(N, 1, probeId, mosId)
          .map((b) => b.toString('hex'))
          .join('\n'),
      );
      writeFileSync(
        tcpFile,
        malformed(N, 2, probeId, mosId)
          .map((b) => b.toString('hex'))
          .join('\n'),
      );
      const good = (tid: number) =>
        encode({
          ackReq: false,
          ackRsp: false,
          transactionId: tid,
          source: probeId,
          destination: mosId,
          body: { kind: 'capability-discover-request' },
        }).toString('hex');
      const running = lab.run();
      const status = async (node: string) =>
        (await sendControl(controlSocketPath(name, node), { op: 'status' }, 2000)) as unknown as {
          status: {
            state: Record<string, Record<string, unknown>>;
            counters: Record<string, Record<string, number>>;
            bugs: { count: number };
          };
        };
      for (let i = 0; i < 100 && (await status('mn')).status.state.mihf!.phase !== 'informed'; i++)
        await new Promise((r) => setTimeout(r, 100));
      const mosAddr = lab.lab.nodes.find((n) => n.name === 'mos')!.interfaces[0]!.addresses[0]!.split('/')[0]!;
      const t = performance.now();
      const r = await lab
        .node('mn')
        .exec([process.execPath, '-e', SENDER, mosAddr, tlsDir, udpFile, tcpFile, good(4001), good(4002)], {
          timeoutMs: 60_000,
        });
      sendMs = performance.now() - t;
      result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
      await running;
      const ms = await status('mos');
      counters = ms.status.counters.mos!;
      bugs = ms.status.bugs.count;
      mihf = (await status('mn')).status.state.mihf as typeof mihf;
    } finally {
      await lab.down();
    }
    expect(leftovers(name)).toEqual([]);
    console.log(
      `10,000 malformed MIH messages sent in ${Math.round(sendMs)} ms; test ${Math.round(performance.now() - t0)} ms`,
    );

    expect(result).toEqual({ tcpOk: true, udpOk: true, tlsOpen: true });
    const sum = (prefix: string) =>
      Object.entries(counters)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((n, [, v]) => n + v, 0);
    expect(sum('mih.udp.malformed.')).toBe(N);
    expect(sum('mih.tcp.malformed.')).toBe(N);
    // Only the good requests were handled: the mobile node's and the probe's one per transport.
    expect(counters['mih.udp.received.capability-discover-request']).toBe(1 + N / 50 + 1); // mn's, the barriers, the last
    expect(counters['mih.tcp.received.capability-discover-request']).toBe(1);
    expect(counters['mih.tcp.received.register-request']).toBe(1);
    expect(bugs).toBe(0);
    expect(mihf.error).toBeUndefined();
    expect(mihf.phase).toBe('informed');
  }, 180_000);
});
