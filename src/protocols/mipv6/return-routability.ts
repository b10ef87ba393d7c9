// Return routability (RFC 6275 §5.2): the correspondent's secret Kcn and nonces, the keygen tokens,
// the binding management key Kbm and the Binding Authorization Data authenticator of BUs and BAs.
//
//   home keygen token    = First(64, HMAC_SHA1(Kcn, home address | nonce | 0))      §5.2.5
//   care-of keygen token = First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1))   §5.2.5
//   Kbm = SHA1(home keygen token | care-of keygen token), or SHA1(home keygen token) to
//         deregister (lifetime 0, or care-of address = home address)                 §5.2.5
//   Authenticator = First(96, HMAC_SHA1(Kbm, care-of address | correspondent | MH Data))  §6.2.7
//     MH Data: the whole Mobility Header without the Authenticator field, Checksum taken as zero.
//
// "0" and "1" are single octets. Only node:crypto's synchronous hashes are used: still pure. Random
// bytes come from the caller (`RandomBytes`) so tests can fix them.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ipv6ToBytes } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import type { BindingAcknowledgement, BindingUpdate } from '../../wire/mh/binding.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';

export type RandomBytes = (n: number) => Buffer;

/** RFC 6275 §5.2.1: Kcn is 20 octets. */
export const KCN_LENGTH = 20;
/** RFC 6275 §5.2.2: nonces are 64 bits (our choice within "at least 64 bits"). */
export const NONCE_LENGTH = 8;
/** RFC 6275 §5.2.5: keygen tokens and init cookies are 64 bits. */
export const TOKEN_LENGTH = 8;
/** RFC 6275 §6.2.7: the authenticator is First(96, ...). */
export const BINDING_AUTHENTICATOR_LENGTH = 12;
/** RFC 6275 §12: a nonce is valid this long after it is made. */
export const MAX_NONCE_LIFETIME_MS = 240_000;
/** RFC 6275 §12: the mobile node uses a keygen token at most this long after it arrived (§5.2.7). */
export const MAX_TOKEN_LIFETIME_MS = 210_000;
/** RFC 6275 §12: the longest binding return routability may authorise (§5.2.8). */
export const MAX_RR_BINDING_LIFETIME_S = 420;

const ZERO = Buffer.from([0]);
const ONE = Buffer.from([1]);

function keygenToken(kcn: Buffer, address: string, nonce: Buffer, which: Buffer): Buffer {
  const h = createHmac('sha1', kcn);
  h.update(ipv6ToBytes(address));
  h.update(nonce);
  h.update(which);
  return h.digest().subarray(0, TOKEN_LENGTH);
}

/** RFC 6275 §5.2.5: First(64, HMAC_SHA1(Kcn, home address | nonce | 0)). */
export function homeKeygenToken(kcn: Buffer, homeAddress: string, nonce: Buffer): Buffer {
  return keygenToken(kcn, homeAddress, nonce, ZERO);
}

/** RFC 6275 §5.2.5: First(64, HMAC_SHA1(Kcn, care-of address | nonce | 1)). */
export function careOfKeygenToken(kcn: Buffer, careOfAddress: string, nonce: Buffer): Buffer {
  return keygenToken(kcn, careOfAddress, nonce, ONE);
}

/** RFC 6275 §5.2.5: SHA1(home token | care-of token); SHA1(home token) alone for a deregistration. */
export function bindingManagementKey(homeToken: Buffer, careOfToken?: Buffer): Buffer {
  const h = createHash('sha1');
  h.update(homeToken);
  if (careOfToken) h.update(careOfToken);
  return h.digest();
}

/** Where the Binding Authorization Data option's Authenticator sits in a BU or BA's bytes. */
export interface BindingAuthorizationLocation {
  /** Offset of the Authenticator (after the option's Type and Length). */
  offset: number;
  length: number;
}

/**
 * Finds the Binding Authorization Data option in raw BU/BA bytes; it must be the last option (only
 * padding after it, RFC 6275 §6.2.7). Null when absent, not last, or the bytes do not walk.
 */
export function locateBindingAuthorization(bytes: Buffer): BindingAuthorizationLocation | null {
  if (bytes.length < 8) return null;
  const end = (bytes[1]! + 1) * 8;
  const type = bytes[2];
  if (end > bytes.length || (type !== mh.MhType.BindingUpdate && type !== mh.MhType.BindingAcknowledgement))
    return null;
  let found: BindingAuthorizationLocation | null = null;
  let o = 12; // BU and BA options start at MH offset 12 (RFC 6275 §6.1.7, §6.1.8)
  while (o < end) {
    const t = bytes[o]!;
    if (t === 0) {
      o += 1;
      continue;
    }
    if (o + 2 > end) return null;
    const len = bytes[o + 1]!;
    if (o + 2 + len > end) return null;
    if (t === mh.MobilityOptionType.BindingAuthorizationData) {
      if (found) return null;
      found = { offset: o + 2, length: len };
    } else if (found && t !== 1) {
      return null; // an option after the authenticator is not covered by it
    }
    o += 2 + len;
  }
  return found;
}

