// The packet rewrites of the route-optimised data path (RFC 6275 §6.3, §6.4, §9.3, §11.3), done in
// userspace because the kernel here has no IPv6 mobility (docs/dataplane.md §8):
//
//   mobile node out:   [IPv6 src HoA, dst CN][upper]  ─►  [IPv6 src CoA][DestOpt: PadN4, HAO(HoA)][upper]
//   correspondent in:  the reverse (src := the HAO's home address, the Destination Options header gone)
//   correspondent out: [IPv6 dst HoA][upper]          ─►  [IPv6 dst CoA][RH2(HoA), Segments Left 1][upper]
//   mobile node in:    the reverse (dst := the RH2's home address, the routing header gone)
//
// The upper-layer checksum is untouched: both ends compute it over the home address (§6.3: the HAO's
// receiver swaps the addresses before the upper layer sees them; §6.4: the final destination is the
// home address), so the packet as the applications wrote it and the packet as they read it agree.
// The new header goes right after the IPv6 header (RFC 8200 §4.1 order: a Hop-by-Hop header would
// have to stay first; such packets are not rewritten, null). Every function returns null for what it
// does not handle, never throws on bytes.

import { IPV6_OPT_HOME_ADDRESS, IPV6_OPT_PAD1, IPV6_OPT_PADN } from '../../wire/ext/hop-by-hop-dest-options.js';
import { IPV6_HEADER_LENGTH, NextHeader } from '../../wire/ipv6.js';

const IPV6 = IPV6_HEADER_LENGTH;
const NH_HOP_BY_HOP = NextHeader.HopByHop;
const NH_ROUTING = NextHeader.Routing;
const NH_DESTINATION_OPTIONS = NextHeader.DestinationOptions;
const OPT_PAD1 = IPV6_OPT_PAD1;
const OPT_PADN = IPV6_OPT_PADN;
const OPT_HOME_ADDRESS = IPV6_OPT_HOME_ADDRESS;
/** Both inserted headers are 24 bytes (Hdr Ext Len 2). */
export const ROUTE_OPTIMISATION_OVERHEAD = 24;

function isIpv6(p: Buffer): boolean {
  return p.length >= IPV6 && p[0]! >>> 4 === 6 && IPV6 + p.readUInt16BE(4) <= p.length;
}

/** A copy of `p` with a 24-byte header put after the IPv6 header; `fill` writes it at offset 40. */
function insertAfterIpv6(p: Buffer, nextHeader: number, fill: (out: Buffer, originalNext: number) => void): Buffer {
  const len = IPV6 + p.readUInt16BE(4);
  const out = Buffer.allocUnsafe(len + ROUTE_OPTIMISATION_OVERHEAD);
  p.copy(out, 0, 0, IPV6);
  out.writeUInt16BE(len - IPV6 + ROUTE_OPTIMISATION_OVERHEAD, 4);
  out[6] = nextHeader;
  fill(out, p[6]!);
  p.copy(out, IPV6 + ROUTE_OPTIMISATION_OVERHEAD, IPV6, len);
  return out;
}

/** A copy of `p` without the 24-byte header after the IPv6 header, whose Next Header takes its place. */
function removeAfterIpv6(p: Buffer): Buffer {
  const len = IPV6 + p.readUInt16BE(4);
  const out = Buffer.allocUnsafe(len - ROUTE_OPTIMISATION_OVERHEAD);
  p.copy(out, 0, 0, IPV6);
  out.writeUInt16BE(len - IPV6 - ROUTE_OPTIMISATION_OVERHEAD, 4);
  out[6] = p[IPV6]!;
  p.copy(out, IPV6, IPV6 + ROUTE_OPTIMISATION_OVERHEAD, len);
  return out;
}

