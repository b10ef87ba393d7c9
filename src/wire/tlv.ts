// Type-Length-Value option lists shared by IPv6 Hop-by-Hop / Destination Options (RFC 8200 §4.2)
// and mobility options (RFC 6275 §6.2.1): Pad1 is a single 0 byte, PadN is type 1 with Length n.
// Alignment "xn+y" (RFC 8200 §4.2, RFC 6275 §6.2): the option's Type byte sits at a header offset
// ≡ y (mod x), offsets counted from the first byte of the enclosing header.

import { decodeFail, decodeOk, type Decoded } from './result.js';

export const PAD1 = 0;
export const PADN = 1;

export interface TlvCodec<O> {
  /** 'Pad1' / 'PadN' options in the list make the encoder lay the list out verbatim. */
  isPadding(o: O): boolean;
  /** [x, y] for "xn+y" alignment, or null. */
  alignment(o: O): readonly [number, number] | null;
  /** Whole encoded size of the option (Type and Length bytes included). */
  length(o: O): number;
  /** Writes the whole option at `offset`. */
  write(o: O, buf: Buffer, offset: number): void;
  /** Decodes one option given its type and the bounds of its data (after the Length byte). */
  read(type: number, buf: Buffer, dataOffset: number, dataLength: number): Decoded<O>;
  pad1(): O;
  /** PadN with `n` data bytes (its Length byte). */
  padN(n: number): O;
}

/** Bytes of padding needed so an option aligned "xn+y" starts at header position `pos`. */
export function alignPad(pos: number, align: readonly [number, number] | null): number {
  if (!align) return 0;
  const [x, y] = align;
  return (((y - pos) % x) + x) % x;
}

/** Writes `n` bytes of padding (Pad1 for 1 byte, PadN otherwise; PadN covers 2..257 bytes). */
export function writePadding(buf: Buffer, offset: number, n: number): void {
  while (n > 0) {
    if (n === 1) {
      buf[offset] = PAD1;
      return;
    }
    const chunk = Math.min(n, 257);
    const take = n - chunk === 1 ? chunk - 1 : chunk; // leave 2+ bytes so the rest is one more PadN
    buf[offset] = PADN;
    buf[offset + 1] = take - 2;
    for (let i = offset + 2; i < offset + take; i++) buf[i] = 0; // a loop beats Buffer.fill for a few bytes
    offset += take;
    n -= take;
  }
}

function explicit<O>(opts: readonly O[], c: TlvCodec<O>): boolean {
  for (const o of opts) if (c.isPadding(o)) return true;
  return false;
}

/** Size of the option list laid out from header position `pos`, before any final padding. */
export function optionsLength<O>(opts: readonly O[], pos: number, c: TlvCodec<O>): number {
  let p = pos;
  const verbatim = explicit(opts, c);
  for (const o of opts) {
    if (!verbatim) p += alignPad(p, c.alignment(o));
    p += c.length(o);
  }
  return p - pos;
}

/** Writes the option list at buffer `offset`, which is header position `pos`. Returns bytes written. */
export function writeOptions<O>(opts: readonly O[], buf: Buffer, offset: number, pos: number, c: TlvCodec<O>): number {
  let o = offset;
  const verbatim = explicit(opts, c);
  for (const opt of opts) {
    if (!verbatim) {
      const pad = alignPad(pos + (o - offset), c.alignment(opt));
      writePadding(buf, o, pad);
      o += pad;
    }
    c.write(opt, buf, o);
    o += c.length(opt);
  }
  return o - offset;
}

/** Reads options in [offset, end). Padding is dropped unless `keepPadding`. */
export function readOptions<O>(
  buf: Buffer,
  offset: number,
  end: number,
  c: TlvCodec<O>,
  keepPadding = false,
): Decoded<O[]> {
  const out: O[] = [];
  let o = offset;
  while (o < end) {
    const type = buf[o]!;
    if (type === PAD1) {
      if (keepPadding) out.push(c.pad1());
      o += 1;
      continue;
    }
    if (o + 2 > end) return decodeFail('truncated', o, `option type ${type} has no Length byte`);
    const len = buf[o + 1]!;
    if (o + 2 + len > end)
      return decodeFail('bad-length', o + 1, `option type ${type} length ${len} runs past the header end`);
    if (type === PADN) {
      if (keepPadding) out.push(c.padN(len));
    } else {
      const r = c.read(type, buf, o + 2, len);
      if (!r.ok) return r;
      out.push(r.value);
    }
    o += 2 + len;
  }
  return decodeOk(out, end - offset);
}
