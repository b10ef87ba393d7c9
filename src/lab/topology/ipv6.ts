// IPv6 addresses as 128-bit bigints for the address plan: prefixes, host numbers, overlap, and SLAAC
// interface identifiers (modified EUI-64, RFC 4291 §2.5.1 and Appendix A). Text <-> bytes is the wire
// layer's (src/wire/address.ts, RFC 4291 §2.2 in, RFC 5952 out); here only the arithmetic.
import { createHash } from 'node:crypto';
import { bytesToIpv6, bytesToMac, ipv6ToBytes, macToBytes } from '../../wire/address.js';

const MAX = (1n << 128n) - 1n;

/** Parses "2001:db8::1"; undefined when the text is not an address. */
export function parseIPv6(text: string): bigint | undefined {
  let b: Buffer;
  try {
    b = ipv6ToBytes(text);
  } catch {
    return undefined;
  }
  return (b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8);
}

/** RFC 5952 text of a 128-bit value. */
export function formatIPv6(v: bigint): string {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE((v >> 64n) & 0xffff_ffff_ffff_ffffn, 0);
  b.writeBigUInt64BE(v & 0xffff_ffff_ffff_ffffn, 8);
  return bytesToIpv6(b);
}

export interface Prefix {
  network: bigint;
  length: number;
}

export function prefixMask(length: number): bigint {
  return length === 0 ? 0n : (MAX << BigInt(128 - length)) & MAX;
}

/** "2001:db8::1/64" -> address and length; undefined when malformed. */
export function parseAddressWithLength(text: string): { address: bigint; length: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIPv6(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(lenText)) return undefined;
  const length = Number(lenText);
  return length <= 128 ? { address, length } : undefined;
}

/** "2001:db8:1::/64" -> prefix; undefined when malformed or when host bits are set. */
export function parsePrefix(text: string): Prefix | undefined {
  const a = parseAddressWithLength(text);
  if (!a || (a.address & ~prefixMask(a.length) & MAX) !== 0n) return undefined;
  return { network: a.address, length: a.length };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIPv6(p.network)}/${p.length}`;
}

export function isIPv6Address(text: string): boolean {
  return parseIPv6(text) !== undefined;
}

export function isAddressWithLength(text: string): boolean {
  return parseAddressWithLength(text) !== undefined;
}

/** True for a well-formed prefix, of exactly `length` bits when given. */
export function isPrefix(text: string, length?: number): boolean {
  const p = parsePrefix(text);
  return p !== undefined && (length === undefined || p.length === length);
}

export function prefixContains(p: Prefix, address: bigint): boolean {
  return (address & prefixMask(p.length)) === p.network;
}

export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  const len = Math.min(a.length, b.length);
  return (a.network & prefixMask(len)) === (b.network & prefixMask(len));
}

/** Modified EUI-64 interface identifier from a 48-bit MAC: ff:fe in the middle, U/L bit inverted (RFC 4291 App. A). */
export function eui64InterfaceId(mac: string): bigint {
  const b = macToBytes(mac);
  const eui = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  return eui.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
}

/**
 * The address a node configures by SLAAC (RFC 4862 §5.5.3) on a /64 with addr_gen_mode eui64:
 * the prefix followed by the modified EUI-64 identifier of the interface's MAC. Returns the address
 * without length, e.g. slaacAddress("fe80::/64", "34:56:78:9a:bc:de") === "fe80::3656:78ff:fe9a:bcde".
 */
export function slaacAddress(prefix: string, mac: string): string {
  const p = parsePrefix(prefix);
  if (p?.length !== 64) throw new RangeError(`SLAAC needs a /64 prefix, got "${prefix}"`);
  return formatIPv6(p.network | eui64InterfaceId(mac));
}

/** A locally administered unicast MAC (IEEE 802: I/G bit 0, U/L bit 1) derived from `seed`. */
export function hashedMac(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  return bytesToMac(Buffer.from([(h[0]! & 0xfc) | 0x02, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!]));
}

/** A unique local /48 for a lab name: fd00::/8 plus a 40-bit Global ID (RFC 4193 §3.2), here hashed from the name. */
export function ulaPrefixFor(name: string): string {
  const h = createHash('sha256').update(`mipshop-lab:${name}`).digest();
  let id = 0xfdn;
  for (let i = 0; i < 5; i++) id = (id << 8n) | BigInt(h[i]!);
  return formatPrefix({ network: id << 80n, length: 48 });
}
