// MIH TLVs (IEEE 802.21): Type (1 octet) | Length | Value. The length is one octet for values up
// to 128 octets; longer values set the first octet's top bit, its low 7 bits give how many octets
// follow, and those octets hold the length less 128. The same coding counts LIST elements and
// OCTET_STRING lengths (ODTONE's archive and Wireshark's packet-mih.c read it so; docs/mih.md).
import { type Decoded, decodeFail, decodeOk } from '../result.js';

export interface MihTlv {
  type: number;
  value: Buffer;
}

export function lengthLength(n: number): number {
  if (n <= 128) return 1;
  let k = 0;
  for (let r = n - 128; r > 0; r = Math.floor(r / 256)) k++;
  return 1 + k;
}

export function writeLength(n: number, buf: Buffer, offset: number): number {
  if (n <= 128) {
    buf[offset] = n;
    return 1;
  }
  const k = lengthLength(n) - 1;
  buf[offset] = 0x80 | k;
  buf.writeUIntBE(n - 128, offset + 1, k);
  return 1 + k;
}

/** A length (or count) at `offset`; at most 4 extra octets, so it fits a number. */
export function readLength(buf: Buffer, offset: number): Decoded<number> {
  if (offset >= buf.length) return decodeFail('truncated', offset, 'MIH length octet missing');
  const b = buf[offset]!;
  if (b <= 128) return decodeOk(b, 1);
  const k = b & 0x7f;
  if (k > 4) return decodeFail('bad-length', offset, `MIH length of ${k} octets`);
  if (offset + 1 + k > buf.length) return decodeFail('truncated', offset, 'MIH length runs past the buffer');
  return decodeOk(buf.readUIntBE(offset + 1, k) + 128, 1 + k);
}

export function tlvLength(t: MihTlv): number {
  return 1 + lengthLength(t.value.length) + t.value.length;
}

export function encodeTlvs(tlvs: readonly MihTlv[], buf: Buffer, offset: number): number {
  let p = offset;
  for (const t of tlvs) {
    buf[p] = t.type;
    p += 1 + writeLength(t.value.length, buf, p + 1);
    t.value.copy(buf, p);
    p += t.value.length;
  }
  return p - offset;
}

/** TLVs from `start` to `end`. */
export function decodeTlvs(buf: Buffer, start: number, end: number): Decoded<MihTlv[]> {
  const out: MihTlv[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 2) return decodeFail('truncated', p, 'MIH TLV shorter than 2 octets');
    const len = readLength(buf, p + 1);
    if (!len.ok) return len;
    const v = p + 1 + len.bytes;
    if (v + len.value > end)
      return decodeFail('bad-length', p + 1, `MIH TLV ${buf[p]} length ${len.value} runs past the payload`);
    out.push({ type: buf[p]!, value: Buffer.from(buf.subarray(v, v + len.value)) });
    p = v + len.value;
  }
  return decodeOk(out, end - start);
}
