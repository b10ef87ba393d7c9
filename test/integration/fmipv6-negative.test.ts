// Variants of topologies/fmipv6-predictive.yaml where fast handover meets resistance:
//   - the NAR finds the proposed NCoA in use (its neighbour cache holds it) and assigns another
//     (HAck code 1, FBack status 1 with the NCoA): mn uses the NAR's address for the UNA and the
//     buffered packets, then Mobile IPv6 registers its SLAAC address — the flow recovers, nothing lost;
//   - the same NAR set to refuse (HAck 128): mn falls back to plain Mobile IPv6 — the flow recovers;
//   - a NAR buffer smaller than the gap's traffic: exactly the overflow is dropped, and the loss
//     results.json counts equals the NAR's overflow counter.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eui64Address } from '../../src/wire/address.js';
import type { StartedLab } from '../../src/lab/lab.js';
import { checkPrereqs } from '../support/prereq.js';
import { flowPackets, runLabFile, signalling, tshark, TOOLS } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-predictive.yaml');
const AR2_FMIPV6 = 'fmipv6: { buffer: { maxPackets: 1000, maxBytes: 1500000 } }';
const PAR = 'fd00:f:1:a1::1';

const TRIGGER = '{ at: 2.9s, trigger: { node: mn, event: link-going-down';

/**
 * The lab file's text with ar2's fmipv6 settings replaced, and a 50 ms lead for link-going-down: these
 * tests are about what the NAR decides, so the FBack must reach mn on the old link even on a loaded
 * machine (the interruption is the predictive test's business).
 */
function ar2Settings(settings: string) {
  return (input: string) => {
    if (!input.includes(TRIGGER)) throw new Error('lab file changed: link-going-down trigger not found');
    const text = input.replace(TRIGGER, '{ at: 2.95s, trigger: { node: mn, event: link-going-down');
    const i = text.indexOf('  ar2:');
    const j = text.indexOf(AR2_FMIPV6, i);
    if (i < 0 || j < 0) throw new Error('lab file changed: ar2 fmipv6 settings not found');
    return `${text.slice(0, j)}fmipv6: ${settings}${text.slice(j + AR2_FMIPV6.length)}`;
  };
}

/** Another node's MAC: what holds mn's EUI-64 NCoA on ap2 for the NAR's check. */
const OTHER_MAC = '02:00:00:00:99:99';

/**
 * Puts mn's EUI-64 NCoA on ap2 into ar2's neighbour cache under another node's MAC, as if that node
 * held it already (RFC 5568 §6.2.2); an entry with mn's own MAC would be mn itself, coming back.
 */
async function ncoaInUse(lab: StartedLab): Promise<string> {
  const radio = lab.lab.nodes.find((n) => n.name === 'mn')!.interfaces.find((i) => i.kind === 'radio')!;
  const ncoa = eui64Address('fd00:f:1:a2::', radio.mac);
  const r = await lab
    .node('ar2')
    .exec(['ip', '-6', 'neigh', 'replace', ncoa, 'lladdr', OTHER_MAC, 'dev', 'ap2', 'nud', 'permanent']);
  expect(r.exitCode).toBe(0);
  return ncoa;
}

/**
 * That node leaves at lab time 3.05 s, after the HI/HAck of the move (link-going-down at 2.95 s) and
 * before mn arrives on ap2 (3.1 s): Mobile IPv6 then registers the SLAAC care-of address, the same one,
 * and ar2 must reach mn there.
 */
async function otherNodeLeaves(lab: StartedLab, flowStarted: Promise<void>, ncoa: () => string): Promise<void> {
  await flowStarted; // lab time 1.5 s
  await new Promise((res) => setTimeout(res, 1550));
  await lab.node('ar2').exec(['ip', '-6', 'neigh', 'del', ncoa(), 'dev', 'ap2'], { reject: false });
}