/** Mobile node, out (§11.3.1): source := care-of address, Home Address option holding the old source. */
export function insertHomeAddressOption(p: Buffer, careOfAddress: Buffer): Buffer | null {
  if (!isIpv6(p) || p[6] === NH_HOP_BY_HOP || careOfAddress.length !== 16) return null;
  const out = insertAfterIpv6(p, NH_DESTINATION_OPTIONS, (o, next) => {
    o[IPV6] = next;
    o[IPV6 + 1] = 2;
    // PadN of 4 bytes puts the option at 8n+6 (§6.3), its address on an 8-byte boundary.
    o[IPV6 + 2] = OPT_PADN;
    o[IPV6 + 3] = 2;
    o[IPV6 + 4] = 0;
    o[IPV6 + 5] = 0;
    o[IPV6 + 6] = OPT_HOME_ADDRESS;
    o[IPV6 + 7] = 16;
    p.copy(o, IPV6 + 8, 8, 24);
  });
  careOfAddress.copy(out, 8);
  return out;
}

/**
 * Correspondent, in (§9.3.1): a Destination Options header right after the IPv6 header holding only a
 * Home Address option (and padding). Returns the packet as from the home address, and both addresses
 * (16-byte views) to check against the Binding Cache; null for anything else.
 */
export function removeHomeAddressOption(
  p: Buffer,
): { packet: Buffer; homeAddress: Buffer; careOfAddress: Buffer } | null {
  if (!isIpv6(p) || p[6] !== NH_DESTINATION_OPTIONS || p.length < IPV6 + 8) return null;
  const end = IPV6 + (p[IPV6 + 1]! + 1) * 8;
  if (end !== IPV6 + ROUTE_OPTIMISATION_OVERHEAD || end > IPV6 + p.readUInt16BE(4)) return null;
  let home: number | null = null;
  for (let o = IPV6 + 2; o < end; ) {
    const t = p[o]!;
    if (t === OPT_PAD1) {
      o++;
      continue;
    }
    if (o + 2 > end || o + 2 + p[o + 1]! > end) return null;
    if (t === OPT_HOME_ADDRESS && p[o + 1] === 16 && home === null) home = o + 2;
    else if (t !== OPT_PADN) return null; // another option: not ours to drop silently
    o += 2 + p[o + 1]!;
  }
  if (home === null) return null;
  const packet = removeAfterIpv6(p);
  p.copy(packet, 8, home, home + 16);
  return { packet, homeAddress: p.subarray(home, home + 16), careOfAddress: p.subarray(8, 24) };
}

/** Correspondent, out (§9.3.2): destination := care-of address, type 2 routing header with the home address. */
export function insertRoutingType2(p: Buffer, careOfAddress: Buffer): Buffer | null {
  if (!isIpv6(p) || p[6] === NH_HOP_BY_HOP || careOfAddress.length !== 16) return null;
  const out = insertAfterIpv6(p, NH_ROUTING, (o, next) => {
    o[IPV6] = next;
    o[IPV6 + 1] = 2;
    o[IPV6 + 2] = 2; // Routing Type 2
    o[IPV6 + 3] = 1; // Segments Left 1 (§6.4)
    o.writeUInt32BE(0, IPV6 + 4);
    p.copy(o, IPV6 + 8, 24, 40);
  });
  careOfAddress.copy(out, 24);
  return out;
}

/**
 * Mobile node, in (§11.3.3): a type 2 routing header right after the IPv6 header, Segments Left 1.
 * Returns the packet as addressed to the home address, and that address; null for anything else.
 */
export function removeRoutingType2(p: Buffer): { packet: Buffer; homeAddress: Buffer } | null {
  if (!isIpv6(p) || p[6] !== NH_ROUTING || IPV6 + ROUTE_OPTIMISATION_OVERHEAD > IPV6 + p.readUInt16BE(4)) return null;
  if (p[IPV6 + 1] !== 2 || p[IPV6 + 2] !== 2 || p[IPV6 + 3] !== 1) return null;
  const packet = removeAfterIpv6(p);
  p.copy(packet, 24, IPV6 + 8, IPV6 + 24);
  return { packet, homeAddress: p.subarray(IPV6 + 8, IPV6 + 24) };
}
