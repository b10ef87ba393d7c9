// Binding messages of RFC 6275 §6.1.2 (BRR), §6.1.7 (BU), §6.1.8 (BA), §6.1.9 (BE). The BU/BA flag
// bits added later (M RFC 5380, R RFC 3963, P RFC 5213, F RFC 5555, T RFC 5845, B RFC 6602) share
// the same field (IANA Mobility IPv6 registry of BU/BA flags). Lifetimes are in units of 4 seconds (RFC 6275 §6.1.7).

import { bytesToIpv6, writeIpv6 } from '../address.js';
import { bit, bodyCodec, flag } from './body.js';
import type { MobilityOption } from './options/types.js';

export const MhType = {
  BindingRefreshRequest: 0,
  HomeTestInit: 1,
  CareOfTestInit: 2,
  HomeTest: 3,
  CareOfTest: 4,
  BindingUpdate: 5,
  BindingAcknowledgement: 6,
  BindingError: 7,
  FastBindingUpdate: 8,
  FastBindingAcknowledgement: 9,
  FastNeighborAdvertisement: 10,
  HandoverInitiate: 14,
  HandoverAcknowledge: 15,
} as const;

export interface BindingRefreshRequest {
  type: 'BindingRefreshRequest';
  options: MobilityOption[];
}

export interface BindingUpdate {
  type: 'BindingUpdate';
  sequenceNumber: number;
  /** A: a Binding Acknowledgement is requested. */
  acknowledge: boolean;
  /** H: home registration. */
  homeRegistration: boolean;
  /** L: link-local address compatibility. */
  linkLocalCompatibility: boolean;
  /** K: key management mobility capability. */
  keyManagementCompatibility: boolean;
  /** M: MAP registration (RFC 5380 §4). */
  mapRegistration: boolean;
  /** R: mobile router (RFC 3963 §4.1). */
  mobileRouter: boolean;
  /** P: proxy registration — a PBU (RFC 5213 §8.1). */
  proxyRegistration: boolean;
  /** F: force UDP encapsulation (RFC 5555). */
  forceUdpEncapsulation: boolean;
  /** T: TLV-header format (RFC 5845). */
  tlvHeaderFormat: boolean;
  /** B: bulk binding update (RFC 6602). */
  bulkBindingUpdate: boolean;
  /** Units of 4 seconds; 0 deletes the binding. */
  lifetime: number;
  options: MobilityOption[];
}

export interface BindingAcknowledgement {
  type: 'BindingAcknowledgement';
  /** < 128 accepted, >= 128 rejected (RFC 6275 §6.1.8; IANA Mobility IPv6 status registry). */
  status: number;
  keyManagementCompatibility: boolean;
  mobileRouter: boolean;
  proxyRegistration: boolean;
  tlvHeaderFormat: boolean;
  bulkBindingUpdate: boolean;
  sequenceNumber: number;
  lifetime: number;
  options: MobilityOption[];
}

/** RFC 6275 §6.1.9: status 1 = unknown binding for Home Address option, 2 = unrecognized MH Type. */
export interface BindingError {
  type: 'BindingError';
  status: number;
  homeAddress: string;
  options: MobilityOption[];
}

export const BindingErrorStatus = { UnknownBindingForHomeAddress: 1, UnrecognizedMhType: 2 } as const;

const BU = {
  A: 0x8000,
  H: 0x4000,
  L: 0x2000,
  K: 0x1000,
  M: 0x0800,
  R: 0x0400,
  P: 0x0200,
  F: 0x0100,
  T: 0x0080,
  B: 0x0040,
};
const BA = { K: 0x80, R: 0x40, P: 0x20, T: 0x10, B: 0x08 };

export const bindingRefreshRequestCodec = bodyCodec<BindingRefreshRequest>({
  type: 'BindingRefreshRequest',
  mhType: MhType.BindingRefreshRequest,
  fixedLength: 2,
  writeFixed(_m, b, o) {
    b.writeUInt16BE(0, o);
  },
  readFixed: () => ({ type: 'BindingRefreshRequest' }),
});

