// The mobile node's side of Mobile IPv6 Fast Handovers (RFC 5568), driven by the layer-2 triggers
// of RFC 4260 (802.11): a scan that finds a new AP asks the PAR about it (RtSolPr, §6.1.1); the PrRtAdv
// (§6.1.2) gives the NAR's prefix, from which the NCoA is formed (§3.1 step 3, EUI-64 of our MAC);
// "link going down" sends the FBU from the PCoA on the old link (predictive, §3.1). If no FBack came
// before the detach, the MN announces itself on the new link with a UNA and sends the FBU from there
// (reactive, §3.2). Either way it then hands over to Mobile IPv6 with a `mipv6-handover` action so the
// Mobile IPv6 machine sends its BU to the home agent. When FMIPv6 cannot help (no PrRtAdv, unknown AP,
// refused FBU) it says so with a `fallback-to-mipv6` event and leaves the move to Mobile IPv6.
//
// Its states and the table of their transitions are in mobile-node-state.ts, the messages it builds in
// mobile-node-messages.ts. Runs beside src/protocols/mipv6's MobileNode: both take the link triggers;
// only this one speaks FMIPv6. Pure machine: after every `handle`, re-read `nextDeadline()` and tick by then.

import type { FastBindingAcknowledgement, FastBindingUpdate } from '../../wire/mh/fmipv6.js';
import type { ProxyRouterAdvertisement } from '../../wire/icmpv6/fmipv6.js';
import { canonical, canonicalMac, eui64Address, macToBytes } from '../../wire/address.js';
import {
  ALL_NODES,
  AddressOptionCode,
  DEFAULT_FBU_LIFETIME_S,
  DEFAULT_FBU_TIMEOUT_MS,
  DEFAULT_RTSOLPR_TIMEOUT_MS,
  FBU_RETRIES,
  MIN_RTSOLPR_INTERVAL_MS,
  ND_HOP_LIMIT,
  PrRtAdvCode,
  RTSOLPR_RETRIES,
} from './constants.js';
import {
  arInfoOf,
  predictiveFbu,
  reactiveFbu,
  routerSolicitationForProxyAdvertisement,
  unsolicitedNeighborAdvertisement,
} from './mobile-node-messages.js';
import {
  hasHandover,
  type ArInfo,
  type FbuTransmission,
  type FmipMobileNodeState,
  type FmipMobileNodeStateName,
  type Handover,
  type ProxyRouterDiscovery,
} from './mobile-node-state.js';
import { findMhAddress } from './options.js';
import {
  sendMobilityHeader,
  type Icmpv6Input,
  type MobilityHeaderInput,
  type SendIcmpv6,
  type SendMobilityHeader,
  type Tick,
} from '../core/index.js';

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
  | {
      kind: 'mipv6-handover';
      iface: string;
      careOfAddress: string;
      router: string;
      prefix: string | null;
      prefixLength: number;
    }
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

export class FmipMobileNode {
  readonly #cfg: Required<Omit<FmipMobileNodeConfig, 'apId'>>;
  readonly #mac: Buffer;
  /** Where we are attached: the access router (the PAR of the next handover), our care-of address and AP. */
  #router: string;
  #pcoa: string;
  #apId: string | null;
  #linkUp = true;
  /** [AP-ID, AR-Info] tuples from the current router's PrRtAdvs (RFC 5568 §6.1.2). */
  readonly #arInfo = new Map<string, ArInfo>();
  /** The AP the last scan, trigger or network-initiated PrRtAdv named (RFC 4260, RFC 5568 §3.3). */
  #target: string | null = null;
  #state: FmipMobileNodeState = { name: 'attached' };
  #discovery: ProxyRouterDiscovery = { name: 'idle' };
  #identifier: number;
  #sequence: number;
  readonly #counters = Object.fromEntries(FMIP_MOBILE_NODE_COUNTERS.map((c) => [c, 0])) as Record<
    FmipMobileNodeCounter,
    number
  >;

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

