// ICMPv6 codecs: `icmpv6.encode / icmpv6.decode / icmpv6.encodingLength` over every message.
export * from './header.js';
export * from './router-discovery.js';
export * from './neighbor-discovery.js';
export * from './dhaad.js';
export * from './mobile-prefix.js';
export * from './fmipv6.js';
export * from './errors.js';
export { NdOptionType, suppliedNewCareOfAddress } from './nd-options.js';
export type {
  NdOption,
  SourceLinkLayerAddress,
  TargetLinkLayerAddress,
  PrefixInformation,
  Mtu,
  AdvertisementInterval,
  HomeAgentInformation,
  IpAddressPrefix,
  LinkLayerAddress,
  NeighborAdvertisementAcknowledgement,
  Map,
  HandoverKeyRequest,
  HandoverKeyReply,
  UnknownNdOption,
} from './nd-options.js';
export * as ndOption from './nd-options.js';
