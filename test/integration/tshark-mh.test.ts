// tshark conformance for the Mobility Header: every message type and every mobility option we encode
// is written to a pcap (LINKTYPE_RAW), read back with tshark 4.0 -T fields, and each field tshark
// shows is compared with what we encoded; no frame may be malformed or carry an error-level expert
// item. Wireshark 4.0 does not verify MH checksums, so each packet is also checked with our
// own decoder against the pseudo-header with the RFC 6275 §6.1.7 substitutions.

import { describe, expect, test } from 'vitest';
import { skipReason } from '../support/prereq.js';
import { walkIpv6, pseudoHeaderAddresses } from '../../src/wire/ipv6.js';
import { buildIpv6Packet, type ExtensionHeaderInput } from '../../src/wire/packet.js';
import * as mh from '../../src/wire/mh/header.js';
import type { MobilityMessage } from '../../src/wire/mh/header.js';
import { bindingAcknowledgement, bindingUpdate } from '../../src/wire/mh/binding.js';
import { proxyBindingAcknowledgement, proxyBindingUpdate } from '../../src/wire/mh/pmipv6.js';
import { naiIdentifier, timestampFromUnixMs } from '../../src/wire/mh/options/types.js';
import { compareFields, FRAME_CHECK_FIELDS, frameErrors, tsharkFields } from '../support/tshark.js';
import { MH_FIELDS, mobilityHeaderFields } from '../support/tshark-expect.js';

const HOA = '2001:db8:1::100';
const COA = '2001:db8:2::100';
const HA = '2001:db8:1::1';
const CN = '2001:db8:9::9';
const MAG = '2001:db8:b::1';
const LMA = '2001:db8:a::1';
const PAR = '2001:db8:2::1';
const NAR = '2001:db8:3::1';
const b = (s: string): Buffer => Buffer.from(s, 'hex');
const MAC = b('020000aabbcc');
const HNP = { type: 'HomeNetworkPrefix', prefixLength: 64, prefix: '2001:db8:100:1::' } as const;

interface Case {
  name: string;
  m: MobilityMessage;
  src: string;
  dst: string;
  /** Home Address option (sent from a CoA) */
  hao?: string;
  /** Type 2 routing header (sent to a CoA) */
  rh2?: string;
}

const HAO = { src: COA, hao: HOA };
const RH2 = { dst: COA, rh2: HOA };

