// The messages the FMIPv6 mobile node builds and reads (RFC 5568 §6), kept apart from its states.

import type { FastBindingUpdate } from '../../wire/mh/fmipv6.js';
import type { Icmpv6Message } from '../../wire/icmpv6/header.js';
import type { ProxyRouterAdvertisement } from '../../wire/icmpv6/fmipv6.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import { bytesToMac } from '../../wire/address.js';
import { canonical } from '../../wire/address.js';
import { AddressOptionCode, LlaOptionCode } from './constants.js';
import type { ArInfo } from './mobile-node-state.js';
import { mhAddress, mhLinkLayerAddress, ndLla } from './options.js';

/** RtSolPr naming the AP we may move to (RFC 5568 §6.1.1), with our link-layer address. */
export function routerSolicitationForProxyAdvertisement(identifier: number, mac: Buffer, apId: string): Icmpv6Message {
  return {
    type: 'RouterSolicitationForProxyAdvertisement',
    identifier,
    options: [{ type: 'SourceLinkLayerAddress', linkLayerAddress: mac }, ndLla(LlaOptionCode.NewAccessPoint, apId)],
  };
}

// RFC 5568 §6.1.2: each LLA option code 1 starts an [AP-ID, AR-Info] tuple; the NAR's LLA (code 3),
// address (IPA code 3) and prefix (IPA code 4) follow it. LLA codes 5-7 name APs with no NAR info.
export function arInfoOf(m: ProxyRouterAdvertisement): ArInfo[] {
  const learned: ArInfo[] = [];
  let cur: ArInfo | null = null;
  for (const o of m.options) {
    if (o.type === 'LinkLayerAddress' && o.optionCode === LlaOptionCode.NewAccessPoint) {
      cur = { apId: bytesToMac(o.linkLayerAddress), kind: 'nar' };
      learned.push(cur);
    } else if (
      o.type === 'LinkLayerAddress' &&
      o.optionCode >= LlaOptionCode.ApOnThisRouter &&
      o.optionCode <= LlaOptionCode.NoFastHandoverForAp
    ) {
      cur = null;
      learned.push({
        apId: bytesToMac(o.linkLayerAddress),
        kind: o.optionCode === LlaOptionCode.ApOnThisRouter ? 'own' : 'none',
      });
    } else if (cur && o.type === 'IpAddressPrefix' && o.optionCode === AddressOptionCode.NewAccessRouterAddress) {
      cur.narAddress = canonical(o.address);
    } else if (cur && o.type === 'IpAddressPrefix' && o.optionCode === AddressOptionCode.NewAccessRouterPrefix) {
      cur.prefix = canonical(o.address);
      cur.prefixLength = o.prefixLength;
    }
  }
  return learned;
}

// RFC 5568 §3.1: the predictive FBU carries the NCoA we formed (none on a point-to-point NAR, which
// assigns one) and our link-layer address.
export function predictiveFbu(
  sequenceNumber: number,
  lifetime: number,
  ncoa: string | null,
  mac: Buffer,
): FastBindingUpdate {
  const options: MobilityOption[] = [];
  if (ncoa) options.push(mhAddress(AddressOptionCode.NewCareOfAddress, ncoa));
  options.push(mhLinkLayerAddress(mac));
  return fastBindingUpdate(sequenceNumber, lifetime, options);
}

/** RFC 5568 §3.2: from the new link the FBU carries only our link-layer address (the NCoA is its source). */
export function reactiveFbu(sequenceNumber: number, lifetime: number, mac: Buffer): FastBindingUpdate {
  return fastBindingUpdate(sequenceNumber, lifetime, [mhLinkLayerAddress(mac)]);
}

function fastBindingUpdate(sequenceNumber: number, lifetime: number, options: MobilityOption[]): FastBindingUpdate {
  // RFC 5568 §6.3.1: A (ask for an FBack) and H set.
  return {
    type: 'FastBindingUpdate',
    sequenceNumber,
    acknowledge: true,
    homeRegistration: true,
    linkLocalCompatibility: false,
    keyManagementCompatibility: false,
    lifetime,
    options,
  };
}

// RFC 4861 §7.2.6 unsolicited NA, as RFC 5568 §3.1 uses it on the new link: O set, S clear, target the
// NCoA, with our link-layer address, so the NAR delivers what it buffered.
export function unsolicitedNeighborAdvertisement(ncoa: string, mac: Buffer): Icmpv6Message {
  return {
    type: 'NeighborAdvertisement',
    router: false,
    solicited: false,
    override: true,
    targetAddress: ncoa,
    options: [{ type: 'TargetLinkLayerAddress', linkLayerAddress: mac }],
  };
}
