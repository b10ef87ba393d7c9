// How an ICMPv6 message family plugs into header.ts: the 4-byte header (Type, Code, Checksum,
// RFC 4443 §2.1) is common; each message writes and reads what follows it.

import type { Decoded } from '../result.js';

export interface IcmpBodyCodec<M extends { type: string }> {
  type: M['type'];
  icmpType: number;
  /** For ICMPv6 type 154 (RFC 5568 §6.1): the Subtype byte at offset 4. */
  subtype?: number;
  code(m: M): number;
  /** Bytes after the 4-byte header. */
  length(m: M): number;
  write(m: M, buf: Buffer, offset: number): void;
  /** `offset` is the first byte after the checksum, `end` the end of the message. */
  read(buf: Buffer, offset: number, end: number, code: number): Decoded<M>;
}

export function icmpBodyCodec<M extends { type: string }>(c: IcmpBodyCodec<M>): IcmpBodyCodec<M> {
  return c;
}
