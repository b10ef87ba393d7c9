// Small readers and builders for the FMIPv6 options inside decoded messages (RFC 5568 §6.4).

import type { IpAddressPrefix, LinkLayerAddress, NdOption } from '../../wire/icmpv6/nd-options.js';
import type {
  MobilityHeaderIpv6AddressPrefix,
  MobilityHeaderLinkLayerAddress,
  MobilityOption,
} from '../../wire/mh/options/types.js';
import { macToBytes } from '../../wire/address.js';
import { canonical } from '../../wire/address.js';

export function mhAddress(optionCode: number, address: string, prefixLength = 128): MobilityHeaderIpv6AddressPrefix {
  return { type: 'MobilityHeaderIpv6AddressPrefix', optionCode, prefixLength, address };
}

export function mhLinkLayerAddress(lla: Buffer): MobilityHeaderLinkLayerAddress {
  return { type: 'MobilityHeaderLinkLayerAddress', optionCode: 2, linkLayerAddress: lla };
}

/** The first MH IPv6 Address/Prefix option with this Option-Code (RFC 5568 §6.4.2), canonical. */
export function findMhAddress(
  options: readonly MobilityOption[],
  optionCode: number,
): { address: string; prefixLength: number } | undefined {
  for (const o of options) {
    if (o.type === 'MobilityHeaderIpv6AddressPrefix' && o.optionCode === optionCode)
      return { address: canonical(o.address), prefixLength: o.prefixLength };
  }
  return undefined;
}

export function findMhLinkLayerAddress(options: readonly MobilityOption[]): Buffer | undefined {
  for (const o of options)
    if (o.type === 'MobilityHeaderLinkLayerAddress' && o.optionCode === 2) return o.linkLayerAddress;
  return undefined;
}

export function ndLla(optionCode: number, lla: Buffer | string): LinkLayerAddress {
  return { type: 'LinkLayerAddress', optionCode, linkLayerAddress: typeof lla === 'string' ? macToBytes(lla) : lla };
}

export function ndAddress(optionCode: number, address: string, prefixLength: number): IpAddressPrefix {
  return { type: 'IpAddressPrefix', optionCode, prefixLength, address };
}

export function findNdLlas(options: readonly NdOption[], optionCode: number): Buffer[] {
  const out: Buffer[] = [];
  for (const o of options)
    if (o.type === 'LinkLayerAddress' && o.optionCode === optionCode) out.push(o.linkLayerAddress);
  return out;
}

export function findNdAddress(
  options: readonly NdOption[],
  optionCode: number,
): { address: string; prefixLength: number } | undefined {
  for (const o of options)
    if (o.type === 'IpAddressPrefix' && o.optionCode === optionCode)
      return { address: canonical(o.address), prefixLength: o.prefixLength };
  return undefined;
}

/** The sender's link-layer address from a Source/Target LLA option (RFC 4861 §4.6.1) or LLA code 2. */
export function findMobileNodeLla(options: readonly NdOption[]): Buffer | undefined {
  for (const o of options) {
    if (o.type === 'SourceLinkLayerAddress' || o.type === 'TargetLinkLayerAddress') return o.linkLayerAddress;
    if (o.type === 'LinkLayerAddress' && o.optionCode === 2) return o.linkLayerAddress;
  }
  return undefined;
}