export const bindingUpdateCodec = bodyCodec<BindingUpdate>({
  type: 'BindingUpdate',
  mhType: MhType.BindingUpdate,
  fixedLength: 6,
  writeFixed(m, b, o) {
    b.writeUInt16BE(m.sequenceNumber, o);
    b.writeUInt16BE(
      flag(m.acknowledge, BU.A) |
        flag(m.homeRegistration, BU.H) |
        flag(m.linkLocalCompatibility, BU.L) |
        flag(m.keyManagementCompatibility, BU.K) |
        flag(m.mapRegistration, BU.M) |
        flag(m.mobileRouter, BU.R) |
        flag(m.proxyRegistration, BU.P) |
        flag(m.forceUdpEncapsulation, BU.F) |
        flag(m.tlvHeaderFormat, BU.T) |
        flag(m.bulkBindingUpdate, BU.B),
      o + 2,
    );
    b.writeUInt16BE(m.lifetime, o + 4);
  },
  readFixed(b, o) {
    const f = b.readUInt16BE(o + 2);
    return {
      type: 'BindingUpdate',
      sequenceNumber: b.readUInt16BE(o),
      acknowledge: bit(f, BU.A),
      homeRegistration: bit(f, BU.H),
      linkLocalCompatibility: bit(f, BU.L),
      keyManagementCompatibility: bit(f, BU.K),
      mapRegistration: bit(f, BU.M),
      mobileRouter: bit(f, BU.R),
      proxyRegistration: bit(f, BU.P),
      forceUdpEncapsulation: bit(f, BU.F),
      tlvHeaderFormat: bit(f, BU.T),
      bulkBindingUpdate: bit(f, BU.B),
      lifetime: b.readUInt16BE(o + 4),
    };
  },
});

export const bindingAcknowledgementCodec = bodyCodec<BindingAcknowledgement>({
  type: 'BindingAcknowledgement',
  mhType: MhType.BindingAcknowledgement,
  fixedLength: 6,
  writeFixed(m, b, o) {
    b[o] = m.status;
    b[o + 1] =
      flag(m.keyManagementCompatibility, BA.K) |
      flag(m.mobileRouter, BA.R) |
      flag(m.proxyRegistration, BA.P) |
      flag(m.tlvHeaderFormat, BA.T) |
      flag(m.bulkBindingUpdate, BA.B);
    b.writeUInt16BE(m.sequenceNumber, o + 2);
    b.writeUInt16BE(m.lifetime, o + 4);
  },
  readFixed(b, o) {
    const f = b[o + 1]!;
    return {
      type: 'BindingAcknowledgement',
      status: b[o]!,
      keyManagementCompatibility: bit(f, BA.K),
      mobileRouter: bit(f, BA.R),
      proxyRegistration: bit(f, BA.P),
      tlvHeaderFormat: bit(f, BA.T),
      bulkBindingUpdate: bit(f, BA.B),
      sequenceNumber: b.readUInt16BE(o + 2),
      lifetime: b.readUInt16BE(o + 4),
    };
  },
});

export const bindingErrorCodec = bodyCodec<BindingError>({
  type: 'BindingError',
  mhType: MhType.BindingError,
  fixedLength: 18,
  writeFixed(m, b, o) {
    b[o] = m.status;
    b[o + 1] = 0;
    writeIpv6(m.homeAddress, b, o + 2);
  },
  readFixed: (b, o) => ({ type: 'BindingError', status: b[o]!, homeAddress: bytesToIpv6(b, o + 2) }),
});

const BU_DEFAULTS = {
  acknowledge: false,
  homeRegistration: false,
  linkLocalCompatibility: false,
  keyManagementCompatibility: false,
  mapRegistration: false,
  mobileRouter: false,
  proxyRegistration: false,
  forceUdpEncapsulation: false,
  tlvHeaderFormat: false,
  bulkBindingUpdate: false,
};

/** A BU with every flag false unless given. */
export function bindingUpdate(
  m: Partial<Omit<BindingUpdate, 'type'>> & Pick<BindingUpdate, 'sequenceNumber' | 'lifetime'>,
): BindingUpdate {
  return { type: 'BindingUpdate', ...BU_DEFAULTS, options: [], ...m };
}

/** A BA with every flag false unless given. */
export function bindingAcknowledgement(
  m: Partial<Omit<BindingAcknowledgement, 'type'>> &
    Pick<BindingAcknowledgement, 'status' | 'sequenceNumber' | 'lifetime'>,
): BindingAcknowledgement {
  return {
    type: 'BindingAcknowledgement',
    keyManagementCompatibility: false,
    mobileRouter: false,
    proxyRegistration: false,
    tlvHeaderFormat: false,
    bulkBindingUpdate: false,
    options: [],
    ...m,
  };
}
