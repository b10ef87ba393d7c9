// 10,000 malformed MH packets are dropped. Random and mutated Mobility Headers go through
// the real codec; whatever decodes is fed to the machines, which must never throw and never change
// the binding they hold.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/random.js';
import * as mh from '../../wire/mh/index.js';
import { HomeAgent } from './home-agent.js';
import { MobileNode } from './mobile-node.js';
import { buInput, COA_AR1, COA_AR2, EPOCH, HA, haConfig, HOA1, HOME_PREFIX, MN1 } from './testing/fixtures.js';

function haWithBinding() {
  const ha = new HomeAgent(haConfig());
  ha.handle(0, buInput({ sequenceNumber: 10, lifetimeS: 600, at: 0 }));
  expect(ha.cache.size).toBe(1);
  return ha;
}

describe('malformed Mobility Headers (robustness)', () => {
  it('10,000 random byte strings: decoded ones are dropped by the HA, the cache never changes', () => {
    const ha = haWithBinding();
    const before = ha.cache.entries();
    const rnd = seededRandom(42);
    let decoded = 0;
    for (let i = 0; i < 10_000; i++) {
      const len = 8 * (1 + rnd.int(8));
      const bytes = rnd.bytes(len);
      // Make most of them plausible: a Header Len that fits, and often MH Type 5 (BU).
      bytes[1] = len / 8 - 1;
      if (i % 2 === 0) bytes[2] = 5;
      const d = mh.decode(bytes);
      if (!d.ok) continue;
      decoded++;
      expect(() =>
        ha.handle(1000 + i, {
          kind: 'mh',
          src: COA_AR2,
          dst: HA,
          homeAddressOption: i % 3 ? HOA1 : undefined,
          message: d.value,
          bytes,
        }),
      ).not.toThrow();
    }
    expect(decoded).toBeGreaterThan(1000);
    expect(ha.cache.entries()).toEqual(before);
    expect(ha.counters['bu-accepted']).toBe(1);
  });

  it('every single-byte corruption of a valid BU is refused or dropped, and the binding stays', () => {
    const ha = haWithBinding();
    const before = ha.cache.entries();
    const good = buInput({ sequenceNumber: 11, lifetimeS: 60, at: 500, coa: COA_AR2 });
    for (let i = 0; i < good.bytes.length; i++) {
      if (i === 4 || i === 5) continue; // the checksum (the agent verifies it before the machine)
      for (const flip of [0x01, 0x80, 0xff]) {
        const bytes = Buffer.from(good.bytes);
        bytes[i] = bytes[i]! ^ flip;
        const d = mh.decode(bytes);
        if (!d.ok) continue;
        ha.handle(500, { ...good, message: d.value, bytes });
      }
    }
    expect(ha.cache.entries()).toEqual(before);
    expect(ha.counters['bu-accepted']).toBe(1);
    // and the genuine one still goes through afterwards
    ha.handle(600, good);
    expect(ha.cache.get(HOA1)?.careOfAddress).toBe(COA_AR2);
  });

  it('property: arbitrary decoded MH messages never throw in the mobile node and never register it', () => {
    const mn = new MobileNode({
      homeAddress: HOA1,
      homePrefix: HOME_PREFIX,
      homePrefixLength: 64,
      homeAgent: HA,
      nai: MN1.nai,
      spi: MN1.spi,
      key: MN1.key,
      interfaceId: '::10',
      epochOffsetMs: EPOCH,
    });
    mn.handle(0, {
      kind: 'router-advertisement',
      iface: 'r0',
      router: 'fe80::1',
      prefixes: [{ prefix: '2001:db8:a1::', prefixLength: 64 }],
    });
    mn.handle(0, { kind: 'address-configured', iface: 'r0', address: '2001:db8:a1::10' });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 64 }), fc.constantFrom(0, 6, 7), (arr, type) => {
        const bytes = Buffer.from(arr.subarray(0, arr.length - (arr.length % 8)));
        if (bytes.length < 8) return;
        bytes[1] = bytes.length / 8 - 1;
        bytes[2] = type;
        const d = mh.decode(bytes);
        if (!d.ok) return;
        expect(() => mn.handle(10, { kind: 'mh', src: HA, dst: COA_AR1, message: d.value, bytes })).not.toThrow();
        expect(mn.state.registered).toBeNull();
      }),
      { numRuns: 3000, seed: 7 },
    );
  });
});
