// FMIPv6 Mobility Header messages, RFC 5568 §6.2.1 (HI), §6.2.2 (HAck), §6.3.1 (FBU), §6.3.2 (FBack),
// with what RFC 5949 §6.1.1 / §6.1.2 add for proxy-based fast handovers: the HI's P and F flags
// (S U P F from the top bit), the HAck's U, P and F flags in the byte RFC 5568 reserved, and codes.
// FBU/FBack Lifetime is in seconds per RFC 5568 (Wireshark 4.0 renders it ×4, like a BU's).

import { bit, bodyCodec, flag } from './body.js';
import { MhType } from './binding.js';
import type { MobilityOption } from './options/types.js';

export interface FastBindingUpdate {
  type: 'FastBindingUpdate';
  sequenceNumber: number;
  acknowledge: boolean;
  homeRegistration: boolean;
  linkLocalCompatibility: boolean;
  keyManagementCompatibility: boolean;
  lifetime: number;
  options: MobilityOption[];
}

/** Status: 0 accepted, 1 accepted but use supplied NCoA, >= 128 rejected (RFC 5568 §6.3.2). */
export interface FastBindingAcknowledgement {
  type: 'FastBindingAcknowledgement';
  status: number;
  keyManagementCompatibility: boolean;
  sequenceNumber: number;
  lifetime: number;
  options: MobilityOption[];
}

/** Code 0: FBU from the PCoA (predictive); 1: FBU from elsewhere (reactive) — RFC 5568 §6.2.1. */
export interface HandoverInitiate {
  type: 'HandoverInitiate';
  sequenceNumber: number;
  /** S: assigned address configuration — ask the NAR to assign the NCoA. */
  assignedAddressConfiguration: boolean;
  /** U: buffer packets for the MN at the NAR. */
  buffer: boolean;
  /** P (RFC 5949 §6.1.1, 0x20): a proxy-based (PMIPv6) fast handover. */
  proxy: boolean;
  /** F (RFC 5949 §6.1.1, 0x10): forwarding between the MAGs is requested. */
  forwarding: boolean;
  code: number;
  options: MobilityOption[];
}

/** Code: 0 accepted NCoA valid, 1 NCoA not valid, 2 NCoA assigned, 3 use PCoA, 4 unsolicited, >= 128 rejected. */
export interface HandoverAcknowledge {
  type: 'HandoverAcknowledge';
  sequenceNumber: number;
  /** The byte RFC 5568 reserves; RFC 5949 §6.1.2 puts U, P, F in its top bits (HandoverAcknowledgeFlag). */
  flags: number;
  code: number;
  options: MobilityOption[];
}

export const FastBindingAcknowledgementStatus = {
  Accepted: 0,
  AcceptedUseSuppliedNcoa: 1,
  ReasonUnspecified: 128,
  AdministrativelyProhibited: 129,
  InsufficientResources: 130,
  IncorrectInterfaceIdentifierLength: 131,
} as const;

export const HandoverAcknowledgeCode = {
  AcceptedNcoaValid: 0,
  AcceptedNcoaNotValid: 1,
  AcceptedNcoaAssigned: 2,
  AcceptedUsePcoa: 3,
  Unsolicited: 4,
  /** RFC 5949 §6.1.2 (with P set; code 0 then reads "handover accepted or successful"). */
  ContextTransferAccepted: 5,
  AllAvailableContextTransferred: 6,
  ReasonUnspecified: 128,
  AdministrativelyProhibited: 129,
  InsufficientResources: 130,
  RequestedContextNotAvailable: 131,
  ForwardingNotAvailable: 132,
} as const;

/** HI codes (IANA "Handover Initiate Status Codes"): RFC 5568's 0 and 1, RFC 5949 §6.1.1's 2 and 3. */
export const HandoverInitiateCode = {
  FbuFromPcoa: 0,
  FbuNotFromPcoa: 1,
  ForwardingComplete: 2,
  AllContextTransferred: 3,
} as const;

