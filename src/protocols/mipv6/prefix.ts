// Prefix arithmetic for the home link test (RFC 6275 §9.5.1: the home address must be on-link for the
// home agent, else status 132) and for SLAAC care-of addresses (RFC 4862 §5.5.3: prefix | interface id).

import { bytesToIpv6, ipv6ToBytes } from '../../wire/address.js';

/** True when `address` lies in `prefix`/`length`. Never throws: bad text is "not in the prefix". */
export function inPrefix(address: string, prefix: string, length: number): boolean {
  let a: Buffer;
  let p: Buffer;
  try {
    a = ipv6ToBytes(address);
    p = ipv6ToBytes(prefix);
  } catch {
    return false;
  }
  const full = length >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== p[i]) return false;
  const rest = length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & mask) === (p[full]! & mask);
}

/** The address made of the first `length` bits of `prefix` and the rest of `interfaceId` (RFC 4862 §5.5.3). */
export function slaacAddress(prefix: string, length: number, interfaceId: string): string {
  const p = ipv6ToBytes(prefix);
  const iid = ipv6ToBytes(interfaceId);
  const out = Buffer.alloc(16);
  for (let bit = 0; bit < 128; bit++) {
    const src = bit < length ? p : iid;
    const byte = bit >> 3;
    const m = 0x80 >> (bit & 7);
    if (src[byte]! & m) out[byte] = out[byte]! | m;
  }
  return bytesToIpv6(out);
}

/** Canonical text (RFC 5952) so addresses compare as strings; returns the input if it does not parse. */
export function canonical(address: string): string {
  try {
    return bytesToIpv6(ipv6ToBytes(address));
  } catch {
    return address;
  }
}
