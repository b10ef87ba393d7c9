// Routing header (next header 43, RFC 8200 §4.4); type 2 carries the mobile node's home address
// (RFC 6275 §6.4): Hdr Ext Len 2, Segments Left 1, 4 reserved bytes, Home Address.
// Other routing types are kept as raw type-specific data so they re-encode byte for byte.

import { bytesToIpv6, writeIpv6 } from '../address.js';
import { decodeFail, decodeOk, type Decoded } from '../result.js';

export type RoutingHeader =
  | { nextHeader: number; routingType: 2; segmentsLeft: number; reserved?: number; homeAddress: string }
  | { nextHeader: number; routingType: number; segmentsLeft: number /** bytes after Segments Left */; data: Buffer };

export type RoutingHeaderType2 = Extract<RoutingHeader, { homeAddress: string }>;

export function isType2(h: RoutingHeader): h is RoutingHeaderType2 {
  return h.routingType === 2 && 'homeAddress' in h;
}

export function encodingLength(h: RoutingHeader): number {
  if (isType2(h)) return 24;
  return (4 + (h as { data: Buffer }).data.length + 7) & ~7;
}

export function encode(h: RoutingHeader, buf?: Buffer, offset = 0): Buffer {
  const len = encodingLength(h);
  const out = buf ?? Buffer.alloc(len);
  out[offset] = h.nextHeader;
  out[offset + 1] = len / 8 - 1;
  out[offset + 2] = h.routingType;
  out[offset + 3] = h.segmentsLeft;
  if (isType2(h)) {
    out.writeUInt32BE((h.reserved ?? 0) >>> 0, offset + 4);
    writeIpv6(h.homeAddress, out, offset + 8);
  } else {
    const data = (h as { data: Buffer }).data;
    data.copy(out, offset + 4);
    out.fill(0, offset + 4 + data.length, offset + len);
  }
  return out;
}

export function decode(buf: Buffer, offset = 0): Decoded<RoutingHeader> {
  if (buf.length - offset < 4) return decodeFail('truncated', offset, 'routing header needs 4 bytes');
  const len = (buf[offset + 1]! + 1) * 8;
  if (buf.length - offset < len)
    return decodeFail('truncated', offset + 1, `routing header of ${len} bytes does not fit`);
  const nextHeader = buf[offset]!;
  const routingType = buf[offset + 2]!;
  const segmentsLeft = buf[offset + 3]!;
  if (routingType === 2) {
    // RFC 6275 §6.4: Hdr Ext Len MUST be 2 and Segments Left MUST be 1; we decode any Segments Left
    // so a receiver can answer a bad one (RFC 6275 §9.3.2) instead of losing the packet silently.
    if (len !== 24) return decodeFail('bad-length', offset + 1, `type 2 routing header length ${len}, expected 24`);
    const reserved = buf.readUInt32BE(offset + 4);
    const h: RoutingHeaderType2 = {
      nextHeader,
      routingType: 2,
      segmentsLeft,
      homeAddress: bytesToIpv6(buf, offset + 8),
    };
    if (reserved !== 0) h.reserved = reserved;
    return decodeOk(h, 24);
  }
  return decodeOk(
    { nextHeader, routingType, segmentsLeft, data: Buffer.from(buf.subarray(offset + 4, offset + len)) },
    len,
  );
}
