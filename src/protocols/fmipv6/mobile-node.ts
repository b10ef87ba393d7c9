// The mobile node's side of Mobile IPv6 Fast Handovers (RFC 5568), driven by the layer-2 triggers
// of RFC 4260 (802.11): a scan that finds a new AP asks the PAR about it (RtSolPr, §6.1.1); the PrRtAdv
// (§6.1.2) gives the NAR's prefix, from which the NCoA is formed (§3.1 step 3, EUI-64 of our MAC);
// "link going down" sends the FBU from the PCoA on the old link (predictive, §3.1). If no FBack came
// before the detach, the MN announces itself on the new link with a UNA and sends the FBU from there
// (reactive, §3.2). Either way it then hands over to Mobile IPv6 with a `mipv6-handover` action so the
// Mobile IPv6 machine sends its BU to the home agent. When FMIPv6 cannot help (no PrRtAdv, unknown AP,
// refused FBU) it says so with a `fallback-to-mipv6` event and leaves the move to Mobile IPv6.
//
// Runs beside src/protocols/mipv6's MobileNode: both take the link triggers; only this one speaks
// FMIPv6. Pure machine: after every `handle`, re-read `nextDeadline()` and tick by then.

import type { FastBindingAcknowledgement, FastBindingUpdate } from '../../wire/mh/fmipv6.js';
import type { ProxyRouterAdvertisement } from '../../wire/icmpv6/fmipv6.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import { bytesToMac, canonical, canonicalMac, eui64Address, macToBytes } from '../../wire/address.js';
import {
  ALL_NODES,
  AddressOptionCode,
  DEFAULT_FBU_LIFETIME_S,
  DEFAULT_FBU_TIMEOUT_MS,
  DEFAULT_RTSOLPR_TIMEOUT_MS,
  FBU_RETRIES,
  LlaOptionCode,
  MIN_RTSOLPR_INTERVAL_MS,
  ND_HOP_LIMIT,
  PrRtAdvCode,
  RTSOLPR_RETRIES,
} from './constants.js';
import { findMhAddress, mhAddress, mhLinkLayerAddress, ndLla } from './options.js';
import { sendMobilityHeader, type Icmpv6Input, type MobilityHeaderInput, type SendIcmpv6, type SendMobilityHeader, type Tick } from '../core/index.js';

export interface FmipMobileNodeConfig {
  /** The radio's MAC: the NCoA's interface identifier (EUI-64) and the LLA in RtSolPr, FBU and UNA. */
  linkLayerAddress: string;
  /** The radio interface, passed through in actions. Default 'radio'. */
  iface?: string;
  /** Where the MN is attached at start: the access router (PAR-to-be) and the care-of address there. */
  router: string;
  careOfAddress: string;
  apId?: string;
  /** FBU Lifetime asked for, seconds. Default 10. */
  fbuLifetimeS?: number;
  rtSolPrTimeoutMs?: number;
  rtSolPrRetries?: number;
  fbuTimeoutMs?: number;
  fbuRetries?: number;
  /** First RtSolPr Identifier and FBU Sequence Number are these + 1 (the agent may pass random values). */
  initialIdentifier?: number;
  initialSequence?: number;
}

export type FmipMobileNodeInput =
  /** RFC 4260: a scan (probe responses, beacons) found an AP we may move to. */
  | { kind: 'new-ap-detected'; bssid: string }
  /** RFC 4260: the handover decision ("link going down"), optionally naming the AP we will join. */
  | { kind: 'link-going-down'; target?: string }
  /** Disassociation / carrier off. */
  | { kind: 'link-down' }
  /** (Re)association / carrier on, at `bssid` when known. */
  | { kind: 'link-up'; bssid?: string }
  /** Where Mobile IPv6 found us after a move FMIPv6 did not handle (fallback): the next PAR and PCoA. */
  | { kind: 'attached'; router: string; careOfAddress: string; apId?: string }
  | Icmpv6Input
  | MobilityHeaderInput
  | Tick;

export type FmipMobileNodeAction =
  | SendIcmpv6
  | SendMobilityHeader
  /** Put the NCoA on the radio, usable at once (RFC 5568 §3.1: the NAR already vouched for it, or it is optimistic). */
  | { kind: 'configure-address'; iface: string; address: string; prefixLength: number }
  /** FMIPv6 is done on the new link: Mobile IPv6 should register `careOfAddress` with the home agent. */
  | { kind: 'mipv6-handover'; iface: string; careOfAddress: string; router: string; prefix: string | null; prefixLength: number }
  | { kind: 'event'; event: FmipMobileNodeEvent };

