import { describe, expect, it } from 'vitest';
import { accessRouterSettingsSchema } from '../config.js';
import { mapSettingsSchema, mobileNodeHmipv6SettingsSchema } from './hmipv6-settings.js';

const KEY = '686d697076362d6d6170206b65792031';

describe('HMIPv6 settings', () => {
  it('reads a MAP block and refuses what the role could not use', () => {
    const ok = mapSettingsSchema.safeParse({
      link: 'core',
      mobileNodes: [{ nai: 'mn@lab', spi: 2000, key: KEY }],
      onLinkPrefixes: ['fd00:5380:0:a1::/64'],
    });
    expect(ok.success).toBe(true);
    expect(mapSettingsSchema.safeParse({ mobileNodes: [] }).success).toBe(false);
    expect(mapSettingsSchema.safeParse({ mobileNodes: [{ nai: 'mn@lab', spi: 2000, key: 1234 }] }).success).toBe(false);
    expect(mapSettingsSchema.safeParse({ mobileNodes: [{ nai: 'mn@lab', spi: 255, key: KEY }] }).success).toBe(false);
    const prefix = mapSettingsSchema.safeParse({
      mobileNodes: [{ nai: 'mn@lab', spi: 2000, key: KEY }],
      onLinkPrefixes: ['fd00::zz/64'],
    });
    expect(prefix.success).toBe(false);
    expect(
      mapSettingsSchema.safeParse({ mobileNodes: [{ nai: 'mn@lab', spi: 2000, key: KEY }], dist: 1 }).success,
    ).toBe(false);
  });

  it("an access router's MAP option: Dist 1-15 (RFC 5380 §5: never 0), Pref 0-15, at most 8", () => {
    const map = { address: 'fd00:5380:0:50::1', distance: 2, preference: 10, validLifetimeS: 600 };
    expect(accessRouterSettingsSchema.safeParse({ map: [map] }).success).toBe(true);
    expect(accessRouterSettingsSchema.safeParse({ map: [{ ...map, distance: 0 }] }).success).toBe(false);
    expect(accessRouterSettingsSchema.safeParse({ map: [{ ...map, preference: 16 }] }).success).toBe(false);
    expect(accessRouterSettingsSchema.safeParse({ map: Array(9).fill(map) }).success).toBe(false);
  });

  it("the mobile node's MN-MAP association", () => {
    expect(mobileNodeHmipv6SettingsSchema.safeParse({ spi: 2000, key: KEY, lifetimeS: 60 }).success).toBe(true);
    expect(mobileNodeHmipv6SettingsSchema.safeParse({ spi: 2000 }).success).toBe(false);
    expect(mobileNodeHmipv6SettingsSchema.safeParse({ spi: 2000, key: KEY, map: 'x' }).success).toBe(false);
  });
});
