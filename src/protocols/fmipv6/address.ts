// Address arithmetic for FMIPv6: the NCoA is the NAR's prefix plus an interface identifier, here the
// modified EUI-64 of the MN's MAC (RFC 4291 Appendix A, RFC 4862 §5.5.3). Never throws on network text.

import { bytesToIpv6, bytesToMac, ipv6ToBytes, macToBytes } from '../../wire/address.js';

/** Canonical text (RFC 5952) so addresses compare as strings; the input back if it does not parse. */
export function canonical(address: string): string {
  try {
    return bytesToIpv6(ipv6ToBytes(address));
  } catch {
    return address;
  }
}

/** Lower-case colon-separated MAC; the input lower-cased if it is not a MAC. */
export function canonicalMac(mac: string): string {
  try {
    return bytesToMac(macToBytes(mac));
  } catch {
    return mac.toLowerCase();
  }
}

/** True when `address` lies in `prefix`/`length`; bad text is "not in the prefix". */
export function inPrefix(address: string, prefix: string, length: number): boolean {
  let a: Buffer;
  let p: Buffer;
  try {
    a = ipv6ToBytes(address);
    p = ipv6ToBytes(prefix);
  } catch {
    return false;
  }
  for (let bit = 0; bit < length; bit++) {
    const m = 0x80 >> (bit & 7);
    if ((a[bit >> 3]! & m) !== (p[bit >> 3]! & m)) return false;
  }
  return true;
}

/** The first `length` bits of `address` with the rest zeroed. */
export function prefixOf(address: string, length: number): string {
  const a = ipv6ToBytes(address);
  for (let bit = length; bit < 128; bit++) a[bit >> 3] = a[bit >> 3]! & ~(0x80 >> (bit & 7));
  return bytesToIpv6(a);
}

/** Modified EUI-64 interface identifier of a 48-bit MAC (RFC 4291 Appendix A): U/L bit flipped, ff:fe inserted. */
export function eui64InterfaceId(mac: string | Buffer): Buffer {
  const m = typeof mac === 'string' ? macToBytes(mac) : mac;
  return Buffer.from([m[0]! ^ 0x02, m[1]!, m[2]!, 0xff, 0xfe, m[3]!, m[4]!, m[5]!]);
}

/** A /64 prefix plus a 64-bit interface identifier. */
export function addressFromPrefix(prefix: string, interfaceId: Buffer): string {
  const a = ipv6ToBytes(prefix);
  interfaceId.copy(a, 8, 0, 8);
  return bytesToIpv6(a);
}

/** The NCoA an MN forms statelessly on the NAR's /64 (RFC 5568 §3.1 step 3). */
export function eui64Address(prefix: string, mac: string | Buffer): string {
  return addressFromPrefix(prefix, eui64InterfaceId(mac));
}

/** The n-th /`length` prefix inside `pool`/`poolLength` (n counted from 0), for per-MN prefixes. */
export function nthPrefix(pool: string, poolLength: number, length: number, n: number): string {
  const a = ipv6ToBytes(prefixOf(pool, poolLength));
  // Add n at bit position `length` (counting from the left); prefixes up to /64 fit n in the upper half.
  let carry = BigInt(n) << BigInt(128 - length);
  for (let i = 15; i >= 0 && carry > 0n; i--) {
    const sum = BigInt(a[i]!) + (carry & 0xffn);
    a[i] = Number(sum & 0xffn);
    carry = (carry >> 8n) + (sum >> 8n);
  }
  return bytesToIpv6(a);
}
