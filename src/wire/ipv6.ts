// IPv6 fixed header (RFC 8200 §3) and a walker over the extension-header chain (RFC 8200 §4)
// that finds the upper layer: it follows Hop-by-Hop, Destination Options, Routing and Fragment
// headers and stops at anything else (59 = No Next Header, RFC 8200 §4.7).

import { bytesToIpv6, writeIpv6 } from './address.js';
import * as fragment from './ext/fragment.js';
import type { FragmentHeader } from './ext/fragment.js';
import * as optionsHeader from './ext/hop-by-hop-dest-options.js';
import type { OptionsHeader } from './ext/hop-by-hop-dest-options.js';
import * as routing from './ext/routing-type2.js';
import type { RoutingHeader } from './ext/routing-type2.js';
import { decodeFail, decodeOk, type Decoded } from './result.js';

export const IPV6_HEADER_LENGTH = 40;

/** IANA protocol numbers used here (RFC 8200 §4, RFC 4443, RFC 6275 §6.1). */
export const NextHeader = {
  HopByHop: 0,
  UDP: 17,
  IPv6: 41,
  Routing: 43,
  Fragment: 44,
  ICMPv6: 58,
  NoNextHeader: 59,
  DestinationOptions: 60,
  MobilityHeader: 135,
} as const;

export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
}

export type ExtensionHeader =
  | ({ kind: 'HopByHop' } & OptionsHeader)
  | ({ kind: 'DestinationOptions' } & OptionsHeader)
  | ({ kind: 'Routing' } & RoutingHeader)
  | ({ kind: 'Fragment' } & FragmentHeader);

export interface Ipv6Walk {
  header: Ipv6Header;
  extensions: ExtensionHeader[];
  /** Next Header value of the first header the walker does not follow (59 = none). */
  upperLayer: number;
  /** Absolute offset of the upper layer in the buffer given to walkIpv6. */
  upperOffset: number;
  /** Bytes of upper layer according to Payload Length. */
  upperLength: number;
}

export function encodingLength(_h: Ipv6Header): number {
  return IPV6_HEADER_LENGTH;
}

export function encode(h: Ipv6Header, buf?: Buffer, offset = 0): Buffer {
  const out = buf ?? Buffer.alloc(IPV6_HEADER_LENGTH);
  out.writeUInt32BE(((6 << 28) | ((h.trafficClass & 0xff) << 20) | (h.flowLabel & 0xfffff)) >>> 0, offset);
  out.writeUInt16BE(h.payloadLength, offset + 4);
  out[offset + 6] = h.nextHeader;
  out[offset + 7] = h.hopLimit;
  writeIpv6(h.src, out, offset + 8);
  writeIpv6(h.dst, out, offset + 24);
  return out;
}

export function decode(buf: Buffer, offset = 0): Decoded<Ipv6Header> {
  if (buf.length - offset < IPV6_HEADER_LENGTH) return decodeFail('truncated', offset, 'IPv6 header needs 40 bytes');
  const w = buf.readUInt32BE(offset);
  if (w >>> 28 !== 6) return decodeFail('bad-value', offset, `IP version ${w >>> 28}, expected 6`);
  return decodeOk(
    {
      trafficClass: (w >>> 20) & 0xff,
      flowLabel: w & 0xfffff,
      payloadLength: buf.readUInt16BE(offset + 4),
      nextHeader: buf[offset + 6]!,
      hopLimit: buf[offset + 7]!,
      src: bytesToIpv6(buf, offset + 8),
      dst: bytesToIpv6(buf, offset + 24),
    },
    IPV6_HEADER_LENGTH,
  );
}

export interface WalkOptions {
  /** Keep Pad1/PadN in decoded option headers. */
  keepPadding?: boolean;
}

/** Decodes the IPv6 header and every extension header up to the upper layer. */
export function walkIpv6(buf: Buffer, offset = 0, opts: WalkOptions = {}): Decoded<Ipv6Walk> {
  const h = decode(buf, offset);
  if (!h.ok) return h;
  const header = h.value;
  const end = offset + IPV6_HEADER_LENGTH + header.payloadLength;
  if (end > buf.length)
    return decodeFail(
      'truncated',
      offset + 4,
      `Payload Length ${header.payloadLength} exceeds the ${buf.length - offset - 40} bytes present`,
    );
  // Extension headers must stay inside the payload: decode them from a view that ends there.
  const view = end === buf.length ? buf : buf.subarray(0, end);
  const extensions: ExtensionHeader[] = [];
  let next = header.nextHeader;
  let o = offset + IPV6_HEADER_LENGTH;
  for (;;) {
    if (next === NextHeader.HopByHop || next === NextHeader.DestinationOptions) {
      const r = optionsHeader.decode(view, o, opts);
      if (!r.ok) return r;
      extensions.push({ kind: next === NextHeader.HopByHop ? 'HopByHop' : 'DestinationOptions', ...r.value });
      next = r.value.nextHeader;
      o += r.bytes;
    } else if (next === NextHeader.Routing) {
      const r = routing.decode(view, o);
      if (!r.ok) return r;
      extensions.push({ kind: 'Routing', ...r.value });
      next = r.value.nextHeader;
      o += r.bytes;
    } else if (next === NextHeader.Fragment) {
      const r = fragment.decode(view, o);
      if (!r.ok) return r;
      extensions.push({ kind: 'Fragment', ...r.value });
      next = r.value.nextHeader;
      o += r.bytes;
    } else {
      break;
    }
  }
  return decodeOk({ header, extensions, upperLayer: next, upperOffset: o, upperLength: end - o }, end - offset);
}

/**
 * Addresses of the upper-layer pseudo-header (RFC 8200 §8.1, RFC 6275 §6.1.7 / §6.3 / §6.4): the home
 * address of a Home Address option replaces the source; a routing header with Segments Left > 0 makes
 * its last address (the home address of a type 2 header) the destination.
 */
export function pseudoHeaderAddresses(walk: Pick<Ipv6Walk, 'header' | 'extensions'>): { src: string; dst: string } {
  let src = walk.header.src;
  let dst = walk.header.dst;
  for (const e of walk.extensions) {
    if (e.kind === 'DestinationOptions') {
      const hoa = optionsHeader.homeAddressOf(e);
      if (hoa !== undefined) src = hoa;
    } else if (e.kind === 'Routing' && e.segmentsLeft > 0 && 'homeAddress' in e) {
      dst = e.homeAddress;
    }
  }
  return { src, dst };
}
