import { describe, expect, it } from 'vitest';
import { TICK } from '../core/tick.js';
import * as mh from '../../wire/mh/index.js';
import { LocalMobilityAnchor } from './lma.js';
import { type MagAction, MobileAccessGateway } from './mag.js';

const LMA = 'fd00:5:5:1::1';
const MAG1 = 'fd00:5:5:2::2';
const MAG2 = 'fd00:5:5:3::2';
const LL = 'fe80::200:5eff:fe00:5213';
const MN_MAC = '02:aa:bb:cc:dd:01';
const EPOCH = 1_800_000_000_000;

const mag = (address: string) =>
  new MobileAccessGateway({
    address,
    lma: LMA,
    mobileNodes: [{ id: 'mn@pmip', linkLayerAddress: MN_MAC }],
    linkLocalAddress: LL,
    epochOffsetMs: EPOCH,
    lifetimeS: 40,
  });
const lma = () =>
  new LocalMobilityAnchor({
    address: LMA,
    mobileNodes: [{ id: 'mn@pmip', prefix: 'fd00:5:5:100::', prefixLength: 64 }],
    epochOffsetMs: EPOCH,
  });

const sent = (actions: readonly unknown[]) =>
  (actions as MagAction[]).flatMap((a) => (a.kind === 'send-mh' ? [a] : []));

/** Carries every MH action of one machine to the other, as the network would. */
function deliver(now: number, from: readonly unknown[], to: LocalMobilityAnchor | MobileAccessGateway): MagAction[] {
  const out: unknown[] = [];
  for (const a of sent(from)) out.push(...to.handle(now, { kind: 'mh', src: a.src, dst: a.dst, message: a.message }));
  return out as MagAction[];
}

