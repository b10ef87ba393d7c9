// Neighbor Discovery options (RFC 4861 §4.6): Type (1) | Length (1, in 8-octet units incl. Type and
// Length; 0 is invalid) | data. Plus the mobility ones: Advertisement Interval and Home Agent
// Information (RFC 6275 §7.3–7.4), the R flag of Prefix Information (RFC 6275 §7.2), the FMIPv6
// options (RFC 5568 §6.4), the HMIPv6 MAP option (RFC 5380 §5) and the handover key options
// (RFC 5269 §5.2–5.3). Unknown types are kept whole and re-encode byte for byte.

import { bytesToIpv6, writeIpv6 } from '../address.js';
import { decodeFail, decodeOk, type Decoded } from '../result.js';

export const NdOptionType = {
  SourceLinkLayerAddress: 1,
  TargetLinkLayerAddress: 2,
  PrefixInformation: 3,
  Mtu: 5,
  AdvertisementInterval: 7,
  HomeAgentInformation: 8,
  IpAddressPrefix: 17,
  LinkLayerAddress: 19,
  NeighborAdvertisementAcknowledgement: 20,
  Map: 23,
  HandoverKeyRequest: 27,
  HandoverKeyReply: 28,
} as const;

/** A link-layer address; trailing zero padding after a 6-byte (Ethernet) address is not kept. */
export type SourceLinkLayerAddress = { type: 'SourceLinkLayerAddress'; linkLayerAddress: Buffer };
export type TargetLinkLayerAddress = { type: 'TargetLinkLayerAddress'; linkLayerAddress: Buffer };
export type PrefixInformation = {
  type: 'PrefixInformation';
  prefixLength: number;
  /** L */
  onLink: boolean;
  /** A */
  autonomous: boolean;
  /** R (RFC 6275 §7.2): the Prefix field holds the router's whole address. */
  routerAddress: boolean;
  validLifetime: number;
  preferredLifetime: number;
  prefix: string;
};
export type Mtu = { type: 'Mtu'; mtu: number };
/** RFC 6275 §7.3: milliseconds between unsolicited RAs. */
export type AdvertisementInterval = { type: 'AdvertisementInterval'; advertisementInterval: number };
/** RFC 6275 §7.4: preference is signed; lifetime in seconds. */
export type HomeAgentInformation = {
  type: 'HomeAgentInformation';
  homeAgentPreference: number;
  homeAgentLifetime: number;
};
/** RFC 5568 §6.4.1: Option-Code 1 old CoA, 2 new CoA, 3 NAR's IP address, 4 NAR's prefix. */
export type IpAddressPrefix = { type: 'IpAddressPrefix'; optionCode: number; prefixLength: number; address: string };
/** RFC 5568 §6.4.3: Option-Code 0 wildcard, 1 NAP, 2 MN, 3 NAR, 4 source, 5 current interface, 6 no prefix, 7 no fast handover. */
export type LinkLayerAddress = { type: 'LinkLayerAddress'; optionCode: number; linkLayerAddress: Buffer };
/** RFC 5568 §6.4.4: the bytes after Status are kept raw, since the position of a supplied NCoA differs
 * between RFC 5568 and Wireshark 4.0. See `suppliedNewCareOfAddress`. */
export type NeighborAdvertisementAcknowledgement = {
  type: 'NeighborAdvertisementAcknowledgement';
  optionCode: number;
  status: number;
  data: Buffer;
};
/** RFC 5380 §5: Dist and Pref are 4 bits each; R: the RCoA is allocated by the MAP (RFC 4877 §9). */
export type Map = {
  type: 'Map';
  distance: number;
  preference: number;
  rcoa: boolean;
  validLifetime: number;
  globalAddress: string;
};
/** RFC 5269 §5.2: AT is the 4-bit algorithm type; the public key is followed by Pad Length zero bytes. */
export type HandoverKeyRequest = { type: 'HandoverKeyRequest'; algorithmType: number; publicKey: Buffer };
/** RFC 5269 §5.3. */
export type HandoverKeyReply = {
  type: 'HandoverKeyReply';
  algorithmType: number;
  keyLifetime: number;
  encryptedHandoverKey: Buffer;
};
export type UnknownNdOption = { type: 'Unknown'; optionType: number /** bytes after Length */; data: Buffer };

export type NdOption =
  | SourceLinkLayerAddress
  | TargetLinkLayerAddress
  | PrefixInformation
  | Mtu
  | AdvertisementInterval
  | HomeAgentInformation
  | IpAddressPrefix
  | LinkLayerAddress
  | NeighborAdvertisementAcknowledgement
  | Map
  | HandoverKeyRequest
  | HandoverKeyReply
  | UnknownNdOption;

const units = (n: number): number => Math.ceil(n / 8) * 8;

