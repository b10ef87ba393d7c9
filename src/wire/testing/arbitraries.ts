// fast-check arbitraries for every message and option, in the domain where decode(encode(m)) must
// equal m: canonical address text, no explicit padding, lengths the layouts allow.

import fc from 'fast-check';
import { bytesToIpv4, bytesToIpv6 } from '../address.js';
import type { Icmpv6Message } from '../icmpv6/header.js';
import type { NdOption } from '../icmpv6/nd-options.js';
import type { MobilityMessage } from '../mh/header.js';
import { MobilityOptionType } from '../mh/options/types.js';
import type { MobilityOption } from '../mh/options/types.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bool = fc.boolean();
export const bytes = (min: number, max: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
export const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => bytesToIpv6(a));
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => bytesToIpv4(a));
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const KNOWN_MOBILITY = new Set<number>(Object.values(MobilityOptionType));

export const mobilityOption: fc.Arbitrary<MobilityOption> = fc.oneof(
  fc.record({ type: fc.constant('BindingRefreshAdvice' as const), refreshInterval: u16 }),
  fc.record({ type: fc.constant('AlternateCareOfAddress' as const), alternateCareOfAddress: ipv6 }),
  fc.record({ type: fc.constant('NonceIndices' as const), homeNonceIndex: u16, careOfNonceIndex: u16 }),
  fc.record({ type: fc.constant('BindingAuthorizationData' as const), authenticator: bytes(0, 40) }),
  fc.record({
    type: fc.constant('MobilityHeaderLinkLayerAddress' as const),
    optionCode: u8,
    linkLayerAddress: bytes(0, 20),
  }),
  fc.record({ type: fc.constant('MobileNodeIdentifier' as const), subtype: u8, identifier: bytes(0, 60) }),
  fc.record({
    type: fc.constant('MobilityMessageAuthentication' as const),
    subtype: u8,
    mobilitySpi: u32,
    authenticationData: bytes(0, 40),
  }),
  fc.record({ type: fc.constant('MobilityMessageReplayProtection' as const), timestamp: u64 }),
  fc.record({ type: fc.constant('BindingAuthorizationDataForFmipv6' as const), spi: u32, authenticator: bytes(0, 40) }),
  fc.record({ type: fc.constant('HomeNetworkPrefix' as const), prefixLength: u8, prefix: ipv6 }),
  fc.record({ type: fc.constant('HandoffIndicator' as const), handoffIndicator: u8 }),
  fc.record({ type: fc.constant('AccessTechnologyType' as const), accessTechnologyType: u8 }),
  fc.record({ type: fc.constant('MobileNodeLinkLayerIdentifier' as const), linkLayerIdentifier: bytes(0, 20) }),
  fc.record({ type: fc.constant('LinkLocalAddress' as const), linkLocalAddress: ipv6 }),
  fc.record({ type: fc.constant('Timestamp' as const), timestamp: u64 }),
  fc.record({
    type: fc.constant('MobilityHeaderIpv6AddressPrefix' as const),
    optionCode: u8,
    prefixLength: u8,
    address: ipv6,
  }),
  fc.record({
    type: fc.constant('ContextRequest' as const),
    requests: fc.array(fc.record({ requestType: u8, requestOption: bytes(0, 8) }), { maxLength: 5 }),
  }),
  fc.record({
    type: fc.constant('LocalMobilityAnchorAddress' as const),
    optionCode: fc.constant(1 as const),
    address: ipv6,
  }),
  fc.record({
    type: fc.constant('LocalMobilityAnchorAddress' as const),
    optionCode: fc.constant(2 as const),
    address: ipv4,
  }),
  fc.record({
    type: fc.constant('MobileNodeLinkLocalAddressInterfaceIdentifier' as const),
    interfaceIdentifier: bytes(8, 8),
  }),
  fc.record({ type: fc.constant('TransientBinding' as const), latePathSwitch: bool, lifetime: u8 }),
  fc.record({
    type: fc.constant('Unknown' as const),
    optionType: u8.filter((t) => !KNOWN_MOBILITY.has(t)),
    data: bytes(0, 30),
  }),
);

const mobilityOptions = fc.array(mobilityOption, { maxLength: 6 });
const cookie = bytes(8, 8);

