// topologies/fmipv6-p2p.yaml end to end (point-to-point links): ar2 gives the arriving mn a
// /64 of its own out of fd00:f:3:b200::/56, reserved during HI/HAck and advertised on arrival.
// Checked in the pcaps (tshark) and the agents' status: HI with S set, HAck code 2, FBack status 1 with
// the NCoA, the UNA from that NCoA, a Router Advertisement on ap2 with the per-MN prefix, the BU to the
// home agent from the same NCoA, and nothing lost.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, signalling, tshark, TOOLS, type LabRun } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });
const LAB = path.resolve('topologies/fmipv6-p2p.yaml');
const POOL = /^fd00:f:3:b2[0-9a-f]{2}:/;

describe.skipIf(missing)('fmipv6-p2p lab: a prefix per mobile node', () => {
  let r: LabRun;
  beforeAll(async () => {
    r = await runLabFile(LAB, { prefix: 'fp2p' });
  }, 180_000);

  it('passes its own expectations: nothing lost', () => {
    expect(r.run.results.expectations.filter((e) => !e.held)).toEqual([]);
    expect(r.run.results.handovers[0]!.lost).toBe(0);
  });

  it('the prefix is reserved in HI/HAck, handed over in the FBack, used for UNA and BU, and advertised', () => {
    const hi = tshark(r.pcap('ar2-eth2'), 'mipv6 && mip6.mhtype == 14', ['mip6.hi.s_flag', 'mip6.hi.u_flag']);
    expect(hi).toEqual([['1', '1']]); // S: the NAR assigns (no prefix in the PrRtAdv); U: buffer
    const sig = signalling(r.pcaps());
    const hack = sig.find((s) => s.name === 'HAck')!;
    expect(hack.code).toBe('2');
    const fback = sig.find((s) => s.name === 'FBack' && s.pcap === 'mn-wlan0')!;
    expect(fback.status).toBe('1');
    const una = sig.find((s) => s.name === 'UNA' && s.pcap === 'mn-wlan0')!;
    expect(una.src).toMatch(POOL);
    const bu = sig.find((s) => s.name === 'BU' && s.pcap === 'mn-wlan0' && s.at >= una.at)!;
    expect(bu.src).toBe(una.src);
    const prefix = `${una.src.split(':').slice(0, 4).join(':')}::`;
    // The RA on ap2 carries mn's own prefix, and only it (no shared prefix is advertised there).
    const ras = tshark(r.pcap('mn-wlan0'), `icmpv6.type == 134 && frame.time_epoch >= ${(una.at / 1000).toFixed(6)}`, [
      'icmpv6.opt.prefix',
    ]);
    expect(ras.length).toBeGreaterThan(0);
    expect(ras[0]![0]).toBe(prefix);
    const nar = r.status('ar2').state['fmipv6-router'].nar;
    expect(nar.counters['prefixes-reserved']).toBe(1);
    expect(nar.routerAdvertisements).toBeGreaterThanOrEqual(1);
    expect(nar.records[0].prefix).toBe(prefix);
  });
});
