// MIH over TLS (docs/mih.md, "Security") on topologies/mih.yaml without the trusted-UDP marks: the
// MoS listens on TLS only, the mobile node discovers capabilities and registers over TLS. A probe in
// the mobile node's namespace keeps one valid TLS connection (a certificate from the run's CA) and,
// between its requests, tries clients without a certificate, with an expired one, and with one from
// another CA: each is refused at the handshake and the valid client is answered throughout. A
// message whose Source MIHF ID is not the one the probe's certificate names is dropped. tshark
// decrypts the capture with the run's key log and decodes every MIH message inside TLS.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendControl } from '../../src/agent/control-client.js';
import { Lab } from '../../src/lab/lab.js';
import { controlSocketPath } from '../../src/lab/names.js';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/pki.js';
import { encode } from '../../src/wire/mih/message.js';
import { uniqueLabName } from '../support/lab-names.js';
import { leftovers } from '../support/leftovers.js';
import { mihFrameErrors, mihShark } from '../support/mih-tshark.js';
import { checkPrereqs } from '../support/prereq.js';
import { FRAME_CHECK_FIELDS } from '../support/tshark.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'kea-dhcp6', 'named', 'tshark', 'tcpdump', 'openssl', 'ss'] });

/** Runs in mn's namespace: argv mos, dir of PEM files, JSON {good: hex[], spoofed: hex}; prints JSON lines. */
const PROBE = `
const tls = require('node:tls'); const fs = require('node:fs');
const [mos, dir, json] = process.argv.slice(1);
const { good, spoofed } = JSON.parse(json);
const f = (n) => fs.readFileSync(dir + '/' + n);
const say = (o) => console.log(JSON.stringify(o));
const opts = (cert, ca) => ({ host: mos, port: 4551, ca: f(ca ?? 'ca.pem'), checkServerIdentity: () => undefined,
  ...(cert ? { cert: f(cert + '.pem'), key: f(cert + '.key') } : {}) });
const valid = tls.connect(opts('probe'));
let waiting;
valid.on('data', (d) => { const w = waiting; waiting = undefined; w?.(d.readUInt16BE(4)); });
const ask = (hex) => new Promise((res) => { waiting = res; valid.write(Buffer.from(hex, 'hex'));
  setTimeout(() => { if (waiting === res) { waiting = undefined; res(null); } }, 1500); });
/** A client that tries to be served: did its request get an answer? */
const bad = (name, cert, ca) => new Promise((res) => {
  const c = tls.connect(opts(cert, ca));
  let answered = false, error = null;
  c.on('secureConnect', () => c.write(Buffer.from(good[0], 'hex')));
  c.on('data', () => { answered = true; });
  c.on('error', (e) => { error = e.code ?? e.message; });
  c.on('close', () => res({ client: name, answered, error }));
  setTimeout(() => c.destroy(), 2000);
});
valid.on('secureConnect', async () => {
  say({ valid: 0, tid: await ask(good[0]) });
  say(await bad('no certificate', undefined));
  say({ valid: 1, tid: await ask(good[1]) });
  say(await bad('expired', 'expired'));
  say({ valid: 2, tid: await ask(good[2]) });
  say(await bad('other CA', 'other/other'));
  say({ valid: 3, tid: await ask(good[3]) });
  say({ spoofed: await ask(spoofed) });
  say({ valid: 4, tid: await ask(good[4]) });
  process.exit(0);
});
valid.on('error', (e) => { say({ validError: e.code ?? e.message }); process.exit(3); });
setTimeout(() => process.exit(2), 20000);`;