export type FallbackReason = 'no-prrtadv' | 'unknown-ap' | 'fbu-refused' | 'no-fback' | 'wrong-ap' | 'no-ncoa';

export type FmipMobileNodeEvent =
  | { name: 'rtsolpr-sent'; at: number; apId: string; transmission: number }
  | { name: 'prrtadv-received'; at: number; code: number; apIds: string[] }
  | { name: 'fbu-sent'; at: number; mode: 'predictive' | 'reactive'; ncoa: string | null; transmission: number }
  | { name: 'fback-received'; at: number; status: number; ncoa: string | null; onNewLink: boolean }
  | { name: 'una-sent'; at: number; ncoa: string }
  | { name: 'handover-complete'; at: number; mode: 'predictive' | 'reactive'; ncoa: string; nar: string }
  | { name: 'same-router'; at: number; apId: string }
  | { name: 'fallback-to-mipv6'; at: number; reason: FallbackReason; apId: string | null };

export const FMIP_MOBILE_NODE_COUNTERS = [
  'rtsolpr-sent',
  'rtsolpr-retransmitted',
  'prrtadv-received',
  'prrtadv-unexpected',
  'fbu-sent',
  'fbu-retransmitted',
  'fback-accepted',
  'fback-refused',
  'fback-unexpected',
  'una-sent',
  'predictive-handovers',
  'reactive-handovers',
  'fallbacks',
  'mh-unexpected',
  'icmp-unexpected',
] as const;
export type FmipMobileNodeCounter = (typeof FMIP_MOBILE_NODE_COUNTERS)[number];

/** What a PrRtAdv said about one AP (RFC 5568 §6.1.2). */
interface ArInfo {
  apId: string;
  kind: 'nar' | 'own' | 'none';
  narAddress?: string;
  prefix?: string;
  prefixLength?: number;
}

interface Handover {
  apId: string;
  info: ArInfo;
  /** The PAR and PCoA we leave. */
  par: string;
  pcoa: string;
  ncoa: string | null;
  prefix: string | null;
  prefixLength: number;
  mode: 'predictive' | 'reactive';
  fbu: FastBindingUpdate | null;
  fbuTransmissions: number;
  fbuTimeoutMs: number;
  fbuRetransmitAt: number | null;
  fback: 'none' | 'accepted' | 'refused';
  attached: boolean;
}

export class FmipMobileNode {
  readonly #cfg: Required<Omit<FmipMobileNodeConfig, 'apId'>>;
  readonly #mac: Buffer;
  #router: string;
  #pcoa: string;
  #apId: string | null;
  #linkUp = true;
  readonly #arInfo = new Map<string, ArInfo>();
  #target: string | null = null;
  #rtSolPr: { identifier: number; apId: string; transmissions: number; timeoutMs: number; retransmitAt: number } | null = null;
  /** A link-going-down came before the PrRtAdv: send the FBU as soon as it arrives. */
  #fbuWanted = false;
  #handover: Handover | null = null;
  #identifier: number;
  #sequence: number;
  readonly #counters = Object.fromEntries(FMIP_MOBILE_NODE_COUNTERS.map((c) => [c, 0])) as Record<FmipMobileNodeCounter, number>;

