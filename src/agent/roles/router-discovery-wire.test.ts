import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouterAdvertiser } from '../../protocols/nd/router-advertiser.js';
import { decode as decodeIcmpv6 } from '../../wire/icmpv6/header.js';
import { decodeRouterSolicitation, encodeRouterAdvertisement, toRouterAdvertisement } from './router-discovery-wire.js';

const content = new RouterAdvertiser({
  prefix: '2001:db8:10:a1::',
  prefixLength: 64,
  minIntervalMs: 30,
  maxIntervalMs: 70,
  routerLifetimeS: 1800,
  sourceLinkLayerAddress: '02:00:5e:10:a1:01',
  mtu: 1500,
}).advertisement();

describe('router-discovery-wire', () => {
  it('encodes the RA content as an ICMPv6 type 134 message the codec reads back', () => {
    const bytes = encodeRouterAdvertisement(content);
    // 16-byte RA + SLLA 8 + Prefix Information 32 + Advertisement Interval 8 + MTU 8
    expect(bytes.length).toBe(72);
    expect([...bytes.subarray(0, 8)]).toEqual([134, 0, 0, 0, 64, 0, 0x07, 0x08]);
    const back = decodeIcmpv6(bytes);
    expect(back.ok && back.value).toEqual(toRouterAdvertisement(content));
  });

  it('carries the configured MAP options (RFC 5380 §5), Dist, Pref, R and Valid Lifetime as given', () => {
    const ra = new RouterAdvertiser({
      prefix: '2001:db8:10:a1::',
      prefixLength: 64,
      minIntervalMs: 30,
      maxIntervalMs: 70,
      routerLifetimeS: 1800,
      sourceLinkLayerAddress: '02:00:5e:10:a1:01',
      map: [
        { address: '2001:db8:50::1', distance: 2, preference: 10, validLifetimeS: 600 },
        { address: '2001:db8:60::1', distance: 3, preference: 0, validLifetimeS: 0, rcoa: true },
      ],
    }).advertisement();
    const bytes = encodeRouterAdvertisement(ra);
    expect(bytes.length).toBe(64 + 2 * 24);
    const back = decodeIcmpv6(bytes);
    if (!back.ok || back.value.type !== 'RouterAdvertisement') throw new Error('no RA');
    expect(back.value.options.filter((o) => o.type === 'Map')).toEqual([
      { type: 'Map', distance: 2, preference: 10, rcoa: false, validLifetime: 600, globalAddress: '2001:db8:50::1' },
      { type: 'Map', distance: 3, preference: 0, rcoa: true, validLifetime: 0, globalAddress: '2001:db8:60::1' },
    ]);
    // Byte 2 of the option: Dist in the high nibble, Pref in the low; byte 3: R in the top bit.
    const at = bytes.indexOf(23, 64);
    expect([...bytes.subarray(at, at + 4)]).toEqual([23, 3, 0x2a, 0x00]);
  });

  it('decodes a Router Solicitation with and without SLLA', () => {
    const bare = Buffer.from([133, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeRouterSolicitation(bare)).toEqual({
      ok: true,
      value: { code: 0, hasSourceLinkLayerAddress: false },
      bytes: 8,
    });
    const withSlla = Buffer.concat([bare, Buffer.from([1, 1, 2, 0, 0, 0, 0, 2])]);
    expect(decodeRouterSolicitation(withSlla)).toMatchObject({ ok: true, value: { hasSourceLinkLayerAddress: true } });
  });

  it('returns errors, never throws, for other types and damaged bytes', () => {
    expect(decodeRouterSolicitation(Buffer.from([134, 0, 0, 0]))).toMatchObject({ ok: false });
    expect(decodeRouterSolicitation(Buffer.from([133, 0]))).toMatchObject({ ok: false, error: { code: 'truncated' } });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        const b = Buffer.from(raw);
        if (b.length) b[0] = 133;
        const r = decodeRouterSolicitation(b);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2_000 },
    );
  });
});
