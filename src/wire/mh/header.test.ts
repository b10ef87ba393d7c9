import { describe, expect, test } from 'vitest';
import { pseudoHeaderAddresses, walkIpv6 } from '../ipv6.js';
import { checkCodec, checkPrefixes, hex } from '../testing/codec-checks.js';
import { VECTORS, type VectorName } from '../testing/vectors.js';
import { bindingAcknowledgement, bindingUpdate } from './binding.js';
import * as mh from './header.js';
import type { MobilityMessage } from './header.js';
import { naiIdentifier } from './options/types.js';
import { missingMandatoryOptionStatus, proxyBindingAcknowledgement, proxyBindingUpdate } from './pmipv6.js';

const b = (s: string): Buffer => Buffer.from(s, 'hex');
const HNP = { type: 'HomeNetworkPrefix', prefixLength: 64, prefix: '2001:db8:100:1::' } as const;
const TS = { type: 'Timestamp', timestamp: 0x00006553f1008000n } as const; // 2023-11-14 22:13:20.5 UTC
const MAC = b('020000aabbcc');

// Expected decodings of the spec Appendix A vectors (field values as tshark 4.0.17 showed them).
const EXPECTED: Partial<Record<VectorName, MobilityMessage>> = {
  buHomeRegistration: bindingUpdate({
    sequenceNumber: 1000,
    acknowledge: true,
    homeRegistration: true,
    keyManagementCompatibility: true,
    lifetime: 100,
    options: [{ type: 'AlternateCareOfAddress', alternateCareOfAddress: '2001:db8:2::100' }],
  }),
  baWithRefreshAdvice: bindingAcknowledgement({
    status: 0,
    keyManagementCompatibility: true,
    sequenceNumber: 1000,
    lifetime: 100,
    options: [{ type: 'BindingRefreshAdvice', refreshInterval: 90 }],
  }),
  bindingError: { type: 'BindingError', status: 2, homeAddress: '2001:db8:1::100', options: [] },
  bindingRefreshRequest: { type: 'BindingRefreshRequest', options: [] },
  homeTestInit: { type: 'HomeTestInit', homeInitCookie: b('1122334455667788'), options: [] },
  homeTest: {
    type: 'HomeTest',
    homeNonceIndex: 7,
    homeInitCookie: b('1122334455667788'),
    homeKeygenToken: b('a1a2a3a4a5a6a7a8'),
    options: [],
  },
  buToCorrespondent: bindingUpdate({
    sequenceNumber: 1001,
    acknowledge: true,
    lifetime: 105,
    options: [
      { type: 'NonceIndices', homeNonceIndex: 7, careOfNonceIndex: 9 },
      { type: 'BindingAuthorizationData', authenticator: b('c0c1c2c3c4c5c6c7c8c9cacb') },
    ],
  }),
  buWithAuth: bindingUpdate({
    sequenceNumber: 1002,
    acknowledge: true,
    homeRegistration: true,
    lifetime: 100,
    options: [
      naiIdentifier('mn1@example.com'),
      { type: 'MobilityMessageReplayProtection', timestamp: 0xe875470080000000n },
      {
        type: 'MobilityMessageAuthentication',
        subtype: 1,
        mobilitySpi: 0x1234,
        authenticationData: b('d0d1d2d3d4d5d6d7d8d9dadb'),
      },
    ],
  }),
  localBuToMap: bindingUpdate({
    sequenceNumber: 5,
    acknowledge: true,
    homeRegistration: true,
    mapRegistration: true,
    lifetime: 50,
    options: [{ type: 'AlternateCareOfAddress', alternateCareOfAddress: '2001:db8:6::100' }],
  }),
  proxyBindingUpdate: proxyBindingUpdate({
    sequenceNumber: 42,
    homeRegistration: true,
    lifetime: 900,
    options: [
      naiIdentifier('mn@lma.example'),
      HNP,
      { type: 'HandoffIndicator', handoffIndicator: 1 },
      { type: 'AccessTechnologyType', accessTechnologyType: 4 },
      { type: 'MobileNodeLinkLayerIdentifier', linkLayerIdentifier: MAC },
      { type: 'LinkLocalAddress', linkLocalAddress: 'fe80::1' },
      TS,
    ],
  }),
  proxyBindingAcknowledgement: proxyBindingAcknowledgement({
    status: 0,
    sequenceNumber: 42,
    lifetime: 900,
    options: [
      naiIdentifier('mn@lma.example'),
      HNP,
      { type: 'HandoffIndicator', handoffIndicator: 1 },
      { type: 'AccessTechnologyType', accessTechnologyType: 4 },
      TS,
    ],
  }),
  proxyBindingAcknowledgementReject: proxyBindingAcknowledgement({
    status: 157,
    sequenceNumber: 42,
    lifetime: 0,
    options: [naiIdentifier('mn@lma.example'), TS],
  }),
  fastBindingUpdate: {
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
    ],
  },
  fastBindingAcknowledgement: {
    type: 'FastBindingAcknowledgement',
    status: 0,
    keyManagementCompatibility: false,
    sequenceNumber: 77,
    lifetime: 10,
    options: [],
  },
  handoverInitiate: {
    type: 'HandoverInitiate',
    sequenceNumber: 555,
    assignedAddressConfiguration: false,
    buffer: true,
    proxy: false,
    forwarding: false,
    code: 0,
    options: [
      { type: 'MobilityHeaderIpv6AddressPrefix', optionCode: 1, prefixLength: 128, address: '2001:db8:2::100' },
      { type: 'MobilityHeaderIpv6AddressPrefix', optionCode: 2, prefixLength: 128, address: '2001:db8:3::100' },
      { type: 'MobilityHeaderLinkLayerAddress', optionCode: 2, linkLayerAddress: MAC },
    ],
  },
  handoverAcknowledge: { type: 'HandoverAcknowledge', sequenceNumber: 555, flags: 0, code: 0, options: [] },
  proxyHandoverInitiate: {
    type: 'HandoverInitiate',
    sequenceNumber: 556,
    assignedAddressConfiguration: false,
    buffer: true,
    proxy: true,
    forwarding: true,
    code: 0,
    options: [
      naiIdentifier('mn@pmip'),
      HNP,
      {
        type: 'ContextRequest',
        requests: [
          { requestType: 22, requestOption: Buffer.alloc(0) },
          { requestType: 24, requestOption: Buffer.alloc(0) },
        ],
      },
    ],
  },
  proxyBindingUpdateTransientBinding: proxyBindingUpdate({
    sequenceNumber: 43,
    lifetime: 900,
    options: [
      naiIdentifier('mn@tb'),
      HNP,
      { type: 'HandoffIndicator', handoffIndicator: 3 },
      { type: 'AccessTechnologyType', accessTechnologyType: 4 },
      { type: 'TransientBinding', latePathSwitch: true, lifetime: 20 },
    ],
  }),
};