  /** The handover state (mobile-node-state.ts) and whether an RtSolPr is outstanding. */
  get handoverState(): FmipMobileNodeStateName {
    return this.#state.name;
  }

  get discoveryState(): ProxyRouterDiscovery['name'] {
    return this.#discovery.name;
  }

  get state() {
    const s = this.#state;
    const fback = s.name === 'fback-received' ? 'accepted' : s.name === 'fbu-refused' ? 'refused' : 'none';
    const attached = s.name === 'reactive-fbu-sent' || (s.name === 'fbu-refused' && s.onNewLink);
    return {
      router: this.#router,
      careOfAddress: this.#pcoa,
      apId: this.#apId,
      linkUp: this.#linkUp,
      handover: hasHandover(s)
        ? { apId: s.handover.apId, mode: s.handover.mode, ncoa: s.handover.ncoa, fback, attached }
        : null,
    };
  }

  nextDeadline(): number | null {
    const ds: number[] = [];
    if (this.#discovery.name === 'rtsolpr-sent') ds.push(this.#discovery.retransmitAt);
    const s = this.#state;
    if ((s.name === 'fbu-sent' || s.name === 'reactive-fbu-sent') && s.fbu.retransmitAt !== null)
      ds.push(s.fbu.retransmitAt);
    return ds.length ? Math.min(...ds) : null;
  }

  handle(now: number, input: FmipMobileNodeInput): FmipMobileNodeAction[] {
    switch (input.kind) {
      case 'tick':
        return [...this.#onRtSolPrTimer(now), ...this.#onFbuTimer(now)];
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
        if (hasHandover(this.#state)) this.#state = { name: 'attached' };
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
  }

  // RFC 4260 / RFC 5568 §6.1.1: a scan result names the AP; ask the PAR about it unless we know already.
  #onNewAp(now: number, apId: string): FmipMobileNodeAction[] {
    this.#target = apId;
    if (this.#arInfo.has(apId) || !this.#linkUp) return [];
    if (this.#discovery.name === 'rtsolpr-sent' && this.#discovery.apId === apId) return [];
    this.#identifier = (this.#identifier + 1) & 0xffff;
    const timeoutMs = Math.max(this.#cfg.rtSolPrTimeoutMs, MIN_RTSOLPR_INTERVAL_MS);
    this.#discovery = {
      name: 'rtsolpr-sent',
      identifier: this.#identifier,
      apId,
      transmissions: 0,
      timeoutMs,
      retransmitAt: now,
    };
    return this.#sendRtSolPr(now, this.#discovery);
  }

  #sendRtSolPr(now: number, r: Extract<ProxyRouterDiscovery, { name: 'rtsolpr-sent' }>): FmipMobileNodeAction[] {
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
        message: routerSolicitationForProxyAdvertisement(r.identifier, this.#mac, r.apId),
      },
      this.#event({ name: 'rtsolpr-sent', at: now, apId: r.apId, transmission: r.transmissions }),
    ];
  }

  // RFC 5568 §6.1.2: accept a PrRtAdv that answers our RtSolPr or is unsolicited (codes 1 and 4).
  #onPrRtAdv(now: number, input: Icmpv6Input, m: ProxyRouterAdvertisement): FmipMobileNodeAction[] {
    const d = this.#discovery;
    const solicited = d.name === 'rtsolpr-sent' && m.identifier === d.identifier;
    const unsolicited = m.code === PrRtAdvCode.NetworkInitiated || m.code === PrRtAdvCode.Unsolicited;
    if (canonical(input.src) !== this.#router || (!solicited && !unsolicited)) {
      this.#counters['prrtadv-unexpected']++;
      return [];
    }
    this.#counters['prrtadv-received']++;
    const learned = arInfoOf(m);
    for (const i of learned) this.#arInfo.set(i.apId, i.kind === 'nar' && !i.narAddress ? { ...i, kind: 'none' } : i);
    const out: FmipMobileNodeAction[] = [
      this.#event({ name: 'prrtadv-received', at: now, code: m.code, apIds: learned.map((i) => i.apId) }),
    ];
    if (solicited && this.#arInfo.has(d.apId)) this.#discovery = { name: 'idle' };
    let decided = this.#state.name === 'awaiting-prrtadv';
    if (m.code === PrRtAdvCode.NetworkInitiated && learned[0]) {
      // RFC 5568 §3.3: the network picked the AP; act on it at once.
      this.#target = learned[0].apId;
      decided = true;
    }
    const target = this.#target ? this.#arInfo.get(this.#target) : undefined;
    if (target && target.kind !== 'nar') {
      if (this.#state.name === 'awaiting-prrtadv') this.#state = { name: 'attached' };
      out.push(
        ...(target.kind === 'own'
          ? [this.#event({ name: 'same-router', at: now, apId: target.apId })]
          : this.#fallback(now, 'unknown-ap', target.apId)),
      );
    } else if (target && decided && this.#linkUp) {
      out.push(...this.#startPredictive(now, target));
    }
    return out;
  }

  #onLinkGoingDown(now: number, apId: string | null): FmipMobileNodeAction[] {
    if (!apId || hasHandover(this.#state)) return [];
    this.#target = apId;
    const info = this.#arInfo.get(apId);
    if (info?.kind === 'nar') return this.#startPredictive(now, info);
    if (info) return [];
    // No PrRtAdv for that AP yet: ask now and send the FBU when the answer comes (still on this link).
    this.#state = { name: 'awaiting-prrtadv' };
    return this.#discovery.name === 'rtsolpr-sent' && this.#discovery.apId === apId ? [] : this.#onNewAp(now, apId);
  }

  // RFC 5568 §3.1: FBU from the PCoA to the PAR, with the NCoA formed on the NAR's prefix.
  #startPredictive(now: number, info: ArInfo): FmipMobileNodeAction[] {
    const handover = this.#newHandover(info, 'predictive');
    this.#sequence = (this.#sequence + 1) & 0xffff;
    const fbu = this.#newFbuTransmission(
      predictiveFbu(this.#sequence, this.#cfg.fbuLifetimeS, handover.ncoa, this.#mac),
    );
    this.#state = { name: 'fbu-sent', handover, fbu };
    return this.#sendFbu(now, handover, fbu);
  }

  #newHandover(info: ArInfo, mode: Handover['mode']): Handover {
    // RFC 5568 §3.1: the NCoA is the NAR's /64 plus our modified EUI-64 (RFC 4291 Appendix A).
    const ncoa = info.prefix && info.prefixLength === 64 ? eui64Address(info.prefix, this.#mac) : null;
    return {
      apId: info.apId,
      nar: info.narAddress!,
      par: this.#router,
      pcoa: this.#pcoa,
      ncoa,
      prefix: info.prefix ?? null,
      prefixLength: info.prefixLength ?? 64,
      mode,
    };
  }

  #newFbuTransmission(message: FastBindingUpdate): FbuTransmission {
    return { message, transmissions: 0, timeoutMs: this.#cfg.fbuTimeoutMs, retransmitAt: null };
  }

  #sendFbu(now: number, h: Handover, t: FbuTransmission): FmipMobileNodeAction[] {
    t.transmissions++;
    this.#counters[t.transmissions === 1 ? 'fbu-sent' : 'fbu-retransmitted']++;
    t.retransmitAt = now + t.timeoutMs;
    t.timeoutMs *= 2;
    return [
      // Reactive (RFC 5568 §3.2): from the NCoA with the PCoA in a Home Address option.
      h.mode === 'reactive'
        ? sendMobilityHeader({ src: h.ncoa!, dst: h.par, homeAddressOption: h.pcoa }, t.message)
        : sendMobilityHeader({ src: h.pcoa, dst: h.par }, t.message),
      this.#event({ name: 'fbu-sent', at: now, mode: h.mode, ncoa: h.ncoa, transmission: t.transmissions }),
    ];
  }

  #onFback(now: number, m: FastBindingAcknowledgement): FmipMobileNodeAction[] {
    const s = this.#state;
    const fbu = !hasHandover(s)
      ? null
      : s.name === 'fbu-sent' || s.name === 'reactive-fbu-sent'
        ? s.fbu.message
        : s.fbu;
    if (!hasHandover(s) || !fbu || m.sequenceNumber !== fbu.sequenceNumber) {
      this.#counters['fback-unexpected']++;
      return [];
    }
    if (s.name === 'fback-received' || s.name === 'fbu-refused') return []; // the second copy (RFC 5568 §6.3.2 sends it to both links)
    const h = s.handover;
    const onNewLink = s.name === 'reactive-fbu-sent';
    if (m.status >= 128) {
      this.#state = { name: 'fbu-refused', handover: h, fbu, onNewLink };
      this.#counters['fback-refused']++;
      return [
        this.#event({ name: 'fback-received', at: now, status: m.status, ncoa: null, onNewLink }),
        ...this.#fallback(now, 'fbu-refused', h.apId),
      ];
    }
    this.#counters['fback-accepted']++;
    // Status 1 (RFC 5568 §6.3.2): use the NCoA the NAR supplied; a point-to-point NAR adds our prefix.
    const supplied = findMhAddress(m.options, AddressOptionCode.NewCareOfAddress);
    const prefix = findMhAddress(m.options, AddressOptionCode.NewAccessRouterPrefix);
    if (supplied && !onNewLink) h.ncoa = supplied.address;
    if (prefix) {
      h.prefix = prefix.address;
      h.prefixLength = prefix.prefixLength;
    }
    const out: FmipMobileNodeAction[] = [
      this.#event({ name: 'fback-received', at: now, status: m.status, ncoa: h.ncoa, onNewLink }),
    ];
    if (onNewLink) {
      this.#counters['reactive-handovers']++;
      out.push(this.#event({ name: 'handover-complete', at: now, mode: 'reactive', ncoa: h.ncoa!, nar: h.nar }));
      this.#state = { name: 'attached' };
    } else {
      this.#state = { name: 'fback-received', handover: h, fbu };
    }
    return out;
  }

  // RFC 4260: disassociation is the last moment for a predictive FBU; without an FBack by now the
  // handover continues reactively from the new link (RFC 5568 §3.2).
  #onLinkDown(now: number): FmipMobileNodeAction[] {
    this.#linkUp = false;
    const out: FmipMobileNodeAction[] = [];
    const d = this.#discovery;
    if (d.name === 'rtsolpr-sent') {
      this.#discovery = { name: 'idle' };
      if (!hasHandover(this.#state) && this.#target === d.apId) out.push(...this.#fallback(now, 'no-prrtadv', d.apId));
    }
    const s = this.#state;
    if (s.name === 'fbu-sent' || s.name === 'reactive-fbu-sent') {
      this.#state = { name: 'disconnected', handover: { ...s.handover, mode: 'reactive' }, fbu: s.fbu.message };
    } else if (!hasHandover(s)) {
      this.#state = { name: 'attached' };
      // No FBU was sent (no "link going down" in time) but we know the NAR: go reactive on attach.
      const info = this.#target ? this.#arInfo.get(this.#target) : undefined;
      if (info?.kind === 'nar')
        this.#state = { name: 'disconnected', handover: this.#newHandover(info, 'reactive'), fbu: null };
    }
    // Reactive with an NCoA formed from the PrRtAdv (RFC 5568 §3.2, §6.1.2): put it on the radio now,
    // during the L2 gap. The UNA on link-up releases the NAR's buffer (§6.4) and the PAR's tunnel may
    // already run toward the NCoA: packets reaching the radio before the address is there are dropped.
    const next = this.#state;
    if (next.name === 'disconnected' && next.handover.ncoa)
      out.push({
        kind: 'configure-address',
        iface: this.#cfg.iface,
        address: next.handover.ncoa,
        prefixLength: next.handover.prefixLength,
      });
    return out;
  }

  #onLinkUp(now: number, bssid: string | null): FmipMobileNodeAction[] {
    this.#linkUp = true;
    const s = this.#state;
    // Without a handover this is a move FMIPv6 had no part in; Mobile IPv6 handles it (and tells us where we are with `attached`).
    if (!hasHandover(s)) return [];
    const h = s.handover;
    this.#state = { name: 'attached' };
    if (s.name === 'fbu-refused') return [];
    if (bssid && bssid !== h.apId) return this.#fallback(now, 'wrong-ap', h.apId);
    if (!h.ncoa) return this.#fallback(now, 'no-ncoa', h.apId);
    const ncoa = h.ncoa;
    this.#router = h.nar;
    this.#pcoa = ncoa;
    this.#apId = h.apId;
    this.#arInfo.clear();
    this.#target = null;
    const iface = this.#cfg.iface;
    this.#counters['una-sent']++;
    const out: FmipMobileNodeAction[] = [
      { kind: 'configure-address', iface, address: ncoa, prefixLength: h.prefixLength },
      {
        kind: 'send-icmp',
        src: ncoa,
        dst: ALL_NODES,
        hopLimit: ND_HOP_LIMIT,
        message: unsolicitedNeighborAdvertisement(ncoa, this.#mac),
      },
      this.#event({ name: 'una-sent', at: now, ncoa }),
    ];
    if (h.mode === 'reactive') {
      // RFC 5568 §3.2: FBU from the new link so the PAR forwards what reaches the PCoA.
      this.#sequence = (this.#sequence + 1) & 0xffff;
      const fbu = this.#newFbuTransmission(reactiveFbu(this.#sequence, this.#cfg.fbuLifetimeS, this.#mac));
      this.#state = { name: 'reactive-fbu-sent', handover: h, fbu };
      out.push(...this.#sendFbu(now, h, fbu));
    } else {
      this.#counters['predictive-handovers']++;
      out.push(this.#event({ name: 'handover-complete', at: now, mode: 'predictive', ncoa, nar: h.nar }));
    }
    out.push({
      kind: 'mipv6-handover',
      iface,
      careOfAddress: ncoa,
      router: h.nar,
      prefix: h.prefix,
      prefixLength: h.prefixLength,
    });
    return out;
  }

  // RFC 5568 §6.1.1: RtSolPr retransmitted with back-off; after the retries Mobile IPv6 handles the move.
  #onRtSolPrTimer(now: number): FmipMobileNodeAction[] {
    const r = this.#discovery;
    if (r.name !== 'rtsolpr-sent' || r.retransmitAt > now) return [];
    if (r.transmissions <= this.#cfg.rtSolPrRetries) return this.#sendRtSolPr(now, r);
    this.#discovery = { name: 'idle' };
    if (this.#state.name === 'awaiting-prrtadv') this.#state = { name: 'attached' };
    return this.#fallback(now, 'no-prrtadv', r.apId);
  }

  // RFC 5568 §6.3.1: FBU retransmitted with back-off until the FBack.
  #onFbuTimer(now: number): FmipMobileNodeAction[] {
    const s = this.#state;
    if (
      (s.name !== 'fbu-sent' && s.name !== 'reactive-fbu-sent') ||
      s.fbu.retransmitAt === null ||
      s.fbu.retransmitAt > now
    )
      return [];
    if (s.fbu.transmissions <= this.#cfg.fbuRetries) return this.#sendFbu(now, s.handover, s.fbu);
    s.fbu.retransmitAt = null;
    // Predictive: keep waiting, the detach turns it reactive. Reactive: give up on the tunnel.
    if (s.name === 'fbu-sent') return [];
    this.#state = { name: 'attached' };
    return this.#fallback(now, 'no-fback', s.handover.apId);
  }

  #fallback(now: number, reason: FallbackReason, apId: string | null): FmipMobileNodeAction[] {
    this.#counters.fallbacks++;
    return [this.#event({ name: 'fallback-to-mipv6', at: now, reason, apId })];
  }

  #event(event: FmipMobileNodeEvent): FmipMobileNodeAction {
    return { kind: 'event', event };
  }
}
