// What the machines ask the agent to send. A Mobility Header always leaves with its encoded bytes:
// the RFC 4285 authenticator covers them, so the machine that seals a message also encodes it, and
// every other message is encoded here the same way.
import type { Icmpv6Message } from '../../wire/icmpv6/header.js';
import * as mh from '../../wire/mh/index.js';
import type { MobilityMessage } from '../../wire/mh/header.js';

/** Where a Mobility Header goes: IPv6 source and destination and the mobility extension headers. */
export interface MobilityHeaderRoute {
  src: string;
  dst: string;
  /** A Home Address destination option holding this address (RFC 6275 §6.3). */
  homeAddressOption?: string;
  /** A type 2 routing header holding this home address (RFC 6275 §6.4). */
  routingType2?: string;
}

export interface SendMobilityHeader extends MobilityHeaderRoute {
  kind: 'send-mh';
  message: MobilityMessage;
  /** The whole Mobility Header, checksum computed over `pseudoHeader(route)`. */
  bytes: Buffer;
}

export interface SendIcmpv6 {
  kind: 'send-icmp';
  src: string;
  dst: string;
  hopLimit: number;
  message: Icmpv6Message;
}

/** The checksum's pseudo-header addresses (RFC 6275 §6.1.7): the home address as source with a Home
 * Address option, as destination with a type 2 routing header. */
export function pseudoHeader(route: MobilityHeaderRoute): { src: string; dst: string } {
  return { src: route.homeAddressOption ?? route.src, dst: route.routingType2 ?? route.dst };
}

/**
 * The send-mh action for `message` along `route`. `bytes` are given when the machine encoded the
 * message itself (sealed with an authenticator); otherwise it is encoded here. Throws when an
 * address does not parse (text from the network: the caller decides what to answer).
 */
export function sendMobilityHeader(
  route: MobilityHeaderRoute,
  message: MobilityMessage,
  bytes?: Buffer,
): SendMobilityHeader {
  return {
    kind: 'send-mh',
    ...route,
    message,
    bytes: bytes ?? mh.encode(message, undefined, 0, { addresses: pseudoHeader(route) }),
  };
}