const CASES: Case[] = [
  { name: 'BRR', m: { type: 'BindingRefreshRequest', options: [] }, src: CN, ...RH2 },
  { name: 'HoTI', m: { type: 'HomeTestInit', homeInitCookie: b('1122334455667788'), options: [] }, src: HOA, dst: CN },
  {
    name: 'CoTI',
    m: { type: 'CareOfTestInit', careOfInitCookie: b('8877665544332211'), options: [] },
    src: COA,
    dst: CN,
  },
  {
    name: 'HoT',
    m: {
      type: 'HomeTest',
      homeNonceIndex: 7,
      homeInitCookie: b('1122334455667788'),
      homeKeygenToken: b('a1a2a3a4a5a6a7a8'),
      options: [],
    },
    src: CN,
    dst: HOA,
  },
  {
    name: 'CoT',
    m: {
      type: 'CareOfTest',
      careOfNonceIndex: 9,
      careOfInitCookie: b('8877665544332211'),
      careOfKeygenToken: b('b1b2b3b4b5b6b7b8'),
      options: [],
    },
    src: CN,
    dst: COA,
  },
  {
    name: 'BU home registration + ACoA',
    m: bindingUpdate({
      sequenceNumber: 1000,
      acknowledge: true,
      homeRegistration: true,
      keyManagementCompatibility: true,
      lifetime: 100,
      options: [{ type: 'AlternateCareOfAddress', alternateCareOfAddress: COA }],
    }),
    dst: HA,
    ...HAO,
  },
  {
    name: 'BU to CN + Nonce Indices + BAD',
    m: bindingUpdate({
      sequenceNumber: 1001,
      acknowledge: true,
      lifetime: 105,
      options: [
        { type: 'NonceIndices', homeNonceIndex: 7, careOfNonceIndex: 9 },
        { type: 'BindingAuthorizationData', authenticator: b('c0c1c2c3c4c5c6c7c8c9cacb') },
      ],
    }),
    dst: CN,
    ...HAO,
  },
  {
    name: 'BU every flag + MN-ID + MESG-ID + AUTH (RFC 4283/4285)',
    m: bindingUpdate({
      sequenceNumber: 65535,
      acknowledge: true,
      homeRegistration: true,
      linkLocalCompatibility: true,
      keyManagementCompatibility: true,
      mapRegistration: true,
      mobileRouter: true,
      forceUdpEncapsulation: true,
      tlvHeaderFormat: true,
      bulkBindingUpdate: true,
      lifetime: 65535,
      options: [
        naiIdentifier('mn1@example.com'),
        { type: 'MobilityMessageReplayProtection', timestamp: 0x6553f10080000000n },
        {
          type: 'MobilityMessageAuthentication',
          subtype: 1,
          mobilitySpi: 0x1234,
          authenticationData: b('d0d1d2d3d4d5d6d7d8d9dadb'),
        },
      ],
    }),
    dst: HA,
    ...HAO,
  },
  {
    name: 'BA + BRA (RH2)',
    m: bindingAcknowledgement({
      status: 0,
      keyManagementCompatibility: true,
      sequenceNumber: 1000,
      lifetime: 100,
      options: [{ type: 'BindingRefreshAdvice', refreshInterval: 90 }],
    }),
    src: HA,
    ...RH2,
  },
  {
    name: 'BA rejected 135, R T B flags + BAD',
    m: bindingAcknowledgement({
      status: 135,
      mobileRouter: true,
      tlvHeaderFormat: true,
      bulkBindingUpdate: true,
      sequenceNumber: 17,
      lifetime: 0,
      options: [{ type: 'BindingAuthorizationData', authenticator: b('000102030405060708090a0b') }],
    }),
    src: CN,
    ...RH2,
  },
  { name: 'BE status 1', m: { type: 'BindingError', status: 1, homeAddress: HOA, options: [] }, src: CN, dst: COA },
  {
    name: 'PBU with every RFC 5213 option',
    m: proxyBindingUpdate({
      sequenceNumber: 42,
      lifetime: 900,
      options: [
        naiIdentifier('mn@lma.example'),
        HNP,
        { type: 'HandoffIndicator', handoffIndicator: 1 },
        { type: 'AccessTechnologyType', accessTechnologyType: 4 },
        { type: 'MobileNodeLinkLayerIdentifier', linkLayerIdentifier: MAC },
        { type: 'LinkLocalAddress', linkLocalAddress: 'fe80::1' },
        { type: 'Timestamp', timestamp: timestampFromUnixMs(1_700_000_000_500) },
      ],
    }),
    src: MAG,
    dst: LMA,
  },
  {
    name: 'PBA accepted',
    m: proxyBindingAcknowledgement({
      status: 0,
      sequenceNumber: 42,
      lifetime: 900,
      options: [
        naiIdentifier('mn@lma.example'),
        HNP,
        { type: 'HandoffIndicator', handoffIndicator: 1 },
        { type: 'AccessTechnologyType', accessTechnologyType: 4 },
      ],
    }),
    src: LMA,
    dst: MAG,
  },
  {
    name: 'PBA rejected 157 with Timestamp',
    m: proxyBindingAcknowledgement({
      status: 157,
      sequenceNumber: 43,
      lifetime: 0,
      options: [naiIdentifier('mn@lma.example'), { type: 'Timestamp', timestamp: 0x00006553f1008000n }],
    }),
    src: LMA,
    dst: MAG,
  },
  {
    name: 'PBU + Transient Binding (RFC 6058; undecoded by Wireshark 4.0)',
    m: proxyBindingUpdate({
      sequenceNumber: 44,
      lifetime: 900,
      options: [
        naiIdentifier('mn@tb'),
        HNP,
        { type: 'HandoffIndicator', handoffIndicator: 3 },
        { type: 'AccessTechnologyType', accessTechnologyType: 4 },
        { type: 'TransientBinding', latePathSwitch: true, lifetime: 20 },
      ],
    }),
    src: MAG,
    dst: LMA,
  },
  {
    name: 'FBU + MH IPv6 Address/Prefix + MH-LLA + BADF',
    m: {
      type: 'FastBindingUpdate',
      sequenceNumber: 77,
      acknowledge: true,
      homeRegistration: true,
      linkLocalCompatibility: false,
      keyManagementCompatibility: false,
      lifetime: 10,
      options: [
        { type: 'MobilityHeaderIpv6AddressPrefix', optionCode: 2, prefixLength: 128, address: '2001:db8:3::100' },
        { type: 'MobilityHeaderLinkLayerAddress', optionCode: 2, linkLayerAddress: MAC },
        { type: 'BindingAuthorizationDataForFmipv6', spi: 0x100, authenticator: b('e0e1e2e3e4e5e6e7e8e9eaeb') },
      ],
    },
    src: COA,
    dst: PAR,
  },
  {
    name: 'FBack',
    m: {
      type: 'FastBindingAcknowledgement',
      status: 1,
      keyManagementCompatibility: true,
      sequenceNumber: 77,
      lifetime: 10,
      options: [],
    },
    src: PAR,
    dst: COA,
  },
  {
    name: 'HI predictive (S=1, U=1)',
    m: {
      type: 'HandoverInitiate',
      sequenceNumber: 555,
      assignedAddressConfiguration: true,
      buffer: true,
      proxy: false,
      forwarding: false,
      code: 0,
      options: [
        { type: 'MobilityHeaderIpv6AddressPrefix', optionCode: 1, prefixLength: 128, address: COA },
        { type: 'MobilityHeaderLinkLayerAddress', optionCode: 2, linkLayerAddress: MAC },
      ],
    },
    src: PAR,
    dst: NAR,
  },
  {
    name: 'HI PFMIPv6 (RFC 5949: P, F, Context Request, LMAA, MN LL IID)',
    m: {
      type: 'HandoverInitiate',
      sequenceNumber: 556,
      assignedAddressConfiguration: false,
      buffer: true,
      proxy: true,
      forwarding: true,
      code: 1,
      options: [
        naiIdentifier('mn@pmip'),
        HNP,
        { type: 'LocalMobilityAnchorAddress', optionCode: 1, address: LMA },
        { type: 'LocalMobilityAnchorAddress', optionCode: 2, address: '192.0.2.1' },
        { type: 'MobileNodeLinkLocalAddressInterfaceIdentifier', interfaceIdentifier: b('00000000000000ab') },
        {
          type: 'ContextRequest',
          requests: [
            { requestType: 22, requestOption: Buffer.alloc(0) },
            { requestType: 24, requestOption: Buffer.alloc(0) },
          ],
        },
      ],
    },
    src: MAG,
    dst: '2001:db8:c::1',
  },
  {
    name: 'HAck PFMIPv6 (RFC 5949: P, F, code 5, MN-ID, HNP, LMAA, MN LL-ID, MN LL IID)',
    m: {
      type: 'HandoverAcknowledge',
      sequenceNumber: 556,
      flags: 0x60,
      code: 5,
      options: [
        naiIdentifier('mn@pmip'),
        HNP,
        { type: 'LocalMobilityAnchorAddress', optionCode: 1, address: LMA },
        { type: 'MobileNodeLinkLayerIdentifier', linkLayerIdentifier: MAC },
        { type: 'MobileNodeLinkLocalAddressInterfaceIdentifier', interfaceIdentifier: b('020000fffeaabbcc') },
      ],
    },
    src: '2001:db8:c::1',
    dst: MAG,
  },
  {
    name: 'HAck code 2',
    m: {
      type: 'HandoverAcknowledge',
      sequenceNumber: 555,
      flags: 0,
      code: 2,
      options: [
        { type: 'MobilityHeaderIpv6AddressPrefix', optionCode: 2, prefixLength: 128, address: '2001:db8:3::200' },
      ],
    },
    src: NAR,
    dst: PAR,
  },
];

