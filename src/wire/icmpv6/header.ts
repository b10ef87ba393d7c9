// ICMPv6 (RFC 4443 §2.1): Type | Code | Checksum | body. The checksum covers the RFC 8200 §8.1
// pseudo-header (next header 58) with the RFC 6275 §6.1.7 home-address substitutions.
// Dispatch on Type (and on Subtype for FMIPv6 type 154); unknown types are kept raw.

import { internetChecksum, pseudoHeaderSum } from '../checksum.js';
import { decodeFail, decodeOk, type Decoded } from '../result.js';
import type { IcmpBodyCodec } from './body.js';
import {
  homeAgentAddressDiscoveryReplyCodec,
  homeAgentAddressDiscoveryRequestCodec,
  type HomeAgentAddressDiscoveryReply,
  type HomeAgentAddressDiscoveryRequest,
} from './dhaad.js';
import {
  destinationUnreachableCodec,
  echoReplyCodec,
  echoRequestCodec,
  packetTooBigCodec,
  parameterProblemCodec,
  timeExceededCodec,
  type DestinationUnreachable,
  type EchoReply,
  type EchoRequest,
  type PacketTooBig,
  type ParameterProblem,
  type TimeExceeded,
} from './errors.js';
import {
  proxyRouterAdvertisementCodec,
  routerSolicitationForProxyAdvertisementCodec,
  type ProxyRouterAdvertisement,
  type RouterSolicitationForProxyAdvertisement,
} from './fmipv6.js';
import {
  mobilePrefixAdvertisementCodec,
  mobilePrefixSolicitationCodec,
  type MobilePrefixAdvertisement,
  type MobilePrefixSolicitation,
} from './mobile-prefix.js';
import {
  neighborAdvertisementCodec,
  neighborSolicitationCodec,
  type NeighborAdvertisement,
  type NeighborSolicitation,
} from './neighbor-discovery.js';
import {
  routerAdvertisementCodec,
  routerSolicitationCodec,
  type RouterAdvertisement,
  type RouterSolicitation,
} from './router-discovery.js';

export const IPPROTO_ICMPV6 = 58;

/** A type (or FMIPv6 subtype) this codec does not know: everything after the checksum is kept. */
export interface UnknownIcmpv6Message {
  type: 'Unknown';
  icmpType: number;
  code: number;
  body: Buffer;
}

export type Icmpv6Message =
  | DestinationUnreachable
  | PacketTooBig
  | TimeExceeded
  | ParameterProblem
  | EchoRequest
  | EchoReply
  | RouterSolicitation
  | RouterAdvertisement
  | NeighborSolicitation
  | NeighborAdvertisement
  | HomeAgentAddressDiscoveryRequest
  | HomeAgentAddressDiscoveryReply
  | MobilePrefixSolicitation
  | MobilePrefixAdvertisement
  | RouterSolicitationForProxyAdvertisement
  | ProxyRouterAdvertisement
  | UnknownIcmpv6Message;

type Known = Exclude<Icmpv6Message, UnknownIcmpv6Message>;

const CODECS = [
  destinationUnreachableCodec,
  packetTooBigCodec,
  timeExceededCodec,
  parameterProblemCodec,
  echoRequestCodec,
  echoReplyCodec,
  routerSolicitationCodec,
  routerAdvertisementCodec,
  neighborSolicitationCodec,
  neighborAdvertisementCodec,
  homeAgentAddressDiscoveryRequestCodec,
  homeAgentAddressDiscoveryReplyCodec,
  mobilePrefixSolicitationCodec,
  mobilePrefixAdvertisementCodec,
  routerSolicitationForProxyAdvertisementCodec,
  proxyRouterAdvertisementCodec,
] as unknown as IcmpBodyCodec<Known>[];

const BY_TYPE = new Map<string, IcmpBodyCodec<Known>>(CODECS.map((c) => [c.type, c]));
const key = (icmpType: number, subtype?: number): number =>
  subtype === undefined ? icmpType : icmpType * 256 + subtype;
