// RFC 6058 transient binding between two MAG machines and one LMA, messages carried by hand: the
// previous MAG's HI tells the new MAG of the node (context only: U and F clear), the new MAG registers
// it ahead with the Transient Binding option (late path switch), the LMA keeps the downlink at the
// previous MAG and accepts uplink from both; the switch comes with the previous MAG's
// de-registration, the new MAG's PBU at the attach, or the transient lifetime's end.
import { describe, expect, it } from 'vitest';
import { TICK } from '../core/tick.js';
import * as mh from '../../wire/mh/index.js';
import { type LmaAction, LocalMobilityAnchor } from './lma.js';
import { type MagAction, MobileAccessGateway } from './mag.js';

const LMA = 'fd00:5:5:1::1';
const MAG1 = 'fd00:5:5:2::2';
const MAG2 = 'fd00:5:5:3::2';
const LL = 'fe80::200:5eff:fe00:5213';
const MN_MAC = '02:aa:bb:cc:dd:01';
const HNP = 'fd00:5:5:100::';
const EPOCH = 1_800_000_000_000;
const P = { mnId: 'mn@pmip', prefix: HNP, prefixLength: 64 };

const mag = (address: string, peer: string, late = true) =>
  new MobileAccessGateway({
    address,
    lma: LMA,
    mobileNodes: [{ id: 'mn@pmip', linkLayerAddress: MN_MAC }],
    linkLocalAddress: LL,
    epochOffsetMs: EPOCH,
    fastHandover: { peers: [peer], forwarding: false, holdMs: 1000 },
    transientBinding: { lifetimeMs: 1500, latePathSwitch: late },
  });
const lma = () =>
  new LocalMobilityAnchor({
    address: LMA,
    mobileNodes: [{ id: 'mn@pmip', prefix: HNP, prefixLength: 64 }],
    epochOffsetMs: EPOCH,
  });

type Any = MagAction | LmaAction;
const sent = (actions: readonly Any[]) => actions.flatMap((a) => (a.kind === 'send-mh' ? [a] : []));
const kinds = (actions: readonly Any[]) => actions.filter((a) => a.kind !== 'event').map((a) => a.kind);
const tunnel = (actions: readonly Any[]) => actions.filter((a) => a.kind.startsWith('tunnel-'));

function deliver(now: number, from: readonly Any[], to: LocalMobilityAnchor | MobileAccessGateway, dst: string) {
  const out: Any[] = [];
  for (const a of sent(from))
    if (a.dst === dst) out.push(...to.handle(now, { kind: 'mh', src: a.src, dst: a.dst, message: a.message }));
  return out;
}

