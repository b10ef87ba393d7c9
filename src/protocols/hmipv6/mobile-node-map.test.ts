import { describe, expect, it } from 'vitest';
import * as mh from '../../wire/mh/index.js';
import { canonical, slaacAddress } from '../../wire/address.js';
import { MobilityAnchorPoint, type MapAction } from './map.js';
import { type MapOptionInfo, regionalCareOfAddress, selectMap } from './map-selection.js';
import { MobileNodeMap, type MobileNodeMapAction, type MapRouterAdvertisement } from './mobile-node-map.js';

const IID = '::211:22ff:fe33:4401';
const MAP1 = canonical('2001:db8:50::1');
const MAP2 = canonical('2001:db8:60::1');
const EPOCH = 1_700_000_000_000;
const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const opt = (globalAddress: string, o: Partial<MapOptionInfo> = {}): MapOptionInfo => ({
  distance: 2,
  preference: 10,
  rcoa: false,
  validLifetime: 600,
  globalAddress,
  ...o,
});
const ra = (router: string, prefix: string, maps: MapOptionInfo[]): MapRouterAdvertisement => ({
  kind: 'router-advertisement',
  router,
  prefixes: [{ prefix, prefixLength: 64, autonomous: true }],
  maps,
});

describe('selectMap (RFC 5380 §7.1, §9.1)', () => {
  it('takes the highest preference, then the most distant, then the current one', () => {
    const a = opt('2001:db8:50::1', { preference: 5, distance: 4 });
    const b = opt('2001:db8:60::1', { preference: 9, distance: 1 });
    expect(selectMap([a, b], null)).toBe(b);
    const c = opt('2001:db8:70::1', { preference: 9, distance: 3 });
    expect(selectMap([a, b, c], null)).toBe(c);
    const d = opt('2001:db8:40::1', { preference: 9, distance: 3 });
    expect(selectMap([c, d], null)).toBe(d); // lowest address on a full tie
    expect(selectMap([c, d], '2001:db8:70::1')).toBe(c); // but the current MAP stays
  });

  it('never picks a lifetime of 0, and preference 0 only for the current MAP', () => {
    expect(selectMap([opt(MAP1, { validLifetime: 0 })], MAP1)).toBeNull();
    expect(selectMap([opt(MAP1, { preference: 0 })], null)).toBeNull();
    expect(selectMap([opt(MAP1, { preference: 0 })], MAP1)?.globalAddress).toBe(MAP1);
  });

  it('forms the RCoA from the MAP prefix and the interface identifier (§6)', () => {
    expect(regionalCareOfAddress(MAP1, IID)).toEqual({
      rcoa: canonical('2001:db8:50::211:22ff:fe33:4401'),
      prefix: canonical('2001:db8:50::'),
    });
  });
});

/** An MN and two MAPs exchanging messages through the codec, as the journey tests of mipv6 do. */
function setup() {
  const mn = new MobileNodeMap({
    nai: 'mn@lab',
    spi: 500,
    key: KEY,
    interfaceId: IID,
    epochOffsetMs: EPOCH,
    lifetimeS: 60,
  });
  const maps = new Map<string, MobilityAnchorPoint>(
    [MAP1, MAP2].map((m) => [
      m,
      new MobilityAnchorPoint({
        address: m,
        rcoaPrefix: regionalCareOfAddress(m, IID).prefix,
        rcoaPrefixLength: 64,
        mobileNodes: [{ nai: 'mn@lab', spi: 500, key: KEY }],
        epochOffsetMs: EPOCH,
        performDad: false,
      }),
    ]),
  );
  const wire: { bu: number; toHa: number } = { bu: 0, toHa: 0 };
  /** Delivers every local BU of `actions` to its MAP (checksum verified) and its BA back to the MN. */
  function deliver(now: number, actions: MobileNodeMapAction[]): MobileNodeMapAction[] {
    const out: MobileNodeMapAction[] = [...actions];
    for (const a of actions) {
      if (a.kind !== 'send-mh') continue;
      wire.bu++;
      const map = maps.get(a.dst)!;
      const d = mh.decode(a.bytes, 0, { verify: { src: a.homeAddressOption!, dst: a.dst } });
      if (!d.ok) throw new Error(d.error.message);
      expect(d.value).toMatchObject({ type: 'BindingUpdate', mapRegistration: true, acknowledge: true });
      const reply: MapAction[] = map.handle(now, {
        kind: 'mh',
        src: a.src,
        dst: a.dst,
        homeAddressOption: a.homeAddressOption,
        message: d.value,
        bytes: a.bytes,
      });
      for (const r of reply)
        if (r.kind === 'send-mh') {
          const back = mh.decode(r.bytes, 0, { verify: { src: r.src, dst: r.routingType2 ?? r.dst } });
          if (!back.ok) throw new Error(back.error.message);
          out.push(
            ...mn.handle(now + 10, {
              kind: 'mh',
              src: r.src,
              dst: r.dst,
              routingHomeAddress: r.routingType2,
              message: back.value,
              bytes: r.bytes,
            }),
          );
        }
    }
    return out;
  }
  return { mn, maps, wire, deliver };
}

