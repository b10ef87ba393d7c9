import { describe, expect, it } from 'vitest';
import * as mh from '../../wire/mh/index.js';
import { naiIdentifier, type MobilityOption } from '../../wire/mh/options/types.js';
import { ntpTimestampFromUnixMs, sealWithMnHa, verifyMnHa } from '../mipv6/auth.js';
import type { AuthenticatedMobilityHeaderInput } from '../core/index.js';
import { canonical } from '../../wire/address.js';
import { MobilityAnchorPoint, type MapAction, type MapConfig, type MapMobileNode } from './map.js';

const MAP = '2001:db8:50::1';
const RCOA_PREFIX = '2001:db8:50::';
const RCOA1 = canonical('2001:db8:50::211:22ff:fe33:4401');
const RCOA2 = canonical('2001:db8:50::211:22ff:fe33:4402');
const LCOA1 = canonical('2001:db8:a1::211:22ff:fe33:4401');
const LCOA2 = canonical('2001:db8:a2::211:22ff:fe33:4401');
const EPOCH = 1_700_000_000_000;
const MN1: MapMobileNode = { nai: 'mn1@lab', spi: 400, key: Buffer.from('00112233445566778899aabbccddeeff', 'hex') };
const MN2: MapMobileNode = { nai: 'mn2@lab', spi: 401, key: Buffer.from('ffeeddccbbaa99887766554433221100', 'hex') };

function config(over: Partial<MapConfig> = {}): MapConfig {
  return {
    address: MAP,
    rcoaPrefix: RCOA_PREFIX,
    rcoaPrefixLength: 64,
    mobileNodes: [MN1, MN2],
    epochOffsetMs: EPOCH,
    performDad: false,
    ...over,
  };
}

interface LocalBu {
  seq: number;
  at: number;
  rcoa?: string;
  lcoa?: string;
  lifetimeS?: number;
  sa?: MapMobileNode;
  key?: Buffer;
  map?: boolean;
  noHao?: boolean;
}

/** A local BU as the mobile node sends it (RFC 5380 §6.1), through the codec. */
function localBu(s: LocalBu): AuthenticatedMobilityHeaderInput {
  const sa = s.sa ?? MN1;
  const rcoa = s.rcoa ?? RCOA1;
  const lcoa = s.lcoa ?? LCOA1;
  const options: MobilityOption[] = [
    naiIdentifier(sa.nai),
    { type: 'MobilityMessageReplayProtection', timestamp: ntpTimestampFromUnixMs(EPOCH + s.at) },
  ];
  const bu = mh.bindingUpdate({
    sequenceNumber: s.seq,
    lifetime: Math.floor((s.lifetimeS ?? 120) / 4),
    acknowledge: true,
    mapRegistration: s.map ?? true,
    options,
  });
  const sealed = sealWithMnHa(bu, { spi: sa.spi, key: s.key ?? sa.key }, lcoa, rcoa, { src: rcoa, dst: MAP });
  const d = mh.decode(sealed.bytes);
  if (!d.ok) throw new Error(d.error.message);
  return {
    kind: 'mh',
    src: lcoa,
    dst: MAP,
    homeAddressOption: s.noHao ? undefined : rcoa,
    message: d.value,
    bytes: sealed.bytes,
  };
}

const sends = (a: MapAction[]) => a.filter((x) => x.kind === 'send-mh');
function baOf(a: MapAction[]) {
  const s = sends(a);
  expect(s).toHaveLength(1);
  const send = s[0]!;
  if (send.kind !== 'send-mh' || send.message.type !== 'BindingAcknowledgement') throw new Error('not a BA');
  return { send, ba: send.message };
}

