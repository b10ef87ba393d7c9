// Whole IPv6 packets: header + extension chain + upper layer, with lengths and the upper-layer
// checksum filled in (gopacket's FixLengths/ComputeChecksums idea). The checksum uses the
// pseudo-header of RFC 8200 §8.1 with the substitutions of RFC 6275 §6.1.7: the home address of a
// Home Address option as source, the final destination of a type 2 routing header as destination.

import { internetChecksum, pseudoHeaderSum } from './checksum.js';
import * as fragment from './ext/fragment.js';
import * as optionsHeader from './ext/hop-by-hop-dest-options.js';
import * as routing from './ext/routing-type2.js';
import {
  encode as encodeIpv6Header,
  IPV6_HEADER_LENGTH,
  NextHeader,
  pseudoHeaderAddresses,
  type ExtensionHeader,
} from './ipv6.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An extension header without its Next Header field: the builder chains them. */
export type ExtensionHeaderInput = DistributiveOmit<ExtensionHeader, 'nextHeader'>;

/** Where each upper layer keeps its 16-bit checksum. */
export const CHECKSUM_OFFSET: Readonly<Record<number, number>> = {
  [NextHeader.ICMPv6]: 2, // RFC 4443 §2.1
  [NextHeader.UDP]: 6, // RFC 768
  [NextHeader.MobilityHeader]: 4, // RFC 6275 §6.1.1
  6: 16, // TCP, RFC 9293 §3.1
};

export interface BuildIpv6PacketOptions {
  src: string;
  dst: string;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  extensions?: ExtensionHeaderInput[];
  /** The upper layer: its protocol number and its bytes (checksum field as it should stay, or anything). */
  upper: { nextHeader: number; encode: () => Uint8Array };
  /** Keep the upper layer's checksum field as encoded (negative tests), instead of computing it. */
  keepChecksum?: boolean;
  /** Payload Length to write instead of the true one (negative tests). */
  payloadLength?: number;
}

export function buildIpv6Packet(o: BuildIpv6PacketOptions): Buffer {
  const upper = o.upper.encode();
  const exts = o.extensions ?? [];
  const chained: ExtensionHeader[] = exts.map((e, i) => ({
    ...e,
    nextHeader: i + 1 < exts.length ? extNumber(exts[i + 1]!) : o.upper.nextHeader,
  })) as ExtensionHeader[];
  let extLen = 0;
  for (const e of chained) extLen += extLength(e);
  const total = IPV6_HEADER_LENGTH + extLen + upper.length;
  const out = Buffer.alloc(total);
  encodeIpv6Header(
    {
      trafficClass: o.trafficClass ?? 0,
      flowLabel: o.flowLabel ?? 0,
      payloadLength: o.payloadLength ?? total - IPV6_HEADER_LENGTH,
      nextHeader: chained.length ? extNumber(chained[0]!) : o.upper.nextHeader,
      hopLimit: o.hopLimit ?? 64,
      src: o.src,
      dst: o.dst,
    },
    out,
    0,
  );
  let off = IPV6_HEADER_LENGTH;
  for (const e of chained) {
    encodeExt(e, out, off);
    off += extLength(e);
  }
  out.set(upper, off);
  const csumAt = CHECKSUM_OFFSET[o.upper.nextHeader];
  if (!o.keepChecksum && csumAt !== undefined && upper.length >= csumAt + 2) {
    const { src, dst } = pseudoHeaderAddresses({ header: { src: o.src, dst: o.dst } as never, extensions: chained });
    out.writeUInt16BE(0, off + csumAt);
    let c = internetChecksum(out, off, upper.length, pseudoHeaderSum(src, dst, o.upper.nextHeader, upper.length));
    if (c === 0 && o.upper.nextHeader === NextHeader.UDP) c = 0xffff;
    out.writeUInt16BE(c, off + csumAt);
  }
  return out;
}

export function extNumber(e: { kind: ExtensionHeader['kind'] }): number {
  switch (e.kind) {
    case 'HopByHop':
      return NextHeader.HopByHop;
    case 'DestinationOptions':
      return NextHeader.DestinationOptions;
    case 'Routing':
      return NextHeader.Routing;
    case 'Fragment':
      return NextHeader.Fragment;
  }
}

export function extLength(e: ExtensionHeader): number {
  switch (e.kind) {
    case 'HopByHop':
    case 'DestinationOptions':
      return optionsHeader.encodingLength(e);
    case 'Routing':
      return routing.encodingLength(e);
    case 'Fragment':
      return fragment.encodingLength(e);
  }
}

export function encodeExt(e: ExtensionHeader, buf: Buffer, offset: number): void {
  switch (e.kind) {
    case 'HopByHop':
    case 'DestinationOptions':
      optionsHeader.encode(e, buf, offset);
      return;
    case 'Routing':
      routing.encode(e, buf, offset);
      return;
    case 'Fragment':
      fragment.encode(e, buf, offset);
      return;
  }
}