/** RFC 6275 §6.2.7: First(96, HMAC_SHA1(Kbm, CoA | correspondent | MH without the Authenticator, checksum 0)). */
export function bindingAuthenticator(
  kbm: Buffer,
  careOfAddress: string,
  correspondent: string,
  bytes: Buffer,
  at: BindingAuthorizationLocation,
): Buffer {
  const end = (bytes[1]! + 1) * 8;
  const head = Buffer.from(bytes.subarray(0, at.offset));
  head[4] = 0;
  head[5] = 0;
  const h = createHmac('sha1', kbm);
  h.update(ipv6ToBytes(careOfAddress));
  h.update(ipv6ToBytes(correspondent));
  h.update(head);
  h.update(bytes.subarray(at.offset + at.length, end));
  return h.digest().subarray(0, BINDING_AUTHENTICATOR_LENGTH);
}

/** Verifies a BU or BA's Binding Authorization Data against Kbm. Never throws. */
export function verifyBindingAuthorization(
  kbm: Buffer,
  careOfAddress: string,
  correspondent: string,
  bytes: Buffer,
): boolean {
  const at = locateBindingAuthorization(bytes);
  if (!at || at.length !== BINDING_AUTHENTICATOR_LENGTH) return false;
  try {
    const expected = bindingAuthenticator(kbm, careOfAddress, correspondent, bytes, at);
    return timingSafeEqual(expected, bytes.subarray(at.offset, at.offset + at.length));
  } catch {
    return false; // an address text that does not parse
  }
}

/**
 * Appends a Binding Authorization Data option (last, RFC 6275 §6.2.7) to a BU or BA, fills in the
 * authenticator, then the MH checksum over `pseudoHeader` (RFC 6275 §6.1.7 substitutions applied).
 */
export function sealWithBindingAuthorization<M extends BindingUpdate | BindingAcknowledgement>(
  message: M,
  kbm: Buffer,
  careOfAddress: string,
  correspondent: string,
  pseudoHeader: { src: string; dst: string },
): { message: M; bytes: Buffer } {
  const bad: MobilityOption = {
    type: 'BindingAuthorizationData',
    authenticator: Buffer.alloc(BINDING_AUTHENTICATOR_LENGTH),
  };
  const draft = { ...message, options: [...message.options.filter((o) => o.type !== 'BindingAuthorizationData'), bad] };
  const zeroed = mh.encode(draft);
  const at = locateBindingAuthorization(zeroed);
  if (!at) throw new Error('encoded message lost its Binding Authorization Data'); // our own encoder: a bug
  (bad as { authenticator: Buffer }).authenticator = bindingAuthenticator(
    kbm,
    careOfAddress,
    correspondent,
    zeroed,
    at,
  );
  return { message: draft, bytes: mh.encode(draft, undefined, 0, { addresses: pseudoHeader }) };
}

export interface NonceTableConfig {
  randomBytes: RandomBytes;
  /** How long a nonce is accepted after it was made; default MAX_NONCE_LIFETIME. */
  nonceLifetimeMs?: number;
  /**
   * A new nonce every this many ms (RFC 6275 §5.2.7 "generates nonces at regular intervals"). Default
   * MAX_NONCE_LIFETIME − MAX_TOKEN_LIFETIME, so that a token is still accepted for MAX_TOKEN_LIFETIME
   * after it was sent, however late in its nonce's life.
   */
  regenerationMs?: number;
}

interface Nonce {
  index: number;
  nonce: Buffer;
  madeAt: number;
}

/**
 * The correspondent's nonces (RFC 6275 §5.2.2, §5.2.7): one current nonce, replaced every
 * `regenerationMs`, each kept by its 16-bit index until `nonceLifetimeMs` after it was made. At most
 * ceil(lifetime / regeneration) + 1 nonces are held (9 with the defaults).
 */
export class NonceTable {
  readonly #cfg: Required<NonceTableConfig>;
  readonly #nonces: Nonce[] = [];
  #nextIndex: number;

  constructor(cfg: NonceTableConfig) {
    this.#cfg = {
      nonceLifetimeMs: MAX_NONCE_LIFETIME_MS,
      regenerationMs: MAX_NONCE_LIFETIME_MS - MAX_TOKEN_LIFETIME_MS,
      ...cfg,
    };
    this.#nextIndex = cfg.randomBytes(2).readUInt16BE(0);
  }

  /** The nonce to hand out now (made when the current one is older than `regenerationMs`). */
  current(now: number): { index: number; nonce: Buffer } {
    this.#prune(now);
    const last = this.#nonces.at(-1);
    if (last && now - last.madeAt < this.#cfg.regenerationMs) return last;
    const n: Nonce = { index: this.#nextIndex, nonce: this.#cfg.randomBytes(NONCE_LENGTH), madeAt: now };
    this.#nextIndex = (this.#nextIndex + 1) & 0xffff;
    this.#nonces.push(n);
    return n;
  }

  /** The nonce of `index` if it is still valid at `now` (RFC 6275 §5.2.7: expired ones are discarded). */
  lookup(index: number, now: number): Buffer | undefined {
    this.#prune(now);
    return this.#nonces.find((n) => n.index === index)?.nonce;
  }

  get size(): number {
    return this.#nonces.length;
  }

  #prune(now: number): void {
    while (this.#nonces.length && now - this.#nonces[0]!.madeAt >= this.#cfg.nonceLifetimeMs) this.#nonces.shift();
  }
}
