// DHCPv6 client/server messages (RFC 8415 §8, §21): msg-type, transaction-id and a list of options,
// each option-code (2) + option-len (2) + data. Enough for stateless configuration (Information-request
// and Reply, RFC 8415 §18.2.6); options are kept as bytes and re-encode byte for byte.
import { type Decoded, decodeFail, decodeOk } from '../result.js';

/** Message types used here (RFC 8415 §7.3). */
export const Dhcpv6MessageType = {
  Solicit: 1,
  Advertise: 2,
  Request: 3,
  Reply: 7,
  InformationRequest: 11,
} as const;

/** Option codes used here (RFC 8415 §21, RFC 5678 §4-5). */
export const Dhcpv6OptionCode = {
  ClientId: 1,
  ServerId: 2,
  Oro: 6,
  ElapsedTime: 8,
  StatusCode: 13,
  MosAddresses: 54,
  MosDomains: 55,
} as const;

/** Client and server ports (RFC 8415 §7.2). */
export const DHCPV6_CLIENT_PORT = 546;
export const DHCPV6_SERVER_PORT = 547;
/** All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1). */
export const ALL_DHCP_RELAY_AGENTS_AND_SERVERS = 'ff02::1:2';

export interface Dhcpv6Option {
  code: number;
  data: Buffer;
}

export interface Dhcpv6Message {
  msgType: number;
  /** 24 bits. */
  transactionId: number;
  options: Dhcpv6Option[];
}

export function encodingLength(m: Dhcpv6Message): number {
  return 4 + m.options.reduce((n, o) => n + 4 + o.data.length, 0);
}

export function encode(m: Dhcpv6Message, buf?: Buffer, offset = 0): Buffer {
  const out = buf ?? Buffer.alloc(encodingLength(m) + offset);
  out[offset] = m.msgType;
  out.writeUIntBE(m.transactionId & 0xffffff, offset + 1, 3);
  let p = offset + 4;
  for (const o of m.options) {
    out.writeUInt16BE(o.code, p);
    out.writeUInt16BE(o.data.length, p + 2);
    o.data.copy(out, p + 4);
    p += 4 + o.data.length;
  }
  return out;
}

/** The whole rest of the buffer is the message (UDP payload). */
export function decode(buf: Buffer, offset = 0): Decoded<Dhcpv6Message> {
  if (buf.length - offset < 4) return decodeFail('truncated', offset, 'DHCPv6 message shorter than 4 octets');
  const msgType = buf[offset]!;
  const transactionId = buf.readUIntBE(offset + 1, 3);
  const options = decodeOptions(buf, offset + 4, buf.length);
  if (!options.ok) return options;
  return decodeOk({ msgType, transactionId, options: options.value }, buf.length - offset);
}

/** Options from `start` to `end` (also the encapsulated options of RFC 8415 §21.1). */
export function decodeOptions(buf: Buffer, start: number, end: number): Decoded<Dhcpv6Option[]> {
  const options: Dhcpv6Option[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 4) return decodeFail('truncated', p, 'DHCPv6 option header shorter than 4 octets');
    const code = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    if (p + 4 + len > end)
      return decodeFail('bad-length', p + 2, `DHCPv6 option ${code} length ${len} runs past the message`);
    options.push({ code, data: Buffer.from(buf.subarray(p + 4, p + 4 + len)) });
    p += 4 + len;
  }
  return decodeOk(options, end - start);
}

/** Option Request option data (RFC 8415 §21.7): a list of 16-bit codes. */
export function oro(codes: readonly number[]): Dhcpv6Option {
  const data = Buffer.alloc(codes.length * 2);
  for (const [i, c] of codes.entries()) data.writeUInt16BE(c, i * 2);
  return { code: Dhcpv6OptionCode.Oro, data };
}
