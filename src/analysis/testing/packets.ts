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
