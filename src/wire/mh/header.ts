// The Mobility Header (IPv6 next header 135), RFC 6275 §6.1.1:
//   | Payload Proto | Header Len | MH Type | Reserved | Checksum | Message Data ...
// Header Len counts 8-octet units after the first 8; the whole header is a multiple of 8 octets,
// padded with Pad1/PadN (RFC 6275 §6.2.1). The checksum covers the RFC 8200 §8.1 pseudo-header with
// the home-address substitutions of RFC 6275 §6.1.7 (use ipv6.pseudoHeaderAddresses for them).

import { internetChecksum, pseudoHeaderSum } from '../checksum.js';
import { decodeFail, decodeOk, type Decoded } from '../result.js';
import { optionsLength, readOptions, writeOptions, writePadding } from '../tlv.js';
import type { MessageBodyCodec } from './body.js';
import {
  bindingAcknowledgementCodec,
  bindingErrorCodec,
  bindingRefreshRequestCodec,
  bindingUpdateCodec,
  type BindingAcknowledgement,
  type BindingError,
  type BindingRefreshRequest,
  type BindingUpdate,
} from './binding.js';
import {
  fastBindingAcknowledgementCodec,
  fastBindingUpdateCodec,
  handoverAcknowledgeCodec,
  handoverInitiateCodec,
  type FastBindingAcknowledgement,
  type FastBindingUpdate,
  type HandoverAcknowledge,
  type HandoverInitiate,
} from './fmipv6.js';
import { mobilityOptionCodec } from './options/codec.js';
import {
  careOfTestCodec,
  careOfTestInitCodec,
  homeTestCodec,
  homeTestInitCodec,
  type CareOfTest,
  type CareOfTestInit,
  type HomeTest,
  type HomeTestInit,
} from './return-routability.js';

export const IPPROTO_MH = 135;
/** RFC 6275 §6.1.1: Payload Proto SHOULD be IPPROTO_NONE. */
export const IPPROTO_NONE = 59;

/** An MH Type this codec does not know: the message data is kept raw (RFC 6275 §9.2 answers it with BE status 2). */
export interface UnknownMobilityMessage {
  type: 'Unknown';
  mhType: number;
  /** Bytes from MH offset 6 to the end. */
  data: Buffer;
}

export type MobilityMessage =
  | BindingRefreshRequest
  | HomeTestInit
  | CareOfTestInit
  | HomeTest
  | CareOfTest
  | BindingUpdate
  | BindingAcknowledgement
  | BindingError
  | FastBindingUpdate
  | FastBindingAcknowledgement
  | HandoverInitiate
  | HandoverAcknowledge
  | UnknownMobilityMessage;

type Known = Exclude<MobilityMessage, UnknownMobilityMessage>;

const CODECS: MessageBodyCodec<Known>[] = [
  bindingRefreshRequestCodec,
  homeTestInitCodec,
  careOfTestInitCodec,
  homeTestCodec,
  careOfTestCodec,
  bindingUpdateCodec,
  bindingAcknowledgementCodec,
  bindingErrorCodec,
  fastBindingUpdateCodec,
  fastBindingAcknowledgementCodec,
  handoverInitiateCodec,
  handoverAcknowledgeCodec,
] as unknown as MessageBodyCodec<Known>[];

const BY_TYPE: Record<string, MessageBodyCodec<Known>> = Object.fromEntries(CODECS.map((c) => [c.type, c]));
const BY_NUMBER: (MessageBodyCodec<Known> | undefined)[] = [];
for (const c of CODECS) BY_NUMBER[c.mhType] = c;

export function mhTypeOf(m: MobilityMessage): number {
  return m.type === 'Unknown' ? m.mhType : BY_TYPE[m.type]!.mhType;
}

/** Offset of the first mobility option for a known MH Type (6 + its fixed fields), else null. */
export function optionsOffset(mhType: number): number | null {
  const c = BY_NUMBER[mhType];
  return c ? 6 + c.fixedLength : null;
}

/** Minimum Header Len-derived length for an MH Type (RFC 6275 §9.2 rejects shorter ones). */
export function minimumLength(mhType: number): number {
  const c = BY_NUMBER[mhType];
  return c ? (6 + c.fixedLength + 7) & ~7 : 8;
}

export function encodingLength(m: MobilityMessage): number {
  if (m.type === 'Unknown') return (6 + m.data.length + 7) & ~7;
  const c = BY_TYPE[m.type]!;
  const start = 6 + c.fixedLength;
  return (start + optionsLength(m.options, start, mobilityOptionCodec) + 7) & ~7;
}

