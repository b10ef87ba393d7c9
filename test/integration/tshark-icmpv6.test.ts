// tshark conformance for ICMPv6: every message and ND option we encode is read back by tshark 4.0;
// each field must equal what we encoded, the checksum status must be Good (tshark verifies ICMPv6
// checksums with the HAO/RH2 substitutions of RFC 6275 §6.3, §6.4), and no frame may be malformed or
// carry an error-level expert item.

import { describe, expect, test } from 'vitest';
import { skipReason } from '../support/prereq.js';
import * as icmpv6 from '../../src/wire/icmpv6/header.js';
import type { Icmpv6Message } from '../../src/wire/icmpv6/header.js';
import type { PrefixInformation } from '../../src/wire/icmpv6/nd-options.js';
import { buildIpv6Packet, type ExtensionHeaderInput } from '../../src/wire/packet.js';
import { pseudoHeaderAddresses, walkIpv6 } from '../../src/wire/ipv6.js';
import { compareFields, FRAME_CHECK_FIELDS, frameErrors, tsharkFields } from '../support/tshark.js';
import { ICMPV6_FIELDS, icmpv6Fields } from '../support/tshark-expect.js';

const HOA = '2001:db8:1::100';
const COA = '2001:db8:2::100';
const HA = '2001:db8:1::1';
const b = (s: string): Buffer => Buffer.from(s, 'hex');
const MAC = b('020000aabbcc');
const PIO: PrefixInformation = {
  type: 'PrefixInformation',
  prefixLength: 64,
  onLink: true,
  autonomous: true,
  routerAddress: true,
  validLifetime: 86400,
  preferredLifetime: 14400,
  prefix: HA,
};

interface Case {
  name: string;
  m: Icmpv6Message;
  src: string;
  dst: string;
  hopLimit?: number;
  hao?: string;
  rh2?: string;
}

const CASES: Case[] = [
  {
    name: 'Router Solicitation + SLLA',
    m: { type: 'RouterSolicitation', options: [{ type: 'SourceLinkLayerAddress', linkLayerAddress: MAC }] },
    src: 'fe80::100',
    dst: 'ff02::2',
    hopLimit: 255,
  },
  {
    name: 'Router Advertisement: H flag, MAP (HMIPv6), HA Information, Advertisement Interval, PIO with R, MTU, SLLA',
    m: {
      type: 'RouterAdvertisement',
      curHopLimit: 64,
      managedAddressConfiguration: false,
      otherConfiguration: true,
      homeAgent: true,
      routerPreference: 1,
      proxy: false,
      routerLifetime: 1800,
      reachableTime: 30000,
      retransTimer: 1000,
      options: [
        { type: 'SourceLinkLayerAddress', linkLayerAddress: MAC },
        { type: 'Mtu', mtu: 1500 },
        { type: 'Map', distance: 1, preference: 10, rcoa: true, validLifetime: 3600, globalAddress: '2001:db8:5::1' },
        { type: 'HomeAgentInformation', homeAgentPreference: 10, homeAgentLifetime: 1800 },
        { type: 'AdvertisementInterval', advertisementInterval: 1000 },
        PIO,
      ],
    },
    src: 'fe80::1',
    dst: 'ff02::1',
    hopLimit: 255,
  },
  {
    name: 'Neighbor Solicitation + SLLA',
    m: {
      type: 'NeighborSolicitation',
      targetAddress: COA,
      options: [{ type: 'SourceLinkLayerAddress', linkLayerAddress: MAC }],
    },
    src: 'fe80::100',
    dst: 'ff02::1:ff00:100',
    hopLimit: 255,
  },
  {
    name: 'Unsolicited NA (FMIPv6 UNA) + TLLA + LLA option code 2',
    m: {
      type: 'NeighborAdvertisement',
      router: false,
      solicited: false,
      override: true,
      targetAddress: '2001:db8:3::100',
      options: [
        { type: 'TargetLinkLayerAddress', linkLayerAddress: MAC },
        { type: 'LinkLayerAddress', optionCode: 2, linkLayerAddress: MAC },
      ],
    },
    src: '2001:db8:3::100',
    dst: 'ff02::1',
    hopLimit: 255,
  },
  {
    name: 'HAAD Request',
    m: { type: 'HomeAgentAddressDiscoveryRequest', identifier: 0xabcd, mobileRouterSupport: false },
    src: COA,
    dst: '2001:db8:1:0:fdff:ffff:ffff:fffe',
  },
  {
    name: 'HAAD Reply',
    m: {
      type: 'HomeAgentAddressDiscoveryReply',
      identifier: 0xabcd,
      mobileRouterSupport: false,
      homeAgentAddresses: [HA, '2001:db8:1::2'],
    },
    src: HA,
    dst: COA,
  },
  {
    name: 'Mobile Prefix Solicitation with HAO',
    m: { type: 'MobilePrefixSolicitation', identifier: 0x4242 },
    src: COA,
    dst: HA,
    hao: HOA,
  },
  {
    name: 'Mobile Prefix Advertisement with RH2',
    m: {
      type: 'MobilePrefixAdvertisement',
      identifier: 0x4242,
      managedAddressConfiguration: true,
      otherConfiguration: false,
      options: [PIO],
    },
    src: HA,
    dst: COA,
    rh2: HOA,
  },
  {
    name: 'RtSolPr: LLA code 1 (new AP) + Handover Key Request (RFC 5269)',
    m: {
      type: 'RouterSolicitationForProxyAdvertisement',
      identifier: 0x1234,
      options: [
        { type: 'LinkLayerAddress', optionCode: 1, linkLayerAddress: b('020000112233') },
        { type: 'HandoverKeyRequest', algorithmType: 1, publicKey: b('101112131415161718191a1b1c1d1e1f20212223') },
      ],
    },
    src: COA,
    dst: '2001:db8:2::1',
    hopLimit: 255,
  },
  {
    name: 'PrRtAdv code 0: AP-ID, NAR LLA, NAR address and prefix',
    m: {
      type: 'ProxyRouterAdvertisement',
      code: 0,
      identifier: 0x1234,
      options: [
        { type: 'LinkLayerAddress', optionCode: 1, linkLayerAddress: b('020000112233') },
        { type: 'LinkLayerAddress', optionCode: 3, linkLayerAddress: b('020000445566') },
        { type: 'IpAddressPrefix', optionCode: 3, prefixLength: 128, address: '2001:db8:3::1' },
        { type: 'IpAddressPrefix', optionCode: 4, prefixLength: 64, address: '2001:db8:3::' },
      ],
    },
    src: 'fe80::1',
    dst: 'fe80::100',
    hopLimit: 255,
  },
  {
    name: 'Parameter Problem code 2 (unrecognized option: a kernel without MIPv6 answering an HAO)',
    m: {
      type: 'ParameterProblem',
      code: 2,
      pointer: 46,
      invokingPacket: b(
        '6000000000203c4020010db800020000000000000000010020010db80001000000000000000000013a0201020000c91020010db8000100000000000000000100',
      ),
    },
    src: HA,
    dst: COA,
  },
  {
    name: 'Echo Request',
    m: { type: 'EchoRequest', identifier: 7, sequenceNumber: 1, data: b('0102030405') },
    src: COA,
    dst: HA,
  },
];