function mhOf(name: VectorName): { bytes: Buffer; addrs: { src: string; dst: string } } {
  const pkt = hex(VECTORS[name]);
  const w = walkIpv6(pkt);
  if (!w.ok) throw new Error(w.error.message);
  expect(w.value.upperLayer).toBe(135);
  return {
    bytes: pkt.subarray(w.value.upperOffset, w.value.upperOffset + w.value.upperLength),
    addrs: pseudoHeaderAddresses(w.value),
  };
}

describe('Mobility Header golden vectors (spec Appendix A)', () => {
  for (const [name, expected] of Object.entries(EXPECTED) as [VectorName, MobilityMessage][]) {
    test(name, () => {
      const { bytes, addrs } = mhOf(name);
      const d = mh.decode(bytes, 0, { verify: addrs });
      if (!d.ok) throw new Error(JSON.stringify(d.error));
      expect(d.bytes).toBe(bytes.length);
      expect(d.value).toEqual(expected);
      // Our encoder (canonical padding, RFC 6275 §6.2 alignments) reproduces the bytes and checksum.
      expect(mh.encode(expected, undefined, 0, { addresses: addrs }).toString('hex')).toBe(bytes.toString('hex'));
      // With padding kept, a re-encode is byte-exact too.
      const kept = mh.decode(bytes, 0, { keepPadding: true });
      if (!kept.ok) throw new Error(kept.error.message);
      expect(mh.encode(kept.value, undefined, 0, { addresses: addrs }).toString('hex')).toBe(bytes.toString('hex'));
      checkCodec(mh, expected, Buffer.from(bytes).fill(0, 4, 6));
    });
  }
});

describe('checksum', () => {
  test('a flipped bit is bad-checksum at offset 4; the wrong pseudo-header too', () => {
    const { bytes, addrs } = mhOf('buHomeRegistration');
    const bad = Buffer.from(bytes);
    bad[11] = bad[11]! ^ 1;
    const r = mh.decode(bad, 0, { verify: addrs });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-checksum', offset: 4 });
    // Using the on-wire CoA instead of the HoA (ignoring RFC 6275 §6.1.7) must fail.
    const r2 = mh.decode(bytes, 0, { verify: { src: '2001:db8:2::100', dst: addrs.dst } });
    expect(r2.ok).toBe(false);
  });
  test('an explicit checksum is written as given', () => {
    const m = EXPECTED.bindingRefreshRequest!;
    expect(mh.encode(m, undefined, 0, { checksum: 0xbeef }).readUInt16BE(4)).toBe(0xbeef);
  });
});