describe.skipIf(missing)('fmipv6: the NAR does not take the proposed NCoA', () => {
  it('assigns another (HAck 1, FBack 1 + NCoA): mn uses it, the buffer reaches it, nothing is lost', async () => {
    let inUse = '';
    const r = await runLabFile(LAB, {
      prefix: 'fasgn',
      edit: ar2Settings(`{ invalidNcoa: assign, buffer: { maxPackets: 1000, maxBytes: 1500000 } }`),
      beforeRun: async (lab) => {
        inUse = await ncoaInUse(lab);
      },
      during: (lab, flowStarted) => otherNodeLeaves(lab, flowStarted, () => inUse),
    });
    const sig = signalling(r.pcaps());
    const hack = sig.find((s) => s.name === 'HAck')!;
    expect(hack.code).toBe('1');
    const fback = sig.find((s) => s.name === 'FBack' && s.pcap === 'mn-wlan0' && s.at >= hack.at)!;
    expect(fback.status).toBe('1');
    const una = sig.find((s) => s.name === 'UNA' && s.pcap === 'mn-wlan0' && s.at >= fback.at)!;
    // The UNA announces the NAR's choice (prefix::1000 onwards), not the EUI-64 address in use.
    expect(una.src).not.toBe(inUse);
    expect(una.src).toMatch(/^fd00:f:1:a2::1[0-9a-f]{3}$/);
    const nar = r.status('ar2').state['fmipv6-router'].nar;
    expect(nar.counters['ncoa-assigned']).toBe(1);
    expect(nar.counters['packets-delivered']).toBeGreaterThan(1);
    // The PAR tunnelled to the assigned NCoA; mn got those packets there.
    expect(
      flowPackets(r.pcap('mn-wlan0')).filter((p) => p.outerSrc === PAR && p.outerDst === una.src).length,
    ).toBeGreaterThan(0);
    const h = r.run.results.handovers[0]!;
    expect(h.flows.find((f) => f.flow === 1)!.resumed).toBe(true);
    expect(h.lost).toBe(0);
    // Mobile IPv6 then registers the SLAAC care-of address (its machine has no "use this address" input).
    const bu = sig.find((s) => s.name === 'BU' && s.pcap === 'mn-wlan0' && s.at >= una.at)!;
    expect(bu.src).toMatch(/^fd00:f:1:a2:/);
  }, 180_000);

  it('refuses (HAck 128, FBack 128): mn falls back to plain Mobile IPv6 and the flow recovers', async () => {
    let inUse = '';
    const r = await runLabFile(LAB, {
      prefix: 'frefu',
      edit: ar2Settings('{ invalidNcoa: refuse, buffer: { maxPackets: 1000, maxBytes: 1500000 } }'),
      beforeRun: async (lab) => {
        inUse = await ncoaInUse(lab);
      },
      during: (lab, flowStarted) => otherNodeLeaves(lab, flowStarted, () => inUse),
    });
    const sig = signalling(r.pcaps());
    const hack = sig.find((s) => s.name === 'HAck')!;
    expect(hack.code).toBe('128');
    const fback = sig.find((s) => s.name === 'FBack' && s.pcap === 'mn-wlan0')!;
    expect(Number(fback.status)).toBeGreaterThanOrEqual(128);
    // No tunnel, no buffer, no UNA: the move is Mobile IPv6's alone.
    expect(r.status('ar1').state['fmipv6-router'].par.counters['tunnels-started']).toBe(0);
    expect(r.status('ar2').state['fmipv6-router'].nar.counters['buffers-created']).toBe(0);
    expect(sig.filter((s) => s.name === 'UNA')).toEqual([]);
    const mn = r.status('mn');
    expect(mn.counters['fmipv6-mobile-node']!['event.fallback-to-mipv6']).toBe(1);
    const bu = sig.find((s) => s.name === 'BU' && s.pcap === 'mn-wlan0' && s.at >= fback.at)!;
    expect(bu.src).toMatch(/^fd00:f:1:a2:/);
    expect(sig.find((s) => s.name === 'BA' && s.pcap === 'mn-wlan0' && s.at >= bu.at)).toBeDefined();
    const h = r.run.results.handovers[0]!;
    expect(h.flows.find((f) => f.flow === 1)!.resumed).toBe(true);
    expect(h.lost).toBeGreaterThan(0); // plain Mobile IPv6 loses the gap's packets
  }, 180_000);
});

