// What the npm `radius` codec leaves to us on an Access-Accept: its Response Authenticator checked in
// constant time (RFC 2865 §3), and the MS-MPPE-Recv-Key vendor attribute (Microsoft, 311, type 17)
// decrypted (RFC 2548 §2.4.3). Pure; bad bytes give null, never a throw.
import { createHash, timingSafeEqual } from 'node:crypto';

const MICROSOFT = 311;
export const MS_MPPE_RECV_KEY = 17;
const VENDOR_SPECIFIC = 26;

/** RFC 2865 §3: MD5(Code | Identifier | Length | Request Authenticator | Attributes | Secret). */
export function responseAuthenticatorValid(response: Buffer, requestAuthenticator: Buffer, secret: string): boolean {
  if (response.length < 20 || response.readUInt16BE(2) !== response.length) return false;
  const expected = createHash('md5')
    .update(response.subarray(0, 4))
    .update(requestAuthenticator)
    .update(response.subarray(20))
    .update(secret)
    .digest();
  return timingSafeEqual(expected, response.subarray(4, 20));
}

/** The value of a vendor attribute (RFC 2865 §5.26, the RFC 2548 §2 layout) in a packet's attributes. */
export function vendorAttribute(packet: Buffer, vendor: number, type: number): Buffer | null {
  for (let o = 20; o + 2 <= packet.length; ) {
    const t = packet[o]!;
    const len = packet[o + 1]!;
    if (len < 2 || o + len > packet.length) return null;
    if (t === VENDOR_SPECIFIC && len >= 8 && packet.readUInt32BE(o + 2) === vendor) {
      const vt = packet[o + 6]!;
      const vl = packet[o + 7]!;
      if (vl >= 2 && 6 + vl <= len && vt === type) return Buffer.from(packet.subarray(o + 8, o + 6 + vl));
    }
    o += len;
  }
  return null;
}

/**
 * RFC 2548 §2.4.3: Salt (2 octets, high bit set) | String, String = P xor b, b(1) = MD5(S | R | A),
 * b(i) = MD5(S | c(i-1)); P = Key-Length | Key | padding. R: the Access-Request's authenticator.
 */
export function decryptMppeKey(value: Buffer, secret: string, requestAuthenticator: Buffer): Buffer | null {
  if (value.length < 2 + 16 || (value.length - 2) % 16 !== 0 || !(value[0]! & 0x80)) return null;
  const salt = value.subarray(0, 2);
  const c = value.subarray(2);
  const p = Buffer.alloc(c.length);
  let prev: Buffer = Buffer.concat([requestAuthenticator, salt]);
  for (let i = 0; i < c.length; i += 16) {
    const b = createHash('md5').update(secret).update(prev).digest();
    for (let j = 0; j < 16; j++) p[i + j] = c[i + j]! ^ b[j]!;
    prev = c.subarray(i, i + 16);
  }
  const len = p[0]!;
  if (len === 0 || 1 + len > p.length) return null;
  return Buffer.from(p.subarray(1, 1 + len));
}

export function mppeRecvKey(packet: Buffer, secret: string, requestAuthenticator: Buffer): Buffer | null {
  const v = vendorAttribute(packet, MICROSOFT, MS_MPPE_RECV_KEY);
  return v ? decryptMppeKey(v, secret, requestAuthenticator) : null;
}