const reason = skipReason({ tools: ['tshark'] });

describe.skipIf(reason)('tshark 4.0 reads every ICMPv6 message we encode', () => {
  const built = CASES.map((c) => {
    const extensions: ExtensionHeaderInput[] = [];
    if (c.rh2) extensions.push({ kind: 'Routing', routingType: 2, segmentsLeft: 1, homeAddress: c.rh2 });
    if (c.hao) extensions.push({ kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress: c.hao }] });
    const packet = buildIpv6Packet({
      src: c.src,
      dst: c.dst,
      hopLimit: c.hopLimit ?? 64,
      extensions,
      upper: { nextHeader: 58, encode: () => icmpv6.encode(c.m) },
    });
    return { c, packet };
  });
  let frames: Record<string, string[]>[] = [];

  test('tshark decodes one frame per packet', () => {
    frames = tsharkFields(
      built.map((x) => x.packet),
      [...ICMPV6_FIELDS, ...FRAME_CHECK_FIELDS],
    );
    expect(frames.length).toBe(CASES.length);
  });

  built.forEach(({ c, packet }, i) => {
    test(c.name, () => {
      const frame = frames[i];
      if (!frame) throw new Error('tshark produced no frame');
      const w = walkIpv6(packet);
      if (!w.ok) throw new Error(w.error.message);
      const bytes = packet.subarray(w.value.upperOffset);
      const d = icmpv6.decode(packet, w.value.upperOffset, { verify: pseudoHeaderAddresses(w.value) });
      if (!d.ok) throw new Error(JSON.stringify(d.error));
      expect(d.value).toEqual(c.m);
      const expected = icmpv6Fields(c.m, bytes);
      if (c.m.type === 'ParameterProblem') {
        // tshark dissects the invoking packet too; only the outer message is compared here.
        for (const k of Object.keys(expected)) if (k.startsWith('icmpv6.opt')) delete expected[k];
        for (const k of ['icmpv6.type', 'icmpv6.code', 'icmpv6.checksum', 'icmpv6.checksum.status'])
          expected[k] = [expected[k]![0]!];
        for (const k of ['icmpv6.type', 'icmpv6.code', 'icmpv6.checksum', 'icmpv6.checksum.status'])
          frame[k] = frame[k]!.slice(0, 1);
      }
      expect(compareFields(frame, expected)).toEqual([]);
      expect(frameErrors(frame)).toEqual([]);
    });
  });
});
