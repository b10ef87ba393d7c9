// The states of the FMIPv6 mobile node (RFC 5568 §3) and the table of its transitions, so a reader can
// follow the machine in mobile-node.ts against the RFC. Two regions run side by side:
//
// Proxy router discovery (RFC 5568 §6.1.1, §6.1.2) may run at any time the radio is up, also during a
// handover (a scan that finds yet another AP):
//
//     idle ──new-ap-detected / link-going-down (AP not in the cache)──► rtsolpr-sent
//     rtsolpr-sent ──PrRtAdv naming the AP──► idle
//     rtsolpr-sent ──RtSolPr timer, retries left──► rtsolpr-sent (RtSolPr again, back-off)
//     rtsolpr-sent ──RtSolPr timer, none left / link-down──► idle (fallback-to-mipv6 'no-prrtadv')
//
// The handover itself (RFC 5568 §3.1 predictive, §3.2 reactive; triggers as RFC 4260 maps 802.11):
//
//     attached ──link-going-down, AP unknown──► awaiting-prrtadv
//        │                                          │ PrRtAdv names a NAR
//        │ link-going-down, NAR known               ▼
//        └──────────────────────────────────────► fbu-sent ──FBack < 128──► fback-received
//                                                   │  └──FBack ≥ 128──► fbu-refused       │ link-up: UNA
//                                                   │ link-down             │ link-up      ▼
//                                                   ▼                       ▼          attached (at the NAR)
//     attached ──link-down, NAR known────────► disconnected              attached
//                                                   │ link-up: UNA, FBU from the NCoA
//                                                   ▼
//                                            reactive-fbu-sent ──FBack──► attached (at the NAR)
//
// FMIP_MN_TRANSITIONS below lists every change of handover state with its RFC section; an input a
// state has no row for leaves the state as it is. mobile-node-state.test.ts drives the machine and
// checks that every change it makes is a row here.

import type { FastBindingUpdate } from '../../wire/mh/fmipv6.js';

/** What a PrRtAdv said about one AP, its [AP-ID, AR-Info] tuple (RFC 5568 §6.1.2). */
export interface ArInfo {
  apId: string;
  kind: 'nar' | 'own' | 'none';
  narAddress?: string;
  prefix?: string;
  prefixLength?: number;
}

/** A handover from the PAR to the NAR behind `apId` (RFC 5568 §3). */
export interface Handover {
  apId: string;
  /** The NAR's address (IP Address option code 3 of the PrRtAdv). */
  nar: string;
  /** The PAR and PCoA we leave. */
  par: string;
  pcoa: string;
  /** Formed on the NAR's /64 (§3.1), or supplied by the NAR in the FBack (§6.3.2); null on a point-to-point NAR until then. */
  ncoa: string | null;
  prefix: string | null;
  prefixLength: number;
  mode: 'predictive' | 'reactive';
}

/** An FBU and its retransmission timer (RFC 5568 §6.3.1); `retransmitAt` null once the retries are spent. */
export interface FbuTransmission {
  message: FastBindingUpdate;
  transmissions: number;
  timeoutMs: number;
  retransmitAt: number | null;
}

export type FmipMobileNodeState =
  /** On the current access router's link, no handover under way (RFC 5568 §3). */
  | { name: 'attached' }
  /** "Link going down" came before the PrRtAdv for the target AP: the FBU goes when it arrives (§3.1). */
  | { name: 'awaiting-prrtadv' }
  /** Predictive: FBU sent from the PCoA on the PAR's link, FBack awaited there (§3.1). */
  | { name: 'fbu-sent'; handover: Handover; fbu: FbuTransmission }
  /** Predictive: FBack received on the PAR's link; waiting for the link change (§3.1). */
  | { name: 'fback-received'; handover: Handover; fbu: FastBindingUpdate }
  /** FBack status ≥ 128 (§6.3.2): Mobile IPv6 handles the move; FMIPv6 waits for the next link change. */
  | { name: 'fbu-refused'; handover: Handover; fbu: FastBindingUpdate; onNewLink: boolean }
  /** Off the PAR's link without an FBack: reactive on the next attach (§3.2). `fbu`: the one sent from the PAR's link, if any. */
  | { name: 'disconnected'; handover: Handover; fbu: FastBindingUpdate | null }
  /** Reactive, on the NAR's link: UNA sent, FBU sent from the NCoA, FBack awaited (§3.2). */
  | { name: 'reactive-fbu-sent'; handover: Handover; fbu: FbuTransmission };

export type FmipMobileNodeStateName = FmipMobileNodeState['name'];

/** An outstanding RtSolPr (RFC 5568 §6.1.1), with its retransmission timer. */
export type ProxyRouterDiscovery =
  | { name: 'idle' }
  | {
      name: 'rtsolpr-sent';
      identifier: number;
      apId: string;
      transmissions: number;
      timeoutMs: number;
      retransmitAt: number;
    };

/** The inputs as the table names them: the machine's input kinds, messages by type, timers by what they time. */
export type FmipMobileNodeStimulus =
  | 'new-ap-detected'
  | 'link-going-down'
  | 'link-down'
  | 'link-up'
  | 'attached'
  | 'PrRtAdv'
  | 'FBack'
  | 'RtSolPr timer'
  | 'FBU timer';

