// Encoding of each mobility option: Type (1) | Length (1, excluding Type and Length) | data
// (RFC 6275 §6.2.1), with the "xn+y" alignment each defining RFC gives.

import { bytesToIpv4, bytesToIpv6, ipv4ToBytes, writeIpv6 } from '../../address.js';
import { decodeFail, decodeOk, type Decoded } from '../../result.js';
import { writePadding, type TlvCodec } from '../../tlv.js';
import { MobilityOptionType as T, type MobilityOption } from './types.js';

// Alignment [x, y] ("xn+y") per option; a switch since it runs for every option of every encode.
// Unstated or unverified alignments (options 7, 8, 21, 23-25, 40-43) are none: receivers accept any.
const A2_0 = [2, 0] as const;
const A8_2 = [8, 2] as const;
const A8_4 = [8, 4] as const;
const A8_6 = [8, 6] as const;
const A4_1 = [4, 1] as const;
function alignmentOf(t: MobilityOption['type']): readonly [number, number] | null {
  switch (t) {
    case 'BindingRefreshAdvice': // RFC 6275 §6.2.4
    case 'NonceIndices': // RFC 6275 §6.2.6
      return A2_0;
    case 'AlternateCareOfAddress': // RFC 6275 §6.2.5
    case 'LinkLocalAddress': // RFC 5213 §8.7
      return A8_6;
    case 'BindingAuthorizationData': // RFC 6275 §6.2.7
    case 'MobilityMessageReplayProtection': // RFC 4285 §6
    case 'Timestamp': // RFC 5213 §8.8
      return A8_2;
    case 'MobilityMessageAuthentication': // RFC 4285 §5: puts the SPI on a 4-byte boundary
      return A4_1;
    case 'HomeNetworkPrefix': // RFC 5213 §8.3
    case 'MobilityHeaderIpv6AddressPrefix': // RFC 5568 §6.4.2 (matches the spec's tshark vectors)
      return A8_4;
    default:
      return null;
  }
}

function dataLength(o: MobilityOption): number {
  switch (o.type) {
    case 'Pad1':
      return -1;
    case 'PadN':
      return o.length;
    case 'BindingRefreshAdvice':
      return 2;
    case 'AlternateCareOfAddress':
      return 16;
    case 'NonceIndices':
      return 4;
    case 'BindingAuthorizationData':
      return o.authenticator.length;
    case 'MobilityHeaderLinkLayerAddress':
      return 1 + o.linkLayerAddress.length;
    case 'MobileNodeIdentifier':
      return 1 + o.identifier.length;
    case 'MobilityMessageAuthentication':
      return 5 + o.authenticationData.length;
    case 'MobilityMessageReplayProtection':
      return 8;
    case 'BindingAuthorizationDataForFmipv6':
      return 4 + o.authenticator.length;
    case 'HomeNetworkPrefix':
      return 18;
    case 'HandoffIndicator':
    case 'AccessTechnologyType':
    case 'TransientBinding':
      return 2;
    case 'MobileNodeLinkLayerIdentifier':
      return 2 + o.linkLayerIdentifier.length;
    case 'LinkLocalAddress':
      return 16;
    case 'Timestamp':
      return 8;
    case 'MobilityHeaderIpv6AddressPrefix':
      return 18;
    case 'ContextRequest': {
      let n = 2;
      for (const r of o.requests) n += 2 + r.requestOption.length;
      return n;
    }
    case 'LocalMobilityAnchorAddress':
      return o.optionCode === 1 ? 18 : 6;
    case 'MobileNodeLinkLocalAddressInterfaceIdentifier':
      return 10;
    case 'Unknown':
      return o.data.length;
  }
}

function typeNumber(o: MobilityOption): number {
  return o.type === 'Unknown' ? o.optionType : T[o.type];
}

