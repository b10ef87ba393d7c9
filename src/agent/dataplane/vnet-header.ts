// A TUN packet with its struct virtio_net_hdr (linux/virtio_net.h; 10 bytes in host order: flags,
// gso_type, hdr_len, gso_size, csum_start, csum_offset) made into a packet that can leave as is: the
// partial checksum a local application's stack left for the offload is completed here. Used where a
// held uplink packet goes out natively rather than through the addon's tunnel send (which does the
// same in C). A GSO super-packet cannot leave as one packet: null.
import { endianness } from 'node:os';

const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
const VIRTIO_NET_HDR_GSO_NONE = 0;
const LE = endianness() === 'LE';

/** The packet ready to send (the same buffer, checksum filled in when it was partial), or null. */
export function finishOffloadedPacket(packet: Buffer, header: Buffer): Buffer | null {
  if (header.length < 10) return null;
  if (header[1] !== VIRTIO_NET_HDR_GSO_NONE) return null;
  if ((header[0]! & VIRTIO_NET_HDR_F_NEEDS_CSUM) === 0) return packet;
  const start = LE ? header.readUInt16LE(6) : header.readUInt16BE(6);
  const offset = LE ? header.readUInt16LE(8) : header.readUInt16BE(8);
  if (start + offset + 2 > packet.length) return null;
  // The field holds the pseudo-header sum already; the one's complement sum from csum_start on,
  // complemented, is the checksum (RFC 1071), as skb_checksum_help computes it.
  let sum = 0;
  for (let i = start; i + 1 < packet.length; i += 2) sum += packet.readUInt16BE(i);
  if ((packet.length - start) % 2 === 1) sum += packet[packet.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  let csum = ~sum & 0xffff;
  // UDP over IPv6: a computed 0 is sent as 0xffff (RFC 8200 §8.1).
  if (csum === 0) csum = 0xffff;
  packet.writeUInt16BE(csum, start + offset);
  return packet;
}
