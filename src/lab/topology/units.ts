// Quantities as written in lab YAML: durations ("20ms", "1.5s"), bit rates ("10mbit", tc's units),
// packet rates ("200pps") and percentages ("1%"). Each parser returns undefined for text it rejects.

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;

export const DURATION_RE = new RegExp(`^(?:0|${NUMBER}(us|ms|s|min))$`);
export const BIT_RATE_RE = new RegExp(`^(?:0|${NUMBER}(bit|kbit|mbit|gbit))$`);
export const PACKET_RATE_RE = new RegExp(`^${NUMBER}pps$`);
export const PERCENT_RE = new RegExp(`^${NUMBER}%$`);

const DURATION_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000 };
// tc-style decimal units (tc(8) "RATES"): kbit = 1000 bit/s.
const BIT_RATE_BPS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** "20ms" -> 20, "1.5s" -> 1500, "250us" -> 0.25, "0" -> 0. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  if (m[1] === undefined) return 0;
  return round(Number(m[1]) * DURATION_MS[m[2]!]!);
}

/** "10mbit" -> 10_000_000 bit/s; "0" -> 0 (unlimited). */
export function parseBitRate(text: string): number | undefined {
  const m = BIT_RATE_RE.exec(text.trim());
  if (!m) return undefined;
  if (m[1] === undefined) return 0;
  return Math.round(Number(m[1]) * BIT_RATE_BPS[m[2]!]!);
}

/** "200pps" -> 200 packets per second. */
export function parsePacketRate(text: string): number | undefined {
  const m = PACKET_RATE_RE.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

/** "1%" -> 1; values above 100 are rejected. */
export function parsePercent(text: string): number | undefined {
  const m = PERCENT_RE.exec(text.trim());
  if (!m) return undefined;
  const v = Number(m[1]);
  return v <= 100 ? v : undefined;
}

/** Milliseconds back to the shortest unit that reads well in messages ("3.1s", "20ms"). */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms >= 1000) return `${round(ms / 1000)}s`;
  return `${ms}ms`;
}

// Keeps 0.1 + 0.2 style noise out of plans and messages (microsecond precision is plenty).
function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
