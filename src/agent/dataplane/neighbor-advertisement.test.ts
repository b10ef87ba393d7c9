// The unsolicited NA of RFC 6275 §10.4.1, decoded back through the wire codec.
import { describe, expect, it } from 'vitest';
import { decode } from '../../wire/icmpv6/header.js';
import { neighborAdvertisementBytes } from './neighbor-advertisement.js';

describe('neighborAdvertisementBytes', () => {
  it('Target = home address, Override set, Solicited and Router clear, Target Link-Layer Address = our MAC', () => {
    const d = decode(neighborAdvertisementBytes('2001:db8:1::55', '02:aa:bb:cc:dd:ee'));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value).toMatchObject({
      type: 'NeighborAdvertisement',
      router: false,
      solicited: false,
      override: true,
      targetAddress: '2001:db8:1::55',
    });
    const opt = (d.value as { options: { type: string; linkLayerAddress?: Buffer }[] }).options[0]!;
    expect(opt.type).toBe('TargetLinkLayerAddress');
    expect(opt.linkLayerAddress).toEqual(Buffer.from([2, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]));
  });
});
