// The PAR's message building blocks (RFC 5568 §6.1.2 PrRtAdv tuples, §6.3.2 FBack and where it goes).
import type { FastBindingAcknowledgement, FastBindingUpdate } from '../../wire/mh/fmipv6.js';
import type { NdOption } from '../../wire/icmpv6/nd-options.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import { AddressOptionCode, LlaOptionCode } from './constants.js';
import type { NeighbourAccessPoint } from './neighbour-map.js';
import { ndAddress, ndLla } from './options.js';
import type { HandoverMode } from './par-interface.js';

/** PrRtAdv options for one AP (RFC 5568 §6.1.2): AP-ID, NAR's LLA, NAR's address and prefix. A
 * point-to-point NAR has no shared prefix to announce: the MN's own prefix comes with HAck/FBack. */
export function tupleOptions(ap: NeighbourAccessPoint): NdOption[] {
  const o: NdOption[] = [
    ndLla(LlaOptionCode.NewAccessPoint, ap.apId),
    ndLla(LlaOptionCode.NewAccessRouter, ap.narLinkLayerAddress),
    ndAddress(AddressOptionCode.NewAccessRouterAddress, ap.narAddress, 128),
  ];
  if (!ap.pointToPoint) o.push(ndAddress(AddressOptionCode.NewAccessRouterPrefix, ap.narPrefix, ap.narPrefixLength));
  return o;
}

/** RFC 5568 §6.3.2: predictive FBacks go to the PCoA (old link) and the NCoA (via the NAR); reactive to the NCoA. */
export function fbackTo(mode: HandoverMode, pcoa: string, ncoa: string): string[] {
  return mode === 'predictive' ? (ncoa === pcoa ? [pcoa] : [pcoa, ncoa]) : [ncoa];
}

/** An AP-ID from an LLA option: MAC text for 6 bytes, else colon-separated hex. */
export function macText(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function fbackMessage(
  fbu: FastBindingUpdate,
  status: number,
  lifetime: number,
  options: MobilityOption[],
): FastBindingAcknowledgement {
  return {
    type: 'FastBindingAcknowledgement',
    status,
    keyManagementCompatibility: false,
    sequenceNumber: fbu.sequenceNumber,
    lifetime,
    options,
  };
}
