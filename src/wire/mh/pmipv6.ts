// Proxy Mobile IPv6 signalling, RFC 5213 §6.9.1.5 / §8.1–8.2: a Proxy Binding Update is a Binding
// Update with P = 1 and a Proxy Binding Acknowledgement a Binding Acknowledgement with P = 1; they are
// encoded by binding.ts. This file gives the constructors, the predicates and the mandatory-option
// check of RFC 5213 §5.3.1 (statuses of RFC 5213 §8.9).

import { bindingAcknowledgement, bindingUpdate, type BindingAcknowledgement, type BindingUpdate } from './binding.js';
import type { MobilityMessage } from './header.js';
import type { MobilityOption } from './options/types.js';

export type ProxyBindingUpdate = BindingUpdate & { proxyRegistration: true };
export type ProxyBindingAcknowledgement = BindingAcknowledgement & { proxyRegistration: true };

/** RFC 5213 §8.4 Handoff Indicator values. */
export const HandoffIndicatorValue = {
  AttachmentOverNewInterface: 1,
  HandoffBetweenInterfaces: 2,
  HandoffBetweenMags: 3,
  HandoffStateUnknown: 4,
  HandoffStateNotChanged: 5,
} as const;

/** RFC 5213 §8.5 Access Technology Type values (6–12 added by IANA later). */
export const AccessTechnologyTypeValue = { Virtual: 1, PPP: 2, IEEE802_3: 3, IEEE802_11: 4, IEEE802_16e: 5 } as const;

/** PBA status codes of RFC 5213 §8.9 (IANA Mobility IPv6 status registry). */
export const ProxyBindingAcknowledgementStatus = {
  Accepted: 0,
  ProxyRegNotEnabled: 152,
  NotLmaForThisMobileNode: 153,
  MagNotAuthorizedForProxyReg: 154,
  NotAuthorizedForHomeNetworkPrefix: 155,
  TimestampMismatch: 156,
  TimestampLowerThanPrevAccepted: 157,
  MissingHomeNetworkPrefixOption: 158,
  BcePbuPrefixSetDoNotMatch: 159,
  MissingMnIdentifierOption: 160,
  MissingHandoffIndicatorOption: 161,
  MissingAccessTechTypeOption: 162,
  /** RFC 6058 §6: accepted, Transient Binding settings ignored. */
  PbuAcceptedTbIgnoredSettingsMismatch: 6,
} as const;

/** A PBU: A = 1 and P = 1 unless given (RFC 5213 §6.9.1.5). */
export function proxyBindingUpdate(
  m: Partial<Omit<BindingUpdate, 'type' | 'proxyRegistration'>> &
    Pick<BindingUpdate, 'sequenceNumber' | 'lifetime' | 'options'>,
): ProxyBindingUpdate {
  return bindingUpdate({ acknowledge: true, ...m, proxyRegistration: true }) as ProxyBindingUpdate;
}

export function proxyBindingAcknowledgement(
  m: Partial<Omit<BindingAcknowledgement, 'type' | 'proxyRegistration'>> &
    Pick<BindingAcknowledgement, 'status' | 'sequenceNumber' | 'lifetime' | 'options'>,
): ProxyBindingAcknowledgement {
  return bindingAcknowledgement({ ...m, proxyRegistration: true }) as ProxyBindingAcknowledgement;
}

export function isProxyBindingUpdate(m: MobilityMessage): m is ProxyBindingUpdate {
  return m.type === 'BindingUpdate' && m.proxyRegistration;
}

export function isProxyBindingAcknowledgement(m: MobilityMessage): m is ProxyBindingAcknowledgement {
  return m.type === 'BindingAcknowledgement' && m.proxyRegistration;
}

/** The first option of a given type. */
export function findOption<K extends MobilityOption['type']>(
  options: MobilityOption[],
  type: K,
): Extract<MobilityOption, { type: K }> | undefined {
  return options.find((o) => o.type === type) as Extract<MobilityOption, { type: K }> | undefined;
}

/**
 * RFC 5213 §5.3.1: the PBA status for a PBU that lacks a mandatory option (MN-ID 160, HNP 158,
 * Handoff Indicator 161, ATT 162), or undefined when all are there.
 */
export function missingMandatoryOptionStatus(pbu: BindingUpdate): number | undefined {
  const S = ProxyBindingAcknowledgementStatus;
  if (!findOption(pbu.options, 'MobileNodeIdentifier')) return S.MissingMnIdentifierOption;
  if (!findOption(pbu.options, 'HomeNetworkPrefix')) return S.MissingHomeNetworkPrefixOption;
  if (!findOption(pbu.options, 'HandoffIndicator')) return S.MissingHandoffIndicatorOption;
  if (!findOption(pbu.options, 'AccessTechnologyType')) return S.MissingAccessTechTypeOption;
  return undefined;
}
