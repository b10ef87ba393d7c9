// Fragment header (next header 44), RFC 8200 §4.5. Only walked over: the testbed never fragments.
//   | Next Header | Reserved | Fragment Offset (13) | Res (2) | M | Identification (32) |

import { decodeFail, decodeOk, type Decoded } from '../result.js';

export interface FragmentHeader {
  nextHeader: number;
  /** In 8-octet units. */
  fragmentOffset: number;
  moreFragments: boolean;
  identification: number;
}

export function encodingLength(_h: FragmentHeader): number {
  return 8;
}

export function encode(h: FragmentHeader, buf?: Buffer, offset = 0): Buffer {
  const out = buf ?? Buffer.alloc(8);
  out[offset] = h.nextHeader;
  out[offset + 1] = 0;
  out.writeUInt16BE(((h.fragmentOffset & 0x1fff) << 3) | (h.moreFragments ? 1 : 0), offset + 2);
  out.writeUInt32BE(h.identification >>> 0, offset + 4);
  return out;
}

export function decode(buf: Buffer, offset = 0): Decoded<FragmentHeader> {
  if (buf.length - offset < 8) return decodeFail('truncated', offset, 'fragment header needs 8 bytes');
  const w = buf.readUInt16BE(offset + 2);
  return decodeOk(
    {
      nextHeader: buf[offset]!,
      fragmentOffset: w >> 3,
      moreFragments: (w & 1) === 1,
      identification: buf.readUInt32BE(offset + 4),
    },
    8,
  );
}
