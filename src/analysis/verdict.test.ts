// The rule that reads a handover's protocol and mode from the mobile node's capture (verdict.ts):
// one case per mode, with synthetic frames around a detach at 1000 ms.
import { describe, expect, it } from 'vitest';
import { decodeFrames } from './frames.js';
import { encode as mhEncode } from '../wire/mh/header.js';
import { proxyBindingUpdate } from '../wire/mh/pmipv6.js';
import { ether, fmipIcmpv6, frame, mhPacket, tunnel, upperPacket } from './testing/packets.js';
import { handoverMode, proxyHandoverMode } from './verdict.js';

const MS = 1_000_000n;
const T0 = 1_800_000_000_000n * MS;
const at = (ms: number) => T0 + BigInt(ms) * MS;
const W = { fromNs: at(500), detachNs: at(1000), toNs: at(3000) };
const FBU = 8;
const FBACK = 9;
const BU = 5;

function mn(...frames: [number, Buffer][]) {
  return [decodeFrames(frames.map(([t, p]) => frame(ether(p), at(t)))).frames];
}

describe('protocol and mode from the captures', () => {
  it('predictive: an FBack reached the node on the old link before the detach', () => {
    const v = handoverMode(
      mn([500, fmipIcmpv6(2)], [990, mhPacket(FBU)], [996, mhPacket(FBACK)], [1120, mhPacket(BU)]),
      W,
    );
    expect(v).toMatchObject({ protocol: 'fmipv6', mode: 'predictive' });
    expect(v!.evidence).toMatch(/FBack on the old link -4\.0 ms/);
  });

  it('predictive-fallback: FBU from the old link, no FBack there, completed from the new link', () => {
    // The FBack copy sent to the NCoA arrives on the new link, tunnelled: it does not make the handover predictive.
    const v = handoverMode(
      mn([990, mhPacket(FBU)], [1110, mhPacket(FBU)], [1112, tunnel(mhPacket(FBACK))], [1115, mhPacket(BU)]),
      W,
    );
    expect(v).toMatchObject({ protocol: 'fmipv6', mode: 'predictive-fallback' });
    expect(handoverMode(mn([990, mhPacket(FBU)], [1115, mhPacket(BU)]), W)!.mode).toBe('predictive-fallback');
  });

  it('incomplete: FBU from the old link and nothing from the new one', () => {
    expect(handoverMode(mn([990, mhPacket(FBU)]), W)!.mode).toBe('incomplete');
  });

  it('reactive: no FBU on the old link, the FBU sent from the new link', () => {
    const v = handoverMode(mn([600, fmipIcmpv6(2)], [1105, mhPacket(FBU)], [1120, mhPacket(FBACK)]), W);
    expect(v).toMatchObject({ protocol: 'fmipv6', mode: 'reactive' });
  });

  it('mipv6: no FMIPv6 message in the window (those outside it do not count)', () => {
    const v = handoverMode(mn([100, mhPacket(FBU)], [1110, mhPacket(BU)], [3500, mhPacket(FBACK)]), W);
    expect(v).toEqual({ protocol: 'mipv6', mode: 'mipv6', evidence: 'no FMIPv6 message; Binding Update sent' });
    expect(handoverMode(mn([1110, fmipIcmpv6(3)]), W)!.mode).toBe('no-fbu');
    expect(handoverMode(mn(), W)).toMatchObject({ protocol: 'none', mode: 'mipv6' });
  });

  it('says nothing without a capture of the node', () => {
    expect(handoverMode([], W)).toBeNull();
  });
});

describe('Proxy Mobile IPv6 from the network captures (proxyHandoverMode)', () => {
  // Real HI / PBU bytes (src/wire/mh), wrapped in an IPv6 header between two routers.
  const hi = (code: number, proxy = true) =>
    upperPacket(
      135,
      mhEncode({
        type: 'HandoverInitiate',
        sequenceNumber: 1,
        assignedAddressConfiguration: false,
        buffer: true,
        proxy,
        forwarding: true,
        code,
        options: [],
      }),
      '2001:db8:3::2',
      '2001:db8:4::2',
    );
  const pbu = upperPacket(
    135,
    mhEncode(proxyBindingUpdate({ sequenceNumber: 1, lifetime: 10, options: [] })),
    '2001:db8:4::2',
    '2001:db8:2::2',
  );
  const net = (...frames: [number, Buffer][]) => mn(...frames);

  it('predictive: an HI with P and code 0', () => {
    const v = proxyHandoverMode(net([960, hi(0)], [1110, pbu]), W);
    expect(v).toMatchObject({ protocol: 'pfmipv6', mode: 'predictive' });
    expect(v!.evidence).toMatch(/HI with P, code 0, -40\.0 ms/);
  });

  it('reactive: an HI with P and code 1 after the attach', () => {
    expect(proxyHandoverMode(net([1110, pbu], [1111, hi(1)]), W)).toMatchObject({
      protocol: 'pfmipv6',
      mode: 'reactive',
    });
  });

  it('transient binding: a PBU with the Transient Binding option, before any HI rule', () => {
    const early = upperPacket(
      135,
      mhEncode(
        proxyBindingUpdate({
          sequenceNumber: 2,
          lifetime: 10,
          options: [{ type: 'TransientBinding', latePathSwitch: true, lifetime: 15 }],
        }),
      ),
      '2001:db8:4::2',
      '2001:db8:2::2',
    );
    const v = proxyHandoverMode(net([960, hi(0)], [980, early], [1110, pbu]), W);
    expect(v).toMatchObject({ protocol: 'pmipv6', mode: 'transient' });
    expect(v!.evidence).toMatch(/Transient Binding option -20\.0 ms/);
    // The same PBU without the option is no transient binding.
    expect(proxyHandoverMode(net([960, hi(0)], [980, pbu]), W)).toMatchObject({ mode: 'predictive' });
  });

  it('plain PMIPv6: a PBU after the detach and no HI with P (an FMIPv6 HI does not count)', () => {
    expect(proxyHandoverMode(net([960, hi(0, false)], [1110, pbu]), W)).toMatchObject({
      protocol: 'pmipv6',
      mode: 'pmipv6',
    });
    expect(proxyHandoverMode(net([960, hi(0, false)]), W)).toBeNull();
  });
});
