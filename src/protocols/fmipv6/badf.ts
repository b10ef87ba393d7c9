// The Binding Authorization Data for FMIPv6 option (BADF, mobility option 21, RFC 5568 §6.4.5) on the
// FBU, keyed by the handover key the mobile node and its access router hold from the AAA exchange
// (docs/security.md "AAA-keyed FMIPv6"):
//   | Type = 21 | Length = 16 | SPI (32) | Authenticator (96) |
// RFC 5568 §6.4.5 takes the authenticator of RFC 6275 §5.2.6 with the PAR as "correspondent" and the
// handover key as Kbm:
//   Mobility Data = care-of address | PAR address | MH Data
//   Authenticator = First(96, HMAC_SHA1(handover key, Mobility Data))
// "care-of address": the one the FBU would bind, the NCoA (its option, else the FBU's source from the
// new link); MH Data: the Mobility Header up to the Authenticator, the checksum taken as zero. SPI 0 is
// kept for SEND-based keys (RFC 5269), so ours are never 0.
// Pure: node:crypto's synchronous HMAC; the caller passes the clock.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonical, ipv6ToBytes } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import type { FastBindingUpdate } from '../../wire/mh/fmipv6.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import { AddressOptionCode } from './constants.js';
import { findMhAddress } from './options.js';

export const BADF_OPTION_TYPE = 21;
/** SPI 4 + Authenticator 12. */
export const BADF_OPTION_LENGTH = 16;
const AUTHENTICATOR_LENGTH = 12;

/** One mobile node-access router security association (RFC 5568 §6.4.5's SPI names it). */
export interface HandoverSecurityAssociation {
  spi: number;
  key: Buffer;
}

export type BadfRefusal = 'no-badf' | 'wrong-spi' | 'bad-authenticator' | 'replayed' | 'wrong-node';

interface LocatedBadf {
  offset: number;
  spi: number;
  authenticator: Buffer;
}

/** The BADF option in raw MH bytes, when it is the last option (only padding after it). */
export function locateBadf(bytes: Buffer): LocatedBadf | null {
  const at = mh.locateTrailingOption(bytes, BADF_OPTION_TYPE);
  if (!at || at.length !== BADF_OPTION_LENGTH) return null;
  return {
    offset: at.offset,
    spi: bytes.readUInt32BE(at.offset + 2),
    authenticator: Buffer.from(bytes.subarray(at.offset + 6, at.offset + 6 + AUTHENTICATOR_LENGTH)),
  };
}

/** RFC 6275 §5.2.6 with RFC 5568 §6.4.5's substitutions. */
export function badfAuthenticator(
  key: Buffer,
  careOf: string,
  par: string,
  bytes: Buffer,
  optionOffset: number,
): Buffer {
  const data = Buffer.from(bytes.subarray(0, optionOffset + 6));
  data[4] = 0;
  data[5] = 0;
  return createHmac('sha1', key)
    .update(ipv6ToBytes(careOf))
    .update(ipv6ToBytes(par))
    .update(data)
    .digest()
    .subarray(0, AUTHENTICATOR_LENGTH);
}

function badfOption(spi: number, auth: Buffer): MobilityOption {
  const data = Buffer.alloc(BADF_OPTION_LENGTH);
  data.writeUInt32BE(spi >>> 0, 0);
  auth.copy(data, 4);
  return { type: 'Unknown', optionType: BADF_OPTION_TYPE, data };
}

/** The care-of address an FBU binds: its NCoA option (predictive), else its source (reactive, §3.2). */
export function fbuCareOf(fbu: Pick<FastBindingUpdate, 'options'>, src: string): string {
  return findMhAddress(fbu.options, AddressOptionCode.NewCareOfAddress)?.address ?? canonical(src);
}

/** The FBU with BADF as its last option, encoded with its checksum. */
export function sealFbu(
  fbu: FastBindingUpdate,
  route: { src: string; dst: string },
  sa: HandoverSecurityAssociation,
): Buffer {
  const others = fbu.options.filter((o) => !(o.type === 'Unknown' && o.optionType === BADF_OPTION_TYPE));
  const draft: FastBindingUpdate = { ...fbu, options: [...others, badfOption(sa.spi, Buffer.alloc(12))] };
  const zeroed = mh.encode(draft);
  const loc = locateBadf(zeroed);
  if (!loc) throw new Error('encoded FBU lost its BADF option'); // our own encoder: a bug
  const auth = badfAuthenticator(sa.key, fbuCareOf(fbu, route.src), route.dst, zeroed, loc.offset);
  return mh.encode({ ...draft, options: [...others, badfOption(sa.spi, auth)] }, undefined, 0, {
    addresses: route,
  });
}

/** Checks a received FBU's BADF against the association its SPI names. Never throws. */
export function verifyFbu(
  lookup: (spi: number) => HandoverSecurityAssociation | undefined,
  fbu: Pick<FastBindingUpdate, 'options'>,
  route: { src: string; dst: string },
  bytes: Buffer,
): { ok: true; spi: number } | { ok: false; reason: Exclude<BadfRefusal, 'replayed' | 'wrong-node'> } {
  const loc = locateBadf(bytes);
  if (!loc) return { ok: false, reason: 'no-badf' };
  const sa = loc.spi === 0 ? undefined : lookup(loc.spi);
  if (!sa) return { ok: false, reason: 'wrong-spi' };
  let expected: Buffer;
  try {
    expected = badfAuthenticator(sa.key, fbuCareOf(fbu, route.src), route.dst, bytes, loc.offset);
  } catch {
    return { ok: false, reason: 'bad-authenticator' };
  }
  return timingSafeEqual(expected, loc.authenticator)
    ? { ok: true, spi: loc.spi }
    : { ok: false, reason: 'bad-authenticator' };
}