function write(o: MobilityOption, b: Buffer, off: number): void {
  if (o.type === 'Pad1') {
    b[off] = 0;
    return;
  }
  const len = dataLength(o);
  if (len > 255) throw new RangeError(`mobility option ${o.type} data of ${len} bytes exceeds 255`);
  if (o.type === 'PadN') {
    writePadding(b, off, 2 + len);
    return;
  }
  b[off] = typeNumber(o);
  b[off + 1] = len;
  const d = off + 2;
  switch (o.type) {
    case 'BindingRefreshAdvice':
      b.writeUInt16BE(o.refreshInterval, d);
      return;
    case 'AlternateCareOfAddress':
      writeIpv6(o.alternateCareOfAddress, b, d);
      return;
    case 'NonceIndices':
      b.writeUInt16BE(o.homeNonceIndex, d);
      b.writeUInt16BE(o.careOfNonceIndex, d + 2);
      return;
    case 'BindingAuthorizationData':
      o.authenticator.copy(b, d);
      return;
    case 'MobilityHeaderLinkLayerAddress':
      b[d] = o.optionCode;
      o.linkLayerAddress.copy(b, d + 1);
      return;
    case 'MobileNodeIdentifier':
      b[d] = o.subtype;
      o.identifier.copy(b, d + 1);
      return;
    case 'MobilityMessageAuthentication':
      b[d] = o.subtype;
      b.writeUInt32BE(o.mobilitySpi >>> 0, d + 1);
      o.authenticationData.copy(b, d + 5);
      return;
    case 'MobilityMessageReplayProtection':
    case 'Timestamp':
      b.writeBigUInt64BE(BigInt.asUintN(64, o.timestamp), d);
      return;
    case 'BindingAuthorizationDataForFmipv6':
      b.writeUInt32BE(o.spi >>> 0, d);
      o.authenticator.copy(b, d + 4);
      return;
    case 'HomeNetworkPrefix':
      b[d] = 0;
      b[d + 1] = o.prefixLength;
      writeIpv6(o.prefix, b, d + 2);
      return;
    case 'HandoffIndicator':
      b[d] = 0;
      b[d + 1] = o.handoffIndicator;
      return;
    case 'AccessTechnologyType':
      b[d] = 0;
      b[d + 1] = o.accessTechnologyType;
      return;
    case 'MobileNodeLinkLayerIdentifier':
      b.writeUInt16BE(0, d);
      o.linkLayerIdentifier.copy(b, d + 2);
      return;
    case 'LinkLocalAddress':
      writeIpv6(o.linkLocalAddress, b, d);
      return;
    case 'MobilityHeaderIpv6AddressPrefix':
      b[d] = o.optionCode;
      b[d + 1] = o.prefixLength;
      writeIpv6(o.address, b, d + 2);
      return;
    case 'ContextRequest': {
      b.writeUInt16BE(0, d);
      let p = d + 2;
      for (const r of o.requests) {
        b[p] = r.requestType;
        b[p + 1] = r.requestOption.length;
        r.requestOption.copy(b, p + 2);
        p += 2 + r.requestOption.length;
      }
      return;
    }
    case 'LocalMobilityAnchorAddress':
      b[d] = o.optionCode;
      b[d + 1] = 0;
      if (o.optionCode === 1) writeIpv6(o.address, b, d + 2);
      else ipv4ToBytes(o.address).copy(b, d + 2);
      return;
    case 'MobileNodeLinkLocalAddressInterfaceIdentifier':
      b.writeUInt16BE(0, d);
      b.fill(0, d + 2, d + 10);
      o.interfaceIdentifier.copy(b, d + 2, 0, 8);
      return;
    case 'TransientBinding':
      b[d] = o.latePathSwitch ? 1 : 0;
      b[d + 1] = o.lifetime;
      return;
    case 'Unknown':
      o.data.copy(b, d);
      return;
  }
}

const copy = (b: Buffer, s: number, e: number): Buffer => Buffer.from(b.subarray(s, e));

