// The MIH protocol header (IEEE 802.21; the layout Wireshark's packet-mih.c and ODTONE share), 8 octets, big-endian: Version (4 bits), ACK-Req,
// ACK-Rsp, UIR, M (more fragments), FN (7 bits), a reserved bit; the Message ID (SID 4 bits, Opcode
// 2 bits, AID 10 bits); 4 reserved bits and the Transaction ID (12 bits); the payload length.
import { type Decoded, decodeFail, decodeOk } from '../result.js';

export const MIH_HEADER_LENGTH = 8;
/** What this codec sends: ODTONE sends 1 too (that 1 means 802.21-2008 is not checked against the standard). */
export const MIH_VERSION = 1;

/** Service identifiers (SID). */
export const MihService = { Management: 1, Event: 2, Command: 3, Information: 4 } as const;
/** Opcodes. */
export const MihOpcode = { Request: 1, Response: 2, Indication: 3 } as const;

export interface MihHeader {
  version: number;
  ackReq: boolean;
  ackRsp: boolean;
  /** Unauthenticated information request. */
  uir: boolean;
  moreFragment: boolean;
  fragmentNumber: number;
  sid: number;
  opcode: number;
  aid: number;
  transactionId: number;
}

/** MID = SID << 12 | Opcode << 10 | AID. */
export function messageId(h: Pick<MihHeader, 'sid' | 'opcode' | 'aid'>): number {
  return ((h.sid & 0xf) << 12) | ((h.opcode & 3) << 10) | (h.aid & 0x3ff);
}

export function encode(h: MihHeader, payloadLength: number, buf: Buffer, offset = 0): Buffer {
  buf[offset] =
    ((h.version & 0xf) << 4) | (h.ackReq ? 8 : 0) | (h.ackRsp ? 4 : 0) | (h.uir ? 2 : 0) | (h.moreFragment ? 1 : 0);
  buf[offset + 1] = (h.fragmentNumber & 0x7f) << 1;
  buf.writeUInt16BE(messageId(h), offset + 2);
  buf.writeUInt16BE(h.transactionId & 0xfff, offset + 4);
  buf.writeUInt16BE(payloadLength, offset + 6);
  return buf;
}

export function decode(buf: Buffer, offset = 0): Decoded<MihHeader & { payloadLength: number }> {
  if (buf.length - offset < MIH_HEADER_LENGTH)
    return decodeFail('truncated', offset, 'MIH header shorter than 8 octets');
  const b0 = buf[offset]!;
  const mid = buf.readUInt16BE(offset + 2);
  return decodeOk(
    {
      version: b0 >> 4,
      ackReq: (b0 & 8) !== 0,
      ackRsp: (b0 & 4) !== 0,
      uir: (b0 & 2) !== 0,
      moreFragment: (b0 & 1) !== 0,
      fragmentNumber: buf[offset + 1]! >> 1,
      sid: mid >> 12,
      opcode: (mid >> 10) & 3,
      aid: mid & 0x3ff,
      transactionId: buf.readUInt16BE(offset + 4) & 0xfff,
      payloadLength: buf.readUInt16BE(offset + 6),
    },
    MIH_HEADER_LENGTH,
  );
}