export interface MhEncodeOptions {
  /** Pseudo-header addresses (after the RFC 6275 §6.1.7 substitutions): the checksum is computed. */
  addresses?: { src: string; dst: string };
  /** Checksum to write as is (negative tests). Default 0 when no addresses are given. */
  checksum?: number;
  /** Payload Proto, default 59. */
  payloadProto?: number;
}

export function encode(m: MobilityMessage, buf?: Buffer, offset = 0, opts: MhEncodeOptions = {}): Buffer {
  const len = encodingLength(m);
  if (len > 2048) throw new RangeError(`Mobility Header of ${len} bytes exceeds Header Len's 2048-byte range`);
  const out = buf ?? Buffer.allocUnsafe(len);
  out[offset] = opts.payloadProto ?? IPPROTO_NONE;
  out[offset + 1] = len / 8 - 1;
  out[offset + 2] = mhTypeOf(m);
  out[offset + 3] = 0;
  out[offset + 4] = 0;
  out[offset + 5] = 0;
  let n: number;
  if (m.type === 'Unknown') {
    m.data.copy(out, offset + 6);
    n = 6 + m.data.length;
    out.fill(0, offset + n, offset + len);
  } else {
    const c = BY_TYPE[m.type]!;
    c.writeFixed(m, out, offset + 6);
    const start = 6 + c.fixedLength;
    n = start + writeOptions(m.options, out, offset + start, start, mobilityOptionCodec);
    writePadding(out, offset + n, len - n);
  }
  let csum = opts.checksum ?? 0;
  if (opts.addresses && opts.checksum === undefined) {
    csum = internetChecksum(out, offset, len, pseudoHeaderSum(opts.addresses.src, opts.addresses.dst, IPPROTO_MH, len));
  }
  out.writeUInt16BE(csum, offset + 4);
  return out;
}

export interface MhDecodeOptions {
  /** Verify the checksum with these pseudo-header addresses; a mismatch is 'bad-checksum'. */
  verify?: { src: string; dst: string };
  /** Keep Pad1/PadN options in `options` (then a re-encode reproduces the padding byte for byte). */
  keepPadding?: boolean;
}

/** The generic fields of RFC 6275 §6.1.1, for callers that need Payload Proto or the raw checksum. */
export interface MobilityHeaderFields {
  payloadProto: number;
  headerLength: number;
  mhType: number;
  reserved: number;
  checksum: number;
}

export function decodeHeader(buf: Buffer, offset = 0): Decoded<MobilityHeaderFields> {
  if (buf.length - offset < 6) return decodeFail('truncated', offset, 'Mobility Header needs 6 bytes');
  return decodeOk(
    {
      payloadProto: buf[offset]!,
      headerLength: buf[offset + 1]!,
      mhType: buf[offset + 2]!,
      reserved: buf[offset + 3]!,
      checksum: buf.readUInt16BE(offset + 4),
    },
    6,
  );
}

/** Decodes one Mobility Header at `offset`; `bytes` is its whole length ((Header Len + 1) * 8). */
export function decode(buf: Buffer, offset = 0, opts: MhDecodeOptions = {}): Decoded<MobilityMessage> {
  if (buf.length - offset < 2) return decodeFail('truncated', offset, 'Mobility Header needs its Header Len byte');
  const len = (buf[offset + 1]! + 1) * 8;
  if (buf.length - offset < len)
    return decodeFail('truncated', offset + 1, `Header Len says ${len} bytes, ${buf.length - offset} present`);
  const mhType = buf[offset + 2]!;
  const c = BY_NUMBER[mhType];
  if (c && len < 6 + c.fixedLength)
    return decodeFail(
      'bad-length',
      offset + 1,
      `Header Len ${buf[offset + 1]} is below the minimum for MH Type ${mhType}`,
    );
  if (opts.verify) {
    const sum = internetChecksum(buf, offset, len, pseudoHeaderSum(opts.verify.src, opts.verify.dst, IPPROTO_MH, len));
    if (sum !== 0)
      return decodeFail(
        'bad-checksum',
        offset + 4,
        `MH checksum 0x${buf
          .readUInt16BE(offset + 4)
          .toString(16)
          .padStart(4, '0')} does not verify`,
      );
  }
  if (!c) return decodeOk({ type: 'Unknown', mhType, data: Buffer.from(buf.subarray(offset + 6, offset + len)) }, len);
  const fixed = c.readFixed(buf, offset + 6);
  const r = readOptions(buf, offset + 6 + c.fixedLength, offset + len, mobilityOptionCodec, opts.keepPadding);
  if (!r.ok) return r;
  const m = fixed as Known;
  m.options = r.value;
  return decodeOk(m, len);
}
