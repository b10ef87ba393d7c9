// Off-path attacks on the FMIPv6 routers (docs/security.md, FMIPv6 rows), on a copy of
// topologies/fmipv6-predictive.yaml where only the core router cr validates source addresses, so the
// access routers' own checks are what stops a spoofed packet that reaches them:
//   1. spoofed FBUs for mn's PCoA: from cn (cr drops it: BCP 38), from cr itself, predictive and
//      reactive (the PAR refuses: wrong arrival link);
//   2. HIs from routers that are no FMIPv6 neighbour (cn, cr, cr spoofing ar1's address): refused
//      unauthenticated; an HI sealed with ar1's real key (a compromised neighbour) proposing the NCoA
//      of mn, which arrived on ar2 by fast handover and whose record has expired, gets another NCoA;
//   3. an HI flood from cr (1000/s, during the real handover), then from "ar1" with its key plus
//      traffic to the NCoAs: rate, records and total buffer bounded, ar2's agent stays small.
// mn moves ap1 -> ap2 after attacks 1, 2 and 3b, during 3a; the flows lose nothing. Their interruption
// is not judged here: ar2 spends its time refusing the flood, which is the point of a flood.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMobilityPacket } from '../../src/agent/dataplane/mobility-header-io.js';
import type { StartedLab } from '../../src/lab/lab.js';
import { sendControl } from '../../src/agent/control-client.js';
import { controlSocketPath, labStateDir, nodeNetns } from '../../src/lab/names.js';
import { PeerAuthenticator } from '../../src/protocols/core/peer-auth.js';
import { mhAddress, mhLinkLayerAddress } from '../../src/protocols/fmipv6/options.js';
import { eui64Address, macToBytes } from '../../src/wire/address.js';
import * as mh from '../../src/wire/mh/index.js';
import { buildIpv6Packet } from '../../src/wire/packet.js';
import { packetSender, wait } from '../support/mipv6-attack.js';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, signalling, TOOLS, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-predictive.yaml');
const AR1 = 'fd00:f:1:a1::1';
const AR2 = 'fd00:f:1:a2::1';
const CN = 'fd00:f:1:1::2';
const RSS_BOUND_KB = 150 * 1024;

/** The lab with only cr validating sources, and ar2's records short-lived and few, its total buffer 1 MB. */
function edit(text: string): string {
  const out = text
    .replace('defaults:\n', 'defaults:\n  sourceValidation: false\n')
    .replace('cr: { roles: [router] }', 'cr: { roles: [router], sourceValidation: true }')
    .replace(
      '  ar2:\n    roles: [par, nar]\n    agent:\n      fmipv6: { buffer: { maxPackets: 1000, maxBytes: 1500000 } }',
      '  ar2:\n    roles: [par, nar]\n    agent:\n      fmipv6: { buffer: { maxPackets: 1000, maxBytes: 1500000 }, recordLifetimeMs: 800, limits: { maxRecords: 32, totalBuffer: { maxPackets: 2000, maxBytes: 1000000 } } }',
    )
    .replace(/ {2}- interruption:.*\n/g, '');
  if (!out.includes('sourceValidation: true') || !out.includes('maxRecords: 32'))
    throw new Error('lab file changed: edit did not apply');
  return out;
}

const fbu = (seq: number, options: mh.MobilityOption[]) =>
  ({
    type: 'FastBindingUpdate',
    sequenceNumber: seq,
    acknowledge: true,
    homeRegistration: true,
    linkLocalCompatibility: false,
    keyManagementCompatibility: false,
    lifetime: 10,
    options,
  }) as const;

const hi = (seq: number, pcoa: string, ncoa: string): mh.MobilityMessage => ({
  type: 'HandoverInitiate',
  sequenceNumber: seq & 0xffff,
  assignedAddressConfiguration: false,
  buffer: true,
  proxy: false,
  forwarding: false,
  code: 0,
  options: [mhAddress(1, pcoa), mhAddress(2, ncoa), mhLinkLayerAddress(macToBytes('02:66:6f:72:67:65'))],
});

const plainHi = (src: string, dst: string, m: mh.MobilityMessage) =>
  buildMobilityPacket({ src, dst, mh: mh.encode(m, undefined, 0, { addresses: { src, dst } }) });

/** Resident-set peak and current (kB) of the agent running in `node`'s namespace. */
async function agentMemory(lab: StartedLab, node: string): Promise<{ hwm: number; rss: number; pid: number }> {
  const r = await lab.node(node).exec(['ip', 'netns', 'pids', nodeNetns(lab.name, node)], { reject: false });
  const pids = `${r.stdout}`.split('\n').filter(Boolean);
  for (const pid of pids) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes('agent/main.js')) continue;
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? Number.NaN);
    return { hwm: kb('VmHWM'), rss: kb('VmRSS'), pid: Number(pid) };
  }
  throw new Error(`no agent process in ${node}: ${pids.join(' ')}`);
}