/** The HAck's flag byte (RFC 5949 §6.1.2): U buffer, P proxy, F forwarding, from the top bit. */
export const HandoverAcknowledgeFlag = { Buffer: 0x80, Proxy: 0x40, Forwarding: 0x20 } as const;

export const fastBindingUpdateCodec = bodyCodec<FastBindingUpdate>({
  type: 'FastBindingUpdate',
  mhType: MhType.FastBindingUpdate,
  fixedLength: 6,
  writeFixed(m, b, o) {
    b.writeUInt16BE(m.sequenceNumber, o);
    b[o + 2] =
      flag(m.acknowledge, 0x80) |
      flag(m.homeRegistration, 0x40) |
      flag(m.linkLocalCompatibility, 0x20) |
      flag(m.keyManagementCompatibility, 0x10);
    b[o + 3] = 0;
    b.writeUInt16BE(m.lifetime, o + 4);
  },
  readFixed(b, o) {
    const f = b[o + 2]!;
    return {
      type: 'FastBindingUpdate',
      sequenceNumber: b.readUInt16BE(o),
      acknowledge: bit(f, 0x80),
      homeRegistration: bit(f, 0x40),
      linkLocalCompatibility: bit(f, 0x20),
      keyManagementCompatibility: bit(f, 0x10),
      lifetime: b.readUInt16BE(o + 4),
    };
  },
});

export const fastBindingAcknowledgementCodec = bodyCodec<FastBindingAcknowledgement>({
  type: 'FastBindingAcknowledgement',
  mhType: MhType.FastBindingAcknowledgement,
  fixedLength: 6,
  writeFixed(m, b, o) {
    b[o] = m.status;
    b[o + 1] = flag(m.keyManagementCompatibility, 0x80);
    b.writeUInt16BE(m.sequenceNumber, o + 2);
    b.writeUInt16BE(m.lifetime, o + 4);
  },
  readFixed: (b, o) => ({
    type: 'FastBindingAcknowledgement',
    status: b[o]!,
    keyManagementCompatibility: bit(b[o + 1]!, 0x80),
    sequenceNumber: b.readUInt16BE(o + 2),
    lifetime: b.readUInt16BE(o + 4),
  }),
});

export const handoverInitiateCodec = bodyCodec<HandoverInitiate>({
  type: 'HandoverInitiate',
  mhType: MhType.HandoverInitiate,
  fixedLength: 4,
  writeFixed(m, b, o) {
    b.writeUInt16BE(m.sequenceNumber, o);
    b[o + 2] =
      flag(m.assignedAddressConfiguration, 0x80) |
      flag(m.buffer, 0x40) |
      flag(m.proxy, 0x20) |
      flag(m.forwarding, 0x10);
    b[o + 3] = m.code;
  },
  readFixed(b, o) {
    const f = b[o + 2]!;
    return {
      type: 'HandoverInitiate',
      sequenceNumber: b.readUInt16BE(o),
      assignedAddressConfiguration: bit(f, 0x80),
      buffer: bit(f, 0x40),
      proxy: bit(f, 0x20),
      forwarding: bit(f, 0x10),
      code: b[o + 3]!,
    };
  },
});

export const handoverAcknowledgeCodec = bodyCodec<HandoverAcknowledge>({
  type: 'HandoverAcknowledge',
  mhType: MhType.HandoverAcknowledge,
  fixedLength: 4,
  writeFixed(m, b, o) {
    b.writeUInt16BE(m.sequenceNumber, o);
    b[o + 2] = m.flags;
    b[o + 3] = m.code;
  },
  readFixed: (b, o) => ({
    type: 'HandoverAcknowledge',
    sequenceNumber: b.readUInt16BE(o),
    flags: b[o + 2]!,
    code: b[o + 3]!,
  }),
});
