// RFC 4285 authentication for Mobile IPv6 signalling between a mobile node and its home agent,
// with the RFC 4283 Mobile Node Identifier naming the security association:
// - MN-HA Mobility Message Authentication option (type 9, subtype 1), which MUST be the last option
//   (RFC 4285 §5): Authenticator = First(96, HMAC_SHA1(MN-HA key, Mobility Data)),
//   Mobility Data = care-of address | home address | MH Data, and MH Data is the Mobility Header from
//   its first byte up to and including the Mobility SPI of this option, checksum taken as zero (§5.2).
// - Mobility Message Replay Protection option (type 10): a 64-bit timestamp that must be close to the
//   receiver's clock and newer than the last one accepted (RFC 4285 §6).
// Only node:crypto's synchronous HMAC is used: still pure (no I/O, no clock).

import { createHmac, timingSafeEqual } from 'node:crypto';
import { ipv6ToBytes } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import type { MobilityMessage } from '../../wire/mh/header.js';
import type { MobilityMessageAuthentication, MobilityOption } from '../../wire/mh/options/types.js';
import { AuthenticationSubtype, MN_HA_AUTHENTICATOR_LENGTH } from './constants.js';

/** One mobile node's MN-HA security association, as the lab file gives it (RFC 4285 §5). */
export interface MnHaSecurityAssociation {
  /** RFC 4283 Mobile Node Identifier, a NAI such as "mn1@lab". */
  nai: string;
  homeAddress: string;
  /** Mobility SPI (RFC 4285 §5: 0–255 reserved). */
  spi: number;
  /** MN-HA shared key (RFC 4285 §5.1 suggests 16 octets). */
  key: Buffer;
}

const MH_OPTION_TYPE_AUTH = mh.MobilityOptionType.MobilityMessageAuthentication;

/** Where the MN-HA option sits in a Mobility Header's bytes. */
export interface AuthOptionLocation {
  /** Offset of the option's Type byte. */
  offset: number;
  /** Offset just after the Mobility SPI: the authenticated data ends here (RFC 4285 §5.2). */
  spiEnd: number;
  subtype: number;
  spi: number;
  authenticationData: Buffer;
}

/** Where options start for the MH types that carry RFC 4285 options (BU and BA: MH offset 12, RFC 6275 §6.1.7, §6.1.8). */
function optionsStart(mhType: number): number | null {
  return mhType === mh.MhType.BindingUpdate || mhType === mh.MhType.BindingAcknowledgement ? 12 : null;
}

/**
 * Finds the authentication option in raw Mobility Header bytes and checks it is the last option
 * (only padding may follow, RFC 4285 §5). The message was already decoded by the wire layer; this walk
 * only needs offsets, which the decoded form does not keep. Returns null for anything else.
 */
export function locateAuthOption(bytes: Buffer): AuthOptionLocation | null {
  const at = bytes.length > 2 ? mh.locateTrailingOption(bytes, MH_OPTION_TYPE_AUTH, optionsStart(bytes[2]!)) : null;
  if (!at || at.length < 5) return null;
  const o = at.offset;
  return {
    offset: o,
    spiEnd: o + 7,
    subtype: bytes[o + 2]!,
    spi: bytes.readUInt32BE(o + 3),
    authenticationData: Buffer.from(bytes.subarray(o + 7, o + 2 + at.length)),
  };
}

/** First(96, HMAC_SHA1(key, CoA | HoA | MH[0, spiEnd))) with the MH checksum taken as zero (RFC 4285 §5.2). */
export function mnHaAuthenticator(
  key: Buffer,
  careOfAddress: string,
  homeAddress: string,
  bytes: Buffer,
  spiEnd: number,
): Buffer {
  const data = Buffer.from(bytes.subarray(0, spiEnd));
  data[4] = 0;
  data[5] = 0;
  const h = createHmac('sha1', key);
  h.update(ipv6ToBytes(careOfAddress));
  h.update(ipv6ToBytes(homeAddress));
  h.update(data);
  return h.digest().subarray(0, MN_HA_AUTHENTICATOR_LENGTH);
}

export type AuthCheck =
  | { ok: true; spi: number }
  | { ok: false; reason: 'no-auth-option' | 'not-mn-ha' | 'wrong-spi' | 'bad-authenticator' };

/** Verifies the MN-HA option of raw MH bytes against a security association. Never throws. */
export function verifyMnHa(
  sa: MnHaSecurityAssociation,
  careOfAddress: string,
  homeAddress: string,
  bytes: Buffer,
): AuthCheck {
  const loc = locateAuthOption(bytes);
  if (!loc) return { ok: false, reason: 'no-auth-option' };
  if (loc.subtype !== AuthenticationSubtype.MnHa) return { ok: false, reason: 'not-mn-ha' };
  if (loc.spi !== sa.spi) return { ok: false, reason: 'wrong-spi' };
  if (loc.authenticationData.length !== MN_HA_AUTHENTICATOR_LENGTH) return { ok: false, reason: 'bad-authenticator' };
  let expected: Buffer;
  try {
    expected = mnHaAuthenticator(sa.key, careOfAddress, homeAddress, bytes, loc.spiEnd);
  } catch {
    return { ok: false, reason: 'bad-authenticator' }; // an address text that does not parse
  }
  return timingSafeEqual(expected, loc.authenticationData)
    ? { ok: true, spi: loc.spi }
    : { ok: false, reason: 'bad-authenticator' };
}

