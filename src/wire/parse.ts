// One call from raw IPv6 bytes to a typed upper layer: walk the extension chain (ipv6.ts), then decode
// the Mobility Header, ICMPv6 or UDP behind it, optionally verifying its checksum against the
// pseudo-header with the RFC 6275 §6.1.7 substitutions. For captures and for agents reading AF_PACKET.

import * as icmpv6 from './icmpv6/header.js';
import type { Icmpv6Message } from './icmpv6/header.js';
import { NextHeader, pseudoHeaderAddresses, walkIpv6, type Ipv6Walk } from './ipv6.js';
import * as mh from './mh/header.js';
import type { MobilityMessage } from './mh/header.js';
import { decodeOk, type Decoded } from './result.js';
import * as udp from './udp.js';
import type { UdpDatagram } from './udp.js';

export type UpperLayer =
  | { kind: 'MobilityHeader'; message: MobilityMessage }
  | { kind: 'ICMPv6'; message: Icmpv6Message }
  | { kind: 'UDP'; datagram: UdpDatagram }
  /** Any other protocol (TCP, IPv6-in-IPv6, no next header...): its bytes. */
  | { kind: 'Other'; protocol: number; bytes: Buffer };

export interface ParsedIpv6Packet {
  walk: Ipv6Walk;
  /** Pseudo-header addresses after the HAO / RH2 substitutions. */
  checksumAddresses: { src: string; dst: string };
  upper: UpperLayer;
}

export interface ParseOptions {
  /** Verify MH / ICMPv6 / UDP checksums (a mismatch is 'bad-checksum'). Default true. */
  verifyChecksum?: boolean;
}

export function parseIpv6Packet(buf: Buffer, offset = 0, opts: ParseOptions = {}): Decoded<ParsedIpv6Packet> {
  const w = walkIpv6(buf, offset);
  if (!w.ok) return w;
  const walk = w.value;
  const addrs = pseudoHeaderAddresses(walk);
  const verify = opts.verifyChecksum === false ? undefined : addrs;
  const upperBuf = buf.subarray(0, walk.upperOffset + walk.upperLength);
  let upper: UpperLayer;
  switch (walk.upperLayer) {
    case NextHeader.MobilityHeader: {
      const r = mh.decode(upperBuf, walk.upperOffset, { verify });
      if (!r.ok) return r;
      upper = { kind: 'MobilityHeader', message: r.value };
      break;
    }
    case NextHeader.ICMPv6: {
      const r = icmpv6.decode(upperBuf, walk.upperOffset, { verify });
      if (!r.ok) return r;
      upper = { kind: 'ICMPv6', message: r.value };
      break;
    }
    case NextHeader.UDP: {
      const r = udp.decode(upperBuf, walk.upperOffset, { verify });
      if (!r.ok) return r;
      upper = { kind: 'UDP', datagram: r.value };
      break;
    }
    default:
      upper = { kind: 'Other', protocol: walk.upperLayer, bytes: Buffer.from(upperBuf.subarray(walk.upperOffset)) };
  }
  return decodeOk({ walk, checksumAddresses: addrs, upper }, walk.upperOffset + walk.upperLength - offset);
}