describe.skipIf(missing)('MIH over TLS: mutual certificate authentication at the MoS', () => {
  it('refuses clients without a valid certificate, serves the valid one throughout, and tshark decrypts the run', async () => {
    const name = uniqueLabName('mtls');
    const base = mkdtempSync(path.join(tmpdir(), 'mlab-mihtls-'));
    // The same lab, but no path marked trusted: TLS only.
    const yaml = readFileSync('topologies/mih.yaml', 'utf8').replace(
      /^\s+agent: \{ (mos|mihf): \{ trustedUdp: true \} \}.*\n/gm,
      '',
    );
    expect(yaml).not.toMatch(/trustedUdp: true/);
    const file = path.join(base, 'mih-tls-only.yaml');
    writeFileSync(file, yaml);
    const out = path.join(base, name);
    const lab = await Lab.up(file, { name, outDir: out });
    const tlsDir = path.join(out, 'tls');
    const probeId = `probe.${name}.mih`;
    const mosId = `mos.${name}.mih`;
    let lines: Record<string, unknown>[] = [];
    let mihf: Record<string, unknown> | undefined;
    let mos: { counters: Record<string, number>; state: { refused: { code: string }[]; registrations: unknown[] } };
    let udpListeners = '';
    let tcpListeners = '';
    try {
      // Certificates for the probe: one from this run's CA, one expired from it, one from another CA.
      const ca = { dir: tlsDir, cert: path.join(tlsDir, 'ca.pem'), key: path.join(tlsDir, 'ca.key') };
      await issueCertificate(ca, { name: probeId, file: 'probe' });
      const day = 86_400_000;
      await issueCertificate(ca, {
        name: probeId,
        file: 'expired',
        notBefore: Date.now() - 3 * day,
        notAfter: Date.now() - 2 * day,
      });
      const other = await createCertificateAuthority(path.join(tlsDir, 'other'), 'another CA');
      await issueCertificate(other, { name: probeId, file: 'other' });
      const request = (tid: number, source = probeId) =>
        encode({
          ackReq: false,
          ackRsp: false,
          transactionId: tid,
          source,
          destination: mosId,
          body: { kind: 'capability-discover-request' },
        }).toString('hex');
      const arg = JSON.stringify({
        good: [101, 102, 103, 104, 105].map((t) => request(t)),
        spoofed: request(106, `mn.${name}.mih`),
      });
      const mosAddr = lab.lab.nodes.find((n) => n.name === 'mos')!.interfaces[0]!.addresses[0]!.split('/')[0]!;
      // The probe runs while the run captures, once mn has registered.
      const running = lab.run();
      const mnStatus = async () =>
        (
          (await sendControl(controlSocketPath(name, 'mn'), { op: 'status' }, 2000)) as unknown as {
            status: { state: { mihf: Record<string, unknown> } };
          }
        ).status.state.mihf;
      for (let i = 0; i < 100 && (await mnStatus()).phase !== 'informed'; i++)
        await new Promise((res) => setTimeout(res, 100));
      const r = await lab.node('mn').exec([process.execPath, '-e', PROBE, mosAddr, tlsDir, arg], { timeoutMs: 30_000 });
      const result = await running;
      expect(result.passed, JSON.stringify(result.results.expectations)).toBe(true);
      lines = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      mihf = await mnStatus();
      const ms = (await sendControl(controlSocketPath(name, 'mos'), { op: 'status' }, 2000)) as unknown as {
        status: { counters: { mos: Record<string, number> }; state: { mos: typeof mos.state } };
      };
      mos = { counters: ms.status.counters.mos, state: ms.status.state.mos };
      udpListeners = (await lab.node('mos').exec(['ss', '-Hlun', 'sport = :4551'])).stdout.trim();
      tcpListeners = (await lab.node('mos').exec(['ss', '-Hltn', 'sport = :4551'])).stdout.trim();
    } finally {
      await lab.down();
    }
    expect(leftovers(name)).toEqual([]);

    // The mobile node: TLS for everything, the MoS identified by its certificate.
    expect(mihf?.error).toBeUndefined();
    expect(mihf?.phase).toBe('informed');
    expect(mihf?.tls).toMatchObject({ port: 4551, peerMihfId: mosId });
    expect(mihf?.capability).toMatchObject({ transport: 'tls', mosMihfId: mosId, status: 0, ackRsp: false });
    expect(mihf?.registration).toMatchObject({ status: 0, validTimeInterval: 3600 });
    // No UDP where nothing is marked trusted; TLS on TCP 4551.
    expect(udpListeners).toBe('');
    expect(tcpListeners).toContain(':4551');

    // The valid client is answered before, between and after the refused ones; the bad ones never are.
    expect(lines).toEqual([
      { valid: 0, tid: 101 },
      expect.objectContaining({ client: 'no certificate', answered: false }),
      { valid: 1, tid: 102 },
      expect.objectContaining({ client: 'expired', answered: false }),
      { valid: 2, tid: 103 },
      expect.objectContaining({ client: 'other CA', answered: false }),
      { valid: 3, tid: 104 },
      { spoofed: null },
      { valid: 4, tid: 105 },
    ]);
    // The MoS says why it refused each one.
    const refused = Object.fromEntries(Object.entries(mos!.counters).filter(([k]) => k.startsWith('mih.tls.refused.')));
    expect(refused).toEqual({
      'mih.tls.refused.no-certificate': 1,
      'mih.tls.refused.CERT_HAS_EXPIRED': 1,
      'mih.tls.refused.UNABLE_TO_VERIFY_LEAF_SIGNATURE': 1,
    });
    expect(mos!.state.refused).toHaveLength(3);
    expect(mos!.counters['mih.tls.identity-mismatch']).toBe(1);
    expect(mos!.counters['mih.tcp.received.capability-discover-request']).toBe(6); // mn's and the probe's five
    expect(mos!.state.registrations).toHaveLength(1);

    // tshark: no MIH readable on TCP without the key log; with it, every MIH message inside TLS decoded.
    const pcaps = readdirSync(path.join(out, 'pcap'));
    const mosPcap = path.join(out, 'pcap', pcaps.find((f) => f.startsWith('mos-'))!);
    expect(mihShark(mosPcap, 'mih', ['frame.number'])).toEqual([]);
    const frames = mihShark(
      mosPcap,
      'mih',
      ['mih.mid', 'mih.tid', 'tcp.srcport', ...FRAME_CHECK_FIELDS],
      path.join(tlsDir, 'keylog.txt'),
    );
    for (const f of frames) expect(mihFrameErrors(f)).toEqual([]);
    // One MIH message per TLS record here, so one per frame: mn's four, then the probe's requests and answers.
    const mids = frames.map((f) => `${Number(f['mih.mid']).toString(16)}/${f['mih.tid']}`);
    expect(mids.slice(0, 4).map((m) => m.split('/')[0])).toEqual(['1401', '1801', '1402', '1802']);
    for (const tid of [101, 102, 103, 104, 105]) {
      expect(mids).toContain(`1401/${tid}`);
      expect(mids).toContain(`1801/${tid}`);
    }
    expect(mids).toContain('1401/106'); // the spoofed request, seen and not answered
    expect(mids).not.toContain('1801/106');
  }, 120_000);
});
