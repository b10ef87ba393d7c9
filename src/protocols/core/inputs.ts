// Messages the agent hands to the machines, already decoded by the wire layer (what does not decode
// is counted and dropped by the agent, never fed).
import type { Icmpv6Message } from '../../wire/icmpv6/header.js';
import type { MobilityMessage } from '../../wire/mh/header.js';

/** A Mobility Header addressed to this node (RFC 6275 §6.1); src/dst as on the wire. */
export interface MobilityHeaderInput {
  kind: 'mh';
  src: string;
  dst: string;
  /** The Home Address destination option's address (RFC 6275 §6.3), e.g. the PCoA of a reactive FBU (RFC 5568 §3.2). */
  homeAddressOption?: string;
  message: MobilityMessage;
  /** The Mobility Header bytes as received; the agent always sets them (RFC 4285 §5 authenticates them). */
  bytes?: Buffer;
  /** The interface it arrived on (the agent sets it where a machine checks where a message came from). */
  ifindex?: number;
}

/** A Mobility Header whose received bytes the machine needs (RFC 4285 §5.2 MN-HA authenticator). */
export type AuthenticatedMobilityHeaderInput = MobilityHeaderInput & { bytes: Buffer };

/** An ICMPv6 message for this node (RtSolPr, PrRtAdv, a UNA ...); RFC 4861 checks need the hop limit. */
export interface Icmpv6Input {
  kind: 'icmp';
  src: string;
  dst: string;
  hopLimit: number;
  message: Icmpv6Message;
}
