// The payload of one packet of a constant-rate UDP flow. The sender stamps each packet with its flow
// id, a sequence number and its send time, so a capture anywhere on the path (also inside an
// IPv6-in-IPv6 tunnel) tells which packet it is and when it left, and analysis can count loss,
// duplicates and gaps without the sender's log.
//
//   0      4  5  6     8        12       16                24
//   +------+--+--+-----+--------+--------+-----------------+---------
//   | magic|v |fl| hlen| flow id|  seq   | send time (ns)  | padding
//   +------+--+--+-----+--------+--------+-----------------+---------
//
// All fields big-endian. The send time is CLOCK_REALTIME in ns since the Unix epoch: captures taken
// in different namespaces share that clock (pcap timestamps are CLOCK_REALTIME too).

import { decodeFail, decodeOk, type Decoded } from './result.js';

/** "MLFP" — mipshop-lab flow packet. */
export const FLOW_MAGIC = 0x4d4c4650;
export const FLOW_VERSION = 1;
export const FLOW_HEADER_LENGTH = 24;
/** Largest UDP payload a flow packet may ask for (fits one IPv6 jumbo-free datagram). */
export const FLOW_MAX_SIZE = 65507;

export interface FlowPacket {
  flowId: number;
  /** 32-bit sequence number, 0 for the first packet of a flow. */
  seq: number;
  /** Send time, ns since the Unix epoch (CLOCK_REALTIME). */
  sendNs: bigint;
  /** Total UDP payload length (header + padding), at least FLOW_HEADER_LENGTH. */
  size: number;
}

export function encodingLength(p: FlowPacket): number {
  return Math.max(FLOW_HEADER_LENGTH, p.size);
}

export function encode(p: FlowPacket, buf?: Buffer, offset = 0): Buffer {
  const len = encodingLength(p);
  if (len > FLOW_MAX_SIZE) throw new RangeError(`flow packet size ${len} exceeds ${FLOW_MAX_SIZE}`);
  const out = buf ?? Buffer.alloc(offset + len);
  out.writeUInt32BE(FLOW_MAGIC, offset);
  out.writeUInt8(FLOW_VERSION, offset + 4);
  out.writeUInt8(0, offset + 5);
  out.writeUInt16BE(FLOW_HEADER_LENGTH, offset + 6);
  out.writeUInt32BE(p.flowId >>> 0, offset + 8);
  out.writeUInt32BE(p.seq >>> 0, offset + 12);
  out.writeBigUInt64BE(BigInt.asUintN(64, p.sendNs), offset + 16);
  out.fill(0, offset + FLOW_HEADER_LENGTH, offset + len);
  return out;
}

/** Decodes the UDP payload `buf[offset..end)`. `end` defaults to the end of the buffer. Never throws. */
export function decode(buf: Buffer, offset = 0, end = buf.length): Decoded<FlowPacket> {
  const stop = Math.min(end, buf.length);
  if (offset < 0 || stop - offset < FLOW_HEADER_LENGTH) {
    return decodeFail('truncated', Math.max(0, offset), `flow packet needs ${FLOW_HEADER_LENGTH} bytes`);
  }
  if (buf.readUInt32BE(offset) !== FLOW_MAGIC) return decodeFail('bad-value', offset, 'not a flow packet (magic)');
  const version = buf.readUInt8(offset + 4);
  if (version !== FLOW_VERSION) return decodeFail('unsupported', offset + 4, `flow packet version ${version}`);
  const hlen = buf.readUInt16BE(offset + 6);
  // A later version may grow the header; this one needs at least its own fields.
  if (hlen < FLOW_HEADER_LENGTH || hlen > stop - offset) {
    return decodeFail('bad-length', offset + 6, `flow header length ${hlen}`);
  }
  const size = stop - offset;
  return decodeOk(
    {
      flowId: buf.readUInt32BE(offset + 8),
      seq: buf.readUInt32BE(offset + 12),
      sendNs: buf.readBigUInt64BE(offset + 16),
      size,
    },
    size,
  );
}

/** Quick test used by frame decoding before a full decode. */
export function looksLikeFlowPacket(buf: Buffer, offset: number, end = buf.length): boolean {
  return end - offset >= FLOW_HEADER_LENGTH && offset >= 0 && buf.readUInt32BE(offset) === FLOW_MAGIC;
}