export const mobilityMessage: fc.Arbitrary<MobilityMessage> = fc.oneof(
  fc.record({ type: fc.constant('BindingRefreshRequest' as const), options: mobilityOptions }),
  fc.record({ type: fc.constant('HomeTestInit' as const), homeInitCookie: cookie, options: mobilityOptions }),
  fc.record({ type: fc.constant('CareOfTestInit' as const), careOfInitCookie: cookie, options: mobilityOptions }),
  fc.record({
    type: fc.constant('HomeTest' as const),
    homeNonceIndex: u16,
    homeInitCookie: cookie,
    homeKeygenToken: cookie,
    options: mobilityOptions,
  }),
  fc.record({
    type: fc.constant('CareOfTest' as const),
    careOfNonceIndex: u16,
    careOfInitCookie: cookie,
    careOfKeygenToken: cookie,
    options: mobilityOptions,
  }),
  fc.record({
    type: fc.constant('BindingUpdate' as const),
    sequenceNumber: u16,
    acknowledge: bool,
    homeRegistration: bool,
    linkLocalCompatibility: bool,
    keyManagementCompatibility: bool,
    mapRegistration: bool,
    mobileRouter: bool,
    proxyRegistration: bool,
    forceUdpEncapsulation: bool,
    tlvHeaderFormat: bool,
    bulkBindingUpdate: bool,
    lifetime: u16,
    options: mobilityOptions,
  }),
  fc.record({
    type: fc.constant('BindingAcknowledgement' as const),
    status: u8,
    keyManagementCompatibility: bool,
    mobileRouter: bool,
    proxyRegistration: bool,
    tlvHeaderFormat: bool,
    bulkBindingUpdate: bool,
    sequenceNumber: u16,
    lifetime: u16,
    options: mobilityOptions,
  }),
  fc.record({ type: fc.constant('BindingError' as const), status: u8, homeAddress: ipv6, options: mobilityOptions }),
  fc.record({
    type: fc.constant('FastBindingUpdate' as const),
    sequenceNumber: u16,
    acknowledge: bool,
    homeRegistration: bool,
    linkLocalCompatibility: bool,
    keyManagementCompatibility: bool,
    lifetime: u16,
    options: mobilityOptions,
  }),
  fc.record({
    type: fc.constant('FastBindingAcknowledgement' as const),
    status: u8,
    keyManagementCompatibility: bool,
    sequenceNumber: u16,
    lifetime: u16,
    options: mobilityOptions,
  }),
  fc.record({
    type: fc.constant('HandoverInitiate' as const),
    sequenceNumber: u16,
    assignedAddressConfiguration: bool,
    buffer: bool,
    proxy: bool,
    forwarding: bool,
    code: u8,
    options: mobilityOptions,
  }),
  fc.record({
    type: fc.constant('HandoverAcknowledge' as const),
    sequenceNumber: u16,
    flags: u8,
    code: u8,
    options: mobilityOptions,
  }),
  fc.record({
    type: fc.constant('Unknown' as const),
    mhType: fc.integer({ min: 10, max: 255 }).filter((t) => t !== 14 && t !== 15),
    data: fc.integer({ min: 0, max: 8 }).chain((k) => bytes(8 * k + 2, 8 * k + 2)),
  }),
);

/** Link-layer addresses the ND codecs keep exactly: a MAC, or a longer one whose last byte is not padding. */
const lla = (longLen: number): fc.Arbitrary<Buffer> =>
  fc.oneof(
    bytes(6, 6),
    bytes(longLen, longLen).map((b) =>
      b[b.length - 1] === 0 ? Buffer.concat([b.subarray(0, -1), Buffer.from([1])]) : b,
    ),
  );

