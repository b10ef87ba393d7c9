// Mobility options (RFC 6275 §6.2): the typed forms this codec knows. Names follow the defining RFCs.
// Reserved fields are written as zero and not kept on decode; an option type we do not know is kept
// whole as 'Unknown' and re-encodes byte for byte (RFC 6275 §6.2.1: receivers skip unknown options).

export const MobilityOptionType = {
  Pad1: 0,
  PadN: 1,
  BindingRefreshAdvice: 2, // RFC 6275 §6.2.4
  AlternateCareOfAddress: 3, // RFC 6275 §6.2.5
  NonceIndices: 4, // RFC 6275 §6.2.6
  BindingAuthorizationData: 5, // RFC 6275 §6.2.7
  MobilityHeaderLinkLayerAddress: 7, // RFC 5568 §6.4.3
  MobileNodeIdentifier: 8, // RFC 4283 §3
  MobilityMessageAuthentication: 9, // RFC 4285 §5
  MobilityMessageReplayProtection: 10, // RFC 4285 §6
  BindingAuthorizationDataForFmipv6: 21, // RFC 5568 §6.4.5
  HomeNetworkPrefix: 22, // RFC 5213 §8.3
  HandoffIndicator: 23, // RFC 5213 §8.4
  AccessTechnologyType: 24, // RFC 5213 §8.5
  MobileNodeLinkLayerIdentifier: 25, // RFC 5213 §8.6
  LinkLocalAddress: 26, // RFC 5213 §8.7
  Timestamp: 27, // RFC 5213 §8.8
  MobilityHeaderIpv6AddressPrefix: 34, // RFC 5568 §6.4.2
  ContextRequest: 40, // RFC 5949 §6.2.1
  LocalMobilityAnchorAddress: 41, // RFC 5949 §6.2.2
  MobileNodeLinkLocalAddressInterfaceIdentifier: 42, // RFC 5949 §6.2.3
  TransientBinding: 43, // RFC 6058 §5
} as const;

export type Pad1 = { type: 'Pad1' };
/** `length` is the Length byte: the number of zero bytes after Type and Length. */
export type PadN = { type: 'PadN'; length: number };
/** Refresh Interval in units of 4 seconds. */
export type BindingRefreshAdvice = { type: 'BindingRefreshAdvice'; refreshInterval: number };
export type AlternateCareOfAddress = { type: 'AlternateCareOfAddress'; alternateCareOfAddress: string };
export type NonceIndices = { type: 'NonceIndices'; homeNonceIndex: number; careOfNonceIndex: number };
/** Authenticator: 96 bits (12 bytes) with HMAC_SHA1 (RFC 6275 §5.2.6), kept as given. */
export type BindingAuthorizationData = { type: 'BindingAuthorizationData'; authenticator: Buffer };
/** RFC 5568 §6.4.3; Option-Code 2 = link-layer address of the mobile node. */
export type MobilityHeaderLinkLayerAddress = {
  type: 'MobilityHeaderLinkLayerAddress';
  optionCode: number;
  linkLayerAddress: Buffer;
};
/** RFC 4283: subtype 1 = NAI (RFC 4282). The identifier is bytes; use `naiIdentifier` for text. */
export type MobileNodeIdentifier = { type: 'MobileNodeIdentifier'; subtype: number; identifier: Buffer };
/** RFC 4285 §5: subtype 1 = MN-HA, 2 = MN-AAA. */
export type MobilityMessageAuthentication = {
  type: 'MobilityMessageAuthentication';
  subtype: number;
  mobilitySpi: number;
  authenticationData: Buffer;
};
/** RFC 4285 §6: a 64-bit timestamp, kept as given. */
export type MobilityMessageReplayProtection = { type: 'MobilityMessageReplayProtection'; timestamp: bigint };
export type BindingAuthorizationDataForFmipv6 = {
  type: 'BindingAuthorizationDataForFmipv6';
  spi: number;
  authenticator: Buffer;
};
/** RFC 5213 §8.3; an all-zero prefix of length 0 asks the LMA to assign one. */
export type HomeNetworkPrefix = { type: 'HomeNetworkPrefix'; prefixLength: number; prefix: string };
export type HandoffIndicator = { type: 'HandoffIndicator'; handoffIndicator: number };
export type AccessTechnologyType = { type: 'AccessTechnologyType'; accessTechnologyType: number };
export type MobileNodeLinkLayerIdentifier = { type: 'MobileNodeLinkLayerIdentifier'; linkLayerIdentifier: Buffer };
export type LinkLocalAddress = { type: 'LinkLocalAddress'; linkLocalAddress: string };
/** RFC 5213 §8.8: 48-bit seconds since 1970-01-01 UTC and 16-bit 1/65536 fractions, as one 64-bit value. */
export type Timestamp = { type: 'Timestamp'; timestamp: bigint };
/** RFC 5568 §6.4.2; Option-Code 1 old CoA, 2 new CoA, 3 NAR's IP address, 4 NAR's prefix. */
export type MobilityHeaderIpv6AddressPrefix = {
  type: 'MobilityHeaderIpv6AddressPrefix';
  optionCode: number;
  prefixLength: number;
  address: string;
};
/** RFC 5949 §6.2.1: after 2 reserved bytes, each request names a mobility option type and may carry request data. */
export type ContextRequest = { type: 'ContextRequest'; requests: { requestType: number; requestOption: Buffer }[] };
/** RFC 5949 §6.2.2: Option-Code (1 byte), Reserved (1), then the address; Option-Code 1 = IPv6 address (16 bytes), 2 = IPv4 address (4 bytes). */
export type LocalMobilityAnchorAddress =
  | { type: 'LocalMobilityAnchorAddress'; optionCode: 1; address: string }
  | { type: 'LocalMobilityAnchorAddress'; optionCode: 2; address: string };
