// Shared checks for every codec: encodingLength matches, round trip, encode at an
// offset into a 0xFF-filled buffer leaves the bytes outside alone, and every strict prefix of golden
// bytes is reported as an error with an offset (never a throw).

import { expect } from 'vitest';
import type { Decoded } from '../result.js';

export interface Codec<T, D = Decoded<T>> {
  encode(value: T, buf?: Buffer, offset?: number): Buffer;
  decode(buf: Buffer, offset?: number): D;
  encodingLength(value: T): number;
}

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** Runs the common checks. With `golden`, also asserts encode(value) equals those bytes and decode(golden) equals value. */
export function checkCodec<T>(codec: Codec<T>, value: T, golden?: Buffer, opts: { prefixes?: boolean } = {}): void {
  const len = codec.encodingLength(value);
  const bytes = codec.encode(value);
  expect(bytes.length).toBe(len);
  if (golden) expect(bytes.toString('hex')).toBe(golden.toString('hex'));

  const d = codec.decode(bytes);
  if (!d.ok) throw new Error(`decode failed: ${JSON.stringify(d.error)}`);
  expect(d.bytes).toBe(len);
  expect(d.value).toEqual(value);

  // Encoding into a caller's buffer at offset 7 must touch exactly [7, 7+len).
  const big = Buffer.alloc(len + 20, 0xff);
  const ret = codec.encode(value, big, 7);
  expect(ret).toBe(big);
  expect(big.subarray(7, 7 + len).toString('hex')).toBe(bytes.toString('hex'));
  expect(big.subarray(0, 7).every((b) => b === 0xff)).toBe(true);
  expect(big.subarray(7 + len).every((b) => b === 0xff)).toBe(true);
  // Decode at offset 7 from a view that ends where the message ends (ICMPv6 has no length field).
  const at = codec.decode(big.subarray(0, 7 + len), 7);
  if (!at.ok) throw new Error(`decode at offset 7 failed: ${JSON.stringify(at.error)}`);
  expect(at.value).toEqual(value);

  if (opts.prefixes !== false) checkPrefixes(codec, golden ?? bytes);
}

/** Every strict prefix decodes to an error (truncated or bad-length) whose offset lies inside the prefix's reach. */
export function checkPrefixes<T>(codec: Pick<Codec<T>, 'decode'>, bytes: Buffer): void {
  for (let n = 0; n < bytes.length; n++) {
    const r = codec.decode(bytes.subarray(0, n));
    if (r.ok) throw new Error(`prefix of ${n}/${bytes.length} bytes decoded without error`);
    expect(['truncated', 'bad-length']).toContain(r.error.code);
    expect(r.error.offset).toBeGreaterThanOrEqual(0);
    expect(r.error.offset).toBeLessThanOrEqual(bytes.length);
  }
}
