// The lab's network-access authentication between a mobile node and its access router, a stand-in
// for EAP over 802.1X or PANA (RFC 5191), which the lab's bridges do not carry (docs/security.md
// "AAA-keyed FMIPv6"). UDP on the access link, link-local addresses; CHAP's challenge and response
// (RFC 1994 §4.1) are what the router relays to RADIUS (RFC 2865 §5.3, §5.40):
//   | Version = 1 | Type | Length (16) | body
//   Start      (1): NAI length (8) | NAI                          MN -> AR, to ff02::2
//   Challenge  (2): CHAP Identifier (8) | Challenge (16)          AR -> MN
//   Response   (3): CHAP Identifier (8) | Response (16) | NAI length (8) | NAI
//   Result     (4): Status (8) | SPI (32) | Lifetime s (32)       AR -> MN; status 0 = a key is held
// The handover key itself never travels here: both ends derive it (src/protocols/aaa/keys.ts).
import { type Decoded, decodeFail, decodeOk } from '../result.js';

/** In the dynamic range (RFC 6335 §6): no assigned service. */
export const ACCESS_AUTH_PORT = 49161;
const VERSION = 1;

export const AccessAuthStatus = { Success: 0, Rejected: 1, Unavailable: 2 } as const;

export type AccessAuthMessage =
  | { type: 'Start'; nai: string }
  | { type: 'Challenge'; identifier: number; challenge: Buffer }
  | { type: 'Response'; identifier: number; response: Buffer; nai: string }
  | { type: 'Result'; status: number; spi: number; lifetimeS: number };

const TYPES = { Start: 1, Challenge: 2, Response: 3, Result: 4 } as const;

export function encode(m: AccessAuthMessage): Buffer {
  let body: Buffer;
  switch (m.type) {
    case 'Start':
      body = naiField(m.nai);
      break;
    case 'Challenge':
      body = Buffer.concat([Buffer.from([m.identifier & 0xff]), fixed16(m.challenge)]);
      break;
    case 'Response':
      body = Buffer.concat([Buffer.from([m.identifier & 0xff]), fixed16(m.response), naiField(m.nai)]);
      break;
    case 'Result': {
      body = Buffer.alloc(9);
      body[0] = m.status;
      body.writeUInt32BE(m.spi >>> 0, 1);
      body.writeUInt32BE(m.lifetimeS >>> 0, 5);
    }
  }
  const head = Buffer.from([VERSION, TYPES[m.type], 0, 0]);
  head.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([head, body]);
}

function fixed16(b: Buffer): Buffer {
  if (b.length !== 16) throw new RangeError('CHAP challenge and response are 16 octets here');
  return b;
}

function naiField(nai: string): Buffer {
  const b = Buffer.from(nai, 'utf8');
  if (b.length > 253) throw new RangeError('NAI longer than 253 octets (RFC 7542 §2.2)');
  return Buffer.concat([Buffer.from([b.length]), b]);
}

function readNai(buf: Buffer, o: number): { nai: string; end: number } | null {
  if (o >= buf.length) return null;
  const n = buf[o]!;
  if (n === 0 || o + 1 + n > buf.length) return null;
  return { nai: buf.subarray(o + 1, o + 1 + n).toString('utf8'), end: o + 1 + n };
}

export function decode(buf: Buffer): Decoded<AccessAuthMessage> {
  if (buf.length < 4) return decodeFail('truncated', 0, 'shorter than the 4-octet header');
  if (buf[0] !== VERSION) return decodeFail('bad-value', 0, `version ${buf[0]}`);
  const len = buf.readUInt16BE(2);
  if (len !== buf.length) return decodeFail('bad-length', 2, `length ${len} for ${buf.length} octets`);
  const b = buf.subarray(0, len);
  switch (b[1]) {
    case 1: {
      const n = readNai(b, 4);
      return n && n.end === len ? decodeOk({ type: 'Start', nai: n.nai }, len) : decodeFail('bad-length', 4, 'Start');
    }
    case 2:
      return len === 21
        ? decodeOk({ type: 'Challenge', identifier: b[4]!, challenge: Buffer.from(b.subarray(5, 21)) }, len)
        : decodeFail('bad-length', 4, 'Challenge');
    case 3: {
      const n = len >= 23 ? readNai(b, 21) : null;
      return n && n.end === len
        ? decodeOk({ type: 'Response', identifier: b[4]!, response: Buffer.from(b.subarray(5, 21)), nai: n.nai }, len)
        : decodeFail('bad-length', 4, 'Response');
    }
    case 4:
      return len === 13
        ? decodeOk({ type: 'Result', status: b[4]!, spi: b.readUInt32BE(5), lifetimeS: b.readUInt32BE(9) }, len)
        : decodeFail('bad-length', 4, 'Result');
    default:
      return decodeFail('unsupported', 1, `type ${b[1]}`);
  }
}
