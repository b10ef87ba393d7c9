import { describe, expect, it } from 'vitest';
import { installRadioRoutingHeaderFilter, radioRoutingHeaderRuleset } from './radio-routing-header-filter.js';

/** These tests exercise the nft filter itself: a kernel without it fails them. */
const nftMissing = (reason: string): never => {
  throw new Error(`nft filter unavailable: ${reason}`);
};

describe('radio routing header filter', () => {
  it('drops RH2 packets arriving on the radio before the kernel sees them, for any destination', () => {
    const r = radioRoutingHeaderRuleset('mipshop_mn_rh2', 'wlan0');
    expect(r).toContain('type filter hook prerouting priority -300; policy accept;');
    expect(r).toMatch(/iifname "wlan0" rt type 2 counter drop/);
    expect(r).not.toMatch(/daddr/);
  });

  it('refuses names nft would read as something else', async () => {
    await expect(
      installRadioRoutingHeaderFilter({ onUnavailable: nftMissing, table: 'x; flush ruleset', iface: 'wlan0' }),
    ).rejects.toThrow(/bad name/);
    await expect(
      installRadioRoutingHeaderFilter({ onUnavailable: nftMissing, table: 'ok', iface: 'wlan0" accept' }),
    ).rejects.toThrow(/bad name/);
  });
});
