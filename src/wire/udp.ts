// UDP (RFC 768) over IPv6: the checksum is mandatory and covers the RFC 8200 §8.1 pseudo-header;
// a computed 0 is sent as 0xffff, and a received 0 is invalid over IPv6 (RFC 8200 §8.1).

import { pseudoHeaderChecksum } from './checksum.js';
import { decodeFail, decodeOk, type Decoded } from './result.js';

export const UDP_HEADER_LENGTH = 8;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** As on the wire; encode fills it when `addresses` are given, else writes this value (default 0). */
  checksum?: number;
  payload: Buffer;
}

export interface UdpEncodeOptions {
  /** Pseudo-header addresses; when given the checksum is computed. */
  addresses?: { src: string; dst: string };
}

export function encodingLength(d: UdpDatagram): number {
  return UDP_HEADER_LENGTH + d.payload.length;
}

export function encode(d: UdpDatagram, buf?: Buffer, offset = 0, opts: UdpEncodeOptions = {}): Buffer {
  const len = encodingLength(d);
  const out = buf ?? Buffer.alloc(len);
  out.writeUInt16BE(d.srcPort, offset);
  out.writeUInt16BE(d.dstPort, offset + 2);
  out.writeUInt16BE(len, offset + 4);
  out.writeUInt16BE(0, offset + 6);
  d.payload.copy(out, offset + 8);
  let csum = d.checksum ?? 0;
  if (opts.addresses) {
    csum = pseudoHeaderChecksum(opts.addresses.src, opts.addresses.dst, 17, out.subarray(offset, offset + len));
    if (csum === 0) csum = 0xffff;
  }
  out.writeUInt16BE(csum, offset + 6);
  return out;
}

export interface UdpDecodeOptions {
  /** Verify the checksum with these pseudo-header addresses; a mismatch gives 'bad-checksum'. */
  verify?: { src: string; dst: string };
}

/** Decodes a datagram that ends at the end of `buf` or at its Length field, whichever is first. */
export function decode(buf: Buffer, offset = 0, opts: UdpDecodeOptions = {}): Decoded<UdpDatagram> {
  if (buf.length - offset < UDP_HEADER_LENGTH) return decodeFail('truncated', offset, 'UDP header needs 8 bytes');
  const len = buf.readUInt16BE(offset + 4);
  if (len < UDP_HEADER_LENGTH) return decodeFail('bad-length', offset + 4, `UDP Length ${len} is below 8`);
  if (buf.length - offset < len)
    return decodeFail('truncated', offset + 4, `UDP Length ${len} exceeds the ${buf.length - offset} bytes present`);
  const checksum = buf.readUInt16BE(offset + 6);
  if (opts.verify) {
    if (
      checksum === 0 ||
      pseudoHeaderChecksum(opts.verify.src, opts.verify.dst, 17, buf.subarray(offset, offset + len)) !== 0
    ) {
      return decodeFail('bad-checksum', offset + 6, `UDP checksum 0x${checksum.toString(16)} does not verify`);
    }
  }
  return decodeOk(
    {
      srcPort: buf.readUInt16BE(offset),
      dstPort: buf.readUInt16BE(offset + 2),
      checksum,
      payload: Buffer.from(buf.subarray(offset + 8, offset + len)),
    },
    len,
  );
}