describe('MobilityAnchorPoint (RFC 5380 §6.2)', () => {
  it('accepts a local BU: binding RCoA -> LCoA, BA to the LCoA with RH2 = RCoA, proxy ND, tunnel', () => {
    const map = new MobilityAnchorPoint(config());
    const out = map.handle(1000, localBu({ seq: 7, at: 1000 }));
    const { send, ba } = baOf(out);
    expect(ba.status).toBe(0);
    expect(ba.sequenceNumber).toBe(7);
    expect(ba.lifetime).toBe(30);
    expect(send.src).toBe(MAP);
    expect(send.dst).toBe(LCOA1);
    expect(send.routingType2).toBe(RCOA1);
    // The BA is authenticated with the node's key over LCoA | RCoA.
    expect(verifyMnHa({ ...MN1, homeAddress: RCOA1 }, LCOA1, RCOA1, send.bytes).ok).toBe(true);
    expect(out).toContainEqual({ kind: 'proxy-nd-start', regionalCareOfAddress: RCOA1 });
    expect(out).toContainEqual({ kind: 'tunnel-up', regionalCareOfAddress: RCOA1, onLinkCareOfAddress: LCOA1 });
    expect(map.cache.get(RCOA1)).toMatchObject({ careOfAddress: LCOA1, nai: 'mn1@lab', sequenceNumber: 7 });
  });

  it('a move inside the domain re-points the tunnel to the new LCoA, proxy ND untouched', () => {
    const map = new MobilityAnchorPoint(config());
    map.handle(1000, localBu({ seq: 1, at: 1000 }));
    const out = map.handle(2000, localBu({ seq: 2, at: 2000, lcoa: LCOA2 }));
    expect(baOf(out).ba.status).toBe(0);
    expect(out).toContainEqual({ kind: 'tunnel-up', regionalCareOfAddress: RCOA1, onLinkCareOfAddress: LCOA2 });
    expect(out.some((a) => a.kind === 'proxy-nd-start')).toBe(false);
    expect(map.cache.get(RCOA1)?.careOfAddress).toBe(LCOA2);
  });

  it('refuses an RCoA not on the MAP prefix with 132 and keeps the cache as it was', () => {
    const map = new MobilityAnchorPoint(config());
    const out = map.handle(1000, localBu({ seq: 1, at: 1000, rcoa: '2001:db8:99::1' }));
    const other = canonical('2001:db8:99::1');
    const { send, ba } = baOf(out);
    expect(ba.status).toBe(132);
    expect(ba.lifetime).toBe(0);
    expect(send.routingType2).toBe(other);
    expect(map.cache.size).toBe(0);
    expect(map.counters['bu-rcoa-not-on-map-prefix']).toBe(1);
  });

  it("refuses another node's RCoA with 129, binding unchanged", () => {
    const map = new MobilityAnchorPoint(config());
    map.handle(1000, localBu({ seq: 1, at: 1000 }));
    const before = map.cache.entries();
    const out = map.handle(1500, localBu({ seq: 9, at: 1500, sa: MN2, lcoa: LCOA2 }));
    expect(baOf(out).ba.status).toBe(129);
    expect(out.some((a) => a.kind === 'tunnel-up')).toBe(false);
    expect(map.cache.entries()).toEqual(before);
    expect(map.counters['bu-rcoa-of-another-node']).toBe(1);
  });

  it('refuses a forged BU (wrong key) with 146, unauthenticated, binding unchanged', () => {
    const map = new MobilityAnchorPoint(config());
    map.handle(1000, localBu({ seq: 1, at: 1000 }));
    const before = map.cache.entries();
    const out = map.handle(1500, localBu({ seq: 2, at: 1500, lcoa: LCOA2, key: Buffer.alloc(16, 7) }));
    const { send, ba } = baOf(out);
    expect(ba.status).toBe(146);
    expect(ba.options.some((o) => o.type === 'MobilityMessageAuthentication')).toBe(false);
    expect(send.dst).toBe(LCOA2);
    expect(map.cache.entries()).toEqual(before);
  });

  it('drops a BU without the M flag, or without a Home Address option, and counts it', () => {
    const map = new MobilityAnchorPoint(config());
    expect(sends(map.handle(1000, localBu({ seq: 1, at: 1000, map: false })))).toEqual([]);
    expect(sends(map.handle(1000, localBu({ seq: 1, at: 1000, noHao: true })))).toEqual([]);
    expect(map.counters['bu-not-map-registration']).toBe(1);
    expect(map.counters['bu-no-home-address-option']).toBe(1);
    expect(map.cache.size).toBe(0);
  });

  it('refuses an old sequence number with 135 carrying the last accepted one', () => {
    const map = new MobilityAnchorPoint(config());
    map.handle(1000, localBu({ seq: 10, at: 1000 }));
    const { ba } = baOf(map.handle(1100, localBu({ seq: 10, at: 1100, lcoa: LCOA2 })));
    expect(ba.status).toBe(135);
    expect(ba.sequenceNumber).toBe(10);
    expect(map.cache.get(RCOA1)?.careOfAddress).toBe(LCOA1);
  });

  it('refuses a replayed BU with 144', () => {
    const map = new MobilityAnchorPoint(config());
    map.handle(1000, localBu({ seq: 1, at: 1000 }));
    expect(baOf(map.handle(1100, localBu({ seq: 2, at: 900, lcoa: LCOA2 }))).ba.status).toBe(144);
    expect(map.cache.get(RCOA1)?.careOfAddress).toBe(LCOA1);
  });

  it('refuses an LCoA outside the valid on-link prefixes with 129 when they are configured', () => {
    const map = new MobilityAnchorPoint(config({ onLinkPrefixes: [{ prefix: '2001:db8:a1::', prefixLength: 64 }] }));
    expect(baOf(map.handle(1000, localBu({ seq: 1, at: 1000 }))).ba.status).toBe(0);
    expect(baOf(map.handle(1100, localBu({ seq: 2, at: 1100, lcoa: LCOA2 }))).ba.status).toBe(129);
    expect(map.counters['bu-lcoa-not-allowed']).toBe(1);
  });

  it('runs DAD for a new RCoA and holds the BA until it passes; a duplicate gets 134', () => {
    const map = new MobilityAnchorPoint(config({ performDad: true }));
    const start = map.handle(1000, localBu({ seq: 1, at: 1000 }));
    expect(start).toEqual([{ kind: 'dad-start', regionalCareOfAddress: RCOA1 }]);
    // A retransmission while DAD runs starts nothing new.
    expect(map.handle(1200, localBu({ seq: 2, at: 1200 }))).toEqual([]);
    // Another node asking for the same RCoA meanwhile is refused.
    expect(baOf(map.handle(1300, localBu({ seq: 1, at: 1300, sa: MN2 }))).ba.status).toBe(129);
    const done = map.handle(2000, { kind: 'dad-result', regionalCareOfAddress: RCOA1, duplicate: false });
    expect(baOf(done).ba).toMatchObject({ status: 0, sequenceNumber: 2 });
    const map2 = new MobilityAnchorPoint(config({ performDad: true }));
    map2.handle(1000, localBu({ seq: 1, at: 1000 }));
    const dup = map2.handle(2000, { kind: 'dad-result', regionalCareOfAddress: RCOA1, duplicate: true });
    expect(baOf(dup).ba.status).toBe(134);
    expect(map2.cache.size).toBe(0);
  });

  it('deregisters on lifetime 0 and expires bindings at their lifetime', () => {
    const map = new MobilityAnchorPoint(config());
    map.handle(1000, localBu({ seq: 1, at: 1000, lifetimeS: 8 }));
    expect(map.nextDeadline()).toBe(9000);
    const gone = map.handle(9000, { kind: 'tick' });
    expect(gone).toContainEqual({ kind: 'tunnel-down', regionalCareOfAddress: RCOA1 });
    expect(map.cache.size).toBe(0);
    map.handle(10_000, localBu({ seq: 2, at: 10_000 }));
    const out = map.handle(11_000, localBu({ seq: 3, at: 11_000, lifetimeS: 0 }));
    expect(baOf(out).ba.status).toBe(0);
    expect(out).toContainEqual({ kind: 'proxy-nd-stop', regionalCareOfAddress: RCOA1 });
    expect(map.cache.size).toBe(0);
  });

  it('keeps one binding per node: a new RCoA of the same node replaces the old one', () => {
    const map = new MobilityAnchorPoint(config());
    map.handle(1000, localBu({ seq: 1, at: 1000 }));
    const out = map.handle(2000, localBu({ seq: 1, at: 2000, rcoa: RCOA2 }));
    expect(out).toContainEqual({ kind: 'tunnel-down', regionalCareOfAddress: RCOA1 });
    expect(map.cache.entries().map((e) => e.homeAddress)).toEqual([RCOA2]);
  });

  it('never throws on arbitrary Mobility Headers and keeps the cache empty', () => {
    const map = new MobilityAnchorPoint(config());
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: 8 + (i % 40) }, (_, k) => (i * 31 + k * 17) & 0xff));
      const d = mh.decode(bytes);
      if (!d.ok) continue;
      map.handle(i, { kind: 'mh', src: LCOA1, dst: MAP, homeAddressOption: RCOA1, message: d.value, bytes });
    }
    expect(map.cache.size).toBe(0);
  });
});
