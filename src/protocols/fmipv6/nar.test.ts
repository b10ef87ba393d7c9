import { describe, expect, it } from 'vitest';
import type { HandoverInitiate } from '../../wire/mh/fmipv6.js';
import { macToBytes } from '../../wire/address.js';
import { NewAccessRouter, type NarAction, type NarConfig } from './nar.js';
import { mhAddress, mhLinkLayerAddress } from './options.js';

const PAR = '2001:db8:2::1';
const NAR = '2001:db8:3::1';
const PCOA = '2001:db8:2::ff:fe00:10';
const NCOA = '2001:db8:3::ff:fe00:10';
const MAC = macToBytes('02:00:00:00:00:10');
const t = (ms: number) => ms;

const HI = {
  type: 'HandoverInitiate',
  sequenceNumber: 5,
  assignedAddressConfiguration: false,
  buffer: true,
  proxy: false,
  forwarding: false,
  code: 0,
  options: [mhAddress(1, PCOA), mhAddress(2, NCOA), mhLinkLayerAddress(MAC)],
} satisfies HandoverInitiate;

const nar = (over: Partial<NarConfig> = {}) =>
  new NewAccessRouter({ address: NAR, prefix: '2001:db8:3::', prefixLength: 64, ...over });
const hiIn = (hi: HandoverInitiate) => ({ kind: 'mh' as const, src: PAR, dst: NAR, message: hi });
const una = (target: string, lla = MAC) => ({
  kind: 'icmp' as const,
  src: target,
  dst: 'ff02::1',
  hopLimit: 255,
  message: {
    type: 'NeighborAdvertisement' as const,
    router: false,
    solicited: false,
    override: true,
    targetAddress: target,
    options: [{ type: 'TargetLinkLayerAddress' as const, linkLayerAddress: lla }],
  },
});

function hackOf(as: NarAction[]) {
  const a = as.find((x) => x.kind === 'send-mh');
  if (a?.kind !== 'send-mh' || a.message.type !== 'HandoverAcknowledge') throw new Error('no HAck');
  return { dst: a.dst, hack: a.message };
}
const pkt = (n: number, size = 100) => Buffer.alloc(size, n);