  constructor(config: FmipMobileNodeConfig) {
    this.#cfg = {
      iface: 'radio',
      fbuLifetimeS: DEFAULT_FBU_LIFETIME_S,
      rtSolPrTimeoutMs: DEFAULT_RTSOLPR_TIMEOUT_MS,
      rtSolPrRetries: RTSOLPR_RETRIES,
      fbuTimeoutMs: DEFAULT_FBU_TIMEOUT_MS,
      fbuRetries: FBU_RETRIES,
      initialIdentifier: 0,
      initialSequence: 0,
      ...config,
      linkLayerAddress: canonicalMac(config.linkLayerAddress),
    };
    this.#mac = macToBytes(this.#cfg.linkLayerAddress);
    this.#router = canonical(config.router);
    this.#pcoa = canonical(config.careOfAddress);
    this.#apId = config.apId ? canonicalMac(config.apId) : null;
    this.#identifier = this.#cfg.initialIdentifier & 0xffff;
    this.#sequence = this.#cfg.initialSequence & 0xffff;
  }

  get counters(): Readonly<Record<FmipMobileNodeCounter, number>> {
    return this.#counters;
  }

  get state() {
    const h = this.#handover;
    return {
      router: this.#router,
      careOfAddress: this.#pcoa,
      apId: this.#apId,
      linkUp: this.#linkUp,
      handover: h ? { apId: h.apId, mode: h.mode, ncoa: h.ncoa, fback: h.fback, attached: h.attached } : null,
    };
  }

  nextDeadline(): number | null {
    const ds: number[] = [];
    if (this.#rtSolPr) ds.push(this.#rtSolPr.retransmitAt);
    if (this.#handover?.fbuRetransmitAt != null) ds.push(this.#handover.fbuRetransmitAt);
    return ds.length ? Math.min(...ds) : null;
  }

  handle(now: number, input: FmipMobileNodeInput): FmipMobileNodeAction[] {
    try {
      switch (input.kind) {
        case 'tick':
          return this.#onTick(now);
        case 'new-ap-detected':
          return this.#onNewAp(now, canonicalMac(input.bssid));
        case 'link-going-down':
          return this.#onLinkGoingDown(now, input.target ? canonicalMac(input.target) : this.#target);
        case 'link-down':
          return this.#onLinkDown(now);
        case 'link-up':
          return this.#onLinkUp(now, input.bssid ? canonicalMac(input.bssid) : null);
        case 'attached':
          this.#router = canonical(input.router);
          this.#pcoa = canonical(input.careOfAddress);
          this.#apId = input.apId ? canonicalMac(input.apId) : null;
          this.#handover = null;
          this.#arInfo.clear(); // PrRtAdv answers were the old router's view of its neighbours
          return [];
        case 'icmp':
          if (input.message.type === 'ProxyRouterAdvertisement') return this.#onPrRtAdv(now, input, input.message);
          this.#counters['icmp-unexpected']++;
          return [];
        case 'mh':
          if (input.message.type === 'FastBindingAcknowledgement') return this.#onFback(now, input.message);
          this.#counters['mh-unexpected']++;
          return [];
      }
    } catch {
      this.#counters[input.kind === 'icmp' ? 'icmp-unexpected' : 'mh-unexpected']++;
      return [];
    }
  }

  // RFC 4260 / RFC 5568 §6.1.1: a scan result names the AP; ask the PAR about it unless we know already.
  #onNewAp(now: number, apId: string): FmipMobileNodeAction[] {
    this.#target = apId;
    if (this.#arInfo.has(apId) || !this.#linkUp) return [];
    if (this.#rtSolPr?.apId === apId) return [];
    this.#identifier = (this.#identifier + 1) & 0xffff;
    this.#rtSolPr = { identifier: this.#identifier, apId, transmissions: 0, timeoutMs: Math.max(this.#cfg.rtSolPrTimeoutMs, MIN_RTSOLPR_INTERVAL_MS), retransmitAt: now };
    return this.#sendRtSolPr(now);
  }

  #sendRtSolPr(now: number): FmipMobileNodeAction[] {
    const r = this.#rtSolPr!;
    r.transmissions++;
    this.#counters[r.transmissions === 1 ? 'rtsolpr-sent' : 'rtsolpr-retransmitted']++;
    r.retransmitAt = now + r.timeoutMs;
    r.timeoutMs *= 2;
    return [
      {
        kind: 'send-icmp',
        src: this.#pcoa,
        dst: this.#router,
        hopLimit: ND_HOP_LIMIT,
        message: {
          type: 'RouterSolicitationForProxyAdvertisement',
          identifier: r.identifier,
          options: [{ type: 'SourceLinkLayerAddress', linkLayerAddress: this.#mac }, ndLla(LlaOptionCode.NewAccessPoint, r.apId)],
        },
      },
      { kind: 'event', event: { name: 'rtsolpr-sent', at: now, apId: r.apId, transmission: r.transmissions } },
    ];
  }

  // RFC 5568 §6.1.2: each LLA option code 1 starts an [AP-ID, AR-Info] tuple; the NAR's LLA (code 3),
  // address (IPA code 3) and prefix (IPA code 4) follow it. LLA codes 5-7 name APs with no NAR info.
  #onPrRtAdv(now: number, input: Icmpv6Input, m: ProxyRouterAdvertisement): FmipMobileNodeAction[] {
    const solicited = this.#rtSolPr !== null && m.identifier === this.#rtSolPr.identifier;
    const unsolicited = m.code === PrRtAdvCode.NetworkInitiated || m.code === PrRtAdvCode.Unsolicited;
    if (canonical(input.src) !== this.#router || (!solicited && !unsolicited)) {
      this.#counters['prrtadv-unexpected']++;
      return [];
    }
    this.#counters['prrtadv-received']++;
    const learned: ArInfo[] = [];
    let cur: ArInfo | null = null;
    for (const o of m.options) {
      if (o.type === 'LinkLayerAddress' && o.optionCode === LlaOptionCode.NewAccessPoint) {
        cur = { apId: bytesToMac(o.linkLayerAddress), kind: 'nar' };
        learned.push(cur);
      } else if (o.type === 'LinkLayerAddress' && o.optionCode >= LlaOptionCode.ApOnThisRouter && o.optionCode <= LlaOptionCode.NoFastHandoverForAp) {
        cur = null;
        learned.push({ apId: bytesToMac(o.linkLayerAddress), kind: o.optionCode === LlaOptionCode.ApOnThisRouter ? 'own' : 'none' });
      } else if (cur && o.type === 'IpAddressPrefix' && o.optionCode === AddressOptionCode.NewAccessRouterAddress) {
        cur.narAddress = canonical(o.address);
      } else if (cur && o.type === 'IpAddressPrefix' && o.optionCode === AddressOptionCode.NewAccessRouterPrefix) {
        cur.prefix = canonical(o.address);
        cur.prefixLength = o.prefixLength;
      }
    }
    for (const i of learned) this.#arInfo.set(i.apId, i.kind === 'nar' && !i.narAddress ? { ...i, kind: 'none' } : i);
    const out: FmipMobileNodeAction[] = [{ kind: 'event', event: { name: 'prrtadv-received', at: now, code: m.code, apIds: learned.map((i) => i.apId) } }];
    if (solicited && this.#arInfo.has(this.#rtSolPr!.apId)) this.#rtSolPr = null;
    if (m.code === PrRtAdvCode.NetworkInitiated && learned[0]) {
      // RFC 5568 §3.3: the network picked the AP; act on it at once.
      this.#target = learned[0].apId;
      this.#fbuWanted = true;
    }
    const target = this.#target ? this.#arInfo.get(this.#target) : undefined;
    if (target && target.kind !== 'nar') {
      this.#fbuWanted = false;
      out.push(...(target.kind === 'own' ? [this.#event({ name: 'same-router', at: now, apId: target.apId })] : this.#fallback(now, 'unknown-ap', target.apId)));
    } else if (target && this.#fbuWanted && this.#linkUp) {
      this.#fbuWanted = false;
      out.push(...this.#startPredictive(now, target));
    }
    return out;
  }

  #onLinkGoingDown(now: number, apId: string | null): FmipMobileNodeAction[] {
    if (!apId || this.#handover) return [];
    this.#target = apId;
    const info = this.#arInfo.get(apId);
    if (info?.kind === 'nar') return this.#startPredictive(now, info);
    if (info) return [];
    // No PrRtAdv for that AP yet: ask now and send the FBU when the answer comes (still on this link).
    this.#fbuWanted = true;
    return this.#rtSolPr?.apId === apId ? [] : this.#onNewAp(now, apId);
  }

  // RFC 5568 §3.1 step 3: FBU from the PCoA to the PAR, with the NCoA we formed (none on a
  // point-to-point NAR, which assigns one) and our link-layer address.
  #startPredictive(now: number, info: ArInfo): FmipMobileNodeAction[] {
    this.#handover = this.#newHandover(info, 'predictive');
    const h = this.#handover;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    const options: MobilityOption[] = [];
    if (h.ncoa) options.push(mhAddress(AddressOptionCode.NewCareOfAddress, h.ncoa));
    options.push(mhLinkLayerAddress(this.#mac));
    h.fbu = fbuMessage(this.#sequence, this.#cfg.fbuLifetimeS, options);
    return this.#sendFbu(now);
  }

  #newHandover(info: ArInfo, mode: 'predictive' | 'reactive'): Handover {
    const ncoa = info.prefix && info.prefixLength === 64 ? eui64Address(info.prefix, this.#mac) : null;
    return {
      apId: info.apId,
      info,
      par: this.#router,
      pcoa: this.#pcoa,
      ncoa,
      prefix: info.prefix ?? null,
      prefixLength: info.prefixLength ?? 64,
      mode,
      fbu: null,
      fbuTransmissions: 0,
      fbuTimeoutMs: this.#cfg.fbuTimeoutMs,
      fbuRetransmitAt: null,
      fback: 'none',
      attached: false,
    };
  }

  #sendFbu(now: number): FmipMobileNodeAction[] {
    const h = this.#handover!;
    h.fbuTransmissions++;
    this.#counters[h.fbuTransmissions === 1 ? 'fbu-sent' : 'fbu-retransmitted']++;
    h.fbuRetransmitAt = now + h.fbuTimeoutMs;
    h.fbuTimeoutMs *= 2;
    const reactive = h.mode === 'reactive';
    return [
      // Reactive (RFC 5568 §3.2): from the NCoA with the PCoA in a Home Address option.
      reactive
        ? sendMobilityHeader({ src: h.ncoa!, dst: h.par, homeAddressOption: h.pcoa }, h.fbu!)
        : sendMobilityHeader({ src: h.pcoa, dst: h.par }, h.fbu!),
      { kind: 'event', event: { name: 'fbu-sent', at: now, mode: h.mode, ncoa: h.ncoa, transmission: h.fbuTransmissions } },
    ];
  }

  #onFback(now: number, m: FastBindingAcknowledgement): FmipMobileNodeAction[] {
    const h = this.#handover;
    if (!h?.fbu || m.sequenceNumber !== h.fbu.sequenceNumber) {
      this.#counters['fback-unexpected']++;
      return [];
    }
    if (h.fback !== 'none') return []; // the second copy (RFC 5568 §6.3.2 sends it to both links)
    h.fbuRetransmitAt = null;
    const onNewLink = h.attached;
    if (m.status >= 128) {
      h.fback = 'refused';
      this.#counters['fback-refused']++;
      const out: FmipMobileNodeAction[] = [this.#event({ name: 'fback-received', at: now, status: m.status, ncoa: null, onNewLink })];
      return [...out, ...this.#fallback(now, 'fbu-refused', h.apId)];
    }
    h.fback = 'accepted';
    this.#counters['fback-accepted']++;
    // Status 1 (RFC 5568 §6.3.2): use the NCoA the NAR supplied; a point-to-point NAR adds our prefix.
    const supplied = findMhAddress(m.options, AddressOptionCode.NewCareOfAddress);
    const prefix = findMhAddress(m.options, AddressOptionCode.NewAccessRouterPrefix);
    if (supplied && !onNewLink) h.ncoa = supplied.address;
    if (prefix) {
      h.prefix = prefix.address;
      h.prefixLength = prefix.prefixLength;
    }
    const out: FmipMobileNodeAction[] = [this.#event({ name: 'fback-received', at: now, status: m.status, ncoa: h.ncoa, onNewLink })];
    if (onNewLink && h.mode === 'reactive') {
      this.#counters['reactive-handovers']++;
      out.push(this.#event({ name: 'handover-complete', at: now, mode: 'reactive', ncoa: h.ncoa!, nar: h.info.narAddress! }));
      this.#handover = null;
    }
    return out;
  }

  // RFC 4260: disassociation is the last moment for a predictive FBU; without an FBack by now the
  // handover continues reactively from the new link (RFC 5568 §3.2).
  #onLinkDown(now: number): FmipMobileNodeAction[] {
    this.#linkUp = false;
    const out: FmipMobileNodeAction[] = [];
    if (this.#rtSolPr) {
      const apId = this.#rtSolPr.apId;
      this.#rtSolPr = null;
      if (!this.#handover && this.#target === apId) out.push(...this.#fallback(now, 'no-prrtadv', apId));
    }
    this.#fbuWanted = false;
    const h = this.#handover;
    if (h && h.fback === 'none') {
      h.mode = 'reactive';
      h.fbuRetransmitAt = null;
    } else if (!h && this.#target) {
      // No FBU was sent (no "link going down" in time) but we know the NAR: go reactive on attach.
      const info = this.#arInfo.get(this.#target);
      if (info?.kind === 'nar') this.#handover = this.#newHandover(info, 'reactive');
    }
    return out;
  }

  #onLinkUp(now: number, bssid: string | null): FmipMobileNodeAction[] {
    this.#linkUp = true;
    const h = this.#handover;
    if (!h) {
      // A move FMIPv6 had no part in; Mobile IPv6 handles it (and tells us where we are with `attached`).
      return [];
    }
    if (h.fback === 'refused') {
      this.#handover = null;
      return [];
    }
    if (bssid && bssid !== h.apId) {
      this.#handover = null;
      return this.#fallback(now, 'wrong-ap', h.apId);
    }
    if (!h.ncoa || !h.info.narAddress) {
      this.#handover = null;
      return this.#fallback(now, 'no-ncoa', h.apId);
    }
    h.attached = true;
    const nar = h.info.narAddress;
    this.#router = nar;
    this.#pcoa = h.ncoa;
    this.#apId = h.apId;
    this.#arInfo.clear();
    this.#target = null;
    const iface = this.#cfg.iface;
    this.#counters['una-sent']++;
    const out: FmipMobileNodeAction[] = [
      { kind: 'configure-address', iface, address: h.ncoa, prefixLength: h.prefixLength },
      // RFC 5568 §6.4 (mem, spec §4.6): UNA = NA with O set, S clear, target NCoA, to all-nodes,
      // with our link-layer address, so the NAR delivers what it buffered.
      {
        kind: 'send-icmp',
        src: h.ncoa,
        dst: ALL_NODES,
        hopLimit: ND_HOP_LIMIT,
        message: { type: 'NeighborAdvertisement', router: false, solicited: false, override: true, targetAddress: h.ncoa, options: [{ type: 'TargetLinkLayerAddress', linkLayerAddress: this.#mac }] },
      },
      this.#event({ name: 'una-sent', at: now, ncoa: h.ncoa }),
    ];
    if (h.mode === 'reactive') {
      // RFC 5568 §3.2: FBU from the new link so the PAR forwards what reaches the PCoA.
      const options: MobilityOption[] = [mhLinkLayerAddress(this.#mac)];
      this.#sequence = (this.#sequence + 1) & 0xffff;
      h.fbu = fbuMessage(this.#sequence, this.#cfg.fbuLifetimeS, options);
      h.fbuTransmissions = 0;
      h.fbuTimeoutMs = this.#cfg.fbuTimeoutMs;
      out.push(...this.#sendFbu(now));
    } else {
      this.#counters['predictive-handovers']++;
      out.push(this.#event({ name: 'handover-complete', at: now, mode: 'predictive', ncoa: h.ncoa, nar }));
      this.#handover = null;
    }
    out.push({ kind: 'mipv6-handover', iface, careOfAddress: h.ncoa, router: nar, prefix: h.prefix, prefixLength: h.prefixLength });
    return out;
  }

  #onTick(now: number): FmipMobileNodeAction[] {
    const out: FmipMobileNodeAction[] = [];
    const r = this.#rtSolPr;
    if (r && r.retransmitAt <= now) {
      if (r.transmissions <= this.#cfg.rtSolPrRetries) out.push(...this.#sendRtSolPr(now));
      else {
        this.#rtSolPr = null;
        this.#fbuWanted = false;
        out.push(...this.#fallback(now, 'no-prrtadv', r.apId));
      }
    }
    const h = this.#handover;
    if (h && h.fbuRetransmitAt !== null && h.fbuRetransmitAt <= now) {
      if (h.fbuTransmissions <= this.#cfg.fbuRetries) out.push(...this.#sendFbu(now));
      else {
        h.fbuRetransmitAt = null;
        // Predictive: keep waiting — the detach turns it reactive. Reactive: give up on the tunnel.
        if (h.mode === 'reactive') {
          this.#handover = null;
          out.push(...this.#fallback(now, 'no-fback', h.apId));
        }
      }
    }
    return out;
  }

  #fallback(now: number, reason: FallbackReason, apId: string | null): FmipMobileNodeAction[] {
    this.#counters['fallbacks']++;
    return [this.#event({ name: 'fallback-to-mipv6', at: now, reason, apId })];
  }

  #event(event: FmipMobileNodeEvent): FmipMobileNodeAction {
    return { kind: 'event', event };
  }
}

function fbuMessage(sequenceNumber: number, lifetime: number, options: MobilityOption[]): FastBindingUpdate {
  // RFC 5568 §6.3.1: A (ask for an FBack) and H set.
  return { type: 'FastBindingUpdate', sequenceNumber, acknowledge: true, homeRegistration: true, linkLocalCompatibility: false, keyManagementCompatibility: false, lifetime, options };
}
