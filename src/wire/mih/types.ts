// IEEE 802.21 basic data types as MIH TLV values carry them (as ODTONE and Eurecom's MIH_C encode them): OCTET_STRING, LIST, CHOICE
// (a 1-octet 0-based selector), LINK_ADDR, LINK_ID, LINK_TUPLE_ID and BITMAP. Encoders return
// Buffers; decoders read at an offset and return the bytes they used.
import { bytesToMac, macToBytes } from '../address.js';
import { type Decoded, decodeFail, decodeOk } from '../result.js';
import { lengthLength, readLength, writeLength } from './tlv.js';

export function octetString(b: Buffer): Buffer {
  const out = Buffer.alloc(lengthLength(b.length) + b.length);
  b.copy(out, writeLength(b.length, out, 0));
  return out;
}

export function readOctetString(buf: Buffer, offset: number): Decoded<Buffer> {
  const len = readLength(buf, offset);
  if (!len.ok) return len;
  const start = offset + len.bytes;
  if (start + len.value > buf.length) return decodeFail('truncated', offset, 'OCTET_STRING runs past its TLV');
  return decodeOk(Buffer.from(buf.subarray(start, start + len.value)), len.bytes + len.value);
}

/** LINK_ADDR (a CHOICE): a MAC address (selector 0: address family 6, RFC 3232, + OCTET_STRING(6)), or another kind kept as bytes. */
export type LinkAddr = { kind: 'mac'; mac: string } | { kind: 'other'; selector: number; bytes: Buffer };

/** Fixed sizes of the cell-id alternatives (selectors 1, 2); 3..5 are OCTET_STRINGs. */
const CELL_ID_BYTES: Record<number, number> = { 1: 7, 2: 7 };

export function linkAddr(a: LinkAddr): Buffer {
  if (a.kind === 'other') return Buffer.concat([Buffer.from([a.selector]), a.bytes]);
  return Buffer.concat([Buffer.from([0, 0, 6]), octetString(macToBytes(a.mac))]);
}

export function readLinkAddr(buf: Buffer, offset: number): Decoded<LinkAddr> {
  if (offset >= buf.length) return decodeFail('truncated', offset, 'LINK_ADDR selector missing');
  const sel = buf[offset]!;
  if (sel === 0) {
    if (offset + 3 > buf.length) return decodeFail('truncated', offset, 'MAC_ADDR address family missing');
    const s = readOctetString(buf, offset + 3);
    if (!s.ok) return s;
    if (s.value.length !== 6 || buf.readUInt16BE(offset + 1) !== 6)
      return decodeFail('bad-value', offset + 1, 'MAC_ADDR is not a 6-octet IEEE 802 address');
    return decodeOk({ kind: 'mac', mac: bytesToMac(s.value) }, 3 + s.bytes);
  }
  const fixed = CELL_ID_BYTES[sel];
  if (fixed !== undefined) {
    if (offset + 1 + fixed > buf.length) return decodeFail('truncated', offset, 'cell id runs past its TLV');
    return decodeOk(
      { kind: 'other', selector: sel, bytes: Buffer.from(buf.subarray(offset + 1, offset + 1 + fixed)) },
      1 + fixed,
    );
  }
  if (sel > 5) return decodeFail('bad-value', offset, `LINK_ADDR selector ${sel}`);
  const s = readOctetString(buf, offset + 1);
  if (!s.ok) return s;
  return decodeOk(
    { kind: 'other', selector: sel, bytes: Buffer.from(buf.subarray(offset + 1, offset + 1 + s.bytes)) },
    1 + s.bytes,
  );
}

/** LINK_TYPE values used here. */
export const LinkType = { Ethernet: 15, WirelessOther: 18, Ieee80211: 19 } as const;

/** LINK_ID: LINK_TYPE + LINK_ADDR. */
export interface LinkId {
  linkType: number;
  address: LinkAddr;
}

export function linkId(l: LinkId): Buffer {
  return Buffer.concat([Buffer.from([l.linkType]), linkAddr(l.address)]);
}