export interface SealedMessage {
  /** The message with its MN-HA option holding the real authenticator. */
  message: MobilityMessage & { options: MobilityOption[] };
  /** The whole Mobility Header, checksum computed over `pseudoHeader` (RFC 6275 §6.1.1). */
  bytes: Buffer;
}

/**
 * Appends an MN-HA authentication option to a BU or BA (it must be the last option, RFC 4285 §5),
 * computes the authenticator over CoA | HoA | MH data, then the MH checksum with the pseudo-header
 * addresses after the home-address substitutions (RFC 6275 §6.1.7: HoA as source when a Home Address
 * option is carried, HoA as destination when a type 2 routing header is).
 */
export function sealWithMnHa(
  message: Extract<MobilityMessage, { type: 'BindingUpdate' | 'BindingAcknowledgement' }>,
  sa: Pick<MnHaSecurityAssociation, 'spi' | 'key'>,
  careOfAddress: string,
  homeAddress: string,
  pseudoHeader: { src: string; dst: string },
): SealedMessage {
  const auth: MobilityMessageAuthentication = {
    type: 'MobilityMessageAuthentication',
    subtype: AuthenticationSubtype.MnHa,
    mobilitySpi: sa.spi,
    authenticationData: Buffer.alloc(MN_HA_AUTHENTICATOR_LENGTH),
  };
  const draft = {
    ...message,
    options: [...message.options.filter((o) => o.type !== 'MobilityMessageAuthentication'), auth],
  };
  const zeroed = mh.encode(draft);
  const loc = locateAuthOption(zeroed);
  if (!loc) throw new Error('encoded message lost its authentication option'); // our own encoder: a bug
  auth.authenticationData = mnHaAuthenticator(sa.key, careOfAddress, homeAddress, zeroed, loc.spiEnd);
  const bytes = mh.encode(draft, undefined, 0, { addresses: pseudoHeader });
  return { message: draft, bytes };
}

// RFC 4285 §6 timestamps. The RFC takes the format of Mobile IPv4's Identification (RFC 5944 §5.7):
// NTP, 32-bit seconds since 1900-01-01 then a 32-bit fraction (assumed from RFC 5944's format;
// Wireshark 4.0 prints it as Unix seconds + ns). Only the two ends, both ours, have to agree.
const NTP_UNIX_OFFSET_S = 2_208_988_800n;

export function ntpTimestampFromUnixMs(ms: number): bigint {
  const whole = Math.floor(ms / 1000);
  const frac = BigInt(Math.floor(((ms - whole * 1000) / 1000) * 2 ** 32));
  return ((BigInt(whole) + NTP_UNIX_OFFSET_S) << 32n) | frac;
}

export function unixMsFromNtpTimestamp(ts: bigint): number {
  const secs = Number((ts >> 32n) - NTP_UNIX_OFFSET_S);
  const frac = Number(ts & 0xffffffffn) / 2 ** 32;
  return secs * 1000 + frac * 1000;
}

export type ReplayCheck = 'ok' | 'missing' | 'out-of-window' | 'not-newer';

/**
 * RFC 4285 §6: the timestamp must lie within `windowMs` of the receiver's clock and be newer than
 * the last timestamp accepted from that node (an exact copy of an accepted BU fails the second test).
 */
export function checkReplay(
  timestamp: bigint | undefined,
  wallClockMs: number,
  windowMs: number,
  lastAccepted: bigint | undefined,
): ReplayCheck {
  if (timestamp === undefined) return 'missing';
  if (Math.abs(unixMsFromNtpTimestamp(timestamp) - wallClockMs) > windowMs) return 'out-of-window';
  if (lastAccepted !== undefined && timestamp <= lastAccepted) return 'not-newer';
  return 'ok';
}

/** The options of RFC 4283/4285 a message carries, picked out of its option list. */
export function securityOptions(options: readonly MobilityOption[]): { nai?: string; timestamp?: bigint } {
  let nai: string | undefined;
  let timestamp: bigint | undefined;
  for (const o of options) {
    if (o.type === 'MobileNodeIdentifier' && o.subtype === 1 && nai === undefined) nai = o.identifier.toString('utf8');
    if (o.type === 'MobilityMessageReplayProtection' && timestamp === undefined) timestamp = o.timestamp;
  }
  return { nai, timestamp };
}
