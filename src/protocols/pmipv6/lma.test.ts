import { describe, expect, it } from 'vitest';
import { TICK } from '../core/tick.js';
import * as mh from '../../wire/mh/index.js';
import { type LmaAction, LocalMobilityAnchor } from './lma.js';
import { timestampFromUnixMs, unixMsFromTimestamp } from './timestamp.js';

const LMA = 'fd00:5:5:1::1';
const MAG1 = 'fd00:5:5:2::2';
const MAG2 = 'fd00:5:5:3::2';
const EPOCH = 1_800_000_000_000;

function lma(extra: Partial<ConstructorParameters<typeof LocalMobilityAnchor>[0]> = {}) {
  return new LocalMobilityAnchor({
    address: LMA,
    mobileNodes: [{ id: 'mn@pmip', prefix: 'fd00:5:5:100::', prefixLength: 64 }, { id: 'pooled@pmip' }],
    pool: 'fd00:5:5:200::/56',
    epochOffsetMs: EPOCH,
    ...extra,
  });
}

function pbu(
  now: number,
  o: { id?: string; seq?: number; lifetime?: number; prefix?: string; hi?: number; ts?: number; drop?: string } = {},
) {
  const options: mh.MobilityOption[] = [
    mh.naiIdentifier(o.id ?? 'mn@pmip'),
    o.prefix
      ? { type: 'HomeNetworkPrefix', prefix: o.prefix, prefixLength: 64 }
      : { type: 'HomeNetworkPrefix', prefix: '::', prefixLength: 0 },
    { type: 'HandoffIndicator', handoffIndicator: o.hi ?? 4 },
    { type: 'AccessTechnologyType', accessTechnologyType: 4 },
    { type: 'LinkLocalAddress', linkLocalAddress: 'fe80::200:5eff:fe00:5213' },
    { type: 'Timestamp', timestamp: timestampFromUnixMs(o.ts ?? now + EPOCH) },
  ].filter((x) => x.type !== o.drop) as mh.MobilityOption[];
  return mh.proxyBindingUpdate({ sequenceNumber: o.seq ?? 1, lifetime: o.lifetime ?? 10, options });
}

const input = (src: string, message: mh.MobilityMessage) => ({ kind: 'mh' as const, src, dst: LMA, message });
const pba = (actions: LmaAction[]) => {
  const a = actions.find((x) => x.kind === 'send-mh');
  if (a?.kind !== 'send-mh' || a.message.type !== 'BindingAcknowledgement') throw new Error('no PBA');
  return { ...a, message: a.message };
};

