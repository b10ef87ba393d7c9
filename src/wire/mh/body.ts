// How a message family plugs into the generic Mobility Header codec (header.ts): each MH Type has a
// fixed part after the 6-byte generic header (RFC 6275 §6.1.1), then mobility options to the end.

import type { MobilityOption } from './options/types.js';

export interface MessageBodyCodec<M extends { type: string; options: MobilityOption[] }> {
  type: M['type'];
  mhType: number;
  /** Bytes of the fixed part, from MH offset 6 up to the options. */
  fixedLength: number;
  writeFixed(m: M, buf: Buffer, offset: number): void;
  /** Reads the fixed part; the caller has checked that `fixedLength` bytes are present. */
  readFixed(buf: Buffer, offset: number): Omit<M, 'options'>;
}

/** Minimal typing helper so each family can declare its codec table. */
export function bodyCodec<M extends { type: string; options: MobilityOption[] }>(
  c: MessageBodyCodec<M>,
): MessageBodyCodec<M> {
  return c;
}

export const bit = (v: number, mask: number): boolean => (v & mask) !== 0;
export const flag = (on: boolean, mask: number): number => (on ? mask : 0);