describe('MobileAccessGateway (RFC 5213 §6)', () => {
  it('station-joined sends a PBU with the options of §6.9.1.5, ALL_ZERO prefix, HI 4, from the Proxy-CoA', () => {
    const out = mag(MAG1).handle(100, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' });
    const [pbu] = sent(out);
    expect(pbu?.src).toBe(MAG1);
    expect(pbu?.dst).toBe(LMA);
    const m = pbu!.message as mh.BindingUpdate;
    expect(m.proxyRegistration && m.acknowledge).toBe(true);
    expect(m.lifetime).toBe(10);
    expect(mh.findOption(m.options, 'MobileNodeIdentifier')?.identifier.toString()).toBe('mn@pmip');
    expect(mh.findOption(m.options, 'HomeNetworkPrefix')).toEqual({
      type: 'HomeNetworkPrefix',
      prefix: '::',
      prefixLength: 0,
    });
    expect(mh.findOption(m.options, 'HandoffIndicator')?.handoffIndicator).toBe(4);
    expect(mh.findOption(m.options, 'AccessTechnologyType')?.accessTechnologyType).toBe(4);
    expect(mh.findOption(m.options, 'LinkLocalAddress')?.linkLocalAddress).toBe(LL);
    expect(mh.findOption(m.options, 'MobileNodeLinkLayerIdentifier')?.linkLayerIdentifier.toString('hex')).toBe(
      '02aabbccdd01',
    );
    expect(mh.decode(pbu!.bytes, 0, { verify: { src: MAG1, dst: LMA } }).ok).toBe(true);
  });

  it('on the PBA: forwarding up for the assigned prefix and a unicast RA with only that prefix from the shared link-local address', () => {
    const g = mag(MAG1);
    const l = lma();
    const back = deliver(
      110,
      deliver(100, g.handle(100, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' }), l),
      g,
    );
    expect(back).toContainEqual({
      kind: 'forward-up',
      mnId: 'mn@pmip',
      station: MN_MAC,
      iface: 'ap1',
      prefix: 'fd00:5:5:100::',
      prefixLength: 64,
    });
    const ra = back.find((a) => a.kind === 'send-router-advertisement');
    expect(ra).toMatchObject({
      iface: 'ap1',
      src: LL,
      dst: 'fe80::aa:bbff:fecc:dd01',
      prefix: 'fd00:5:5:100::',
      prefixLength: 64,
    });
    expect(g.bindings[0]?.state).toBe('registered');
  });

  it('a handover between MAGs: the new MAG registers, the LMA moves the tunnel, the old MAG de-registers and its late PBA changes nothing', () => {
    const l = lma();
    const g1 = mag(MAG1);
    const g2 = mag(MAG2);
    deliver(10, deliver(0, g1.handle(0, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' }), l), g1);
    const left = g1.handle(1000, { kind: 'station-left', station: MN_MAC });
    expect(left).toContainEqual(expect.objectContaining({ kind: 'forward-down', iface: 'ap1' }));
    const dereg = sent(left)[0]!.message as mh.BindingUpdate;
    expect(dereg.lifetime).toBe(0);
    expect(mh.findOption(dereg.options, 'HomeNetworkPrefix')?.prefix).toBe('fd00:5:5:100::');
    const lmaOut = deliver(1005, left, l);
    expect(lmaOut).toContainEqual(expect.objectContaining({ kind: 'tunnel-down' }));
    deliver(1010, lmaOut as MagAction[], g1);
    expect(g1.bindings).toHaveLength(0);
    const joined = g2.handle(1050, { kind: 'station-joined', station: MN_MAC, iface: 'ap2' });
    const lma2 = deliver(1055, joined, l);
    expect(lma2).toContainEqual(
      expect.objectContaining({ kind: 'tunnel-up', proxyCoa: MAG2, prefix: 'fd00:5:5:100::' }),
    );
    expect(deliver(1060, lma2 as MagAction[], g2)).toContainEqual(
      expect.objectContaining({ kind: 'forward-up', iface: 'ap2', prefix: 'fd00:5:5:100::' }),
    );
  });

  it('retransmits an unanswered PBU after 1 s with a new sequence number and timestamp, then 2 s', () => {
    const g = mag(MAG1);
    const first = sent(g.handle(0, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' }))[0]!
      .message as mh.BindingUpdate;
    expect(g.nextDeadline()).toBe(1000);
    const second = sent(g.handle(1000, TICK))[0]!.message as mh.BindingUpdate;
    expect(second.sequenceNumber).toBe(first.sequenceNumber + 1);
    expect(mh.findOption(second.options, 'Timestamp')!.timestamp).toBeGreaterThan(
      mh.findOption(first.options, 'Timestamp')!.timestamp,
    );
    expect(g.nextDeadline()).toBe(3000);
  });

  it('refreshes at 80 % of the granted lifetime with the prefix and HI 5; sends periodic RAs', () => {
    const g = mag(MAG1);
    const l = lma();
    deliver(0, deliver(0, g.handle(0, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' }), l), g);
    const ras = g.handle(10_000, TICK).filter((a) => a.kind === 'send-router-advertisement');
    expect(ras).toHaveLength(1);
    const refresh = sent(g.handle(32_000, TICK))[0]!.message as mh.BindingUpdate;
    expect(mh.findOption(refresh.options, 'HandoffIndicator')?.handoffIndicator).toBe(5);
    expect(mh.findOption(refresh.options, 'HomeNetworkPrefix')?.prefix).toBe('fd00:5:5:100::');
  });

  it('ignores stations the policy does not list, PBAs from another source or with an unknown sequence number', () => {
    const g = mag(MAG1);
    expect(
      g
        .handle(0, { kind: 'station-joined', station: '02:00:00:00:00:99', iface: 'ap1' })
        .some((a) => a.kind === 'send-mh'),
    ).toBe(false);
    expect(g.counters['station-unknown']).toBe(1);
    g.handle(0, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' });
    const forged = mh.proxyBindingAcknowledgement({
      status: 0,
      sequenceNumber: 1,
      lifetime: 10,
      options: [mh.naiIdentifier('mn@pmip'), { type: 'HomeNetworkPrefix', prefix: 'fd00:bad::', prefixLength: 64 }],
    });
    expect(g.handle(1, { kind: 'mh', src: 'fd00:5:5:9::9', dst: MAG1, message: forged })).not.toContainEqual(
      expect.objectContaining({ kind: 'forward-up' }),
    );
    const wrongSeq = { ...forged, sequenceNumber: 77 };
    expect(g.handle(1, { kind: 'mh', src: LMA, dst: MAG1, message: wrongSeq })).not.toContainEqual(
      expect.objectContaining({ kind: 'forward-up' }),
    );
    expect(g.counters['mh-unexpected']).toBe(1);
    expect(g.counters['pba-unexpected']).toBe(1);
  });

  it('an RS from a listed node that is not registered starts a registration; from a registered one, an RA at once', () => {
    const g = mag(MAG1);
    const l = lma();
    const rs = g.handle(0, { kind: 'router-solicitation', iface: 'ap1', src: 'fe80::1234', station: MN_MAC });
    expect(sent(rs)).toHaveLength(1);
    deliver(0, deliver(0, rs, l), g);
    const again = g.handle(50, { kind: 'router-solicitation', iface: 'ap1', src: 'fe80::1234', station: MN_MAC });
    expect(again).toContainEqual(expect.objectContaining({ kind: 'send-router-advertisement', dst: 'fe80::1234' }));
  });
});

describe('MobileAccessGateway: the old MAG de-registration overtaking the new registration (RFC 5213 §5.5)', () => {
  it('a 157 is answered by one immediate resend with a fresh timestamp, which the LMA accepts', () => {
    const l = lma();
    const g1 = mag(MAG1);
    const g2 = mag(MAG2);
    deliver(10, deliver(0, g1.handle(0, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' }), l), g1);
    // mag2 registers first, but mag1's de-registration (a later timestamp) reaches the LMA first.
    const reg = g2.handle(1000, { kind: 'station-joined', station: MN_MAC, iface: 'ap2' });
    const dereg = g1.handle(1001, { kind: 'station-left', station: MN_MAC });
    deliver(1010, dereg, l);
    const refused = deliver(1012, reg, l);
    expect(sent(refused)[0]?.message).toMatchObject({ type: 'BindingAcknowledgement', status: 157 });
    const resend = deliver(1015, refused, g2);
    expect(sent(resend)).toHaveLength(1);
    expect(g2.counters['pbu-resent-after-timestamp-refusal']).toBe(1);
    const accepted = deliver(1020, resend, l);
    expect(accepted).toContainEqual(expect.objectContaining({ kind: 'tunnel-up', proxyCoa: MAG2 }));
    expect(deliver(1025, accepted, g2)).toContainEqual(expect.objectContaining({ kind: 'forward-up', iface: 'ap2' }));
  });

  it('a second timestamp refusal in one attempt ends it', () => {
    const g = mag(MAG1);
    const pbu = sent(g.handle(0, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' }))[0]!;
    const refuse = (seq: number) =>
      g.handle(5, {
        kind: 'mh',
        src: LMA,
        dst: MAG1,
        message: mh.proxyBindingAcknowledgement({
          status: 157,
          sequenceNumber: seq,
          lifetime: 0,
          options: [mh.naiIdentifier('mn@pmip')],
        }),
      });
    const again = sent(refuse((pbu.message as mh.BindingUpdate).sequenceNumber))[0]!;
    expect(refuse((again.message as mh.BindingUpdate).sequenceNumber)).toContainEqual(
      expect.objectContaining({
        kind: 'event',
        event: expect.objectContaining({ name: 'registration-refused', status: 157 }),
      }),
    );
    expect(g.bindings).toHaveLength(0);
  });
});

describe('MobileAccessGateway RAs over a long attachment', () => {
  it('advertise the granted lifetime in every RA, so the node renews its address while the binding lives', () => {
    const g = mag(MAG1);
    const l = lma();
    const first = deliver(0, deliver(0, g.handle(0, { kind: 'station-joined', station: MN_MAC, iface: 'ap1' }), l), g);
    const lifetimes = [first.find((a) => a.kind === 'send-router-advertisement')];
    for (let t = 10_000; t <= 100_000; t += 1000) {
      const out = g.handle(t, TICK);
      lifetimes.push(...out.filter((a) => a.kind === 'send-router-advertisement'));
      deliver(t, deliver(t, out, l), g); // refreshes answered
    }
    const values = lifetimes.map((a) => (a?.kind === 'send-router-advertisement' ? a.validLifetimeS : -1));
    expect(values.length).toBeGreaterThanOrEqual(10);
    expect(new Set(values)).toEqual(new Set([40]));
  });
});