const BY_NUMBER = new Map<number, IcmpBodyCodec<Known>>(CODECS.map((c) => [key(c.icmpType, c.subtype), c]));
const HAS_SUBTYPE = new Set(CODECS.filter((c) => c.subtype !== undefined).map((c) => c.icmpType));

export function encodingLength(m: Icmpv6Message): number {
  if (m.type === 'Unknown') return 4 + m.body.length;
  return 4 + BY_TYPE.get(m.type)!.length(m);
}

export interface Icmpv6EncodeOptions {
  /** Pseudo-header addresses (after the RFC 6275 §6.1.7 substitutions): the checksum is computed. */
  addresses?: { src: string; dst: string };
  /** Checksum to write as is. Default 0 when no addresses are given. */
  checksum?: number;
}

export function encode(m: Icmpv6Message, buf?: Buffer, offset = 0, opts: Icmpv6EncodeOptions = {}): Buffer {
  const len = encodingLength(m);
  const out = buf ?? Buffer.alloc(len);
  if (m.type === 'Unknown') {
    out[offset] = m.icmpType;
    out[offset + 1] = m.code;
    m.body.copy(out, offset + 4);
  } else {
    const c = BY_TYPE.get(m.type)!;
    out[offset] = c.icmpType;
    out[offset + 1] = c.code(m);
    c.write(m, out, offset + 4);
  }
  out.writeUInt16BE(0, offset + 2);
  let csum = opts.checksum ?? 0;
  if (opts.addresses && opts.checksum === undefined) {
    csum = internetChecksum(
      out,
      offset,
      len,
      pseudoHeaderSum(opts.addresses.src, opts.addresses.dst, IPPROTO_ICMPV6, len),
    );
  }
  out.writeUInt16BE(csum, offset + 2);
  return out;
}

export interface Icmpv6DecodeOptions {
  verify?: { src: string; dst: string };
  /** Bytes of the message (from the IPv6 walk); default: to the end of the buffer. */
  length?: number;
}

/** Decodes the ICMPv6 message from `offset` to the end of `buf` (or `opts.length` bytes). */
export function decode(buf: Buffer, offset = 0, opts: Icmpv6DecodeOptions = {}): Decoded<Icmpv6Message> {
  const end = opts.length === undefined ? buf.length : offset + opts.length;
  if (end > buf.length) return decodeFail('truncated', offset, `ICMPv6 message of ${opts.length} bytes does not fit`);
  if (end - offset < 4) return decodeFail('truncated', offset, 'ICMPv6 header needs 4 bytes');
  const len = end - offset;
  if (opts.verify) {
    const sum = internetChecksum(
      buf,
      offset,
      len,
      pseudoHeaderSum(opts.verify.src, opts.verify.dst, IPPROTO_ICMPV6, len),
    );
    if (sum !== 0)
      return decodeFail(
        'bad-checksum',
        offset + 2,
        `ICMPv6 checksum 0x${buf
          .readUInt16BE(offset + 2)
          .toString(16)
          .padStart(4, '0')} does not verify`,
      );
  }
  const t = buf[offset]!;
  const code = buf[offset + 1]!;
  let c: IcmpBodyCodec<Known> | undefined;
  if (HAS_SUBTYPE.has(t)) {
    if (len < 5) return decodeFail('truncated', offset + 4, `ICMPv6 type ${t} needs its Subtype byte`);
    c = BY_NUMBER.get(key(t, buf[offset + 4]!));
  } else {
    c = BY_NUMBER.get(t);
  }
  if (!c)
    return decodeOk({ type: 'Unknown', icmpType: t, code, body: Buffer.from(buf.subarray(offset + 4, end)) }, len);
  const r = c.read(buf, offset + 4, end, code);
  return r.ok ? decodeOk(r.value, len) : r;
}
