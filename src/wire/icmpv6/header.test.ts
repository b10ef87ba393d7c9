import { describe, expect, test } from 'vitest';
import { pseudoHeaderAddresses, walkIpv6 } from '../ipv6.js';
import { checkCodec, checkPrefixes, hex } from '../testing/codec-checks.js';
import { VECTORS, type VectorName } from '../testing/vectors.js';
import * as icmpv6 from './header.js';
import type { Icmpv6Message } from './header.js';
import * as ndOption from './nd-options.js';
import type { NdOption, PrefixInformation } from './nd-options.js';

const b = (s: string): Buffer => Buffer.from(s, 'hex');
const HOME_PIO: PrefixInformation = {
  type: 'PrefixInformation',
  prefixLength: 64,
  onLink: true,
  autonomous: true,
  routerAddress: true,
  validLifetime: 86400,
  preferredLifetime: 14400,
  prefix: '2001:db8:1::1',
};

// Expected decodings of the spec Appendix A vectors (values as tshark 4.0.17 showed them).
const EXPECTED: Partial<Record<VectorName, Icmpv6Message>> = {
  rtSolPr: {
    type: 'RouterSolicitationForProxyAdvertisement',
    identifier: 0x1234,
    options: [{ type: 'LinkLayerAddress', optionCode: 1, linkLayerAddress: b('020000112233') }],
  },
  prRtAdv: {
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
  unsolicitedNeighborAdvertisement: {
    type: 'NeighborAdvertisement',
    router: false,
    solicited: false,
    override: true,
    targetAddress: '2001:db8:3::100',
    options: [
      { type: 'TargetLinkLayerAddress', linkLayerAddress: b('020000aabbcc') },
      { type: 'LinkLayerAddress', optionCode: 2, linkLayerAddress: b('020000aabbcc') },
    ],
  },
  routerAdvertisement: {
    type: 'RouterAdvertisement',
    curHopLimit: 64,
    managedAddressConfiguration: false,
    otherConfiguration: false,
    homeAgent: true,
    routerPreference: 0,
    proxy: false,
    routerLifetime: 1800,
    reachableTime: 0,
    retransTimer: 0,
    options: [
      { type: 'Map', distance: 1, preference: 10, rcoa: true, validLifetime: 3600, globalAddress: '2001:db8:5::1' },
      { type: 'HomeAgentInformation', homeAgentPreference: 10, homeAgentLifetime: 1800 },
      { type: 'AdvertisementInterval', advertisementInterval: 1000 },
      HOME_PIO,
    ],
  },
  haadRequest: { type: 'HomeAgentAddressDiscoveryRequest', identifier: 0xabcd, mobileRouterSupport: false },
  haadReply: {
    type: 'HomeAgentAddressDiscoveryReply',
    identifier: 0xabcd,
    mobileRouterSupport: false,
    homeAgentAddresses: ['2001:db8:1::1', '2001:db8:1::2'],
  },
  mobilePrefixSolicitation: { type: 'MobilePrefixSolicitation', identifier: 0x4242 },
  mobilePrefixAdvertisement: {
    type: 'MobilePrefixAdvertisement',
    identifier: 0x4242,
    managedAddressConfiguration: true,
    otherConfiguration: false,
    options: [HOME_PIO],
  },
  rtSolPrHandoverKeyRequest: {
    type: 'RouterSolicitationForProxyAdvertisement',
    identifier: 0x5555,
    options: [
      { type: 'HandoverKeyRequest', algorithmType: 1, publicKey: b('101112131415161718191a1b1c1d1e1f20212223') },
    ],
  },
};

function icmpOf(name: VectorName): { bytes: Buffer; addrs: { src: string; dst: string } } {
  const pkt = hex(VECTORS[name]);
  const w = walkIpv6(pkt);
  if (!w.ok) throw new Error(w.error.message);
  expect(w.value.upperLayer).toBe(58);
  return {
    bytes: pkt.subarray(w.value.upperOffset, w.value.upperOffset + w.value.upperLength),
    addrs: pseudoHeaderAddresses(w.value),
  };
}

describe('ICMPv6 golden vectors (spec Appendix A)', () => {
  for (const [name, expected] of Object.entries(EXPECTED) as [VectorName, Icmpv6Message][]) {
    test(name, () => {
      const { bytes, addrs } = icmpOf(name);
      const d = icmpv6.decode(bytes, 0, { verify: addrs });
      if (!d.ok) throw new Error(JSON.stringify(d.error));
      expect(d.value).toEqual(expected);
      expect(icmpv6.encode(expected, undefined, 0, { addresses: addrs }).toString('hex')).toBe(bytes.toString('hex'));
      checkCodec(icmpv6, expected, Buffer.from(bytes).fill(0, 2, 4), { prefixes: false });
    });
  }
});

// Messages without a spec vector: golden bytes written from the RFC layouts.
const OWN: [string, Icmpv6Message, string][] = [
  [
    'Router Solicitation + SLLA (RFC 4861 §4.1)',
    { type: 'RouterSolicitation', options: [{ type: 'SourceLinkLayerAddress', linkLayerAddress: b('020000aabbcc') }] },
    '85000000000000000101020000aabbcc',
  ],
  [
    'Neighbor Solicitation (RFC 4861 §4.3)',
    { type: 'NeighborSolicitation', targetAddress: 'fe80::1', options: [] },
    '8700000000000000fe800000000000000000000000000001',
  ],
  [
    'Parameter Problem code 2 pointer 42 (RFC 4443 §3.4)',
    { type: 'ParameterProblem', code: 2, pointer: 42, invokingPacket: b('6000000000083c40') },
    '040200000000002a6000000000083c40',
  ],
  ['Echo Request', { type: 'EchoRequest', identifier: 7, sequenceNumber: 1, data: b('abcd') }, '800000000007 0001abcd'],
  [
    'RA with MTU',
    {
      type: 'RouterAdvertisement',
      curHopLimit: 255,
      managedAddressConfiguration: true,
      otherConfiguration: true,
      homeAgent: false,
      routerPreference: 1,
      proxy: true,
      routerLifetime: 0,
      reachableTime: 1,
      retransTimer: 2,
      options: [{ type: 'Mtu', mtu: 1500 }],
    },
    '86000000ffcc0000000000010000000205010000000005dc',
  ],
  ['unknown type 200 kept raw', { type: 'Unknown', icmpType: 200, code: 3, body: b('01020304') }, 'c803000001020304'],
  [
    'unknown FMIPv6 subtype 4 kept raw',
    { type: 'Unknown', icmpType: 154, code: 0, body: b('04800001') },
    '9a00000004800001',
  ],
];

describe('ICMPv6 messages from RFC layouts', () => {
  for (const [name, m, golden] of OWN) test(name, () => checkCodec(icmpv6, m, hex(golden), { prefixes: false }));
});

describe('ICMPv6 decoding rules', () => {
  test('prefixes of fixed parts fail; options cut mid-way fail', () => {
    for (const name of Object.keys(EXPECTED) as VectorName[]) {
      const { bytes } = icmpOf(name);
      for (let n = 0; n < bytes.length; n++) {
        const r = icmpv6.decode(bytes.subarray(0, n));
        // A cut on an option boundary is a valid shorter message; any other cut must fail.
        if (r.ok) expect(r.bytes).toBe(n);
      }
    }
    checkPrefixes(
      { decode: (buf: Buffer) => icmpv6.decode(buf) },
      hex('8700000000000000fe800000000000000000000000000001'),
    );
  });
  test('bad checksum and wrong pseudo-header are reported at offset 2', () => {
    const { bytes, addrs } = icmpOf('mobilePrefixSolicitation');
    const r = icmpv6.decode(bytes, 0, { verify: { src: '2001:db8:2::100', dst: addrs.dst } }); // CoA instead of HoA
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-checksum', offset: 2 });
  });
  test('ND option of length 0 is bad-length (RFC 4861 §4.6)', () => {
    const r = icmpv6.decode(hex('850000000000000001000000'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-length', offset: 9 });
  });
  test('RA with code 1 is bad-value (RFC 4861 §6.1.2)', () => {
    const r = icmpv6.decode(hex('86010000ff000000000000000000000000'.slice(0, 32)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('bad-value');
  });
  test('NAACK: the supplied NCoA under both layouts', () => {
    const rfc: NdOption = {
      type: 'NeighborAdvertisementAcknowledgement',
      optionCode: 0,
      status: 2,
      data: b('00000000' + '20010db8000300000000000000000200'),
    };
    const bytes = ndOption.encode(rfc);
    expect(bytes.length).toBe(24);
    const d = ndOption.decode(bytes);
    if (!d.ok) throw new Error(d.error.message);
    expect(d.value).toEqual(rfc);
    expect(ndOption.suppliedNewCareOfAddress(rfc as never, 'rfc5568')).toBe('2001:db8:3::200');
  });
  test('option codecs round trip', () => {
    const opts: NdOption[] = [
      { type: 'HandoverKeyReply', algorithmType: 2, keyLifetime: 300, encryptedHandoverKey: b('00112233445566778899') },
      { type: 'Unknown', optionType: 29, data: b('010203040506') },
      { type: 'SourceLinkLayerAddress', linkLayerAddress: b('0011223344556677889900aabbcc') },
    ];
    for (const o of opts) checkCodec(ndOption, o, undefined, { prefixes: false });
  });
});
