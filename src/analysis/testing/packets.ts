// Builders of test frames shared by the analysis unit tests (not used by production code).

import { encode as encodeFlow, type FlowPacket } from '../../wire/flow.js';
import { buildIpv6Packet } from '../../wire/packet.js';
import * as udp from '../../wire/udp.js';
import type { CapturedFrame } from '../pcap/frame.js';

export function udpPacket(src: string, dst: string, srcPort: number, dstPort: number, payload: Buffer): Buffer {
  return buildIpv6Packet({
    src,
    dst,
    upper: { nextHeader: 17, encode: () => udp.encode({ srcPort, dstPort, payload }) },
  });
}

export function flowIpv6(
  p: Omit<FlowPacket, 'size'> & { size?: number },
  src = '2001:db8:1::10',
  dst = '2001:db8:2::20',
): Buffer {
  return udpPacket(src, dst, 40000, 9000, encodeFlow({ size: 64, ...p }));
}

/** IPv6-in-IPv6 (RFC 2473): outer header, next header 41, the inner packet. */
export function tunnel(inner: Buffer, src = '2001:db8:ff::1', dst = '2001:db8:ee::2'): Buffer {
  return buildIpv6Packet({ src, dst, upper: { nextHeader: 41, encode: () => inner } });
}

export function upperPacket(nextHeader: number, body: Buffer, src = 'fe80::1', dst = 'ff02::2'): Buffer {
  return buildIpv6Packet({ src, dst, upper: { nextHeader, encode: () => body } });
}

export function ether(ipv6: Buffer, ethertype = 0x86dd): Buffer {
  const h = Buffer.alloc(14);
  Buffer.from('020000000002020000000001', 'hex').copy(h);
  h.writeUInt16BE(ethertype, 12);
  return Buffer.concat([h, ipv6]);
}

export function frame(data: Buffer, timestampNs: bigint, linkType = 1): CapturedFrame {
  return { timestampNs, capturedLength: data.length, originalLength: data.length, linkType, data };
}

/** A Mobility Header message with no body fields beyond its fixed 8 bytes (RFC 6275 §6.1.1): enough to be told apart by type. */
export function mhPacket(mhType: number, src = '2001:db8:a1::5', dst = '2001:db8:a1::1'): Buffer {
  const body = Buffer.from('3b00000000000000', 'hex');
  body[2] = mhType;
  return upperPacket(135, body, src, dst);
}

/** An ICMPv6 message of type 154 (RFC 5568 §6.1) with its subtype. */
export function fmipIcmpv6(subtype: number, src = 'fe80::5', dst = 'fe80::1'): Buffer {
  return upperPacket(58, Buffer.from([154, 0, 0, 0, subtype, 0, 0, 0]), src, dst);
}

/** A TCP segment (20-byte header, no options) carrying `length` zero bytes at sequence number `seq`. */
export function tcpSegment(srcPort: number, dstPort: number, seq: number, length: number): Buffer {
  const h = Buffer.alloc(20 + length);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h[12] = 5 << 4;
  h[13] = 0x18;
  return upperPacket(6, h, '2001:db8:c::1', '2001:db8:b::5');
}
