// Hop-by-Hop Options (next header 0) and Destination Options (60) headers, RFC 8200 §4.3 and §4.6,
// with the Home Address destination option of RFC 6275 §6.3 (type 201, length 16, alignment 8n+6).
//
//   | Next Header | Hdr Ext Len | Options ...                       (Hdr Ext Len: 8-octet units, not counting the first 8)

import { bytesToIpv6, writeIpv6 } from '../address.js';
import { decodeFail, decodeOk, type Decoded } from '../result.js';
import { optionsLength, readOptions, writeOptions, writePadding, type TlvCodec } from '../tlv.js';

export const IPV6_OPT_PAD1 = 0;
export const IPV6_OPT_PADN = 1;
/** RFC 6275 §6.3: 0xC9 — the top two bits 11 make a node that does not know it send Parameter Problem. */
export const IPV6_OPT_HOME_ADDRESS = 201;

export type Ipv6Option =
  | { type: 'Pad1' }
  | { type: 'PadN'; length: number }
  | { type: 'HomeAddress'; homeAddress: string }
  | { type: 'Unknown'; optionType: number; data: Buffer };

export const ipv6OptionCodec: TlvCodec<Ipv6Option> = {
  isPadding: (o) => o.type === 'Pad1' || o.type === 'PadN',
  alignment: (o) => (o.type === 'HomeAddress' ? ([8, 6] as const) : null),
  length(o) {
    switch (o.type) {
      case 'Pad1':
        return 1;
      case 'PadN':
        return 2 + o.length;
      case 'HomeAddress':
        return 18;
      case 'Unknown':
        return 2 + o.data.length;
    }
  },
  write(o, buf, offset) {
    switch (o.type) {
      case 'Pad1':
        buf[offset] = IPV6_OPT_PAD1;
        return;
      case 'PadN':
        writePadding(buf, offset, 2 + o.length);
        return;
      case 'HomeAddress':
        buf[offset] = IPV6_OPT_HOME_ADDRESS;
        buf[offset + 1] = 16;
        writeIpv6(o.homeAddress, buf, offset + 2);
        return;
      case 'Unknown':
        buf[offset] = o.optionType;
        buf[offset + 1] = o.data.length;
        o.data.copy(buf, offset + 2);
        return;
    }
  },
  read(type, buf, dataOffset, dataLength): Decoded<Ipv6Option> {
    if (type === IPV6_OPT_HOME_ADDRESS) {
      if (dataLength !== 16)
        return decodeFail('bad-length', dataOffset - 1, `Home Address option length ${dataLength}, expected 16`);
      return decodeOk({ type: 'HomeAddress', homeAddress: bytesToIpv6(buf, dataOffset) }, 18);
    }
    return decodeOk(
      { type: 'Unknown', optionType: type, data: Buffer.from(buf.subarray(dataOffset, dataOffset + dataLength)) },
      2 + dataLength,
    );
  },
  pad1: () => ({ type: 'Pad1' }),
  padN: (n) => ({ type: 'PadN', length: n }),
};

export interface OptionsHeader {
  nextHeader: number;
  /** Pad1/PadN are dropped on decode (and inserted on encode) unless decoded with keepPadding. */
  options: Ipv6Option[];
}

export interface DecodeOptionsHeaderOpts {
  keepPadding?: boolean;
}

export function encodingLength(h: OptionsHeader): number {
  const n = 2 + optionsLength(h.options, 2, ipv6OptionCodec);
  return (n + 7) & ~7;
}

export function encode(h: OptionsHeader, buf?: Buffer, offset = 0): Buffer {
  const len = encodingLength(h);
  const out = buf ?? Buffer.alloc(len);
  out[offset] = h.nextHeader;
  out[offset + 1] = len / 8 - 1;
  const n = 2 + writeOptions(h.options, out, offset + 2, 2, ipv6OptionCodec);
  writePadding(out, offset + n, len - n);
  return out;
}

export function decode(buf: Buffer, offset = 0, opts: DecodeOptionsHeaderOpts = {}): Decoded<OptionsHeader> {
  if (buf.length - offset < 2) return decodeFail('truncated', offset, 'options header needs 2 bytes');
  const len = (buf[offset + 1]! + 1) * 8;
  if (buf.length - offset < len)
    return decodeFail('truncated', offset + 1, `options header of ${len} bytes does not fit`);
  const r = readOptions(buf, offset + 2, offset + len, ipv6OptionCodec, opts.keepPadding);
  if (!r.ok) return r;
  return decodeOk({ nextHeader: buf[offset]!, options: r.value }, len);
}

/** The home address carried in a Home Address option, if any. */
export function homeAddressOf(h: OptionsHeader): string | undefined {
  for (const o of h.options) if (o.type === 'HomeAddress') return o.homeAddress;
  return undefined;
}
