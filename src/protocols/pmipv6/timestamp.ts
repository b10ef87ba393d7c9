// RFC 5213 §8.8 Timestamp option value: 48-bit seconds since 1970-01-01 00:00 UTC, then a 16-bit
// fraction of a second in units of 1/65536, as one 64-bit number.

export function timestampFromUnixMs(ms: number): bigint {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 65536);
  return (BigInt(seconds) << 16n) | BigInt(fraction & 0xffff);
}

export function unixMsFromTimestamp(ts: bigint): number {
  return Number(ts >> 16n) * 1000 + (Number(ts & 0xffffn) * 1000) / 65536;
}
