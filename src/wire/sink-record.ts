// The receiving application's record of a flow: one fixed-size binary record per flow packet the
// UDP sink got from its socket (src/traffic/udp-sink.ts writes it, analysis reads it). Loss and
// interruption are measured from it, at the application, not at the interface (docs/measures.md).
//
//   file header (8 bytes): magic "MLSR" | version (1) | record length (24) | 2 reserved bytes
//   record (24 bytes):     flow id (4) | seq (4) | send time ns (8) | receive time ns (8)
//
// All fields big-endian; times are CLOCK_REALTIME ns since the Unix epoch, like pcap timestamps.

import { decodeFail, decodeOk, type Decoded } from './result.js';

export const SINK_RECORD_MAGIC = 0x4d4c5352;
export const SINK_RECORD_VERSION = 1;
export const SINK_FILE_HEADER_LENGTH = 8;
export const SINK_RECORD_LENGTH = 24;

export interface SinkRecord {
  flowId: number;
  seq: number;
  /** Send time the sender stamped in the packet. */
  sendNs: bigint;
  /** When the sink's socket handed it to the application. */
  recvNs: bigint;
}

export function encodeHeader(buf: Buffer = Buffer.alloc(SINK_FILE_HEADER_LENGTH), offset = 0): Buffer {
  buf.writeUInt32BE(SINK_RECORD_MAGIC, offset);
  buf.writeUInt8(SINK_RECORD_VERSION, offset + 4);
  buf.writeUInt8(SINK_RECORD_LENGTH, offset + 5);
  buf.writeUInt16BE(0, offset + 6);
  return buf;
}

export function encodeRecord(r: SinkRecord, buf: Buffer = Buffer.alloc(SINK_RECORD_LENGTH), offset = 0): Buffer {
  buf.writeUInt32BE(r.flowId >>> 0, offset);
  buf.writeUInt32BE(r.seq >>> 0, offset + 4);
  buf.writeBigUInt64BE(BigInt.asUintN(64, r.sendNs), offset + 8);
  buf.writeBigUInt64BE(BigInt.asUintN(64, r.recvNs), offset + 16);
  return buf;
}

export interface SinkRecordFile {
  records: SinkRecord[];
  /** Bytes after the last whole record (a sink killed mid-write); ignored. */
  trailingBytes: number;
}

/** Decodes a whole record file. Never throws: a wrong header is a DecodeError. */
export function decodeFile(buf: Buffer): Decoded<SinkRecordFile> {
  if (buf.length < SINK_FILE_HEADER_LENGTH)
    return decodeFail('truncated', 0, 'sink record file needs its 8-byte header');
  if (buf.readUInt32BE(0) !== SINK_RECORD_MAGIC) return decodeFail('bad-value', 0, 'not a sink record file (magic)');
  const version = buf.readUInt8(4);
  if (version !== SINK_RECORD_VERSION) return decodeFail('unsupported', 4, `sink record version ${version}`);
  const len = buf.readUInt8(5);
  // A later version may append fields to a record; this one reads its own.
  if (len < SINK_RECORD_LENGTH) return decodeFail('bad-length', 5, `sink record length ${len}`);
  const body = buf.length - SINK_FILE_HEADER_LENGTH;
  const n = Math.floor(body / len);
  const records: SinkRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = SINK_FILE_HEADER_LENGTH + i * len;
    records[i] = {
      flowId: buf.readUInt32BE(o),
      seq: buf.readUInt32BE(o + 4),
      sendNs: buf.readBigUInt64BE(o + 8),
      recvNs: buf.readBigUInt64BE(o + 16),
    };
  }
  return decodeOk({ records, trailingBytes: body - n * len }, buf.length);
}