export const ndOption: fc.Arbitrary<NdOption> = fc.oneof(
  fc.record({ type: fc.constant('SourceLinkLayerAddress' as const), linkLayerAddress: lla(14) }),
  fc.record({ type: fc.constant('TargetLinkLayerAddress' as const), linkLayerAddress: lla(14) }),
  fc.record({
    type: fc.constant('PrefixInformation' as const),
    prefixLength: u8,
    onLink: bool,
    autonomous: bool,
    routerAddress: bool,
    validLifetime: u32,
    preferredLifetime: u32,
    prefix: ipv6,
  }),
  fc.record({ type: fc.constant('Mtu' as const), mtu: u32 }),
  fc.record({ type: fc.constant('AdvertisementInterval' as const), advertisementInterval: u32 }),
  fc.record({
    type: fc.constant('HomeAgentInformation' as const),
    homeAgentPreference: fc.integer({ min: -32768, max: 32767 }),
    homeAgentLifetime: u16,
  }),
  fc.record({ type: fc.constant('IpAddressPrefix' as const), optionCode: u8, prefixLength: u8, address: ipv6 }),
  fc.record({ type: fc.constant('LinkLayerAddress' as const), optionCode: u8, linkLayerAddress: lla(13) }),
  fc.record({
    type: fc.constant('NeighborAdvertisementAcknowledgement' as const),
    optionCode: u8,
    status: u8,
    data: fc.integer({ min: 0, max: 3 }).chain((k) => bytes(8 * k + 4, 8 * k + 4)),
  }),
  fc.record({
    type: fc.constant('Map' as const),
    distance: fc.integer({ min: 0, max: 15 }),
    preference: fc.integer({ min: 0, max: 15 }),
    rcoa: bool,
    validLifetime: u32,
    globalAddress: ipv6,
  }),
  fc.record({
    type: fc.constant('HandoverKeyRequest' as const),
    algorithmType: fc.integer({ min: 0, max: 15 }),
    publicKey: bytes(0, 64),
  }),
  fc.record({
    type: fc.constant('HandoverKeyReply' as const),
    algorithmType: fc.integer({ min: 0, max: 15 }),
    keyLifetime: u16,
    encryptedHandoverKey: bytes(0, 64),
  }),
  fc.record({
    type: fc.constant('Unknown' as const),
    optionType: u8.filter((t) => ![1, 2, 3, 5, 7, 8, 17, 19, 20, 23, 27, 28].includes(t)),
    data: fc.integer({ min: 0, max: 4 }).chain((k) => bytes(8 * k + 6, 8 * k + 6)),
  }),
);

const ndOptions = fc.array(ndOption, { maxLength: 5 });
const KNOWN_ICMP = new Set([1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 144, 145, 146, 147, 154]);

export const icmpv6Message: fc.Arbitrary<Icmpv6Message> = fc.oneof(
  fc.record({ type: fc.constant('DestinationUnreachable' as const), code: u8, invokingPacket: bytes(0, 60) }),
  fc.record({ type: fc.constant('PacketTooBig' as const), mtu: u32, invokingPacket: bytes(0, 60) }),
  fc.record({ type: fc.constant('TimeExceeded' as const), code: u8, invokingPacket: bytes(0, 60) }),
  fc.record({ type: fc.constant('ParameterProblem' as const), code: u8, pointer: u32, invokingPacket: bytes(0, 60) }),
  fc.record({ type: fc.constant('EchoRequest' as const), identifier: u16, sequenceNumber: u16, data: bytes(0, 40) }),
  fc.record({ type: fc.constant('EchoReply' as const), identifier: u16, sequenceNumber: u16, data: bytes(0, 40) }),
  fc.record({ type: fc.constant('RouterSolicitation' as const), options: ndOptions }),
  fc.record({
    type: fc.constant('RouterAdvertisement' as const),
    curHopLimit: u8,
    managedAddressConfiguration: bool,
    otherConfiguration: bool,
    homeAgent: bool,
    routerPreference: fc.integer({ min: 0, max: 3 }),
    proxy: bool,
    routerLifetime: u16,
    reachableTime: u32,
    retransTimer: u32,
    options: ndOptions,
  }),
  fc.record({ type: fc.constant('NeighborSolicitation' as const), targetAddress: ipv6, options: ndOptions }),
  fc.record({
    type: fc.constant('NeighborAdvertisement' as const),
    router: bool,
    solicited: bool,
    override: bool,
    targetAddress: ipv6,
    options: ndOptions,
  }),
  fc.record({
    type: fc.constant('HomeAgentAddressDiscoveryRequest' as const),
    identifier: u16,
    mobileRouterSupport: bool,
  }),
  fc.record({
    type: fc.constant('HomeAgentAddressDiscoveryReply' as const),
    identifier: u16,
    mobileRouterSupport: bool,
    homeAgentAddresses: fc.array(ipv6, { maxLength: 5 }),
  }),
  fc.record({ type: fc.constant('MobilePrefixSolicitation' as const), identifier: u16 }),
  fc.record({
    type: fc.constant('MobilePrefixAdvertisement' as const),
    identifier: u16,
    managedAddressConfiguration: bool,
    otherConfiguration: bool,
    options: ndOptions,
  }),
  fc.record({
    type: fc.constant('RouterSolicitationForProxyAdvertisement' as const),
    identifier: u16,
    options: ndOptions,
  }),
  fc.record({ type: fc.constant('ProxyRouterAdvertisement' as const), code: u8, identifier: u16, options: ndOptions }),
  fc.record({
    type: fc.constant('Unknown' as const),
    icmpType: u8.filter((t) => !KNOWN_ICMP.has(t)),
    code: u8,
    body: bytes(0, 40),
  }),
);