export function encodingLength(o: NdOption): number {
  switch (o.type) {
    case 'SourceLinkLayerAddress':
    case 'TargetLinkLayerAddress':
      return units(2 + o.linkLayerAddress.length);
    case 'PrefixInformation':
      return 32;
    case 'Mtu':
    case 'AdvertisementInterval':
    case 'HomeAgentInformation':
      return 8;
    case 'IpAddressPrefix':
    case 'Map':
      return 24;
    case 'LinkLayerAddress':
      return units(3 + o.linkLayerAddress.length);
    case 'NeighborAdvertisementAcknowledgement':
      return units(4 + o.data.length);
    case 'HandoverKeyRequest':
      return units(4 + o.publicKey.length);
    case 'HandoverKeyReply':
      return units(6 + o.encryptedHandoverKey.length);
    case 'Unknown':
      return units(2 + o.data.length);
  }
}

export function encode(o: NdOption, buf?: Buffer, offset = 0): Buffer {
  const len = encodingLength(o);
  if (len > 255 * 8) throw new RangeError(`ND option ${o.type} of ${len} bytes is too long`);
  const b = buf ?? Buffer.alloc(len);
  for (let i = offset; i < offset + len; i++) b[i] = 0;
  b[offset] = o.type === 'Unknown' ? o.optionType : NdOptionType[o.type];
  b[offset + 1] = len / 8;
  const d = offset + 2;
  switch (o.type) {
    case 'SourceLinkLayerAddress':
    case 'TargetLinkLayerAddress':
      o.linkLayerAddress.copy(b, d);
      break;
    case 'PrefixInformation':
      b[d] = o.prefixLength;
      b[d + 1] = (o.onLink ? 0x80 : 0) | (o.autonomous ? 0x40 : 0) | (o.routerAddress ? 0x20 : 0);
      b.writeUInt32BE(o.validLifetime >>> 0, d + 2);
      b.writeUInt32BE(o.preferredLifetime >>> 0, d + 6);
      writeIpv6(o.prefix, b, d + 14);
      break;
    case 'Mtu':
      b.writeUInt32BE(o.mtu >>> 0, d + 2);
      break;
    case 'AdvertisementInterval':
      b.writeUInt32BE(o.advertisementInterval >>> 0, d + 2);
      break;
    case 'HomeAgentInformation':
      b.writeInt16BE(o.homeAgentPreference, d + 2);
      b.writeUInt16BE(o.homeAgentLifetime, d + 4);
      break;
    case 'IpAddressPrefix':
      b[d] = o.optionCode;
      b[d + 1] = o.prefixLength;
      writeIpv6(o.address, b, d + 6);
      break;
    case 'LinkLayerAddress':
      b[d] = o.optionCode;
      o.linkLayerAddress.copy(b, d + 1);
      break;
    case 'NeighborAdvertisementAcknowledgement':
      b[d] = o.optionCode;
      b[d + 1] = o.status;
      o.data.copy(b, d + 2);
      break;
    case 'Map':
      b[d] = ((o.distance & 0xf) << 4) | (o.preference & 0xf);
      b[d + 1] = o.rcoa ? 0x80 : 0;
      b.writeUInt32BE(o.validLifetime >>> 0, d + 2);
      writeIpv6(o.globalAddress, b, d + 6);
      break;
    case 'HandoverKeyRequest':
      b[d] = len - 4 - o.publicKey.length; // Pad Length
      b[d + 1] = (o.algorithmType & 0xf) << 4;
      o.publicKey.copy(b, d + 2);
      break;
    case 'HandoverKeyReply':
      b[d] = len - 6 - o.encryptedHandoverKey.length;
      b[d + 1] = (o.algorithmType & 0xf) << 4;
      b.writeUInt16BE(o.keyLifetime, d + 2);
      o.encryptedHandoverKey.copy(b, d + 4);
      break;
    case 'Unknown':
      o.data.copy(b, d);
      break;
  }
  return b;
}

/** Drops zero padding after a 6-byte (Ethernet, RFC 2464 §6) address; other lengths are kept whole. */
function linkAddress(b: Buffer, s: number, e: number): Buffer {
  if (e - s > 6 && b.subarray(s + 6, e).every((x) => x === 0)) e = s + 6;
  return Buffer.from(b.subarray(s, e));
}