/** RFC 5949 §6.2.3: 2 reserved bytes, then the 64-bit interface identifier of the MN's link-local address. */
export type MobileNodeLinkLocalAddressInterfaceIdentifier = {
  type: 'MobileNodeLinkLocalAddressInterfaceIdentifier';
  interfaceIdentifier: Buffer;
};
/** RFC 6058 §5: L = late path switch; Lifetime in units of 100 ms. */
export type TransientBinding = { type: 'TransientBinding'; latePathSwitch: boolean; lifetime: number };
export type UnknownMobilityOption = { type: 'Unknown'; optionType: number; data: Buffer };

export type MobilityOption =
  | Pad1
  | PadN
  | BindingRefreshAdvice
  | AlternateCareOfAddress
  | NonceIndices
  | BindingAuthorizationData
  | MobilityHeaderLinkLayerAddress
  | MobileNodeIdentifier
  | MobilityMessageAuthentication
  | MobilityMessageReplayProtection
  | BindingAuthorizationDataForFmipv6
  | HomeNetworkPrefix
  | HandoffIndicator
  | AccessTechnologyType
  | MobileNodeLinkLayerIdentifier
  | LinkLocalAddress
  | Timestamp
  | MobilityHeaderIpv6AddressPrefix
  | ContextRequest
  | LocalMobilityAnchorAddress
  | MobileNodeLinkLocalAddressInterfaceIdentifier
  | TransientBinding
  | UnknownMobilityOption;

/** RFC 4283 subtype 1: a Network Access Identifier. */
export function naiIdentifier(nai: string): MobileNodeIdentifier {
  return { type: 'MobileNodeIdentifier', subtype: 1, identifier: Buffer.from(nai, 'utf8') };
}

/** Timestamp option value from milliseconds since the Unix epoch (RFC 5213 §8.8). */
export function timestampFromUnixMs(ms: number): bigint {
  const secs = BigInt(Math.floor(ms / 1000));
  const frac = BigInt(Math.floor(((ms % 1000) / 1000) * 65536));
  return (secs << 16n) | frac;
}

export function timestampToUnixMs(ts: bigint): number {
  return Number(ts >> 16n) * 1000 + (Number(ts & 0xffffn) * 1000) / 65536;
}