export interface FmipMobileNodeTransition {
  from: readonly FmipMobileNodeStateName[];
  on: FmipMobileNodeStimulus;
  to: FmipMobileNodeStateName;
  when: string;
  rfc: string;
}

const LINK_UP_STATES = [
  'attached',
  'awaiting-prrtadv',
  'fbu-sent',
  'fback-received',
  'fbu-refused',
  'reactive-fbu-sent',
] as const;
const HANDOVER_STATES = ['fbu-sent', 'fback-received', 'fbu-refused', 'disconnected', 'reactive-fbu-sent'] as const;

/** Every change of handover state (state × input → next state). */
export const FMIP_MN_TRANSITIONS: readonly FmipMobileNodeTransition[] = [
  // Predictive (RFC 5568 §3.1)
  {
    from: ['attached', 'awaiting-prrtadv'],
    on: 'link-going-down',
    to: 'fbu-sent',
    when: 'a PrRtAdv named a NAR for the target AP: FBU from the PCoA',
    rfc: 'RFC 5568 §3.1, RFC 4260',
  },
  {
    from: ['attached', 'awaiting-prrtadv'],
    on: 'link-going-down',
    to: 'awaiting-prrtadv',
    when: 'no PrRtAdv for the target AP yet: RtSolPr now',
    rfc: 'RFC 5568 §3.1, §6.1.1',
  },
  {
    from: ['awaiting-prrtadv'],
    on: 'PrRtAdv',
    to: 'fbu-sent',
    when: 'it names a NAR for the target AP',
    rfc: 'RFC 5568 §3.1',
  },
  {
    from: ['awaiting-prrtadv'],
    on: 'PrRtAdv',
    to: 'attached',
    when: 'the target AP is on this router or has no NAR (same-router or fallback)',
    rfc: 'RFC 5568 §6.1.2',
  },
  {
    from: LINK_UP_STATES,
    on: 'PrRtAdv',
    to: 'fbu-sent',
    when: 'network-initiated (code 1) naming a NAR: FBU at once',
    rfc: 'RFC 5568 §3.3',
  },
  {
    from: ['awaiting-prrtadv'],
    on: 'RtSolPr timer',
    to: 'attached',
    when: 'no PrRtAdv after the retries: fallback',
    rfc: 'RFC 5568 §6.1.1',
  },
  {
    from: ['fbu-sent', 'disconnected', 'reactive-fbu-sent'],
    on: 'FBack',
    to: 'fbu-refused',
    when: 'status ≥ 128: fallback',
    rfc: 'RFC 5568 §6.3.2',
  },
  {
    from: ['fbu-sent', 'disconnected'],
    on: 'FBack',
    to: 'fback-received',
    when: 'status < 128, on the PAR\u2019s link',
    rfc: 'RFC 5568 §3.1, §6.3.2',
  },
  {
    from: ['fbu-sent', 'fback-received'],
    on: 'link-up',
    to: 'attached',
    when: 'predictive: UNA from the NCoA, handover complete',
    rfc: 'RFC 5568 §3.1, RFC 4861 §7.2.6',
  },
  // Reactive (RFC 5568 §3.2)
  {
    from: ['attached', 'fbu-sent', 'reactive-fbu-sent'],
    on: 'link-down',
    to: 'disconnected',
    when: 'no FBack yet (attached: a PrRtAdv named a NAR for the target AP)',
    rfc: 'RFC 5568 §3.2, RFC 4260',
  },
  {
    from: ['awaiting-prrtadv'],
    on: 'link-down',
    to: 'disconnected',
    when: 'a PrRtAdv named a NAR for the target AP',
    rfc: 'RFC 5568 §3.2',
  },
  {
    from: ['awaiting-prrtadv'],
    on: 'link-down',
    to: 'attached',
    when: 'nothing known of the target AP',
    rfc: 'RFC 5568 §3.2',
  },
  {
    from: ['disconnected', 'reactive-fbu-sent', 'fback-received'],
    on: 'link-up',
    to: 'reactive-fbu-sent',
    when: 'reactive: UNA, then FBU from the NCoA with the PCoA in a Home Address option',
    rfc: 'RFC 5568 §3.2',
  },
  {
    from: ['reactive-fbu-sent'],
    on: 'FBack',
    to: 'attached',
    when: 'status < 128, on the NAR\u2019s link: handover complete',
    rfc: 'RFC 5568 §3.2',
  },
  {
    from: ['reactive-fbu-sent'],
    on: 'FBU timer',
    to: 'attached',
    when: 'no FBack after the retries: fallback',
    rfc: 'RFC 5568 §6.3.1',
  },
  // Leaving FMIPv6 to Mobile IPv6
  {
    from: HANDOVER_STATES,
    on: 'link-up',
    to: 'attached',
    when: 'refused before, another AP than prepared, or no NCoA: fallback',
    rfc: 'RFC 5568 §3',
  },
  {
    from: HANDOVER_STATES,
    on: 'attached',
    to: 'attached',
    when: 'Mobile IPv6 found the new link after a fallback',
    rfc: 'RFC 6275 §11.5.1',
  },
];

export function hasHandover(s: FmipMobileNodeState): s is Extract<FmipMobileNodeState, { handover: Handover }> {
  return 'handover' in s;
}
