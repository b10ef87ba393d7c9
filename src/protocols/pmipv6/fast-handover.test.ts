// RFC 5949 fast handovers between two MAG machines and one LMA, messages carried by hand: the
// predictive flow (§4.1: HI with the context on the AP's link-going-down, HAck, forwarding from the
// node's leave, delivery at the new MAG before its PBA), the reactive one (§4.2: HI with a Context
// Request after the attach, HAck with the context), and refusals that change nothing.
import { describe, expect, it } from 'vitest';
import * as mh from '../../wire/mh/index.js';
import { LocalMobilityAnchor } from './lma.js';
import { type MagAction, MobileAccessGateway } from './mag.js';

const LMA = 'fd00:5:5:1::1';
const MAG1 = 'fd00:5:5:2::2';
const MAG2 = 'fd00:5:5:3::2';
const LL = 'fe80::200:5eff:fe00:5213';
const MN_MAC = '02:aa:bb:cc:dd:01';
const HNP = 'fd00:5:5:100::';
const EPOCH = 1_800_000_000_000;

const mag = (address: string, peer: string) =>
  new MobileAccessGateway({
    address,
    lma: LMA,
    mobileNodes: [{ id: 'mn@pmip', linkLayerAddress: MN_MAC }],
    linkLocalAddress: LL,
    epochOffsetMs: EPOCH,
    fastHandover: { peers: [peer], forwardingMs: 2000, holdMs: 500 },
  });
const lma = () =>
  new LocalMobilityAnchor({
    address: LMA,
    mobileNodes: [{ id: 'mn@pmip', prefix: HNP, prefixLength: 64 }],
    epochOffsetMs: EPOCH,
  });

const sent = (actions: readonly unknown[]) =>
  (actions as MagAction[]).flatMap((a) => (a.kind === 'send-mh' ? [a] : []));
const kinds = (actions: readonly MagAction[]) => actions.filter((a) => a.kind !== 'event').map((a) => a.kind);

function deliver(now: number, from: readonly unknown[], to: LocalMobilityAnchor | MobileAccessGateway, dst?: string) {
  const out: unknown[] = [];
  for (const a of sent(from))
    if (!dst || a.dst === dst) out.push(...to.handle(now, { kind: 'mh', src: a.src, dst: a.dst, message: a.message }));
  return out as MagAction[];
}