describe('MobileNodeMap (RFC 5380 §6.1)', () => {
  it('registers RCoA -> LCoA with the selected MAP, then moves inside the domain with one local BU', () => {
    const { mn, maps, wire, deliver } = setup();
    mn.handle(0, { kind: 'link-up' });
    const a1 = deliver(100, mn.handle(100, ra('fe80::1', '2001:db8:a1::', [opt(MAP1)])));
    const rcoa = canonical('2001:db8:50::211:22ff:fe33:4401');
    const lcoa1 = slaacAddress('2001:db8:a1::', 64, IID);
    expect(mn.domain).toMatchObject({ map: MAP1, rcoa });
    expect(a1).toContainEqual({
      kind: 'enter-link',
      router: 'fe80::1',
      lcoa: lcoa1,
      prefix: canonical('2001:db8:a1::'),
      leaving: null,
    });
    expect(a1).toContainEqual({ kind: 'local-binding', map: MAP1, rcoa, lcoa: lcoa1, lifetimeS: 60 });
    expect(maps.get(MAP1)!.cache.get(rcoa)?.careOfAddress).toBe(lcoa1);

    // Intra-domain move: detach, attach to ar2 (same MAP option): only the LCoA changes.
    mn.handle(1000, { kind: 'link-down' });
    mn.handle(1050, { kind: 'link-up' });
    const a2 = deliver(1060, mn.handle(1060, ra('fe80::2', '2001:db8:a2::', [opt(MAP1)])));
    const lcoa2 = slaacAddress('2001:db8:a2::', 64, IID);
    expect(a2.filter((a) => a.kind === 'event' && a.event.name === 'map-selected')).toEqual([]);
    expect(mn.domain?.rcoa).toBe(rcoa);
    expect(a2).toContainEqual({ kind: 'local-binding', map: MAP1, rcoa, lcoa: lcoa2, lifetimeS: 60 });
    expect(maps.get(MAP1)!.cache.get(rcoa)?.careOfAddress).toBe(lcoa2);
    expect(wire.bu).toBe(2);
  });

  it('entering another MAP domain forms a new RCoA on the new MAP prefix and registers there', () => {
    const { mn, maps, deliver } = setup();
    mn.handle(0, { kind: 'link-up' });
    deliver(100, mn.handle(100, ra('fe80::1', '2001:db8:a1::', [opt(MAP1)])));
    const out = deliver(2000, mn.handle(2000, ra('fe80::3', '2001:db8:a3::', [opt(MAP2)])));
    const rcoa2 = canonical('2001:db8:60::211:22ff:fe33:4401');
    expect(out.some((a) => a.kind === 'event' && a.event.name === 'map-selected')).toBe(true);
    expect(mn.domain).toMatchObject({ map: MAP2, rcoa: rcoa2 });
    expect(maps.get(MAP2)!.cache.get(rcoa2)?.careOfAddress).toBe(slaacAddress('2001:db8:a3::', 64, IID));
  });

  it('ignores a BA without a type 2 routing header holding the RCoA (§6.1), and one from elsewhere', () => {
    const { mn } = setup();
    mn.handle(0, { kind: 'link-up' });
    const sent = mn.handle(100, ra('fe80::1', '2001:db8:a1::', [opt(MAP1)]));
    const bu = sent.find((a) => a.kind === 'send-mh')!;
    expect(bu.kind === 'send-mh' && bu.message.type === 'BindingUpdate').toBe(true);
    const ba = mh.bindingAcknowledgement({ status: 0, sequenceNumber: 1, lifetime: 15 });
    const bytes = mh.encode(ba);
    const base = { kind: 'mh' as const, dst: mn.lcoa!, message: ba, bytes };
    mn.handle(150, { ...base, src: MAP1 });
    mn.handle(150, { ...base, src: MAP1, routingHomeAddress: '2001:db8:50::99' });
    mn.handle(150, { ...base, src: MAP2, routingHomeAddress: mn.domain!.rcoa });
    expect(mn.counters['ba-without-rcoa-routing-header']).toBe(2);
    expect(mn.counters['mh-unexpected']).toBe(1);
    expect(mn.registeredLcoa).toBeNull();
  });

  it('retransmits an unanswered local BU after 1 s, then 2 s, and nothing while the link is down', () => {
    const { mn } = setup();
    mn.handle(0, { kind: 'link-up' });
    mn.handle(100, ra('fe80::1', '2001:db8:a1::', [opt(MAP1)]));
    expect(mn.nextDeadline()).toBe(1100);
    expect(mn.handle(1100, { kind: 'tick' }).some((a) => a.kind === 'send-mh')).toBe(true);
    expect(mn.nextDeadline()).toBe(3100);
    mn.handle(2000, { kind: 'link-down' });
    expect(mn.handle(3100, { kind: 'tick' }).some((a) => a.kind === 'send-mh')).toBe(false);
    expect(mn.counters['local-bu-retransmitted']).toBe(1);
  });

  it('refreshes the local binding at 80 % of its lifetime, and leaves HMIPv6 when the MAP option goes', () => {
    const { mn, deliver } = setup();
    mn.handle(0, { kind: 'link-up' });
    deliver(100, mn.handle(100, ra('fe80::1', '2001:db8:a1::', [opt(MAP1)])));
    expect(mn.nextDeadline()).toBe(100 + 48_000);
    const refresh = deliver(48_100, mn.handle(48_100, { kind: 'tick' }));
    expect(refresh.some((a) => a.kind === 'local-binding')).toBe(true);
    const gone = mn.handle(50_000, ra('fe80::1', '2001:db8:a1::', [opt(MAP1, { validLifetime: 0 })]));
    expect(gone).toEqual([{ kind: 'domain-left', map: MAP1 }]);
    expect(mn.domain).toBeNull();
  });

  it('adopts the MAP clock from a 144 and resends once (RFC 4285 §6)', () => {
    // This node's clock is 60 s behind the MAP's: outside its 7 s window.
    const slow = new MobileNodeMap({
      nai: 'mn@lab',
      spi: 500,
      key: KEY,
      interfaceId: IID,
      epochOffsetMs: EPOCH - 60_000,
    });
    const map = new MobilityAnchorPoint({
      address: MAP1,
      rcoaPrefix: regionalCareOfAddress(MAP1, IID).prefix,
      rcoaPrefixLength: 64,
      mobileNodes: [{ nai: 'mn@lab', spi: 500, key: KEY }],
      epochOffsetMs: EPOCH,
      performDad: false,
    });
    const statuses: number[] = [];
    const relay = (now: number, actions: MobileNodeMapAction[]) => {
      const out: MobileNodeMapAction[] = [];
      for (const a of actions) {
        if (a.kind !== 'send-mh') continue;
        const d = mh.decode(a.bytes);
        if (!d.ok) throw new Error(d.error.message);
        const input = { kind: 'mh' as const, src: a.src, dst: a.dst, message: d.value, bytes: a.bytes };
        for (const r of map.handle(now, { ...input, homeAddressOption: a.homeAddressOption }))
          if (r.kind === 'send-mh' && r.message.type === 'BindingAcknowledgement') {
            statuses.push(r.message.status);
            const back = { kind: 'mh' as const, src: r.src, dst: r.dst, message: r.message, bytes: r.bytes };
            out.push(...slow.handle(now, { ...back, routingHomeAddress: r.routingType2 }));
          }
      }
      return out;
    };
    slow.handle(0, { kind: 'link-up' });
    const resend = relay(110, slow.handle(100, ra('fe80::1', '2001:db8:a1::', [opt(MAP1)])));
    const done = relay(120, resend);
    expect(statuses).toEqual([144, 0]);
    expect(done.some((a) => a.kind === 'local-binding')).toBe(true);
  });

  it("a refusal ends the attempt (the MAP refused another node's RCoA)", () => {
    const { mn, maps, deliver } = setup();
    const rcoa = canonical('2001:db8:50::211:22ff:fe33:4401');
    maps.get(MAP1)!.cache.upsert({
      homeAddress: rcoa,
      careOfAddress: '2001:db8:a9::1',
      lifetimeS: 60,
      expiresAt: 1e9,
      sequenceNumber: 1,
      homeRegistration: false,
      nai: 'other@lab',
      registeredAt: 0,
    });
    mn.handle(0, { kind: 'link-up' });
    const out = deliver(100, mn.handle(100, ra('fe80::1', '2001:db8:a1::', [opt(MAP1)])));
    expect(out).toContainEqual({ kind: 'event', event: { name: 'local-registration-refused', at: 110, status: 129 } });
    expect(mn.registeredLcoa).toBeNull();
    expect(mn.nextDeadline()).toBeNull();
  });
});