function read(type: number, b: Buffer, d: number, len: number): Decoded<MobilityOption> {
  const need = (n: number, exact = true): Decoded<never> | null =>
    (exact ? len !== n : len < n)
      ? decodeFail(
          'bad-length',
          d - 1,
          `mobility option ${type} length ${len}, expected ${exact ? '' : 'at least '}${n}`,
        )
      : null;
  const ok = (o: MobilityOption): Decoded<MobilityOption> => decodeOk(o, 2 + len);
  switch (type) {
    case T.BindingRefreshAdvice:
      return need(2) ?? ok({ type: 'BindingRefreshAdvice', refreshInterval: b.readUInt16BE(d) });
    case T.AlternateCareOfAddress:
      return need(16) ?? ok({ type: 'AlternateCareOfAddress', alternateCareOfAddress: bytesToIpv6(b, d) });
    case T.NonceIndices:
      return (
        need(4) ??
        ok({ type: 'NonceIndices', homeNonceIndex: b.readUInt16BE(d), careOfNonceIndex: b.readUInt16BE(d + 2) })
      );
    case T.BindingAuthorizationData:
      return ok({ type: 'BindingAuthorizationData', authenticator: copy(b, d, d + len) });
    case T.MobilityHeaderLinkLayerAddress:
      return (
        need(1, false) ??
        ok({ type: 'MobilityHeaderLinkLayerAddress', optionCode: b[d]!, linkLayerAddress: copy(b, d + 1, d + len) })
      );
    case T.MobileNodeIdentifier:
      return (
        need(1, false) ?? ok({ type: 'MobileNodeIdentifier', subtype: b[d]!, identifier: copy(b, d + 1, d + len) })
      );
    case T.MobilityMessageAuthentication:
      return (
        need(5, false) ??
        ok({
          type: 'MobilityMessageAuthentication',
          subtype: b[d]!,
          mobilitySpi: b.readUInt32BE(d + 1),
          authenticationData: copy(b, d + 5, d + len),
        })
      );
    case T.MobilityMessageReplayProtection:
      return need(8) ?? ok({ type: 'MobilityMessageReplayProtection', timestamp: b.readBigUInt64BE(d) });
    case T.BindingAuthorizationDataForFmipv6:
      return (
        need(4, false) ??
        ok({
          type: 'BindingAuthorizationDataForFmipv6',
          spi: b.readUInt32BE(d),
          authenticator: copy(b, d + 4, d + len),
        })
      );
    case T.HomeNetworkPrefix:
      return need(18) ?? ok({ type: 'HomeNetworkPrefix', prefixLength: b[d + 1]!, prefix: bytesToIpv6(b, d + 2) });
    case T.HandoffIndicator:
      return need(2) ?? ok({ type: 'HandoffIndicator', handoffIndicator: b[d + 1]! });
    case T.AccessTechnologyType:
      return need(2) ?? ok({ type: 'AccessTechnologyType', accessTechnologyType: b[d + 1]! });
    case T.MobileNodeLinkLayerIdentifier:
      return (
        need(2, false) ?? ok({ type: 'MobileNodeLinkLayerIdentifier', linkLayerIdentifier: copy(b, d + 2, d + len) })
      );
    case T.LinkLocalAddress:
      return need(16) ?? ok({ type: 'LinkLocalAddress', linkLocalAddress: bytesToIpv6(b, d) });
    case T.Timestamp:
      return need(8) ?? ok({ type: 'Timestamp', timestamp: b.readBigUInt64BE(d) });
    case T.MobilityHeaderIpv6AddressPrefix:
      return (
        need(18) ??
        ok({
          type: 'MobilityHeaderIpv6AddressPrefix',
          optionCode: b[d]!,
          prefixLength: b[d + 1]!,
          address: bytesToIpv6(b, d + 2),
        })
      );
    case T.ContextRequest: {
      const bad = need(2, false);
      if (bad) return bad;
      const requests: { requestType: number; requestOption: Buffer }[] = [];
      let p = d + 2;
      const end = d + len;
      while (p < end) {
        if (p + 2 > end) return decodeFail('truncated', p, 'Context Request entry has no Req-length');
        const rl = b[p + 1]!;
        if (p + 2 + rl > end)
          return decodeFail('bad-length', p + 1, `Context Request Req-length ${rl} runs past the option`);
        requests.push({ requestType: b[p]!, requestOption: copy(b, p + 2, p + 2 + rl) });
        p += 2 + rl;
      }
      return ok({ type: 'ContextRequest', requests });
    }
    case T.LocalMobilityAnchorAddress: {
      const code = len >= 1 ? b[d]! : 0;
      if (code === 1)
        return need(18) ?? ok({ type: 'LocalMobilityAnchorAddress', optionCode: 1, address: bytesToIpv6(b, d + 2) });
      if (code === 2)
        return need(6) ?? ok({ type: 'LocalMobilityAnchorAddress', optionCode: 2, address: bytesToIpv4(b, d + 2) });
      break; // other Option-Codes: keep as unknown
    }
    case T.MobileNodeLinkLocalAddressInterfaceIdentifier:
      return (
        need(10) ??
        ok({ type: 'MobileNodeLinkLocalAddressInterfaceIdentifier', interfaceIdentifier: copy(b, d + 2, d + 10) })
      );
    case T.TransientBinding:
      return need(2) ?? ok({ type: 'TransientBinding', latePathSwitch: (b[d]! & 1) === 1, lifetime: b[d + 1]! });
  }
  return ok({ type: 'Unknown', optionType: type, data: copy(b, d, d + len) });
}

export const mobilityOptionCodec: TlvCodec<MobilityOption> = {
  isPadding: (o) => o.type === 'Pad1' || o.type === 'PadN',
  alignment: (o) => alignmentOf(o.type),
  length: (o) => (o.type === 'Pad1' ? 1 : 2 + dataLength(o)),
  write,
  read,
  pad1: () => ({ type: 'Pad1' }),
  padN: (n) => ({ type: 'PadN', length: n }),
};

/** Single-option codec (for tests and for callers that build options one at a time). */
export function encodingLength(o: MobilityOption): number {
  return mobilityOptionCodec.length(o);
}

export function encode(o: MobilityOption, buf?: Buffer, offset = 0): Buffer {
  const out = buf ?? Buffer.alloc(encodingLength(o));
  write(o, out, offset);
  return out;
}

export function decode(buf: Buffer, offset = 0): Decoded<MobilityOption> {
  if (buf.length - offset < 1) return decodeFail('truncated', offset, 'mobility option needs a Type byte');
  const type = buf[offset]!;
  if (type === T.Pad1) return decodeOk({ type: 'Pad1' }, 1);
  if (buf.length - offset < 2) return decodeFail('truncated', offset, 'mobility option needs a Length byte');
  const len = buf[offset + 1]!;
  if (buf.length - offset - 2 < len)
    return decodeFail('truncated', offset + 1, `mobility option Length ${len} runs past the buffer`);
  if (type === T.PadN) return decodeOk({ type: 'PadN', length: len }, 2 + len);
  return read(type, buf, offset + 2, len);
}
