// Keyed authentication of Mobility Header messages between two routers of a mobility protocol:
// the FMIPv6 PAR and NAR (HI/HAck; RFC 5568 §7 asks for a security association between them) and,
// later, a Proxy Mobile IPv6 MAG and LMA (RFC 5213 §4 asks the same). Both RFCs mean IPsec ESP, which
// the lab's kernel lacks; this is the lab's stand-in, a documented deviation (docs/security.md,
// docs/fmipv6.md "Router authentication").
//
// Encoding: an Experimental Mobility Option (type 18, RFC 5096 §3.2; Wireshark: "MIPv6 Option - Experimental"), the last option of the message:
//   | Type = 18 | Length = 28 | SPI (32) | Timestamp (64, µs since 1970) | Authenticator (128) |
// Authenticator = First(128, HMAC-SHA256(key, source | destination | MH[0, end of Timestamp)))
// with the MH checksum taken as zero (the shape of RFC 4285 §5.2). A receiver checks the SPI names
// the association of the sending address, the authenticator, and that the timestamp lies within
// ±windowMs of its clock and is newer than the last one accepted from that peer (RFC 4285 §6's rule).
// Pure: node:crypto's synchronous HMAC only; the caller passes the clock.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonical, ipv6ToBytes } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import type { MobilityMessage } from '../../wire/mh/header.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';

/** RFC 5096 §3.2 Experimental Mobility Option. */
export const PEER_AUTH_OPTION_TYPE = 18;
/** SPI 4 + timestamp 8 + authenticator 16. */
export const PEER_AUTH_OPTION_LENGTH = 28;
const AUTHENTICATOR_LENGTH = 16;

/** A router pair's association, as the lab writes it into both routers' configs. */
export interface PeerSecurityAssociation {
  /** The peer's address: its messages come from it, ours go to it. */
  peer: string;
  spi: number;
  /** Shared key (the lab generates 32 random bytes per pair). */
  key: Buffer;
}

export type PeerAuthRefusal = 'not-a-peer' | 'no-auth-option' | 'wrong-spi' | 'bad-authenticator' | 'replayed';

interface Located {
  /** Offset of the option's Type byte. */
  offset: number;
  spi: number;
  timestampUs: bigint;
  authenticator: Buffer;
}

/** The peer option in raw MH bytes, when it is the last option (only padding after it). */
export function locatePeerAuth(bytes: Buffer): Located | null {
  const at = mh.locateTrailingOption(bytes, PEER_AUTH_OPTION_TYPE);
  if (!at || at.length !== PEER_AUTH_OPTION_LENGTH) return null;
  const o = at.offset;
  return {
    offset: o,
    spi: bytes.readUInt32BE(o + 2),
    timestampUs: bytes.readBigUInt64BE(o + 6),
    authenticator: Buffer.from(bytes.subarray(o + 14, o + 30)),
  };
}

function authenticator(key: Buffer, src: string, dst: string, bytes: Buffer, optionOffset: number): Buffer {
  const data = Buffer.from(bytes.subarray(0, optionOffset + 14));
  data[4] = 0;
  data[5] = 0;
  const h = createHmac('sha256', key);
  h.update(ipv6ToBytes(src));
  h.update(ipv6ToBytes(dst));
  h.update(data);
  return h.digest().subarray(0, AUTHENTICATOR_LENGTH);
}

function peerOption(spi: number, timestampUs: bigint, auth: Buffer): MobilityOption {
  const data = Buffer.alloc(PEER_AUTH_OPTION_LENGTH);
  data.writeUInt32BE(spi >>> 0, 0);
  data.writeBigUInt64BE(timestampUs, 4);
  auth.copy(data, 12);
  return { type: 'Unknown', optionType: PEER_AUTH_OPTION_TYPE, data };
}