describe.skipIf(missing)('fmipv6: off-path attacks on the PAR and NAR', () => {
  let r: LabRun;
  const seen: Record<string, unknown> = {};
  beforeAll(async () => {
    r = await runLabFile(LAB, {
      prefix: 'fsec',
      edit,
      during: async (lab, flowStarted) => {
        const mac = lab.lab.nodes.find((n) => n.name === 'mn')!.interfaces.find((i) => i.kind === 'radio')!.mac;
        const pcoa = eui64Address('fd00:f:1:a1::', mac);
        const ncoa = eui64Address('fd00:f:1:a2::', mac);
        seen.pcoa = pcoa;
        seen.ncoa = ncoa;
        const cn = packetSender(lab, 'cn');
        const cr = packetSender(lab, 'cr');
        const ar1 = packetSender(lab, 'ar1');
        const key = JSON.parse(readFileSync(path.join(labStateDir(lab.name), 'ar1-agent.json'), 'utf8')).routerPeers[0];
        const asAr1 = new PeerAuthenticator([{ peer: AR2, spi: key.spi, key: Buffer.from(key.key, 'hex') }]);
        await flowStarted;
        const t0 = Date.now(); // lab time 1.5 s
        seen.memoryBefore = await agentMemory(lab, 'ar2');
        const at = async (labS: number) => wait(Math.max(0, t0 + (labS - 1.5) * 1000 - Date.now()));
        try {
          // 1. Spoofed FBUs for mn's PCoA, asking for a tunnel to an NCoA on ap2.
          await at(1.6);
          const predictive = mh.encode(fbu(4242, [mhAddress(2, 'fd00:f:1:a2::bad')]), undefined, 0, {
            addresses: { src: pcoa, dst: AR1 },
          });
          seen.fromCn = cn.send(buildMobilityPacket({ src: pcoa, dst: AR1, mh: predictive }), AR1);
          seen.fromCr = cr.send(buildMobilityPacket({ src: pcoa, dst: AR1, mh: predictive }), AR1);
          const reactive = mh.encode(fbu(4243, []), undefined, 0, { addresses: { src: pcoa, dst: AR1 } });
          cr.send(buildMobilityPacket({ src: 'fd00:f:1:a2::bad', dst: AR1, homeAddress: pcoa, mh: reactive }), AR1);
          // 2. HIs from routers that are no FMIPv6 neighbour, proposing mn's PCoA at ar1.
          await at(1.7);
          cn.send(plainHi(CN, AR1, hi(1, 'fd00:f:1:a2::99', pcoa)), AR1);
          cr.send(plainHi('fd00:f:1:3::1', AR1, hi(2, 'fd00:f:1:a2::99', pcoa)), AR1);
          cr.send(plainHi(AR1, AR2, hi(3, 'fd00:f:1:a1::99', ncoa)), AR2); // ar1's address, no key
          // 3a. An HI flood from cr, 1000/s from 1.8 s to 3.3 s: over the real handover (2.9 - 3.1 s).
          const flood = (async () => {
            let n = 0;
            await at(1.8);
            while (Date.now() < t0 + (3.3 - 1.5) * 1000) {
              for (let k = 0; k < 20; k++, n++) {
                const m = hi(n, `fd00:f:1:a1::f:${n.toString(16)}`, `fd00:f:1:a2::f:${n.toString(16)}`);
                cr.send(plainHi('fd00:f:1:3::1', AR2, m), AR2);
              }
              await wait(20);
            }
            return n;
          })();
          // 3b. A compromised neighbour: 400 keyed HIs from ar1 at once (the rate's burst of 50 passes, the
          // first 32 make records, the rest HAck 130), then 6000 packets of 1400 bytes from ar1 to those
          // 32 NCoAs over its own link to ar2, off the victim flow's path (cn -> cr -> ha -> cr -> ar2).
          await at(1.65);
          let keyed = 0;
          for (let i = 0; i < 400; i++) {
            const m = hi(8000 + i, `fd00:f:1:a1::e:${i.toString(16)}`, `fd00:f:1:a2::e:${i.toString(16)}`);
            const bytes = asAr1.seal(m, { src: AR1, dst: AR2 }, Date.now())!;
            keyed += +ar1.send(buildMobilityPacket({ src: AR1, dst: AR2, mh: bytes }), AR2);
          }
          seen.keyed = keyed;
          let sent = 0;
          for (let i = 0; i < 6000; i++) {
            const dst = `fd00:f:1:a2::e:${(i % 32).toString(16)}`;
            const p = buildIpv6Packet({ src: AR1, dst, upper: { nextHeader: 59, encode: () => Buffer.alloc(1400) } });
            if (ar1.send(p, dst)) sent++;
            if (i % 100 === 99) await wait(2);
          }
          seen.junkSent = sent;
          const st = await sendControl(controlSocketPath(lab.name, 'ar2'), { op: 'status' });
          if (st.ok && 'status' in st && st.status)
            seen.buffered = (st.status.state['fmipv6-router'] as { nar: { buffered: unknown } }).nar.buffered;
          seen.memory = await agentMemory(lab, 'ar2');
          seen.crFlood = await flood;
          // 2b. mn arrived on ar2 at 3.1 s; its record ended 0.8 s later. A keyed HI proposing its NCoA.
          await at(4.2);
          const takeover = asAr1.seal(hi(7000, 'fd00:f:1:a1::77', ncoa), { src: AR1, dst: AR2 }, Date.now())!;
          ar1.send(buildMobilityPacket({ src: AR1, dst: AR2, mh: takeover }), AR2);
          const urpf = await lab.node('cr').exec(['nft', 'list', 'table', 'ip6', 'mipshop_urpf']);
          seen.urpf = urpf.stdout;
        } finally {
          cn.close();
          cr.close();
          ar1.close();
        }
      },
    });
  }, 240_000);

  it('the flow loses nothing; the real handover after (and during) the attacks is predictive and complete', () => {
    expect(r.run.results.expectations.filter((e) => !e.held)).toEqual([]);
    expect(r.run.results.handovers).toHaveLength(1);
    for (const h of r.run.results.handovers) {
      expect(h.protocol).toBe('fmipv6');
      expect(h.lost).toBe(0);
    }
    expect(r.run.results.flows.find((f) => f.id === 1)!.lost).toBe(0);
    for (const n of ['ar1', 'ar2']) expect(r.status(n).roles).toContain('fmipv6-router');
  });

  it('1: a spoofed FBU from the correspondent dies at cr (BCP 38); one from cr is refused by the PAR', () => {
    expect(seen.fromCn).toBe(true);
    expect(seen.fromCr).toBe(true);
    expect(String(seen.urpf)).toMatch(/counter packets [1-9]\d* bytes \d+ drop/);
    const par = r.status('ar1').state['fmipv6-router'].par;
    expect(par.counters['fbu-wrong-link']).toBe(2); // predictive and reactive, both from cr
    expect(par.counters['hi-sent']).toBe(1); // the real handover's only (ar1 -> ar2)
    const sig = signalling(r.pcaps());
    expect(sig.filter((s) => s.name === 'FBack' && s.dst === 'fd00:f:1:a2::bad')).toEqual([]);
    // cn's copy left cn and never reached ar1; cr's did, on its core link (mn's own came on ap1).
    const spoofed = sig.filter((s) => s.name === 'FBU' && s.src === seen.pcoa);
    expect(spoofed.filter((s) => s.pcap.startsWith('cn-'))).toHaveLength(1);
    expect(spoofed.filter((s) => s.pcap.startsWith('ar1-') && s.pcap !== 'ar1-ap1')).toHaveLength(1);
  });

  it("2: HIs from non-neighbours are refused before the NAR; a keyed HI never takes an attached node's NCoA", () => {
    const c1 = r.status('ar1').counters;
    const c2 = r.status('ar2').counters;
    const flat = (c: Record<string, Record<string, number>>) =>
      Object.assign({}, ...Object.values(c)) as Record<string, number>;
    expect(flat(c1)['peer-auth.not-a-peer.HandoverInitiate']).toBe(2);
    expect(flat(c2)['peer-auth.no-auth-option.HandoverInitiate']).toBe(1);
    expect(flat(c2)['peer-auth.not-a-peer.HandoverInitiate']).toBe(seen.crFlood);
    const sig = signalling(r.pcaps());
    // No HAck ever went to cn or cr.
    expect(sig.filter((s) => s.name === 'HAck' && (s.dst === CN || s.dst === 'fd00:f:1:3::1'))).toEqual([]);
    // The keyed HI for mn's NCoA was answered with another address (code 1), never code 0.
    const hacks = sig.filter((s) => s.name === 'HAck' && s.src === AR2 && s.pcap.startsWith('ar2-'));
    expect(hacks.filter((h) => h.code === '1')).toHaveLength(1);
    const nar = r.status('ar2').state['fmipv6-router'].nar;
    expect(nar.counters['ncoa-assigned']).toBe(1); // every other HI proposed a fresh address: code 0
  });

  it("3: rate, records and total buffer are bounded and counted; ar2's agent stays under 150 MB", () => {
    const nar = r.status('ar2').state['fmipv6-router'].nar as unknown as {
      counters: Record<string, number>;
      buffered: { packets: number; bytes: number };
    };
    console.log('fmipv6-router-security', JSON.stringify({ ...seen, urpf: undefined, nar: nar.counters }));
    expect(nar.counters['hi-rate-limited']).toBeGreaterThan(0);
    expect(nar.counters['hi-no-resources']).toBeGreaterThan(0);
    expect(nar.counters['buffer-total-overflow']).toBeGreaterThan(0);
    // Every drop came from the total bound (1 MB), none from a buffer's own (1.5 MB); read while the
    // junk was buffered (records expiring meanwhile), the total was within its bound.
    expect(nar.counters['buffer-overflow']).toBe(nar.counters['buffer-total-overflow']);
    const mid = seen.buffered as { packets: number; bytes: number };
    expect(mid.bytes).toBeLessThanOrEqual(1_000_000);
    const m = seen.memory as { hwm: number; rss: number };
    expect(m.hwm).toBeLessThan(RSS_BOUND_KB);
    expect(seen.junkSent).toBe(6000);
  });
});
