// The PAR's check of an FBU's BADF (RFC 5568 §6.4.5) before its machine sees it: without the option,
// with an SPI it holds no key for, with a wrong authenticator, from a node the key does not belong to
// (another interface identifier), or replayed, the FBU is refused (counted by the caller; no HI, no FBack).
import type { HandoverKeys } from '../../protocols/aaa/associations.js';
import { interfaceIdentifier } from '../../protocols/aaa/associations.js';
import { type BadfRefusal, verifyFbu } from '../../protocols/fmipv6/badf.js';
import type { FastBindingUpdate } from '../../wire/mh/fmipv6.js';

export function checkFbuBadf(
  keys: HandoverKeys,
  input: { src: string; dst: string; bytes: Buffer; message: unknown },
  nowMs: number,
): BadfRefusal | null {
  const fbu = input.message as FastBindingUpdate;
  const v = verifyFbu((spi) => keys.get(spi, nowMs), fbu, { src: input.src, dst: input.dst }, input.bytes);
  if (!v.ok) return v.reason;
  const sa = keys.get(v.spi, nowMs)!;
  // A node with a key of its own must not speak for another node's PCoA (predictive) or NCoA (reactive).
  if (sa.iid !== interfaceIdentifier(input.src)) return 'wrong-node';
  return keys.accept(sa, fbu.sequenceNumber, nowMs) ? null : 'replayed';
}
