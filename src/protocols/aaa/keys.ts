// The key hierarchy of AAA-keyed FMIPv6 (docs/security.md "AAA-keyed FMIPv6"):
//   long-term credential P (the mobile node and the RADIUS server's users file)
//   CHAP: Response = MD5(Identifier | P | Challenge)                   RFC 1994 §4.1, RFC 2865 §5.3
//   handover key HK = HMAC-SHA1(P, Challenge)                          the server: in MS-MPPE-Recv-Key,
//                                                                      encrypted to the router (RFC 2548 §2.4.3);
//                                                                      the node: from P and the challenge it saw
//   NAR key HK' = First(160, HMAC-SHA256(HK, "FMIPv6 NAR key" | NAR address))
//                                                                      a key per router, named by a label the way
//                                                                      RFC 5295 §3 derives usage-specific keys, so
//                                                                      the NAR never holds the PAR's key
// The Challenge is the access router's fresh random value: every attach gives a new HK.
import { createHash, createHmac } from 'node:crypto';
import { ipv6ToBytes } from '../../wire/address.js';

export function chapResponse(identifier: number, password: string, challenge: Buffer): Buffer {
  return createHash('md5')
    .update(Buffer.from([identifier & 0xff]))
    .update(password, 'utf8')
    .update(challenge)
    .digest();
}

export function handoverKey(password: string, challenge: Buffer): Buffer {
  return createHmac('sha1', Buffer.from(password, 'utf8')).update(challenge).digest();
}

const NAR_LABEL = Buffer.from('FMIPv6 NAR key', 'ascii');

export function narKey(hk: Buffer, narAddress: string): Buffer {
  return createHmac('sha256', hk).update(NAR_LABEL).update(ipv6ToBytes(narAddress)).digest().subarray(0, 20);
}