describe('LocalMobilityAnchor (RFC 5213 §5)', () => {
  it('accepts a first PBU: the node gets its listed prefix, a tunnel to the MAG, a PBA copying the options', () => {
    const m = lma();
    const out = m.handle(1000, input(MAG1, pbu(1000)));
    expect(out).toContainEqual({
      kind: 'tunnel-up',
      mnId: 'mn@pmip',
      prefix: 'fd00:5:5:100::',
      prefixLength: 64,
      proxyCoa: MAG1,
    });
    const a = pba(out);
    expect(a.dst).toBe(MAG1);
    expect(a.src).toBe(LMA);
    expect(a.message.proxyRegistration).toBe(true);
    expect(a.message.status).toBe(0);
    expect(a.message.lifetime).toBe(10);
    expect(mh.findOption(a.message.options, 'HomeNetworkPrefix')).toEqual({
      type: 'HomeNetworkPrefix',
      prefix: 'fd00:5:5:100::',
      prefixLength: 64,
    });
    expect(mh.findOption(a.message.options, 'MobileNodeIdentifier')?.identifier.toString()).toBe('mn@pmip');
    expect(mh.findOption(a.message.options, 'HandoffIndicator')?.handoffIndicator).toBe(4);
    expect(mh.findOption(a.message.options, 'Timestamp')?.timestamp).toBe(timestampFromUnixMs(1000 + EPOCH));
    // The PBA's bytes decode to the same message (checksum over LMA -> MAG).
    const d = mh.decode(a.bytes, 0, { verify: { src: LMA, dst: MAG1 } });
    expect(d.ok).toBe(true);
    expect(m.cache).toHaveLength(1);
  });

  it("gives a node listed without a prefix the pool's first free /64, the same one on every registration", () => {
    const m = lma();
    const p1 = mh.findOption(
      pba(m.handle(1000, input(MAG1, pbu(1000, { id: 'pooled@pmip' })))).message.options,
      'HomeNetworkPrefix',
    );
    expect(p1?.prefix).toBe('fd00:5:5:200::');
    const p2 = mh.findOption(
      pba(m.handle(2000, input(MAG2, pbu(2000, { id: 'pooled@pmip', seq: 2 })))).message.options,
      'HomeNetworkPrefix',
    );
    expect(p2).toEqual(p1);
  });

  it('a PBU from another MAG moves the tunnel (handoff), a refresh from the same MAG does not', () => {
    const m = lma();
    m.handle(1000, input(MAG1, pbu(1000)));
    const refresh = m.handle(2000, input(MAG1, pbu(2000, { seq: 2, hi: 5, prefix: 'fd00:5:5:100::' })));
    expect(refresh.some((a) => a.kind === 'tunnel-up')).toBe(false);
    expect(pba(refresh).message.status).toBe(0);
    const move = m.handle(3000, input(MAG2, pbu(3000, { seq: 3 })));
    expect(move).toContainEqual(expect.objectContaining({ kind: 'tunnel-up', proxyCoa: MAG2 }));
    expect(m.cache[0]!.proxyCoa).toBe(MAG2);
  });

  it('refuses a timestamp outside TimestampValidityWindow with 156 and its own time (§5.5)', () => {
    const m = lma();
    const a = pba(m.handle(1000, input(MAG1, pbu(1000, { ts: 1000 + EPOCH - 400 }))));
    expect(a.message.status).toBe(156);
    expect(unixMsFromTimestamp(mh.findOption(a.message.options, 'Timestamp')!.timestamp)).toBeCloseTo(1000 + EPOCH, -1);
    expect(m.cache).toHaveLength(0);
    expect(m.counters['pbu-timestamp-mismatch']).toBe(1);
  });

  it('refuses a timestamp not newer than the accepted one with 157, binding unchanged', () => {
    const m = lma();
    m.handle(1000, input(MAG1, pbu(1000)));
    const out = m.handle(1100, input(MAG2, pbu(1100, { seq: 2, ts: 1000 + EPOCH })));
    expect(pba(out).message.status).toBe(157);
    expect(out.some((a) => a.kind === 'tunnel-up')).toBe(false);
    expect(m.cache[0]!.proxyCoa).toBe(MAG1);
  });

  it('refuses a node the policy does not list (153), a foreign prefix (155), missing options (160/158/161/162)', () => {
    const m = lma();
    expect(pba(m.handle(1, input(MAG1, pbu(1, { id: 'stranger@x' })))).message.status).toBe(153);
    expect(pba(m.handle(2, input(MAG1, pbu(2, { prefix: 'fd00:5:5:999::' })))).message.status).toBe(155);
    expect(pba(m.handle(3, input(MAG1, pbu(3, { drop: 'MobileNodeIdentifier' })))).message.status).toBe(160);
    expect(pba(m.handle(4, input(MAG1, pbu(4, { drop: 'HomeNetworkPrefix' })))).message.status).toBe(158);
    expect(pba(m.handle(5, input(MAG1, pbu(5, { drop: 'HandoffIndicator' })))).message.status).toBe(161);
    expect(pba(m.handle(6, input(MAG1, pbu(6, { drop: 'AccessTechnologyType' })))).message.status).toBe(162);
    expect(m.cache).toHaveLength(0);
  });

  it('refuses a MAG not allowed to register the node (154)', () => {
    const m = lma({ mags: [MAG2] });
    expect(pba(m.handle(1, input(MAG1, pbu(1)))).message.status).toBe(154);
  });

  it('de-registration: tunnel down at once, entry kept MinDelayBeforeBCEDelete, a new MAG picks it up', () => {
    const m = lma({ minDelayBeforeBceDeleteMs: 10_000 });
    m.handle(1000, input(MAG1, pbu(1000)));
    const d = m.handle(2000, input(MAG1, pbu(2000, { seq: 2, lifetime: 0, prefix: 'fd00:5:5:100::' })));
    expect(d).toContainEqual({ kind: 'tunnel-down', mnId: 'mn@pmip', prefix: 'fd00:5:5:100::', prefixLength: 64 });
    expect(pba(d).message.lifetime).toBe(0);
    expect(m.nextDeadline()).toBe(12_000);
    const back = m.handle(2050, input(MAG2, pbu(2050, { seq: 3 })));
    expect(back).toContainEqual(expect.objectContaining({ kind: 'tunnel-up', proxyCoa: MAG2 }));
    expect(m.cache[0]!.deleteAt).toBeUndefined();
  });

  it('a de-registration from a MAG the node has left changes nothing (§5.3.5)', () => {
    const m = lma();
    m.handle(1000, input(MAG1, pbu(1000)));
    m.handle(1100, input(MAG2, pbu(1100, { seq: 2 })));
    const late = m.handle(1200, input(MAG1, pbu(1200, { seq: 3, lifetime: 0 })));
    expect(late.some((a) => a.kind === 'tunnel-down')).toBe(false);
    expect(m.cache[0]!.proxyCoa).toBe(MAG2);
    expect(m.counters['pbu-dereg-ignored']).toBe(1);
  });

  it('deletes a de-registered entry after the delay, expires a binding at its lifetime', () => {
    const m = lma({ minDelayBeforeBceDeleteMs: 500 });
    m.handle(0, input(MAG1, pbu(0)));
    m.handle(100, input(MAG1, pbu(100, { seq: 2, lifetime: 0 })));
    expect(m.handle(700, TICK)).toContainEqual(expect.objectContaining({ kind: 'event' }));
    expect(m.cache).toHaveLength(0);
    const n = lma();
    n.handle(0, input(MAG1, pbu(0, { lifetime: 1 })));
    expect(n.handle(4000, TICK)).toContainEqual(expect.objectContaining({ kind: 'tunnel-down' }));
    expect(n.cache).toHaveLength(0);
  });

  it('drops a BU without the P flag and other MH types, counted', () => {
    const m = lma();
    const bu = mh.bindingUpdate({ sequenceNumber: 1, lifetime: 1, homeRegistration: true, options: [] });
    expect(m.handle(1, input(MAG1, bu)).some((a) => a.kind === 'send-mh')).toBe(false);
    expect(m.counters['not-proxy']).toBe(1);
  });
});
