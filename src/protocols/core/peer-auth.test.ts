import { describe, expect, it } from 'vitest';
import * as mh from '../../wire/mh/index.js';
import type { HandoverInitiate } from '../../wire/mh/fmipv6.js';
import { verifyPseudoHeaderChecksum } from '../../wire/checksum.js';
import { locatePeerAuth, PEER_AUTH_OPTION_TYPE, PeerAuthenticator, sealForPeer, verifyFromPeer } from './peer-auth.js';

const A = '2001:db8:2::1';
const B = '2001:db8:3::1';
const KEY = Buffer.alloc(32, 7);
const HI: HandoverInitiate = {
  type: 'HandoverInitiate',
  sequenceNumber: 5,
  assignedAddressConfiguration: false,
  buffer: true,
  proxy: false,
  forwarding: false,
  code: 0,
  options: [{ type: 'MobilityHeaderIpv6AddressPrefix', optionCode: 1, prefixLength: 128, address: '2001:db8:2::10' }],
};
const NOW = 1_800_000_000_000;

describe('peer authentication (RFC 5568 §7 stand-in, RFC 5096 experimental option)', () => {
  it('seals as the last option, type 11 length 28, with a valid MH checksum, and verifies', () => {
    const bytes = sealForPeer(HI, { src: A, dst: B }, { spi: 300, key: KEY }, 123n);
    expect(verifyPseudoHeaderChecksum(A, B, 135, bytes)).toBe(true);
    const d = mh.decode(bytes);
    expect(d.ok && d.value.type === 'HandoverInitiate' && d.value.options.at(-1)).toMatchObject({
      type: 'Unknown',
      optionType: PEER_AUTH_OPTION_TYPE,
    });
    expect(locatePeerAuth(bytes)).toMatchObject({ spi: 300, timestampUs: 123n });
    expect(verifyFromPeer({ peer: A, spi: 300, key: KEY }, { src: A, dst: B }, bytes)).toEqual({
      ok: true,
      timestampUs: 123n,
    });
  });

  it('refuses a wrong key, a changed byte, other addresses, a wrong SPI, a missing option', () => {
    const sa = { peer: A, spi: 300, key: KEY };
    const bytes = sealForPeer(HI, { src: A, dst: B }, sa, 1n);
    expect(verifyFromPeer({ ...sa, key: Buffer.alloc(32, 8) }, { src: A, dst: B }, bytes)).toMatchObject({
      reason: 'bad-authenticator',
    });
    const changed = Buffer.from(bytes);
    changed[9]! ^= 1; // the code byte
    expect(verifyFromPeer(sa, { src: A, dst: B }, changed)).toMatchObject({ reason: 'bad-authenticator' });
    expect(verifyFromPeer(sa, { src: '2001:db8:9::1', dst: B }, bytes)).toMatchObject({ reason: 'bad-authenticator' });
    expect(verifyFromPeer({ ...sa, spi: 301 }, { src: A, dst: B }, bytes)).toMatchObject({ reason: 'wrong-spi' });
    expect(verifyFromPeer(sa, { src: A, dst: B }, mh.encode(HI))).toMatchObject({ reason: 'no-auth-option' });
  });

  it('PeerAuthenticator: only configured peers, fresh and newer than the last; seals with rising timestamps', () => {
    const atA = new PeerAuthenticator([{ peer: B, spi: 300, key: KEY }]);
    const atB = new PeerAuthenticator([{ peer: A, spi: 300, key: KEY }], 7000);
    const m1 = atA.seal(HI, { src: A, dst: B }, NOW)!;
    const m2 = atA.seal(HI, { src: A, dst: B }, NOW)!; // same millisecond: still a newer timestamp
    expect(atA.seal(HI, { src: A, dst: '2001:db8:9::1' }, NOW)).toBeNull();
    expect(atB.check({ src: A, dst: B }, m1, NOW)).toBeNull();
    expect(atB.check({ src: A, dst: B }, m1, NOW)).toBe('replayed');
    expect(atB.check({ src: A, dst: B }, m2, NOW)).toBeNull();
    expect(atB.check({ src: '2001:db8:9::1', dst: B }, m1, NOW)).toBe('not-a-peer');
    const old = atA.seal(HI, { src: A, dst: B }, NOW - 8000)!;
    expect(atB.check({ src: A, dst: B }, old, NOW + 10_000)).toBe('replayed');
  });
});