/** mn registered at mag1; mag1's link-going-down report toward mag2, HI/HAck, mag2's early PBU at the LMA. */
function preparedAhead(late = true) {
  const l = lma();
  const m1 = mag(MAG1, MAG2, late);
  const m2 = mag(MAG2, MAG1, late);
  const join = m1.handle(100, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' });
  // Context only: no reactive HI at an attach (that would ask for forwarding).
  expect(sent(join).map((a) => a.message.type)).toEqual(['BindingUpdate']);
  deliver(110, deliver(105, join, l, LMA), m1, MAG1);
  const hi = m1.handle(1000, { kind: 'handover-imminent', station: MN_MAC, peer: MAG2 });
  const hiMsg = sent(hi)[0]!.message as mh.HandoverInitiate;
  expect(hiMsg).toMatchObject({ type: 'HandoverInitiate', proxy: true, buffer: false, forwarding: false, code: 0 });
  const atMag2 = deliver(1002, hi, m2, MAG2);
  expect(kinds(atMag2)).not.toContain('fh-buffer');
  const hack = sent(atMag2).find((a) => a.message.type === 'HandoverAcknowledge')!.message as mh.HandoverAcknowledge;
  expect(hack.code).toBe(0);
  expect(hack.flags & (mh.HandoverAcknowledgeFlag.Forwarding | mh.HandoverAcknowledgeFlag.Buffer)).toBe(0);
  deliver(1004, atMag2, m1, MAG1);
  const early = sent(atMag2).find((a) => a.message.type === 'BindingUpdate')!.message as mh.ProxyBindingUpdate;
  expect(mh.findOption(early.options, 'TransientBinding')).toEqual({
    type: 'TransientBinding',
    latePathSwitch: late,
    lifetime: 15,
  });
  expect(mh.findOption(early.options, 'HandoffIndicator')?.handoffIndicator).toBe(3);
  expect(mh.findOption(early.options, 'HomeNetworkPrefix')?.prefix).toBe(HNP);
  const atLma = deliver(1010, atMag2, l, LMA);
  return { l, m1, m2, atLma, pbaAtMag2: deliver(1020, atLma, m2, MAG2) };
}

describe('RFC 6058 transient binding, late path switch', () => {
  it('the LMA keeps the downlink at the previous MAG and accepts the new one too; the PBA grants the option', () => {
    const { l, m2, atLma, pbaAtMag2 } = preparedAhead();
    expect(tunnel(atLma)).toEqual([{ kind: 'tunnel-accept', ...P, from: MAG2, forMs: 1500 }]);
    const pba = sent(atLma)[0]!.message as mh.ProxyBindingAcknowledgement;
    expect(pba.status).toBe(0);
    expect(mh.findOption(pba.options, 'TransientBinding')).toEqual({
      type: 'TransientBinding',
      latePathSwitch: true,
      lifetime: 15,
    });
    expect(l.cache[0]).toMatchObject({ proxyCoa: MAG2, transient: { previousCoa: MAG1, late: true, until: 2510 } });
    // Registered at mag2, but the node is not there: nothing forwarded, no RA.
    expect(kinds(pbaAtMag2)).toEqual([]);
    expect(m2.bindings[0]).toMatchObject({ state: 'registered', iface: '', forwarding: false });
  });

  it("the previous MAG's de-registration at the detach switches the downlink to the new MAG", () => {
    const { l, m1 } = preparedAhead();
    const left = m1.handle(1100, { kind: 'station-left', station: MN_MAC });
    expect(kinds(left)).toEqual(['forward-down', 'send-mh']);
    const atLma = deliver(1105, left, l, LMA);
    expect(tunnel(atLma)).toEqual([{ kind: 'tunnel-up', ...P, proxyCoa: MAG2 }]);
    expect((sent(atLma)[0]!.message as mh.ProxyBindingAcknowledgement).status).toBe(0);
    expect(l.cache[0]?.transient).toBeUndefined();
    expect(l.cache[0]?.proxyCoa).toBe(MAG2);
    deliver(1110, atLma, m1, MAG1);
    expect(m1.bindings).toEqual([]);
  });

  it('at the attach the new MAG forwards and advertises at once, and its PBU without the option switches', () => {
    const { l, m2 } = preparedAhead();
    const join = m2.handle(1200, { kind: 'station-joined', station: MN_MAC, iface: 'ap2' });
    expect(kinds(join)).toEqual(['forward-up', 'send-router-advertisement', 'send-mh']);
    const switchPbu = sent(join)[0]!.message as mh.ProxyBindingUpdate;
    expect(mh.findOption(switchPbu.options, 'TransientBinding')).toBeUndefined();
    const atLma = deliver(1205, join, l, LMA);
    expect(tunnel(atLma)).toEqual([{ kind: 'tunnel-up', ...P, proxyCoa: MAG2 }]);
    // The PBA of the switch: already forwarding, nothing more to do.
    expect(kinds(deliver(1210, atLma, m2, MAG2))).toEqual([]);
    expect(m2.bindings[0]).toMatchObject({ state: 'registered', iface: 'ap2', forwarding: true });
  });

  it('with no switch, the transient lifetime ends it: the downlink moves to the new MAG', () => {
    const { l } = preparedAhead();
    expect(l.nextDeadline()).toBe(2510);
    expect(tunnel(l.handle(2509, TICK))).toEqual([]);
    expect(tunnel(l.handle(2510, TICK))).toEqual([{ kind: 'tunnel-up', ...P, proxyCoa: MAG2 }]);
    expect(l.counters['path-switched.expired']).toBe(1);
  });

  it('a node that never arrives: the new MAG withdraws, the binding is the previous MAG’s again', () => {
    const { l, m2 } = preparedAhead();
    // The HI's record ends after holdMs (1000) with no attach: mag2 de-registers its early binding.
    const end = m2.handle(2002, TICK);
    const dereg = sent(end)[0]!.message as mh.ProxyBindingUpdate;
    expect(dereg.lifetime).toBe(0);
    const atLma = deliver(2005, end, l, LMA);
    expect(tunnel(atLma)).toEqual([]);
    expect(l.cache[0]).toMatchObject({ proxyCoa: MAG1 });
    expect(l.cache[0]?.transient).toBeUndefined();
    expect(l.cache[0]?.deleteAt).toBeUndefined();
  });
});

describe('RFC 6058 transient binding without the late path switch, and when it cannot apply', () => {
  it('L clear: the downlink moves to the new MAG at once, the previous MAG’s uplink is accepted for the lifetime', () => {
    const { atLma } = preparedAhead(false);
    expect(tunnel(atLma)).toEqual([
      { kind: 'tunnel-up', ...P, proxyCoa: MAG2 },
      { kind: 'tunnel-accept', ...P, from: MAG1, forMs: 1500 },
    ]);
  });

  it('a Transient Binding option with no binding at another MAG: registered as usual, status 6', () => {
    const l = lma();
    const m2 = mag(MAG2, MAG1);
    m2.handle(0, { kind: 'station-joined', station: MN_MAC, iface: 'ap2' });
    const message: mh.HandoverInitiate = {
      type: 'HandoverInitiate',
      sequenceNumber: 9,
      assignedAddressConfiguration: false,
      buffer: false,
      proxy: true,
      forwarding: false,
      code: 0,
      options: [
        mh.naiIdentifier('mn@pmip'),
        { type: 'MobileNodeLinkLayerIdentifier', linkLayerIdentifier: Buffer.from('02aabbccdd01', 'hex') },
        { type: 'HomeNetworkPrefix', prefix: HNP, prefixLength: 64 },
        { type: 'LocalMobilityAnchorAddress', optionCode: 1, address: LMA },
      ],
    };
    const hi = { kind: 'mh' as const, src: MAG1, dst: MAG2, message };
    // mn is attached at mag2 already: the HI is refused and nothing is registered ahead.
    expect(sent(m2.handle(5, hi)).map((a) => a.message.type)).toEqual(['HandoverAcknowledge']);
    // A fresh MAG registering ahead for a node with no binding anywhere.
    const m3 = mag(MAG2, MAG1);
    const early = m3.handle(10, hi);
    const atLma = deliver(11, early, l, LMA);
    expect(tunnel(atLma)).toEqual([{ kind: 'tunnel-up', ...P, proxyCoa: MAG2 }]);
    const pba = sent(atLma)[0]!.message as mh.ProxyBindingAcknowledgement;
    expect(pba.status).toBe(mh.ProxyBindingAcknowledgementStatus.PbuAcceptedTbIgnoredSettingsMismatch);
    expect(mh.findOption(pba.options, 'TransientBinding')).toBeUndefined();
    expect(l.counters['transient-ignored']).toBe(1);
  });
});
