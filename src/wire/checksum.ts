// Internet checksum (RFC 1071) and the IPv6 upper-layer pseudo-header (RFC 8200 §8.1), used by
// ICMPv6, UDP and the Mobility Header (RFC 6275 §6.1.1 says the MH uses the same pseudo-header).

import { writeIpv6 } from './address.js';

/** One's-complement 16-bit sum (not inverted) of `length` bytes at `offset`, added to `initial`. */
export function onesComplementSum(buf: Uint8Array, offset = 0, length = buf.length - offset, initial = 0): number {
  let sum = initial;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8; // odd length: pad with a zero byte
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum (inverted one's-complement sum) of the given byte range. */
export function internetChecksum(buf: Uint8Array, offset = 0, length = buf.length - offset, initial = 0): number {
  return ~onesComplementSum(buf, offset, length, initial) & 0xffff;
}

const scratch = Buffer.alloc(32);

/** Sum of the pseudo-header: source, destination, upper-layer length (32 bit), next header. */
export function pseudoHeaderSum(src: string, dst: string, nextHeader: number, upperLength: number): number {
  writeIpv6(src, scratch, 0);
  writeIpv6(dst, scratch, 16);
  let sum = onesComplementSum(scratch, 0, 32);
  sum += (upperLength >>> 16) + (upperLength & 0xffff) + nextHeader;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Checksum of `upper` (whose checksum field must be zero, or the result is the verification sum)
 * under the RFC 8200 §8.1 pseudo-header. For UDP a result of 0 must be sent as 0xffff (RFC 8200 §8.1). */
export function pseudoHeaderChecksum(src: string, dst: string, nextHeader: number, upper: Uint8Array): number {
  const ph = pseudoHeaderSum(src, dst, nextHeader, upper.length);
  return internetChecksum(upper, 0, upper.length, ph);
}

/** True when `upper` (checksum field included) sums to 0xffff under the pseudo-header. */
export function verifyPseudoHeaderChecksum(src: string, dst: string, nextHeader: number, upper: Uint8Array): boolean {
  return pseudoHeaderChecksum(src, dst, nextHeader, upper) === 0;
}