describe('NewAccessRouter (RFC 5568)', () => {
  it('accepts a valid proposed NCoA with HAck code 0, sequence copied, and opens a buffer for U (§6.2.2, §6.2.1)', () => {
    const out = nar().handle(t(0), hiIn(HI));
    expect(out[0]).toEqual({ kind: 'buffer-start', ncoa: NCOA, pcoa: PCOA });
    expect(hackOf(out)).toEqual({
      dst: PAR,
      hack: { type: 'HandoverAcknowledge', sequenceNumber: 5, flags: 0, code: 0, options: [] },
    });
  });

  it('assigns another NCoA when the proposed one is in use on the link: HAck code 1 with it (§6.2.2)', () => {
    const n = nar();
    n.handle(t(0), { kind: 'neighbour', address: NCOA, present: true });
    const { hack } = hackOf(n.handle(t(1), hiIn(HI)));
    expect(hack).toMatchObject({ code: 1, options: [mhAddress(2, '2001:db8:3::1000')] });
    expect(n.records[0]!.ncoa).toBe('2001:db8:3::1000');
  });

  it("accepts the MN's own address back (its old neighbour entry has the HI's link-layer address), not another node's", () => {
    const n = nar();
    n.handle(t(0), { kind: 'neighbour', address: NCOA, present: true, linkLayerAddress: '02:00:00:00:00:10' });
    expect(hackOf(n.handle(t(1), hiIn(HI))).hack).toMatchObject({ code: 0 });
    const other = nar();
    other.handle(t(0), { kind: 'neighbour', address: NCOA, present: true, linkLayerAddress: '02:00:00:00:00:99' });
    expect(hackOf(other.handle(t(1), hiIn(HI))).hack).toMatchObject({ code: 1 });
  });

  it('assigns another NCoA when the proposed one is off its prefix (§6.2.2)', () => {
    const { hack } = hackOf(
      nar().handle(
        t(0),
        hiIn({ ...HI, options: [mhAddress(1, PCOA), mhAddress(2, '2001:db8:77::1'), mhLinkLayerAddress(MAC)] }),
      ),
    );
    // The MN's EUI-64 address on our prefix is free, so that one is given.
    expect(hack).toMatchObject({ code: 1, options: [mhAddress(2, NCOA)] });
  });

  it('refuses an unusable NCoA with HAck 128 when configured to (§6.2.2)', () => {
    const n = nar({ invalidNcoa: 'refuse' });
    n.handle(t(0), { kind: 'neighbour', address: NCOA, present: true });
    const out = n.handle(t(1), hiIn(HI));
    expect(hackOf(out).hack).toMatchObject({ code: 128, options: [] });
    expect(out.some((a) => a.kind === 'buffer-start')).toBe(false);
  });

  it('assigns an NCoA when S asks for one: HAck code 2 (§6.2.1 S flag)', () => {
    const { hack } = hackOf(
      nar().handle(
        t(0),
        hiIn({ ...HI, assignedAddressConfiguration: true, options: [mhAddress(1, PCOA), mhLinkLayerAddress(MAC)] }),
      ),
    );
    expect(hack).toMatchObject({ code: 2, options: [mhAddress(2, NCOA)] });
  });

  it('answers every HI with 129 when handovers are administratively prohibited (§6.2.2)', () => {
    expect(hackOf(nar({ acceptHandovers: false }).handle(t(0), hiIn(HI))).hack.code).toBe(129);
  });

  it('refuses an HI without the PCoA option, which is mandatory (§6.2.1)', () => {
    const n = nar();
    expect(hackOf(n.handle(t(0), hiIn({ ...HI, options: [mhAddress(2, NCOA)] }))).hack.code).toBe(128);
    expect(n.counters['hi-malformed']).toBe(1);
  });

  it('answers a retransmitted HI with the same HAck and reserves nothing new (§6.2.1)', () => {
    const n = nar();
    n.handle(t(0), hiIn(HI));
    const again = n.handle(t(500), hiIn(HI));
    expect(again).toEqual([
      {
        kind: 'send-mh',
        src: NAR,
        dst: PAR,
        message: { type: 'HandoverAcknowledge', sequenceNumber: 5, flags: 0, code: 0, options: [] },
        bytes: expect.any(Buffer),
      },
    ]);
    expect(n.records).toHaveLength(1);
  });

  it('buffers packets for the NCoA and delivers them in order on the UNA, then stops buffering (§3.1 steps 7-8)', () => {
    const n = nar();
    n.handle(t(0), hiIn(HI));
    for (let i = 0; i < 3; i++) expect(n.handle(t(10 + i), { kind: 'packet', dst: NCOA, packet: pkt(i) })).toEqual([]);
    const out = n.handle(t(50), una(NCOA));
    expect(out.slice(0, 2)).toEqual([
      { kind: 'deliver', ncoa: NCOA, packets: [pkt(0), pkt(1), pkt(2)] },
      { kind: 'buffer-stop', ncoa: NCOA },
    ]);
    // After arrival, packets still reaching the machine pass straight through.
    expect(n.handle(t(60), { kind: 'packet', dst: NCOA, packet: pkt(9) })).toEqual([
      { kind: 'deliver', ncoa: NCOA, packets: [pkt(9)] },
    ]);
  });

  it('drops what exceeds the buffer bounds (packets, then bytes) and counts it (§6.2.1)', () => {
    const n = nar({ buffer: { maxPackets: 2, maxBytes: 250 } });
    n.handle(t(0), hiIn(HI));
    n.handle(t(1), { kind: 'packet', dst: NCOA, packet: pkt(1) });
    n.handle(t(2), { kind: 'packet', dst: NCOA, packet: pkt(2, 200) }); // 300 bytes > 250: dropped
    n.handle(t(3), { kind: 'packet', dst: NCOA, packet: pkt(3) });
    n.handle(t(4), { kind: 'packet', dst: NCOA, packet: pkt(4) }); // third packet > 2: dropped
    expect(n.counters['buffer-overflow']).toBe(2);
    expect(n.counters['buffer-overflow-bytes']).toBe(300);
    expect(n.handle(t(5), una(NCOA))[0]).toEqual({ kind: 'deliver', ncoa: NCOA, packets: [pkt(1), pkt(3)] });
  });

  it('ignores a UNA for the NCoA from another link-layer address (§6.4)', () => {
    const n = nar();
    n.handle(t(0), hiIn(HI));
    n.handle(t(1), { kind: 'packet', dst: NCOA, packet: pkt(1) });
    expect(n.handle(t(2), una(NCOA, macToBytes('02:66:66:66:66:66')))).toEqual([]);
    expect(n.counters['una-mismatch']).toBe(1);
    expect(n.records[0]!.buffered).toBe(1);
  });

  it('treats the MN FBU passing through from the new link as its arrival (reactive, §3.2)', () => {
    const n = nar();
    n.handle(t(0), hiIn(HI));
    n.handle(t(1), { kind: 'packet', dst: NCOA, packet: pkt(1) });
    const out = n.handle(t(2), {
      kind: 'mh',
      src: NCOA,
      dst: PAR,
      homeAddressOption: PCOA,
      message: {
        type: 'FastBindingUpdate',
        sequenceNumber: 1,
        acknowledge: true,
        homeRegistration: true,
        linkLocalCompatibility: false,
        keyManagementCompatibility: false,
        lifetime: 10,
        options: [],
      },
    });
    expect(out[0]).toEqual({ kind: 'deliver', ncoa: NCOA, packets: [pkt(1)] });
  });

  it('does not buffer for an HI with Code 1: the MN is already on the link (§6.2.1)', () => {
    const n = nar();
    n.handle(t(0), una(NCOA)); // RFC 5568 §3.2: the MN announced itself before its FBU went out
    const out = n.handle(t(0), hiIn({ ...HI, code: 1, buffer: false }));
    expect(out.some((a) => a.kind === 'buffer-start')).toBe(false);
    expect(n.records[0]!.arrived).toBe(true);
  });

  it('drops an unclaimed buffer when the record expires, counting the packets (§6.2.1)', () => {
    const n = nar({ recordLifetimeMs: 1000 });
    n.handle(t(0), hiIn(HI));
    n.handle(t(1), { kind: 'packet', dst: NCOA, packet: pkt(1) });
    expect(n.nextDeadline()).toBe(1000);
    expect(n.handle(t(1000), { kind: 'tick' })[0]).toEqual({ kind: 'buffer-stop', ncoa: NCOA });
    expect(n.counters['buffer-expired']).toBe(1);
    expect(n.records).toEqual([]);
  });

  it('point-to-point: reserves a per-MN prefix in the HAck (code 2, NCoA + prefix) and advertises it on arrival (draft-xia-mipshop-fmip-ptp)', () => {
    const n = nar({ pointToPoint: { pool: '2001:db8:3:100::', poolLength: 56, prefixLength: 64 } });
    const { hack } = hackOf(
      n.handle(
        t(0),
        hiIn({ ...HI, assignedAddressConfiguration: true, options: [mhAddress(1, PCOA), mhLinkLayerAddress(MAC)] }),
      ),
    );
    expect(hack).toMatchObject({
      code: 2,
      options: [mhAddress(2, '2001:db8:3:100:0:ff:fe00:10'), mhAddress(4, '2001:db8:3:100::', 64)],
    });
    // A second MN gets the next prefix.
    const other = macToBytes('02:00:00:00:00:11');
    const { hack: h2 } = hackOf(
      n.handle(
        t(1),
        hiIn({
          ...HI,
          sequenceNumber: 6,
          assignedAddressConfiguration: true,
          options: [mhAddress(1, '2001:db8:2::11'), mhLinkLayerAddress(other)],
        }),
      ),
    );
    expect(h2.options[1]).toEqual(mhAddress(4, '2001:db8:3:101::', 64));
    const out = n.handle(t(10), una('2001:db8:3:100:0:ff:fe00:10'));
    expect(out).toContainEqual({
      kind: 'advertise-prefix',
      ncoa: '2001:db8:3:100:0:ff:fe00:10',
      linkLayerAddress: '02:00:00:00:00:10',
      prefix: '2001:db8:3:100::',
      prefixLength: 64,
    });
  });
});