const reason = skipReason({ tools: ['tshark'] });

describe.skipIf(reason)('tshark 4.0 reads every Mobility Header we encode', () => {
  const built = CASES.map((c) => {
    const extensions: ExtensionHeaderInput[] = [];
    if (c.rh2) extensions.push({ kind: 'Routing', routingType: 2, segmentsLeft: 1, homeAddress: c.rh2 });
    if (c.hao) extensions.push({ kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress: c.hao }] });
    const packet = buildIpv6Packet({
      src: c.src,
      dst: c.dst,
      extensions,
      upper: { nextHeader: 135, encode: () => mh.encode(c.m) },
    });
    return { c, packet };
  });
  const fields = [
    ...MH_FIELDS,
    ...FRAME_CHECK_FIELDS,
    'ipv6.opt.mipv6.home_address',
    'ipv6.routing.mipv6.home_address',
    'ipv6.routing.segleft',
  ];
  let frames: Record<string, string[]>[] = [];

  test('tshark decodes one frame per packet', () => {
    frames = tsharkFields(
      built.map((x) => x.packet),
      fields,
    );
    expect(frames.length).toBe(CASES.length);
  });

  built.forEach(({ c, packet }, i) => {
    test(c.name, () => {
      const frame = frames[i];
      if (!frame) throw new Error('tshark produced no frame');
      const w = walkIpv6(packet);
      if (!w.ok) throw new Error(w.error.message);
      const mhBytes = packet.subarray(w.value.upperOffset);
      // Our own checksum check, with the HoA / RH2 substitutions (RFC 6275 §6.1.7).
      const verified = mh.decode(packet, w.value.upperOffset, { verify: pseudoHeaderAddresses(w.value) });
      if (!verified.ok) throw new Error(JSON.stringify(verified.error));
      expect(verified.value).toEqual(c.m);
      const expected = mobilityHeaderFields(c.m, mhBytes.readUInt16BE(4), mhBytes.length);
      if (c.hao) expected['ipv6.opt.mipv6.home_address'] = [c.hao];
      if (c.rh2) Object.assign(expected, { 'ipv6.routing.mipv6.home_address': [c.rh2], 'ipv6.routing.segleft': [1] });
      expect(compareFields(frame, expected)).toEqual([]);
      expect(frameErrors(frame)).toEqual([]);
    });
  });
});
