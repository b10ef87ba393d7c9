import { describe, expect, it } from 'vitest';
import { MovementDetection, type MovementDetectionConfig, type PrefixInformation } from './movement-detection.js';
import { HOA1, HOME_PREFIX } from './testing/fixtures.js';

const AR1_PREFIX = '2001:db8:a1::';
const AR2_PREFIX = '2001:db8:a2::';
const COA1 = '2001:db8:a1:0:200:ff:fe00:10';
const COA2 = '2001:db8:a2:0:200:ff:fe00:10';
const IFACE = 'radio0';

const md = (over: Partial<MovementDetectionConfig> = {}) =>
  new MovementDetection({
    homeAddress: HOA1,
    homePrefix: HOME_PREFIX,
    homePrefixLength: 64,
    interfaceId: '::200:ff:fe00:10',
    optimisticDad: false,
    ...over,
  });
const ra = (prefix: string, more: Partial<PrefixInformation> = {}, iface = IFACE) => ({
  iface,
  router: 'fe80::1',
  prefixes: [{ prefix, prefixLength: 64, ...more }],
});

describe('MovementDetection (RFC 6275 §11.5)', () => {
  it('link-up solicits a Router Advertisement (RFC 4861 §6.3.7, RFC 6275 §11.5.1)', () => {
    const m = md();
    expect(m.onLinkUp(0, IFACE)).toEqual([
      { kind: 'event', event: { name: 'link-up', at: 0, iface: IFACE } },
      { kind: 'send-router-solicitation', iface: IFACE },
    ]);
    expect([m.linkUp, m.iface, m.location]).toEqual([true, IFACE, 'unknown']);
  });

  it('link-down of another interface leaves the radio up', () => {
    const m = md();
    m.onLinkUp(0, IFACE);
    m.onLinkDown(1, 'eth9');
    expect(m.linkUp).toBe(true);
    m.onLinkDown(2, IFACE);
    expect(m.linkUp).toBe(false);
  });

  it('a foreign /64 is movement: SLAAC care-of address of prefix and interface id (RFC 4862 §5.5.3, RFC 4429)', () => {
    const m = md({ optimisticDad: true });
    expect(m.onRouterAdvertisement(10, ra(AR1_PREFIX))).toEqual({
      kind: 'moved',
      to: 'foreign',
      from: 'unknown',
      actions: [
        {
          kind: 'event',
          event: { name: 'movement-detected', at: 10, to: 'foreign', prefix: AR1_PREFIX, router: 'fe80::1' },
        },
        { kind: 'configure-address', iface: IFACE, address: COA1, prefixLength: 64, optimistic: true },
      ],
    });
    expect(m.careOf).toEqual({ iface: IFACE, address: COA1, prefix: AR1_PREFIX, prefixLength: 64, ready: false });
    expect([m.location, m.linkUp]).toEqual(['away', true]);
  });

  it('the care-of address is ready on its address-configured only', () => {
    const m = md();
    m.onRouterAdvertisement(0, ra(AR1_PREFIX));
    expect(m.onAddressConfigured(1, { iface: IFACE, address: COA2 })).toEqual([]);
    expect(m.onAddressConfigured(2, { iface: IFACE, address: '2001:db8:a1:0:200:ff:fe00:0010' })).toEqual([
      { kind: 'event', event: { name: 'care-of-address-ready', at: 2, careOfAddress: COA1 } },
    ]);
    expect(m.onAddressConfigured(3, { iface: IFACE, address: COA1 })).toEqual([]);
    expect(m.careOf?.ready).toBe(true);
  });

  it('the same prefix on the same interface is the same link, not movement', () => {
    const m = md();
    m.onRouterAdvertisement(0, ra(AR1_PREFIX));
    expect(m.onRouterAdvertisement(5, ra(AR1_PREFIX))).toEqual({ kind: 'same-link' });
  });

  it('a new foreign prefix removes the old care-of address (§11.5.1)', () => {
    const m = md();
    m.onRouterAdvertisement(0, ra(AR1_PREFIX));
    const moved = m.onRouterAdvertisement(5, ra(AR2_PREFIX));
    expect(moved).toMatchObject({ kind: 'moved', to: 'foreign', from: 'away' });
    expect(moved.kind === 'moved' && moved.actions.map((a) => a.kind)).toEqual([
      'remove-address',
      'event',
      'configure-address',
    ]);
    expect(moved.kind === 'moved' && moved.actions[0]).toEqual({ kind: 'remove-address', iface: IFACE, address: COA1 });
    expect(m.careOf?.address).toBe(COA2);
  });

  it('ignores prefixes SLAAC cannot use: A flag clear or not a /64 (RFC 4861 §4.6.2)', () => {
    const m = md();
    expect(m.onRouterAdvertisement(0, ra(AR1_PREFIX, { autonomous: false }))).toEqual({ kind: 'none' });
    expect(m.onRouterAdvertisement(0, ra(AR1_PREFIX, { prefixLength: 56 }))).toEqual({ kind: 'none' });
    expect(m.location).toBe('unknown');
  });

  it('the home prefix is the return home: at-home, the care-of address goes (§11.5.4)', () => {
    const m = md();
    m.onRouterAdvertisement(0, ra(AR1_PREFIX));
    expect(m.onRouterAdvertisement(5, ra(HOME_PREFIX))).toEqual({
      kind: 'moved',
      to: 'home',
      from: 'away',
      actions: [
        { kind: 'remove-address', iface: IFACE, address: COA1 },
        {
          kind: 'event',
          event: { name: 'movement-detected', at: 5, to: 'home', prefix: HOME_PREFIX, router: 'fe80::1' },
        },
        { kind: 'at-home', iface: IFACE, homeAddress: HOA1 },
      ],
    });
    expect([m.location, m.careOf]).toEqual(['home', null]);
    expect(m.onRouterAdvertisement(6, ra(HOME_PREFIX))).toEqual({ kind: 'none' });
  });

  it('leaving home for a foreign link says where it came from', () => {
    const m = md();
    m.onRouterAdvertisement(0, ra(HOME_PREFIX));
    expect(m.onRouterAdvertisement(5, ra(AR1_PREFIX))).toMatchObject({ kind: 'moved', to: 'foreign', from: 'home' });
  });
});
