// Inputs and actions the three FMIPv6 machines share. Messages are the wire layer's decoded types;
// the agent decodes what arrives (counting and dropping what does not decode) and encodes what leaves.

import type { Icmpv6Message } from '../../wire/icmpv6/header.js';
import type { MobilityMessage } from '../../wire/mh/header.js';

/** The loop's timer event (structurally src/agent/loop.ts's Tick; protocols import nothing above them). */
export interface Tick {
  kind: 'tick';
}

/** A Mobility Header addressed to this node (src/dst as on the wire; the HAO's home address apart). */
export interface MobilityHeaderInput {
  kind: 'mh';
  src: string;
  dst: string;
  /** Home Address destination option (RFC 6275 §6.3), e.g. the PCoA of a reactive FBU (RFC 5568 §3.2). */
  homeAddressOption?: string;
  message: MobilityMessage;
}

/** An ICMPv6 message for this node (RtSolPr, PrRtAdv, a UNA ...). */
export interface Icmpv6Input {
  kind: 'icmp';
  src: string;
  dst: string;
  hopLimit: number;
  message: Icmpv6Message;
}

export interface SendMobilityHeader {
  kind: 'send-mh';
  src: string;
  dst: string;
  homeAddressOption?: string;
  message: MobilityMessage;
}

export interface SendIcmpv6 {
  kind: 'send-icmp';
  src: string;
  dst: string;
  hopLimit: number;
  message: Icmpv6Message;
}