describe.skipIf(missing)('fmipv6: a scan reports an AP the PAR has no NAR for', () => {
  it('PrRtAdv code 2 (no new router information): mn falls back for that AP, the later move to ap2 still uses FMIPv6', async () => {
    const r = await runLabFile(LAB, {
      prefix: 'funkn',
      edit: (t) => {
        const anchor = '  - { at: 2.5s, trigger: { node: mn, event: new-ap-detected, ap: ap2 } }\n';
        if (!t.includes(anchor)) throw new Error('lab file changed: new-ap-detected trigger not found');
        // "home" is the home agent's AP: its router is no NAR, so ar1's neighbour map does not list it.
        return t.replace(
          anchor,
          `  - { at: 2.0s, trigger: { node: mn, event: new-ap-detected, ap: home } }\n${anchor}`,
        );
      },
    });
    const adv = tshark(r.pcap('mn-wlan0'), 'icmpv6.type == 154 && icmpv6.fmip6.subtype == 3', ['icmpv6.code']).map(
      (x) => x[0],
    );
    expect(adv).toEqual(['2', '0']); // home: unknown; ap2: the [AP-ID, AR-Info] tuple
    expect(r.status('ar1').state['fmipv6-router'].par.counters['prrtadv-unknown-ap']).toBe(1);
    const mn = r.status('mn');
    expect(mn.counters['fmipv6-mobile-node']!['event.fallback-to-mipv6']).toBe(1);
    expect(
      mn.state['fmipv6-mobile-node'].events.some(
        (e: { name: string; reason?: string }) => e.name === 'fallback-to-mipv6' && e.reason === 'unknown-ap',
      ),
    ).toBe(true);
    expect(signalling(r.pcaps()).some((s) => s.name === 'HI')).toBe(true);
    expect(r.run.results.handovers[0]!.flows.find((f) => f.flow === 1)!.resumed).toBe(true);
  }, 180_000);
});

describe.skipIf(missing)('fmipv6: a NAR buffer smaller than the gap', () => {
  it('drops exactly the overflow, and results.json counts it as the handover loss', async () => {
    const r = await runLabFile(LAB, {
      prefix: 'fovfl',
      edit: ar2Settings('{ buffer: { maxPackets: 6, maxBytes: 1500000 } }'),
    });
    const nar = r.status('ar2').state['fmipv6-router'].nar;
    const overflow = nar.counters['buffer-overflow'];
    expect(overflow).toBeGreaterThan(0);
    // The FBack copy for the NCoA takes one of the six places; five flow packets made it.
    expect(nar.counters['packets-buffered']).toBe(6);
    const flow = r.run.results.flows.find((f) => f.id === 1)!;
    // On the wire at mn (the application's record can only lose more).
    expect(flow.lostOnWire).toBe(overflow);
    expect(flow.lost).toBeGreaterThanOrEqual(overflow!);
    expect(r.run.results.handovers[0]!.flows[0]!.lostOnWire).toBe(overflow);
    // Each lost packet did reach the NAR inside the PAR's tunnel (it was dropped there, nowhere else).
    const atNar = new Set(
      flowPackets(r.pcap('ar2-eth2'))
        .filter((p) => p.outerSrc === PAR)
        .map((p) => p.seq),
    );
    for (const seq of flow.lostOnWireSeqs) expect(atNar.has(seq), `lost ${seq} reached the NAR`).toBe(true);
    // Tail drop (RFC 5568 leaves the policy open): the lost ones come after the kept ones.
    const kept = flowPackets(r.pcap('mn-wlan0'))
      .filter((p) => p.outerSrc === PAR)
      .map((p) => p.seq);
    expect(Math.min(...flow.lostOnWireSeqs)).toBeGreaterThan(Math.min(...kept));
  }, 180_000);
});
