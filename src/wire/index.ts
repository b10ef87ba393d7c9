// Public face of the wire codecs. Each message family is a namespace with encode/decode/encodingLength.
export * from './result.js';
export * from './address.js';
export * from './checksum.js';
export * as ethernet from './ethernet.js';
export type { EthernetHeader } from './ethernet.js';
export * as ipv6 from './ipv6.js';
export { walkIpv6, pseudoHeaderAddresses, NextHeader, IPV6_HEADER_LENGTH } from './ipv6.js';
export type { Ipv6Header, Ipv6Walk, ExtensionHeader } from './ipv6.js';
export * as optionsHeader from './ext/hop-by-hop-dest-options.js';
export type { Ipv6Option, OptionsHeader } from './ext/hop-by-hop-dest-options.js';
export * as routingHeader from './ext/routing-type2.js';
export type { RoutingHeader, RoutingHeaderType2 } from './ext/routing-type2.js';
export * as fragmentHeader from './ext/fragment.js';
export type { FragmentHeader } from './ext/fragment.js';
export * as udp from './udp.js';
export type { UdpDatagram } from './udp.js';
export { buildIpv6Packet, CHECKSUM_OFFSET } from './packet.js';
export type { BuildIpv6PacketOptions, ExtensionHeaderInput } from './packet.js';
