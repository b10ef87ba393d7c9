// Where an option sits in raw Mobility Header bytes. An authenticator covers the message up to its
// own option, so it must be the last one, with only Pad1/PadN after it (RFC 4285 §5 for the
// Mobility Message Authentication option, RFC 6275 §6.2.7 for Binding Authorization Data). The
// decoded form keeps no offsets; this walk gives them.
import { optionsOffset } from '../header.js';

const PAD1 = 0;
const PADN = 1;

export interface TrailingOption {
  /** Offset of the option's Type octet in the Mobility Header. */
  offset: number;
  /** Its Option Length (the octets after Type and Length). */
  length: number;
}

/**
 * The one option of `type` in `bytes`, if it is there once and nothing but padding follows it; null
 * for anything else (absent, twice, followed by another option, a header or option overrunning the
 * bytes). Options start at `start`, by default where the MH Type's fixed fields end.
 */
export function locateTrailingOption(
  bytes: Buffer,
  type: number,
  start: number | null = bytes.length > 2 ? optionsOffset(bytes[2]!) : null,
): TrailingOption | null {
  if (bytes.length < 8 || start === null) return null;
  const end = (bytes[1]! + 1) * 8;
  if (end > bytes.length) return null;
  let found: TrailingOption | null = null;
  for (let o = start; o < end; ) {
    const t = bytes[o]!;
    if (t === PAD1) {
      o += 1;
      continue;
    }
    if (o + 2 > end) return null;
    const len = bytes[o + 1]!;
    if (o + 2 + len > end) return null;
    if (t === type) {
      if (found) return null;
      found = { offset: o, length: len };
    } else if (found && t !== PADN) {
      return null; // an option after the authenticator would not be covered by it
    }
    o += 2 + len;
  }
  return found;
}
