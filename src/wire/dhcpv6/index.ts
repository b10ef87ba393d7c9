// DHCPv6 (RFC 8415) messages and the MoS discovery options of RFC 5678.
export * as message from './message.js';
export * as mos from './mos.js';
export type { Dhcpv6Message, Dhcpv6Option } from './message.js';
