// tshark's reading of HI and HAck sealed for a neighbour router (src/protocols/core/peer-auth.ts): the
// peer option is RFC 5096's Experimental Mobility Option (type 18), which Wireshark shows as such and
// skips by its length; the messages' own fields still decode, nothing is malformed or an error.
import { describe, expect, test } from 'vitest';
import { sealForPeer } from '../../src/protocols/core/peer-auth.js';
import type { MobilityMessage } from '../../src/wire/mh/header.js';
import { buildIpv6Packet } from '../../src/wire/packet.js';
import { skipReason } from '../support/prereq.js';
import { FRAME_CHECK_FIELDS, frameErrors, tsharkFields } from '../support/tshark.js';

const PAR = '2001:db8:2::1';
const NAR = '2001:db8:3::1';
const SA = { spi: 256, key: Buffer.alloc(32, 0x5a) };
const NCOA = {
  type: 'MobilityHeaderIpv6AddressPrefix',
  optionCode: 2,
  prefixLength: 128,
  address: '2001:db8:3::10',
} as const;

const HI: MobilityMessage = {
  type: 'HandoverInitiate',
  sequenceNumber: 77,
  assignedAddressConfiguration: false,
  buffer: true,
  proxy: false,
  forwarding: false,
  code: 0,
  options: [{ ...NCOA, optionCode: 1, address: '2001:db8:2::10' }, NCOA],
};
const HACK: MobilityMessage = { type: 'HandoverAcknowledge', sequenceNumber: 77, flags: 0, code: 1, options: [NCOA] };

describe.skipIf(skipReason({ tools: ['tshark'] }))('tshark reads sealed HI and HAck', () => {
  test('message fields decode, the peer option is skipped by its length, no malformed or error item', () => {
    const packets = [
      [HI, PAR, NAR],
      [HACK, NAR, PAR],
    ].map(([m, src, dst]) =>
      buildIpv6Packet({
        src: src as string,
        dst: dst as string,
        upper: {
          nextHeader: 135,
          encode: () => sealForPeer(m as MobilityMessage, { src: src as string, dst: dst as string }, SA, 1234567n),
        },
      }),
    );
    const frames = tsharkFields(packets, [
      ...FRAME_CHECK_FIELDS,
      'mip6.mhtype',
      'mip6.hi.seqnr',
      'mip6.hack.seqnr',
      'mip6.em.data',
      'mip6.mhipv6ap.ipv6_address',
    ]);
    expect(frames).toHaveLength(2);
    for (const f of frames) expect(frameErrors(f)).toEqual([]);
    expect(frames.map((f) => f['mip6.mhtype'])).toEqual([['14'], ['15']]);
    expect(frames[0]!['mip6.hi.seqnr']).toEqual(['77']);
    expect(frames[1]!['mip6.hack.seqnr']).toEqual(['77']);
    expect(frames[0]!['mip6.mhipv6ap.ipv6_address']).toEqual(['2001:db8:2::10', '2001:db8:3::10']);
    // Shown as "MIPv6 Option - Experimental": SPI 256, timestamp, then the authenticator (Wireshark 4.0
    // shows the option's data less its last 2 bytes: Length counted as if it included Type and Length).
    for (const f of frames) expect(f['mip6.em.data']![0]).toMatch(/^00000100000000000012d687[0-9a-f]{28}$/);
  });
});