/** mn registered at mag1 through the LMA. */
function registeredAtMag1() {
  const l = lma();
  const m1 = mag(MAG1, MAG2);
  const m2 = mag(MAG2, MAG1);
  const join = m1.handle(100, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' });
  // mag1's reactive HI at the first attach: mag2 has no context for mn (131), nothing changes.
  const refusal = deliver(101, join, m2, MAG2);
  expect(sent(refusal).map((a) => (a.message as mh.HandoverAcknowledge).code)).toEqual([131]);
  deliver(102, refusal, m1);
  deliver(110, deliver(105, join, l, LMA), m1);
  expect(m1.bindings[0]?.state).toBe('registered');
  return { l, m1, m2 };
}

describe('RFC 5949 predictive fast handover', () => {
  it('HI with P, U, F and the context; HAck P; forwarding from the leave; delivery and HI 3 PBU at the new MAG', () => {
    const { l, m1, m2 } = registeredAtMag1();
    const lgd = m1.handle(1000, { kind: 'handover-imminent', station: MN_MAC, peer: MAG2 });
    const [hiAction] = sent(lgd);
    expect(hiAction?.dst).toBe(MAG2);
    const hi = hiAction!.message as mh.HandoverInitiate;
    expect([hi.proxy, hi.buffer, hi.forwarding, hi.code]).toEqual([true, true, true, 0]);
    expect(mh.findOption(hi.options, 'MobileNodeIdentifier')?.identifier.toString()).toBe('mn@pmip');
    expect(mh.findOption(hi.options, 'MobileNodeLinkLayerIdentifier')?.linkLayerIdentifier.toString('hex')).toBe(
      '02aabbccdd01',
    );
    expect(mh.findOption(hi.options, 'HomeNetworkPrefix')).toMatchObject({ prefix: HNP, prefixLength: 64 });
    expect(mh.findOption(hi.options, 'LocalMobilityAnchorAddress')).toMatchObject({ optionCode: 1, address: LMA });
    expect(mh.findOption(hi.options, 'MobileNodeLinkLocalAddressInterfaceIdentifier')?.interfaceIdentifier).toEqual(
      Buffer.from('00aabbfffeccdd01', 'hex'),
    );

    const atNew = deliver(1005, lgd, m2);
    expect(atNew).toContainEqual({ kind: 'fh-buffer', prefix: HNP, prefixLength: 64, from: MAG1 });
    const hack = sent(atNew)[0]!.message as mh.HandoverAcknowledge;
    expect(hack.flags & mh.HandoverAcknowledgeFlag.Proxy).toBeTruthy();
    expect(hack.code).toBe(0);
    expect(deliver(1010, atNew, m1)).toEqual([expect.objectContaining({ kind: 'event' })]);

    // The AP reports the leave: no de-registration, forwarding to mag2 from the last frame.
    const left = m1.handle(1050, { kind: 'station-left', station: MN_MAC, atNs: '123', lastFrame: 'ab'.repeat(40) });
    expect(sent(left)).toEqual([]);
    expect(left).toContainEqual({ kind: 'fh-switch', prefix: HNP, to: MAG2, atNs: '123', lastFrame: 'ab'.repeat(40) });

    // The attach at mag2: delivery and uplink through mag1 at once, then the PBU with the prefix, HI 3.
    const join = m2.handle(1150, { kind: 'station-joined', station: MN_MAC, iface: 'ap2' });
    expect(kinds(join)).toEqual(['fh-deliver', 'send-mh', 'send-router-advertisement']);
    expect(join[0]).toEqual({
      kind: 'fh-deliver',
      prefix: HNP,
      prefixLength: 64,
      from: MAG1,
      iface: 'ap2',
      station: MN_MAC,
      uplink: true,
    });
    // The RA at once (RFC 5949: the prefix came with the context), with the requested lifetime.
    expect(join.find((a) => a.kind === 'send-router-advertisement')).toMatchObject({ prefix: HNP, validLifetimeS: 40 });
    const pbu = sent(join)[0]!.message as mh.BindingUpdate;
    expect(mh.findOption(pbu.options, 'HandoffIndicator')?.handoffIndicator).toBe(3);
    expect(mh.findOption(pbu.options, 'HomeNetworkPrefix')?.prefix).toBe(HNP);
    const pba = deliver(1160, join, l);
    expect(l.cache[0]?.proxyCoa).toBe(MAG2);
    expect(kinds(deliver(1170, pba, m2))).toContain('forward-up');

    // Forwarding ends: mag2 stops accepting from mag1; mag1's late de-registration changes nothing.
    const end1 = m1.handle(3100, { kind: 'tick' });
    expect(kinds(end1)).toEqual(['forward-down', 'send-mh']);
    deliver(3105, end1, l);
    expect(l.cache[0]?.proxyCoa).toBe(MAG2);
    expect(m2.handle(3200, { kind: 'tick' })).toContainEqual({ kind: 'fh-end', prefix: HNP });
    expect(m1.fastHandovers).toEqual([]);
    expect(m2.fastHandovers).toEqual([]);
  });

  it('a leave before the HAck holds; the HAck then switches to forwarding', () => {
    const { m1, m2 } = registeredAtMag1();
    const lgd = m1.handle(1000, { kind: 'handover-imminent', station: MN_MAC, peer: MAG2 });
    const left = m1.handle(1001, { kind: 'station-left', station: MN_MAC });
    expect(left).toContainEqual({ kind: 'fh-switch', prefix: HNP, to: null });
    const acked = deliver(1010, deliver(1005, lgd, m2), m1);
    expect(acked).toContainEqual({ kind: 'fh-switch', prefix: HNP, to: MAG2 });
  });

  it('HIs that are not for this MAG change nothing: no P, an unknown node, no context', () => {
    const { m2 } = registeredAtMag1();
    const base: mh.HandoverInitiate = {
      type: 'HandoverInitiate',
      sequenceNumber: 9,
      assignedAddressConfiguration: false,
      buffer: true,
      proxy: true,
      forwarding: true,
      code: 0,
      options: [mh.naiIdentifier('mn@pmip')],
    };
    const code = (m: mh.HandoverInitiate) => {
      const out = m2.handle(2000, { kind: 'mh', src: MAG1, dst: MAG2, message: m });
      expect(kinds(out)).toEqual(['send-mh']);
      return (sent(out)[0]!.message as mh.HandoverAcknowledge).code;
    };
    expect(code({ ...base, proxy: false })).toBe(128);
    expect(code({ ...base, options: [mh.naiIdentifier('other@pmip')] })).toBe(129);
    expect(code(base)).toBe(128);
    expect(m2.fastHandovers).toEqual([]);
    // From an address that is no peer: not a fast handover message at all.
    expect(m2.handle(2001, { kind: 'mh', src: LMA, dst: MAG2, message: base })).toMatchObject([
      { kind: 'event', event: { name: 'dropped', reason: 'mh-unexpected' } },
    ]);
  });
});

describe('RFC 5949 reactive fast handover', () => {
  it('the previous MAG holds after the leave; the new MAG asks with a Context Request and gets the context', () => {
    const { m1, m2 } = registeredAtMag1();
    const left = m1.handle(1000, { kind: 'station-left', station: MN_MAC });
    expect(sent(left)).toEqual([]); // no de-registration while it waits for an HI
    expect(left).toContainEqual({ kind: 'fh-switch', prefix: HNP, to: null });

    const join = m2.handle(1100, { kind: 'station-joined', station: MN_MAC, iface: 'ap2' });
    const hiAction = sent(join).find((a) => a.message.type === 'HandoverInitiate')!;
    const hi = hiAction.message as mh.HandoverInitiate;
    expect([hi.proxy, hi.forwarding, hi.code]).toEqual([true, true, 1]);
    expect(mh.findOption(hi.options, 'ContextRequest')?.requests.map((r) => r.requestType)).toEqual([22, 41]);

    const atPrev = deliver(1105, join, m1, MAG1);
    expect(atPrev).toContainEqual({ kind: 'fh-switch', prefix: HNP, to: MAG2 });
    const hack = sent(atPrev)[0]!.message as mh.HandoverAcknowledge;
    expect(hack.code).toBe(5);
    expect(mh.findOption(hack.options, 'HomeNetworkPrefix')?.prefix).toBe(HNP);

    const got = deliver(1110, atPrev, m2);
    expect(got).toContainEqual({
      kind: 'fh-deliver',
      prefix: HNP,
      prefixLength: 64,
      from: MAG1,
      iface: 'ap2',
      station: MN_MAC,
      uplink: true,
    });
  });

  it('no HI within the hold: the previous MAG de-registers as RFC 5213 does', () => {
    const { m1 } = registeredAtMag1();
    m1.handle(1000, { kind: 'station-left', station: MN_MAC });
    const end = m1.handle(1600, { kind: 'tick' });
    expect(kinds(end)).toEqual(['forward-down', 'send-mh']);
    expect((sent(end)[0]!.message as mh.BindingUpdate).lifetime).toBe(0);
  });
});