/** Decodes one option at `offset` (its Type byte); `end` bounds the option list. */
export function decode(buf: Buffer, offset = 0, end = buf.length): Decoded<NdOption> {
  if (end - offset < 2) return decodeFail('truncated', offset, 'ND option needs Type and Length');
  const t = buf[offset]!;
  const len = buf[offset + 1]! * 8;
  if (len === 0) return decodeFail('bad-length', offset + 1, `ND option type ${t} has Length 0 (RFC 4861 §4.6)`);
  if (offset + len > end)
    return decodeFail('truncated', offset + 1, `ND option type ${t} of ${len} bytes runs past the message`);
  const d = offset + 2;
  const e = offset + len;
  const ok = (o: NdOption): Decoded<NdOption> => decodeOk(o, len);
  const need = (n: number): Decoded<never> | null =>
    len !== n ? decodeFail('bad-length', offset + 1, `ND option type ${t} is ${len} bytes, expected ${n}`) : null;
  switch (t) {
    case NdOptionType.SourceLinkLayerAddress:
      return ok({ type: 'SourceLinkLayerAddress', linkLayerAddress: linkAddress(buf, d, e) });
    case NdOptionType.TargetLinkLayerAddress:
      return ok({ type: 'TargetLinkLayerAddress', linkLayerAddress: linkAddress(buf, d, e) });
    case NdOptionType.PrefixInformation: {
      const bad = need(32);
      if (bad) return bad;
      const f = buf[d + 1]!;
      return ok({
        type: 'PrefixInformation',
        prefixLength: buf[d]!,
        onLink: (f & 0x80) !== 0,
        autonomous: (f & 0x40) !== 0,
        routerAddress: (f & 0x20) !== 0,
        validLifetime: buf.readUInt32BE(d + 2),
        preferredLifetime: buf.readUInt32BE(d + 6),
        prefix: bytesToIpv6(buf, d + 14),
      });
    }
    case NdOptionType.Mtu:
      return need(8) ?? ok({ type: 'Mtu', mtu: buf.readUInt32BE(d + 2) });
    case NdOptionType.AdvertisementInterval:
      return need(8) ?? ok({ type: 'AdvertisementInterval', advertisementInterval: buf.readUInt32BE(d + 2) });
    case NdOptionType.HomeAgentInformation:
      return (
        need(8) ??
        ok({
          type: 'HomeAgentInformation',
          homeAgentPreference: buf.readInt16BE(d + 2),
          homeAgentLifetime: buf.readUInt16BE(d + 4),
        })
      );
    case NdOptionType.IpAddressPrefix:
      return (
        need(24) ??
        ok({
          type: 'IpAddressPrefix',
          optionCode: buf[d]!,
          prefixLength: buf[d + 1]!,
          address: bytesToIpv6(buf, d + 6),
        })
      );
    case NdOptionType.LinkLayerAddress:
      return ok({ type: 'LinkLayerAddress', optionCode: buf[d]!, linkLayerAddress: linkAddress(buf, d + 1, e) });
    case NdOptionType.NeighborAdvertisementAcknowledgement:
      return ok({
        type: 'NeighborAdvertisementAcknowledgement',
        optionCode: buf[d]!,
        status: buf[d + 1]!,
        data: Buffer.from(buf.subarray(d + 2, e)),
      });
    case NdOptionType.Map: {
      const bad = need(24);
      if (bad) return bad;
      return ok({
        type: 'Map',
        distance: buf[d]! >> 4,
        preference: buf[d]! & 0xf,
        rcoa: (buf[d + 1]! & 0x80) !== 0,
        validLifetime: buf.readUInt32BE(d + 2),
        globalAddress: bytesToIpv6(buf, d + 6),
      });
    }
    case NdOptionType.HandoverKeyRequest: {
      const pad = buf[d]!;
      if (4 + pad > len)
        return decodeFail('bad-length', d, `Handover Key Request Pad Length ${pad} exceeds the option`);
      return ok({
        type: 'HandoverKeyRequest',
        algorithmType: buf[d + 1]! >> 4,
        publicKey: Buffer.from(buf.subarray(d + 2, e - pad)),
      });
    }
    case NdOptionType.HandoverKeyReply: {
      const pad = buf[d]!;
      if (len < 8 || 6 + pad > len)
        return decodeFail('bad-length', d, `Handover Key Reply Pad Length ${pad} exceeds the option`);
      return ok({
        type: 'HandoverKeyReply',
        algorithmType: buf[d + 1]! >> 4,
        keyLifetime: buf.readUInt16BE(d + 2),
        encryptedHandoverKey: Buffer.from(buf.subarray(d + 4, e - pad)),
      });
    }
  }
  return ok({ type: 'Unknown', optionType: t, data: Buffer.from(buf.subarray(d, e)) });
}

export function optionsLength(opts: readonly NdOption[]): number {
  let n = 0;
  for (const o of opts) n += encodingLength(o);
  return n;
}

export function writeOptions(opts: readonly NdOption[], buf: Buffer, offset: number): number {
  let o = offset;
  for (const opt of opts) {
    encode(opt, buf, o);
    o += encodingLength(opt);
  }
  return o - offset;
}

export function readOptions(buf: Buffer, offset: number, end: number): Decoded<NdOption[]> {
  const out: NdOption[] = [];
  let o = offset;
  while (o < end) {
    const r = decode(buf, o, end);
    if (!r.ok) return r;
    out.push(r.value);
    o += r.bytes;
  }
  return decodeOk(out, end - offset);
}

/**
 * The NCoA a NAACK with status 2 supplies. This code assumes RFC 5568 §6.4.4 puts it after 4 reserved
 * bytes; Wireshark 4.0 reads it right after Status. Both layouts stay available: pick one explicitly.
 */
export function suppliedNewCareOfAddress(
  o: NeighborAdvertisementAcknowledgement,
  layout: 'rfc5568' | 'wireshark' = 'rfc5568',
): string | undefined {
  const at = layout === 'rfc5568' ? 4 : 0;
  return o.data.length >= at + 16 ? bytesToIpv6(o.data, at) : undefined;
}
