// ICMPv6 error messages (RFC 4443 §3), decoded so a node can recognise them — notably Parameter
// Problem, which a kernel without MIPv6 sends for a Home Address option (RFC 6275 §9.3.1; code 2
// "unrecognized IPv6 option", pointer at the option type). Echo (RFC 4443 §4) is here for tests.

import { decodeFail, decodeOk } from '../result.js';
import { icmpBodyCodec, type IcmpBodyCodec } from './body.js';

export interface DestinationUnreachable {
  type: 'DestinationUnreachable';
  code: number;
  invokingPacket: Buffer;
}
export interface PacketTooBig {
  type: 'PacketTooBig';
  mtu: number;
  invokingPacket: Buffer;
}
export interface TimeExceeded {
  type: 'TimeExceeded';
  code: number;
  invokingPacket: Buffer;
}
/** Code 0 erroneous header field, 1 unrecognized Next Header, 2 unrecognized IPv6 option. */
export interface ParameterProblem {
  type: 'ParameterProblem';
  code: number;
  /** Offset in the invoking packet of the offending byte. */
  pointer: number;
  invokingPacket: Buffer;
}
export interface EchoRequest {
  type: 'EchoRequest';
  identifier: number;
  sequenceNumber: number;
  data: Buffer;
}
export interface EchoReply {
  type: 'EchoReply';
  identifier: number;
  sequenceNumber: number;
  data: Buffer;
}

export const ParameterProblemCode = {
  ErroneousHeaderField: 0,
  UnrecognizedNextHeader: 1,
  UnrecognizedIpv6Option: 2,
} as const;

function withWord<M extends { type: string; invokingPacket: Buffer }>(
  type: M['type'],
  icmpType: number,
  code: (m: M) => number,
  word: (m: M) => number,
  make: (code: number, word: number, invokingPacket: Buffer) => M,
): IcmpBodyCodec<M> {
  return icmpBodyCodec<M>({
    type,
    icmpType,
    code,
    length: (m) => 4 + m.invokingPacket.length,
    write(m, b, o) {
      b.writeUInt32BE(word(m) >>> 0, o);
      m.invokingPacket.copy(b, o + 4);
    },
    read(b, o, end, c) {
      if (end - o < 4) return decodeFail('truncated', o, `${type} needs 8 bytes`);
      return decodeOk(make(c, b.readUInt32BE(o), Buffer.from(b.subarray(o + 4, end))), end - o);
    },
  });
}

export const destinationUnreachableCodec = withWord<DestinationUnreachable>(
  'DestinationUnreachable',
  1,
  (m) => m.code,
  () => 0,
  (code, _w, invokingPacket) => ({ type: 'DestinationUnreachable', code, invokingPacket }),
);
export const packetTooBigCodec = withWord<PacketTooBig>(
  'PacketTooBig',
  2,
  () => 0,
  (m) => m.mtu,
  (_c, mtu, invokingPacket) => ({ type: 'PacketTooBig', mtu, invokingPacket }),
);
export const timeExceededCodec = withWord<TimeExceeded>(
  'TimeExceeded',
  3,
  (m) => m.code,
  () => 0,
  (code, _w, invokingPacket) => ({ type: 'TimeExceeded', code, invokingPacket }),
);
export const parameterProblemCodec = withWord<ParameterProblem>(
  'ParameterProblem',
  4,
  (m) => m.code,
  (m) => m.pointer,
  (code, pointer, invokingPacket) => ({ type: 'ParameterProblem', code, pointer, invokingPacket }),
);

function echo<M extends EchoRequest | EchoReply>(type: M['type'], icmpType: number): IcmpBodyCodec<M> {
  return icmpBodyCodec<M>({
    type,
    icmpType,
    code: () => 0,
    length: (m) => 4 + m.data.length,
    write(m, b, o) {
      b.writeUInt16BE(m.identifier, o);
      b.writeUInt16BE(m.sequenceNumber, o + 2);
      m.data.copy(b, o + 4);
    },
    read(b, o, end) {
      if (end - o < 4) return decodeFail('truncated', o, `${type} needs 8 bytes`);
      return decodeOk(
        {
          type,
          identifier: b.readUInt16BE(o),
          sequenceNumber: b.readUInt16BE(o + 2),
          data: Buffer.from(b.subarray(o + 4, end)),
        } as M,
        end - o,
      );
    },
  });
}
export const echoRequestCodec = echo<EchoRequest>('EchoRequest', 128);
export const echoReplyCodec = echo<EchoReply>('EchoReply', 129);