export function readLinkId(buf: Buffer, offset: number): Decoded<LinkId> {
  if (offset >= buf.length) return decodeFail('truncated', offset, 'LINK_TYPE missing');
  const a = readLinkAddr(buf, offset + 1);
  if (!a.ok) return a;
  return decodeOk({ linkType: buf[offset]!, address: a.value }, 1 + a.bytes);
}

/** LINK_TUPLE_ID: LINK_ID + CHOICE(NULL, LINK_ADDR of the point of attachment). */
export interface LinkTupleId extends LinkId {
  poa?: LinkAddr;
}

export function linkTupleId(l: LinkTupleId): Buffer {
  return Buffer.concat([linkId(l), l.poa ? Buffer.concat([Buffer.from([1]), linkAddr(l.poa)]) : Buffer.from([0])]);
}

export function readLinkTupleId(buf: Buffer, offset: number): Decoded<LinkTupleId> {
  const id = readLinkId(buf, offset);
  if (!id.ok) return id;
  const p = offset + id.bytes;
  if (p >= buf.length) return decodeFail('truncated', p, 'LINK_TUPLE_ID PoA selector missing');
  if (buf[p] === 0) return decodeOk(id.value, id.bytes + 1);
  if (buf[p] !== 1) return decodeFail('bad-value', p, `LINK_TUPLE_ID PoA selector ${buf[p]}`);
  const poa = readLinkAddr(buf, p + 1);
  if (!poa.ok) return poa;
  return decodeOk({ ...id.value, poa: poa.value }, id.bytes + 1 + poa.bytes);
}

/** LIST(X): a count in the TLV length coding, then the elements. */
export function list<T>(items: readonly T[], enc: (t: T) => Buffer): Buffer {
  const n = Buffer.alloc(lengthLength(items.length));
  writeLength(items.length, n, 0);
  return Buffer.concat([n, ...items.map(enc)]);
}

export function readList<T>(buf: Buffer, offset: number, dec: (b: Buffer, o: number) => Decoded<T>): Decoded<T[]> {
  const n = readLength(buf, offset);
  if (!n.ok) return n;
  const out: T[] = [];
  let p = offset + n.bytes;
  for (let i = 0; i < n.value; i++) {
    // Every element takes at least one octet: a count beyond the bytes left is a lie, not a loop.
    if (p >= buf.length) return decodeFail('truncated', p, `LIST of ${n.value} ends after ${i}`);
    const d = dec(buf, p);
    if (!d.ok) return d;
    out.push(d.value);
    p += d.bytes;
  }
  return decodeOk(out, p - offset);
}

/**
 * Which mask a BITMAP's bit n has. 'lsb0': bit n is 2^n of the big-endian integer, bit 0 the last
 * octet's least significant bit (ODTONE, Eurecom's MIH_C); 'msb0': bit 0 is the first octet's most
 * significant bit (Wireshark's packet-mih.c). docs/mih.md says why the lab sends 'lsb0'.
 */
export type BitOrder = 'lsb0' | 'msb0';
export const DEFAULT_BIT_ORDER: BitOrder = 'lsb0';

/** BITMAP(8 * octets) from the set bit numbers (0-based). */
export function bitmap(bits: readonly number[], octets: number, order: BitOrder): Buffer {
  const out = Buffer.alloc(octets);
  for (const n of bits) {
    if (n < 0 || n >= octets * 8) continue;
    const i = order === 'msb0' ? n >> 3 : octets - 1 - (n >> 3);
    out[i] = out[i]! | (order === 'msb0' ? 0x80 >> (n & 7) : 1 << (n & 7));
  }
  return out;
}

export function readBitmap(b: Buffer, order: BitOrder): number[] {
  const out: number[] = [];
  const octets = b.length;
  for (let n = 0; n < octets * 8; n++) {
    const i = order === 'msb0' ? n >> 3 : octets - 1 - (n >> 3);
    const mask = order === 'msb0' ? 0x80 >> (n & 7) : 1 << (n & 7);
    if (b[i]! & mask) out.push(n);
  }
  return out;
}
