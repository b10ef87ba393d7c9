// Quantities in lab YAML as zod schemas: text in ("20ms", "10mbit", "200pps", "1%"), numbers out
// (ms, bit/s, packets/s, percent). Shared by the lab schema and the expectations schema.
import { z } from 'zod';
import {
  BIT_RATE_RE,
  DURATION_RE,
  PACKET_RATE_RE,
  PERCENT_RE,
  parseBitRate,
  parseDuration,
  parsePacketRate,
  parsePercent,
} from './units.js';

/** A quantity written as text, checked by `re` and converted by `parse`; `expected` names it in errors. */
function quantity(re: RegExp, parse: (s: string) => number | undefined, expected: string, example: string) {
  const error = `expected ${expected} like "${example}"`;
  // A bare 0 needs no unit; any other bare number is ambiguous ("20": ms or s?) and rejected.
  return z.preprocess(
    (v) => (v === 0 ? '0' : v),
    z
      .string({ error })
      .regex(re, { error })
      .transform((s, ctx) => {
        const v = parse(s);
        if (v === undefined) ctx.addIssue({ code: 'custom', message: error });
        return v ?? 0;
      })
      .meta({ description: `${expected}, e.g. "${example}"` }),
  );
}

export const duration = quantity(DURATION_RE, parseDuration, 'a duration', '20ms');
export const bitRate = quantity(BIT_RATE_RE, parseBitRate, 'a bit rate', '10mbit');
export const packetRate = quantity(PACKET_RATE_RE, parsePacketRate, 'a packet rate', '200pps');
export const percent = quantity(PERCENT_RE, parsePercent, 'a percentage from 0% to 100%', '1%');