describe('receiver rules', () => {
  test('Header Len below the type minimum is bad-length at Header Len (RFC 6275 §9.2)', () => {
    const m = mh.encode(bindingUpdate({ sequenceNumber: 1, lifetime: 1 }));
    const short = Buffer.from(m.subarray(0, 8));
    short[1] = 0; // 8 bytes, but a BU needs 12
    const r = mh.decode(short);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-length', offset: 1 });
  });
  test('unknown MH Type is kept raw and re-encodes byte for byte', () => {
    const bytes = hex('3b010d0000000102030405060708090a');
    const r = mh.decode(bytes);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toEqual({ type: 'Unknown', mhType: 13, data: hex('0102030405060708090a') });
    expect(mh.encode(r.value).toString('hex')).toBe(bytes.toString('hex'));
  });
  test('unknown options are kept and re-encoded; an option past the end is bad-length', () => {
    const m = bindingUpdate({
      sequenceNumber: 9,
      lifetime: 4,
      options: [{ type: 'Unknown', optionType: 200, data: hex('aabbcc') }],
    });
    const bytes = mh.encode(m);
    const r = mh.decode(bytes);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toEqual(m);
    const bad = Buffer.from(bytes);
    bad[13] = 40;
    const r2 = mh.decode(bad);
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error).toMatchObject({ code: 'bad-length', offset: 13 });
  });
  test('a known option with a wrong length is bad-length at its Length byte', () => {
    const bytes = mh.encode(
      bindingAcknowledgement({
        status: 0,
        sequenceNumber: 1,
        lifetime: 1,
        options: [{ type: 'BindingRefreshAdvice', refreshInterval: 3 }],
      }),
    );
    bytes[13] = 1; // BRA Length must be 2
    const r = mh.decode(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'bad-length', offset: 13 });
  });
  test('prefixes of every vector fail with truncated or bad-length', () => {
    for (const name of Object.keys(EXPECTED) as VectorName[]) checkPrefixes(mh, mhOf(name).bytes);
  });
});

describe('PMIPv6', () => {
  test('missing mandatory options map to RFC 5213 §5.3.1 status codes', () => {
    expect(missingMandatoryOptionStatus(EXPECTED.proxyBindingUpdate as never)).toBeUndefined();
    expect(missingMandatoryOptionStatus(proxyBindingUpdate({ sequenceNumber: 1, lifetime: 1, options: [] }))).toBe(160);
    expect(
      missingMandatoryOptionStatus(
        proxyBindingUpdate({ sequenceNumber: 1, lifetime: 1, options: [naiIdentifier('a')] }),
      ),
    ).toBe(158);
    expect(
      missingMandatoryOptionStatus(
        proxyBindingUpdate({ sequenceNumber: 1, lifetime: 1, options: [naiIdentifier('a'), HNP] }),
      ),
    ).toBe(161);
    expect(
      missingMandatoryOptionStatus(
        proxyBindingUpdate({
          sequenceNumber: 1,
          lifetime: 1,
          options: [naiIdentifier('a'), HNP, { type: 'HandoffIndicator', handoffIndicator: 1 }],
        }),
      ),
    ).toBe(162);
  });
});

// Messages without a spec vector: golden bytes written from the RFC 6275 layouts (checksum left 0).
describe('Mobility Header messages from RFC layouts', () => {
  test('Care-of Test Init (RFC 6275 §6.1.4): Reserved, Care-of Init Cookie', () => {
    checkCodec(
      mh,
      { type: 'CareOfTestInit', careOfInitCookie: b('8877665544332211'), options: [] },
      hex('3b01 0200 0000 0000 8877665544332211'),
    );
  });
  test('Care-of Test (RFC 6275 §6.1.6): Care-of Nonce Index, cookie, keygen token', () => {
    checkCodec(
      mh,
      {
        type: 'CareOfTest',
        careOfNonceIndex: 9,
        careOfInitCookie: b('8877665544332211'),
        careOfKeygenToken: b('b1b2b3b4b5b6b7b8'),
        options: [],
      },
      hex('3b02 0400 0000 0009 8877665544332211 b1b2b3b4b5b6b7b8'),
    );
  });
  test('HI with S, U, P, F all set (RFC 5568 §6.2.1 / RFC 5949 §6.2.1)', () => {
    checkCodec(
      mh,
      {
        type: 'HandoverInitiate',
        sequenceNumber: 1,
        assignedAddressConfiguration: true,
        buffer: true,
        proxy: true,
        forwarding: true,
        code: 1,
        options: [],
      },
      hex('3b01 0e00 0000 0001 f001 010400000000'),
    );
  });
});
