// Binding Update sequence numbers (RFC 6275 §9.5.1): a 16-bit counter compared modulo 2^16, so that
// 0 follows 65535. A value is newer than the last one when it is ahead by 1..2^15-1.

export const SEQUENCE_MODULUS = 0x10000;

/** True when `received` is newer than `last` modulo 2^16 (RFC 6275 §9.5.1). */
export function isNewerSequence(received: number, last: number): boolean {
  const d = (received - last) & 0xffff;
  return d >= 1 && d < 0x8000;
}

/** The sequence number after `n`, wrapping at 2^16. */
export function nextSequence(n: number): number {
  return (n + 1) & 0xffff;
}
