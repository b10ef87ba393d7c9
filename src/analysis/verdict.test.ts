// The rule that reads a handover's protocol and mode from the mobile node's capture (verdict.ts):
// one case per mode, with synthetic frames around a detach at 1000 ms.
import { describe, expect, it } from 'vitest';
import { decodeFrames } from './frames.js';
import { ether, fmipIcmpv6, frame, mhPacket, tunnel } from './testing/packets.js';
import { handoverMode } from './verdict.js';

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