/** `message` with the peer option appended (any earlier one removed), encoded with its checksum. */
export function sealForPeer(
  message: MobilityMessage,
  route: { src: string; dst: string },
  sa: Pick<PeerSecurityAssociation, 'spi' | 'key'>,
  timestampUs: bigint,
): Buffer {
  if (message.type === 'Unknown') throw new Error('cannot seal an unknown MH type');
  const others = message.options.filter((o) => !(o.type === 'Unknown' && o.optionType === PEER_AUTH_OPTION_TYPE));
  const draft = {
    ...message,
    options: [...others, peerOption(sa.spi, timestampUs, Buffer.alloc(16))],
  } as MobilityMessage;
  const zeroed = mh.encode(draft);
  const loc = locatePeerAuth(zeroed);
  if (!loc) throw new Error('encoded message lost its peer option'); // our own encoder: a bug
  const auth = authenticator(sa.key, route.src, route.dst, zeroed, loc.offset);
  auth.copy(zeroed, loc.offset + 14);
  return mh.encode(
    { ...draft, options: [...others, peerOption(sa.spi, timestampUs, auth)] } as MobilityMessage,
    undefined,
    0,
    { addresses: route },
  );
}

/** Checks the peer option of received MH bytes against one association. Never throws. */
export function verifyFromPeer(
  sa: PeerSecurityAssociation,
  route: { src: string; dst: string },
  bytes: Buffer,
): { ok: true; timestampUs: bigint } | { ok: false; reason: Exclude<PeerAuthRefusal, 'not-a-peer' | 'replayed'> } {
  const loc = locatePeerAuth(bytes);
  if (!loc) return { ok: false, reason: 'no-auth-option' };
  if (loc.spi !== sa.spi) return { ok: false, reason: 'wrong-spi' };
  let expected: Buffer;
  try {
    expected = authenticator(sa.key, route.src, route.dst, bytes, loc.offset);
  } catch {
    return { ok: false, reason: 'bad-authenticator' };
  }
  return timingSafeEqual(expected, loc.authenticator)
    ? { ok: true, timestampUs: loc.timestampUs }
    : { ok: false, reason: 'bad-authenticator' };
}

/**
 * Both ends of a router's peer associations: seals what it sends to a peer, and lets in only what a
 * configured peer sealed, fresh and newer than the last (per peer: one timestamp, the table's size is
 * the number of peers).
 */
export class PeerAuthenticator {
  readonly #byPeer = new Map<string, PeerSecurityAssociation>();
  readonly #lastAccepted = new Map<string, bigint>();
  #lastSent = 0n;
  readonly #windowMs: number;

  constructor(associations: readonly PeerSecurityAssociation[], windowMs = 7000) {
    for (const sa of associations) this.#byPeer.set(canonical(sa.peer), { ...sa, peer: canonical(sa.peer) });
    this.#windowMs = windowMs;
  }

  isPeer(address: string): boolean {
    return this.#byPeer.has(canonical(address));
  }

  get peers(): string[] {
    return [...this.#byPeer.keys()];
  }

  /** Sealed bytes for a message to `route.dst`, or null when it is no peer. Timestamps strictly increase. */
  seal(message: MobilityMessage, route: { src: string; dst: string }, wallClockMs: number): Buffer | null {
    const sa = this.#byPeer.get(canonical(route.dst));
    if (!sa) return null;
    let ts = BigInt(Math.floor(wallClockMs * 1000));
    if (ts <= this.#lastSent) ts = this.#lastSent + 1n;
    this.#lastSent = ts;
    return sealForPeer(message, route, sa, ts);
  }

  /** Whether a received message comes from a peer, authenticated and fresh; null when it does. */
  check(route: { src: string; dst: string }, bytes: Buffer, wallClockMs: number): PeerAuthRefusal | null {
    const peer = canonical(route.src);
    const sa = this.#byPeer.get(peer);
    if (!sa) return 'not-a-peer';
    const v = verifyFromPeer(sa, route, bytes);
    if (!v.ok) return v.reason;
    const atMs = Number(v.timestampUs / 1000n);
    const last = this.#lastAccepted.get(peer);
    if (Math.abs(atMs - wallClockMs) > this.#windowMs || (last !== undefined && v.timestampUs <= last))
      return 'replayed';
    this.#lastAccepted.set(peer, v.timestampUs);
    return null;
  }
}
