// The Mobile Access Gateway (RFC 5213 §6): it learns that a mobile node attached (the AP's station
// report, or the node's Router Solicitation, §6.9.1.1), registers it with the LMA by a Proxy Binding
// Update on its behalf (§6.9.1.5), and once the PBA accepts, forwards the node's prefix through the
// tunnel (forward-up, §6.10) and advertises only that prefix to it in unicast Router Advertisements
// (§6.7), from the one link-local address every MAG uses (§6.8). It refreshes before the lifetime
// ends and de-registers when the node leaves (§6.9.1.2). Retransmission: RFC 6275's timers (§6.9.4).
// Each registration is one entry per node listed in the policy, so nothing here grows with input.
// Forwarding and buffering are the agent's (forward-up / forward-down, and the fh-* actions of RFC
// 5949's fast handovers: HI / HAck with another MAG, forwarding between the MAGs, buffering at the
// new one; fast-handover.ts, docs/pmipv6.md "Fast handovers"). With `transientBinding` (RFC 6058) a
// new MAG that the previous one told of the node (a predictive HI) registers it before it arrives,
// with the Transient Binding option; at the attach it forwards at once and sends the PBU that switches
// the downlink to it (docs/pmipv6.md "Transient binding").
import { sendMobilityHeader, type SendMobilityHeader } from '../core/actions.js';
import type { MobilityHeaderInput } from '../core/inputs.js';
import {
  contextOf,
  type FastHandoverConfig,
  linkLocalIid,
  mnIdOf,
  predictiveHi,
  proxyHack,
  reactiveHi,
} from './fast-handover.js';
import type { Tick } from '../core/tick.js';
import { canonical, canonicalMac, eui64Address, macToBytes } from '../../wire/address.js';
import {
  findOption,
  HandoffIndicatorValue,
  HandoverAcknowledgeCode as HC,
  HandoverInitiateCode,
  type HandoverAcknowledge,
  type HandoverInitiate,
  isProxyBindingAcknowledgement,
  type MobilityOption,
  naiIdentifier,
  type ProxyBindingAcknowledgement,
  proxyBindingUpdate,
  ProxyBindingAcknowledgementStatus as S,
} from '../../wire/mh/index.js';
import {
  ALL_ZERO,
  ATT_IEEE_802_11,
  INITIAL_BINDACK_TIMEOUT_MS,
  LIFETIME_UNIT_S,
  MAX_BINDACK_TIMEOUT_MS,
} from './constants.js';
import { timestampFromUnixMs } from './timestamp.js';

export interface MagPolicyEntry {
  /** MN-Identifier (RFC 4283 NAI) the MAG registers the node under. */
  id: string;
  /** The node's link-layer address: how a station report or RS names it. */
  linkLayerAddress: string;
}

export interface MobileAccessGatewayConfig {
  /** Proxy-CoA: the PBUs' source, the tunnel's local end. */
  address: string;
  /** LMAA. */
  lma: string;
  mobileNodes: readonly MagPolicyEntry[];
  /** The link-local address every MAG uses on its access links (§6.8). */
  linkLocalAddress: string;
  epochOffsetMs: number;
  /** Requested lifetime (s). Default 40. */
  lifetimeS?: number;
  /** Refresh at this fraction of the granted lifetime. Default 0.8. */
  refreshFraction?: number;
  accessTechnologyType?: number;
  /** Unsolicited unicast RAs to each registered node this often. Default 10 s. */
  raIntervalMs?: number;
  initialTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** RFC 5949 fast handovers with these peer MAGs; absent: plain RFC 5213. */
  fastHandover?: FastHandoverConfig;
  /** RFC 6058: early registration on a predictive HI, with this Transient Binding option. */
  transientBinding?: { lifetimeMs: number; latePathSwitch: boolean };
}

export type MagInput =
  | MobilityHeaderInput
  | Tick
  | { kind: 'station-joined'; station: string; iface: string }
  | { kind: 'station-left'; station: string; atNs?: string; lastFrame?: string }
  /** RFC 5949 §4.1: the node's link is going down toward the MAG at `peer` (the AP's report). */
  | { kind: 'handover-imminent'; station: string; peer: string }
  /** An RS on an access link: `station` from its Source Link-Layer Address option. */
  | { kind: 'router-solicitation'; iface: string; src: string; station?: string };

export interface MagBinding {
  mnId: string;
  station: string;
  /** The access link; '' while registered ahead of the node's arrival (RFC 6058). */
  iface: string;
  state: 'registering' | 'registered' | 'deregistering';
  prefix?: string;
  prefixLength?: number;
  /** Forwarding set up at this MAG (forward-up sent, no forward-down yet). */
  forwarding: boolean;
  /** Where RAs go: the RS's source, else the node's EUI-64 link-local address. */
  linkLocal: string;
  sequenceNumber: number;
  outstanding: number | null;
  timeoutMs: number;
  retransmitAt: number | null;
  refreshAt: number | null;
  expiresAt: number | null;
  nextRaAt: number | null;
  lastTimestamp: bigint;
  /** A 156/157 was answered with an immediate resend in this attempt (at most one). */
  resent: boolean;
  /** The lifetime the last PBA 0 granted (s). */
  grantedLifetimeS: number;
}

export type MagEventName =
  | 'pbu-sent'
  | 'registered'
  | 'refreshed'
  | 'registration-refused'
  | 'deregistered'
  | 'binding-expired'
  | 'station-unknown'
  | 'dropped'
  | 'hi-sent'
  | 'hi-received'
  | 'hack-received'
  | 'fast-handover-holding'
  | 'fast-handover-forwarding'
  | 'fast-handover-delivering'
  | 'fast-handover-ended';

/** One node's fast handover (RFC 5949) at this MAG, as the previous or as the new MAG. */
export interface FastHandoverRecord {
  role: 'previous' | 'new';
  /** The other MAG; null while a reactive one is not known yet. */
  peer: string | null;
  state: 'hi-sent' | 'acked' | 'holding' | 'forwarding' | 'prepared' | 'delivering';
  sequenceNumber: number;
  prefix?: string;
  prefixLength?: number;
  retransmitAt: number | null;
  retries: number;
  endAt: number;
}

export type MagAction =
  | SendMobilityHeader
  | {
      kind: 'forward-up';
      mnId: string;
      station: string;
      iface: string;
      prefix: string;
      prefixLength: number;
    }
  | { kind: 'forward-down'; mnId: string; iface: string; prefix: string; prefixLength: number }
  /**
   * Previous MAG (RFC 5949 §4): stop delivering the prefix on the access link; from the node's last
   * frame on (`atNs`, `lastFrame`: the AP's report), hold its downlink (`to` null) or send it to the
   * MAG `to`, and relay what `to` sends from the prefix to the LMA.
   */
  | { kind: 'fh-switch'; prefix: string; to: string | null; atNs?: string; lastFrame?: string }
  /** New MAG, before the attach: accept the prefix's downlink from `from` and buffer it (bounded). */
  | { kind: 'fh-buffer'; prefix: string; prefixLength: number; from: string }
  /**
   * New MAG, attached: deliver the buffer and what `from` forwards onto the link; with `uplink`, the
   * node's packets go to `from` (which relays them to the LMA) until the PBA.
   */
  | {
      kind: 'fh-deliver';
      prefix: string;
      prefixLength: number;
      from: string;
      iface: string;
      station: string;
      uplink: boolean;
    }
  /** New MAG: forwarding from the previous MAG is over. */
  | { kind: 'fh-end'; prefix: string }
  | {
      kind: 'send-router-advertisement';
      iface: string;
      src: string;
      dst: string;
      station: string;
      prefix: string;
      prefixLength: number;
      /**
       * The prefix's valid and preferred lifetimes: the granted binding lifetime, the same in every RA
       * of a registration. A lifetime counting down would be ignored by the node once below its
       * address's remaining lifetime (RFC 4862 §5.5.3 e), and the address would expire under a live
       * binding; the same value in each RA (every `raIntervalMs`) renews it.
       */
      validLifetimeS: number;
    }
  | { kind: 'event'; event: { name: MagEventName; at: number; [k: string]: unknown } };

export class MobileAccessGateway {
  readonly #c: Required<Omit<MobileAccessGatewayConfig, 'fastHandover' | 'transientBinding'>> &
    Pick<MobileAccessGatewayConfig, 'fastHandover' | 'transientBinding'>;
  readonly #byStation = new Map<string, MagPolicyEntry>();
  readonly #bindings = new Map<string, MagBinding>();
  readonly #byId = new Map<string, MagPolicyEntry>();
  /** At most one per node of the policy. */
  readonly #fast = new Map<string, FastHandoverRecord>();
  readonly #peers: Set<string>;
  #sequence = 0;
  #hiSequence = 0;
  #lastTimestamp = 0n;
  readonly counters: Record<string, number> = {};

  constructor(config: MobileAccessGatewayConfig) {
    this.#c = {
      lifetimeS: 40,
      refreshFraction: 0.8,
      accessTechnologyType: ATT_IEEE_802_11,
      raIntervalMs: 10_000,
      initialTimeoutMs: INITIAL_BINDACK_TIMEOUT_MS,
      maxTimeoutMs: MAX_BINDACK_TIMEOUT_MS,
      ...config,
      address: canonical(config.address),
      lma: canonical(config.lma),
      linkLocalAddress: canonical(config.linkLocalAddress),
    };
    for (const m of config.mobileNodes) {
      this.#byStation.set(canonicalMac(m.linkLayerAddress), m);
      this.#byId.set(m.id, m);
    }
    this.#peers = new Set((config.fastHandover?.peers ?? []).map(canonical));
  }

  get fastHandovers(): readonly (FastHandoverRecord & { mnId: string })[] {
    return [...this.#fast.entries()].map(([mnId, r]) => ({ mnId, ...r }));
  }

  get bindings(): readonly MagBinding[] {
    return [...this.#bindings.values()];
  }

  nextDeadline(): number | null {
    let next: number | null = null;
    for (const b of this.#bindings.values())
      for (const t of [b.retransmitAt, b.refreshAt, b.expiresAt, b.nextRaAt])
        if (t !== null && (next === null || t < next)) next = t;
    for (const r of this.#fast.values())
      for (const t of [r.retransmitAt, r.endAt]) if (t !== null && (next === null || t < next)) next = t;
    return next;
  }

  handle(now: number, input: MagInput): MagAction[] {
    switch (input.kind) {
      case 'station-joined':
        return this.#attach(now, canonicalMac(input.station), input.iface, null);
      case 'router-solicitation':
        return this.#solicited(now, input);
      case 'station-left':
        return this.#left(now, canonicalMac(input.station), input.atNs, input.lastFrame);
      case 'handover-imminent':
        return this.#imminent(now, canonicalMac(input.station), canonical(input.peer));
      case 'mh':
        return this.#onMh(now, input);
      case 'tick':
        return this.#tick(now);
    }
  }

  #count(name: string): void {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  #attach(now: number, station: string, iface: string, rsSource: string | null): MagAction[] {
    const policy = this.#byStation.get(station);
    if (!policy) {
      this.#count('station-unknown');
      return [{ kind: 'event', event: { name: 'station-unknown', at: now, station, iface } }];
    }
    const existing = this.#bindings.get(policy.id);
    if (existing?.iface === '' && existing.state !== 'deregistering')
      return this.#arrived(now, existing, iface, rsSource);
    const previous = this.#fast.get(policy.id);
    if (previous?.role === 'previous') this.#fast.delete(policy.id); // back before the handover ended
    if (existing && existing.state !== 'deregistering' && existing.iface === iface && previous?.role !== 'previous') {
      if (rsSource) existing.linkLocal = rsSource;
      return [];
    }
    const out: MagAction[] = [];
    if (existing?.forwarding) out.push(this.#forwardDown(existing));
    const b = this.#newBinding(policy.id, station, iface, rsSource);
    this.#bindings.set(policy.id, b);
    const fast = this.#fast.get(policy.id);
    if (fast?.role === 'new' && !this.#forwarding)
      this.#fast.delete(policy.id); // the context served its use
    else if (fast?.role === 'new' && fast.state === 'prepared' && fast.peer && fast.prefix !== undefined) {
      // RFC 5949 §4.1: the context came with the HI. Deliver what the previous MAG forwards at once,
      // send the uplink through it until the PBA, and register the known prefix as a handoff
      // between MAGs (RFC 5213 §8.4, Handoff Indicator 3).
      b.prefix = fast.prefix;
      b.prefixLength = fast.prefixLength!;
      fast.state = 'delivering';
      fast.endAt = now + this.#forwardingMs;
      out.push(this.#deliverAction(b, fast, true), this.#event(now, 'fast-handover-delivering', b.mnId, fast));
      out.push(...this.#sendPbu(now, b, this.#c.lifetimeS, HandoffIndicatorValue.HandoffBetweenMags));
      // The node's prefix is known: its RA at once (the requested lifetime until the PBA grants one),
      // so that its uplink goes out now, through the previous MAG until the PBA.
      b.grantedLifetimeS = this.#c.lifetimeS;
      out.push(...this.#ra(now, b, true));
      return out;
    }
    if (this.#peers.size > 0 && this.#forwarding && !fast) out.push(...this.#reactiveHi(now, b));
    // §6.9.1.1: the MAG cannot tell an attachment from a handoff between MAGs: Handoff Indicator 4.
    out.push(...this.#sendPbu(now, b, this.#c.lifetimeS, HandoffIndicatorValue.HandoffStateUnknown));
    return out;
  }

  /**
   * RFC 6058: the node arrives at a MAG that registered it ahead (transient binding at the LMA). With
   * the PBA in, the prefix is forwarded and advertised at once, and a PBU without the Transient
   * Binding option switches the downlink here; with the PBA still out, that PBU replaces the early one.
   */
  #arrived(now: number, b: MagBinding, iface: string, rsSource: string | null): MagAction[] {
    b.iface = iface;
    if (rsSource) b.linkLocal = rsSource;
    this.#fast.delete(b.mnId);
    const out: MagAction[] = [];
    if (b.state === 'registered') {
      b.forwarding = true;
      out.push(
        {
          kind: 'forward-up',
          mnId: b.mnId,
          station: b.station,
          iface,
          prefix: b.prefix!,
          prefixLength: b.prefixLength!,
        },
        ...this.#ra(now, b),
      );
    }
    this.#count('arrived-registered');
    out.push(...this.#sendPbu(now, b, this.#c.lifetimeS, HandoffIndicatorValue.HandoffBetweenMags));
    return out;
  }

  /** A registration about to start: RAs to the RS's source, else the node's EUI-64 link-local address. */
  #newBinding(mnId: string, station: string, iface: string, rsSource: string | null): MagBinding {
    return {
      mnId,
      station,
      iface,
      state: 'registering',
      forwarding: false,
      linkLocal: rsSource ?? eui64Address('fe80::', station),
      sequenceNumber: 0,
      outstanding: null,
      timeoutMs: this.#c.initialTimeoutMs,
      retransmitAt: null,
      refreshAt: null,
      expiresAt: null,
      nextRaAt: null,
      lastTimestamp: 0n,
      resent: false,
      grantedLifetimeS: 0,
    };
  }

  #solicited(now: number, rs: Extract<MagInput, { kind: 'router-solicitation' }>): MagAction[] {
    const station = rs.station ? canonicalMac(rs.station) : undefined;
    const b = [...this.#bindings.values()].find(
      (x) => x.iface === rs.iface && (station ? x.station === station : x.linkLocal === canonical(rs.src)),
    );
    if (b && b.state === 'registered') {
      if (rs.src !== '::') b.linkLocal = canonical(rs.src);
      return this.#ra(now, b);
    }
    if (b) return [];
    // §6.9.1.1: an RS from a node not yet registered here is an attachment too.
    if (!station) {
      this.#count('rs-without-station');
      return [];
    }
    return this.#attach(now, station, rs.iface, rs.src === '::' ? null : canonical(rs.src));
  }

  #detach(now: number, station: string): MagAction[] {
    const policy = this.#byStation.get(station);
    const b = policy ? this.#bindings.get(policy.id) : undefined;
    if (!b || b.state === 'deregistering') {
      this.#count('station-left-unknown');
      return [];
    }
    const out: MagAction[] = [];
    if (b.forwarding) out.push(this.#forwardDown(b));
    if (b.state === 'registering' && b.prefix === undefined) {
      // Never accepted here: nothing to de-register at the LMA.
      this.#bindings.delete(b.mnId);
      return out;
    }
    // §6.9.1.2: a de-registration PBU (lifetime 0); its PBA ends the entry (or the timeout does).
    b.state = 'deregistering';
    b.refreshAt = null;
    b.nextRaAt = null;
    b.expiresAt = null;
    b.timeoutMs = this.#c.initialTimeoutMs;
    out.push(...this.#sendPbu(now, b, 0, HandoffIndicatorValue.HandoffStateUnknown));
    return out;
  }

  #sendPbu(now: number, b: MagBinding, lifetimeS: number, handoffIndicator: number): MagAction[] {
    this.#sequence = (this.#sequence + 1) & 0xffff;
    b.sequenceNumber = this.#sequence;
    b.outstanding = this.#sequence;
    // §5.5: each PBU carries a timestamp newer than the last one this MAG sent.
    let ts = timestampFromUnixMs(now + this.#c.epochOffsetMs);
    if (ts <= this.#lastTimestamp) ts = this.#lastTimestamp + 1n;
    this.#lastTimestamp = ts;
    b.lastTimestamp = ts;
    const options: MobilityOption[] = [
      naiIdentifier(b.mnId),
      b.prefix !== undefined
        ? { type: 'HomeNetworkPrefix', prefix: b.prefix, prefixLength: b.prefixLength! }
        : { type: 'HomeNetworkPrefix', prefix: ALL_ZERO, prefixLength: 0 },
      { type: 'HandoffIndicator', handoffIndicator },
      { type: 'AccessTechnologyType', accessTechnologyType: this.#c.accessTechnologyType },
      { type: 'MobileNodeLinkLayerIdentifier', linkLayerIdentifier: macToBytes(b.station) },
      { type: 'LinkLocalAddress', linkLocalAddress: this.#c.linkLocalAddress },
      { type: 'Timestamp', timestamp: ts },
    ];
    const tb = this.#c.transientBinding;
    // RFC 6058 §5: the early registration asks for a transient binding; Lifetime in 100 ms units.
    if (tb && b.iface === '' && lifetimeS > 0)
      options.push({ type: 'TransientBinding', latePathSwitch: tb.latePathSwitch, lifetime: tb.lifetimeMs / 100 });
    const message = proxyBindingUpdate({
      sequenceNumber: b.sequenceNumber,
      lifetime: Math.ceil(lifetimeS / LIFETIME_UNIT_S),
      options,
    });
    b.retransmitAt = now + b.timeoutMs;
    this.#count(lifetimeS === 0 ? 'pbu-sent-deregistration' : 'pbu-sent');
    return [
      sendMobilityHeader({ src: this.#c.address, dst: this.#c.lma }, message),
      {
        kind: 'event',
        event: {
          name: 'pbu-sent',
          at: now,
          mnId: b.mnId,
          sequenceNumber: b.sequenceNumber,
          lifetimeS,
          handoffIndicator,
        },
      },
    ];
  }

  #onMh(now: number, input: MobilityHeaderInput): MagAction[] {
    const m = input.message;
    if ((m.type === 'HandoverInitiate' || m.type === 'HandoverAcknowledge') && this.#peers.has(canonical(input.src)))
      return m.type === 'HandoverInitiate'
        ? this.#onHi(now, canonical(input.src), m)
        : this.#onHack(now, canonical(input.src), m);
    if (!isProxyBindingAcknowledgement(m) || canonical(input.src) !== this.#c.lma) {
      this.#count('mh-unexpected');
      return [{ kind: 'event', event: { name: 'dropped', at: now, reason: 'mh-unexpected', src: input.src } }];
    }
    const id = findOption(m.options, 'MobileNodeIdentifier')?.identifier.toString('utf8');
    const b = id === undefined ? undefined : this.#bindings.get(id);
    if (!b || b.outstanding !== m.sequenceNumber) {
      this.#count('pba-unexpected');
      return [{ kind: 'event', event: { name: 'dropped', at: now, reason: 'pba-unexpected', src: input.src } }];
    }
    b.outstanding = null;
    b.retransmitAt = null;
    b.timeoutMs = this.#c.initialTimeoutMs;
    if (m.status < 128) b.resent = false;
    if (b.state === 'deregistering') {
      this.#bindings.delete(b.mnId);
      this.#count('deregistered');
      return [{ kind: 'event', event: { name: 'deregistered', at: now, mnId: b.mnId, status: m.status } }];
    }
    return m.status < 128 ? this.#accepted(now, b, m) : this.#refused(now, b, m);
  }

  #accepted(now: number, b: MagBinding, pba: ProxyBindingAcknowledgement): MagAction[] {
    const hnp = findOption(pba.options, 'HomeNetworkPrefix');
    if (!hnp || hnp.prefixLength === 0 || pba.lifetime === 0) {
      this.#count('pba-without-prefix');
      return this.#refused(now, b, pba);
    }
    const out: MagAction[] = [];
    const prefix = canonical(hnp.prefix);
    if (b.forwarding && (b.prefix !== prefix || b.prefixLength !== hnp.prefixLength)) out.push(this.#forwardDown(b));
    const first = b.state === 'registering';
    b.prefix = prefix;
    b.prefixLength = hnp.prefixLength;
    b.state = 'registered';
    b.grantedLifetimeS = pba.lifetime * LIFETIME_UNIT_S;
    const lifetimeMs = b.grantedLifetimeS * 1000;
    b.expiresAt = now + lifetimeMs;
    b.refreshAt = now + lifetimeMs * this.#c.refreshFraction;
    if (!b.forwarding && b.iface !== '') {
      b.forwarding = true;
      out.push({
        kind: 'forward-up',
        mnId: b.mnId,
        station: b.station,
        iface: b.iface,
        prefix,
        prefixLength: hnp.prefixLength,
      });
    }
    this.#count(first ? 'registered' : 'refreshed');
    out.push({
      kind: 'event',
      event: {
        name: first ? 'registered' : 'refreshed',
        at: now,
        mnId: b.mnId,
        prefix: `${prefix}/${hnp.prefixLength}`,
      },
    });
    if (first && b.iface !== '') out.push(...this.#ra(now, b));
    return out;
  }

  #refused(now: number, b: MagBinding, pba: ProxyBindingAcknowledgement): MagAction[] {
    this.#count(`pba-refused.${pba.status}`);
    // §5.5: 157 means the LMA accepted a newer PBU for the node, e.g. the old MAG's de-registration
    // overtaking ours after a move; 156 a timestamp off its clock. The node is here now: one resend at
    // once with a fresh timestamp, then the retransmission timer as for a lost PBA.
    if ((pba.status === S.TimestampLowerThanPrevAccepted || pba.status === S.TimestampMismatch) && !b.resent) {
      b.resent = true;
      this.#count('pbu-resent-after-timestamp-refusal');
      const hi =
        b.state === 'registered'
          ? HandoffIndicatorValue.HandoffStateNotChanged
          : HandoffIndicatorValue.HandoffStateUnknown;
      return this.#sendPbu(now, b, this.#c.lifetimeS, hi);
    }
    const out: MagAction[] = [];
    if (b.forwarding) out.push(this.#forwardDown(b));
    this.#bindings.delete(b.mnId);
    out.push({ kind: 'event', event: { name: 'registration-refused', at: now, mnId: b.mnId, status: pba.status } });
    return out;
  }

  // ---- RFC 5949 fast handovers ----

  get #forwardingMs(): number {
    return this.#c.fastHandover?.forwardingMs ?? 3000;
  }

  /** false: HI / HAck carry the node's context only, no forwarding or buffering (RFC 5949 §6.1.1 U, F). */
  get #forwarding(): boolean {
    return this.#c.fastHandover?.forwarding !== false;
  }

  get #holdMs(): number {
    return this.#c.fastHandover?.holdMs ?? 1000;
  }

  #event(now: number, name: MagEventName, mnId: string, r: FastHandoverRecord, extra: object = {}): MagAction {
    this.#count(name);
    return {
      kind: 'event',
      event: { name, at: now, mnId, role: r.role, peer: r.peer, state: r.state, ...extra },
    };
  }

  #context(b: MagBinding) {
    return {
      mnId: b.mnId,
      station: b.station,
      prefix: b.prefix!,
      prefixLength: b.prefixLength!,
      lma: this.#c.lma,
      linkLocalIid: linkLocalIid(b.linkLocal),
    };
  }

  #deliverAction(b: MagBinding, r: FastHandoverRecord, uplink: boolean): MagAction {
    return {
      kind: 'fh-deliver',
      prefix: r.prefix!,
      prefixLength: r.prefixLength!,
      from: r.peer!,
      iface: b.iface,
      station: b.station,
      uplink,
    };
  }

  #nextHiSequence(): number {
    this.#hiSequence = (this.#hiSequence + 1) & 0xffff;
    return this.#hiSequence;
  }

  #send(dst: string, m: HandoverInitiate | HandoverAcknowledge): MagAction {
    this.#count(m.type === 'HandoverInitiate' ? 'hi-out' : `hack-sent.${m.code}`);
    return sendMobilityHeader({ src: this.#c.address, dst }, m);
  }

  /** §4.1 (a)-(c): the node's link is going down toward `peer`: HI with its context. */
  #imminent(now: number, station: string, peer: string): MagAction[] {
    const policy = this.#byStation.get(station);
    const b = policy ? this.#bindings.get(policy.id) : undefined;
    if (b?.state !== 'registered' || b.prefix === undefined || !this.#peers.has(peer)) {
      this.#count('handover-imminent-ignored');
      return [];
    }
    if (this.#fast.get(b.mnId)?.role === 'previous') {
      this.#count('handover-imminent-repeated');
      return [];
    }
    // The node's arrival here is over as a handover: it is leaving again.
    const out = this.#endArrival(b.mnId);
    const hiTimeoutMs = this.#c.fastHandover?.hiTimeoutMs ?? 200;
    const r: FastHandoverRecord = {
      role: 'previous',
      peer,
      state: 'hi-sent',
      sequenceNumber: this.#nextHiSequence(),
      prefix: b.prefix,
      prefixLength: b.prefixLength!,
      retransmitAt: now + hiTimeoutMs,
      retries: 0,
      endAt: now + this.#holdMs,
    };
    this.#fast.set(b.mnId, r);
    out.push(
      this.#send(peer, predictiveHi(r.sequenceNumber, this.#context(b), this.#forwarding)),
      this.#event(now, 'hi-sent', b.mnId, r, { sequenceNumber: r.sequenceNumber }),
    );
    return out;
  }

  /** A record of the node's arrival at this MAG, ended because it leaves: the other MAG's part stops too. */
  #endArrival(mnId: string): MagAction[] {
    const r = this.#fast.get(mnId);
    if (r?.role !== 'new') return [];
    this.#fast.delete(mnId);
    return r.prefix !== undefined ? [{ kind: 'fh-end', prefix: r.prefix }] : [];
  }

  /**
   * The AP reports the station gone. With fast handovers the previous MAG keeps the node's binding at
   * the LMA (the new MAG's PBU moves it): it forwards to the new MAG once the HAck is in, and holds
   * until then, or until a reactive HI comes (§4.2); otherwise the RFC 5213 de-registration.
   */
  #left(now: number, station: string, atNs?: string, lastFrame?: string): MagAction[] {
    const policy = this.#byStation.get(station);
    const b = policy ? this.#bindings.get(policy.id) : undefined;
    if (
      this.#peers.size === 0 ||
      !this.#forwarding ||
      !b ||
      b.state !== 'registered' ||
      !b.forwarding ||
      b.prefix === undefined
    )
      return this.#detach(now, station);
    const ended = this.#endArrival(b.mnId);
    let r = this.#fast.get(b.mnId);
    if (r && (r.state === 'holding' || r.state === 'forwarding')) {
      this.#count('station-left-repeated');
      return [];
    }
    // The node is gone from here: no refresh, no RA, no expiry until the handover ends.
    b.refreshAt = null;
    b.nextRaAt = null;
    b.expiresAt = null;
    const from = { ...(atNs ? { atNs } : {}), ...(lastFrame ? { lastFrame } : {}) };
    if (!r) {
      r = {
        role: 'previous',
        peer: null,
        state: 'holding',
        sequenceNumber: 0,
        prefix: b.prefix,
        prefixLength: b.prefixLength!,
        retransmitAt: null,
        retries: 0,
        endAt: now + this.#holdMs,
      };
      this.#fast.set(b.mnId, r);
    }
    if (r.state === 'acked') {
      r.state = 'forwarding';
      r.endAt = now + this.#forwardingMs;
      return [
        ...ended,
        { kind: 'fh-switch', prefix: b.prefix, to: r.peer, ...from },
        this.#event(now, 'fast-handover-forwarding', b.mnId, r),
      ];
    }
    r.state = 'holding';
    r.endAt = Math.max(r.endAt, now + this.#holdMs);
    return [
      ...ended,
      { kind: 'fh-switch', prefix: b.prefix, to: null, ...from },
      this.#event(now, 'fast-handover-holding', b.mnId, r),
    ];
  }

  #onHi(now: number, src: string, hi: HandoverInitiate): MagAction[] {
    const id = mnIdOf(hi.options);
    const policy = id === undefined ? undefined : this.#byId.get(id);
    const refuse = (code: number, reason: string): MagAction[] => {
      this.#count(`hi-refused.${reason}`);
      return [this.#send(src, proxyHack(hi.sequenceNumber, code, { forwarding: false, buffer: false }))];
    };
    if (!hi.proxy) return refuse(HC.ReasonUnspecified, 'no-p-flag');
    if (!policy) return refuse(HC.AdministrativelyProhibited, 'unknown-mobile-node');
    if (hi.code === HandoverInitiateCode.FbuNotFromPcoa) {
      // §4.2: a reactive HI from the new MAG. The node's context, and forwarding, if it was ours.
      const b = this.#bindings.get(policy.id);
      const r = this.#fast.get(policy.id);
      if (!b || b.prefix === undefined || !r || r.role !== 'previous' || (r.peer !== null && r.peer !== src))
        return refuse(HC.RequestedContextNotAvailable, 'context-not-available');
      r.peer = src;
      const out: MagAction[] = [
        this.#send(
          src,
          proxyHack(hi.sequenceNumber, HC.ContextTransferAccepted, {
            forwarding: true,
            buffer: false,
            context: this.#context(b),
          }),
        ),
        this.#event(now, 'hi-received', policy.id, r, { code: hi.code }),
      ];
      if (r.state === 'holding') {
        r.state = 'forwarding';
        r.retransmitAt = null;
        r.endAt = now + this.#forwardingMs;
        out.push(
          { kind: 'fh-switch', prefix: b.prefix, to: src },
          this.#event(now, 'fast-handover-forwarding', policy.id, r),
        );
      }
      return out;
    }
    // §4.1 (d)-(e): a predictive HI from the previous MAG, with the node's context.
    const ctx = contextOf(hi.options);
    if (!ctx) return refuse(HC.ReasonUnspecified, 'no-context');
    const b = this.#bindings.get(policy.id);
    const hack = () =>
      this.#send(
        src,
        proxyHack(hi.sequenceNumber, HC.AcceptedNcoaValid, { forwarding: this.#forwarding, buffer: this.#forwarding }),
      );
    if (b?.iface === '' && b.state !== 'deregistering') return [hack()]; // a resent HI: registered ahead already
    if (b && b.state !== 'deregistering') return refuse(HC.ReasonUnspecified, 'node-attached-here');
    const r: FastHandoverRecord = {
      role: 'new',
      peer: src,
      state: 'prepared',
      sequenceNumber: hi.sequenceNumber,
      prefix: ctx.prefix,
      prefixLength: ctx.prefixLength,
      retransmitAt: null,
      retries: 0,
      endAt: now + this.#holdMs,
    };
    this.#fast.set(policy.id, r);
    const out: MagAction[] = [];
    if (this.#forwarding)
      out.push({ kind: 'fh-buffer', prefix: ctx.prefix, prefixLength: ctx.prefixLength, from: src });
    out.push(hack(), this.#event(now, 'hi-received', policy.id, r, { code: hi.code }));
    if (this.#c.transientBinding) out.push(...this.#registerAhead(now, policy, ctx));
    return out;
  }

  /**
   * RFC 6058: the node is coming (the previous MAG's HI, with its context): register it now, with the
   * Transient Binding option, so that the LMA takes its uplink from here at once and, with the late
   * path switch, keeps its downlink at the previous MAG until it arrives.
   */
  #registerAhead(
    now: number,
    policy: MagPolicyEntry,
    ctx: Pick<ReturnType<typeof contextOf> & object, 'prefix' | 'prefixLength'>,
  ): MagAction[] {
    const b: MagBinding = {
      ...this.#newBinding(policy.id, canonicalMac(policy.linkLayerAddress), '', null),
      prefix: ctx.prefix,
      prefixLength: ctx.prefixLength,
    };
    this.#bindings.set(policy.id, b);
    this.#count('registered-ahead');
    return this.#sendPbu(now, b, this.#c.lifetimeS, HandoffIndicatorValue.HandoffBetweenMags);
  }

  #onHack(now: number, src: string, hack: HandoverAcknowledge): MagAction[] {
    const id = mnIdOf(hack.options);
    const entry = [...this.#fast.entries()].find(
      ([mnId, r]) =>
        r.sequenceNumber === hack.sequenceNumber &&
        (r.peer === src || (r.peer === null && r.role === 'new')) &&
        (id === undefined || id === mnId),
    );
    if (!entry) {
      this.#count('hack-unexpected');
      return [];
    }
    const [mnId, r] = entry;
    const out: MagAction[] = [this.#event(now, 'hack-received', mnId, r, { code: hack.code, from: src })];
    if (hack.code >= 128) {
      this.#count(`hack-refused.${hack.code}`);
      if (r.role === 'previous') {
        // The new MAG will not take the node's traffic: RFC 5213 as without fast handovers.
        this.#fast.delete(mnId);
        if (r.state === 'holding') out.push(...this.#detach(now, this.#bindings.get(mnId)?.station ?? ''));
      }
      return out;
    }
    r.retransmitAt = null;
    if (r.role === 'previous') {
      if (r.state === 'hi-sent') r.state = 'acked';
      else if (r.state === 'holding') {
        r.state = 'forwarding';
        r.endAt = now + this.#forwardingMs;
        out.push(
          { kind: 'fh-switch', prefix: r.prefix!, to: src },
          this.#event(now, 'fast-handover-forwarding', mnId, r),
        );
      }
      return out;
    }
    // Reactive, at the new MAG: the previous MAG's context and its forwarding (§4.2).
    const b = this.#bindings.get(mnId);
    const ctx = contextOf(hack.options);
    if (r.state !== 'hi-sent' || !b || !ctx || (b.prefix !== undefined && b.prefix !== ctx.prefix)) {
      this.#count('hack-context-unusable');
      return out;
    }
    r.peer = src;
    r.prefix = ctx.prefix;
    r.prefixLength = ctx.prefixLength;
    r.state = 'delivering';
    r.endAt = now + this.#forwardingMs;
    out.push(this.#deliverAction(b, r, !b.forwarding), this.#event(now, 'fast-handover-delivering', mnId, r));
    if (!b.forwarding) {
      b.prefix = r.prefix;
      b.prefixLength = r.prefixLength;
      b.grantedLifetimeS = this.#c.lifetimeS;
      out.push(...this.#ra(now, b, true));
    }
    return out;
  }

  /** §4.2: attached without a prepared handover: ask each peer MAG for the node's context. */
  #reactiveHi(now: number, b: MagBinding): MagAction[] {
    const r: FastHandoverRecord = {
      role: 'new',
      peer: null,
      state: 'hi-sent',
      sequenceNumber: this.#nextHiSequence(),
      retransmitAt: null,
      retries: 0,
      endAt: now + this.#holdMs,
    };
    this.#fast.set(b.mnId, r);
    const out: MagAction[] = [...this.#peers].map((p) =>
      this.#send(p, reactiveHi(r.sequenceNumber, b.mnId, b.station)),
    );
    out.push(this.#event(now, 'hi-sent', b.mnId, r, { sequenceNumber: r.sequenceNumber, reactive: true }));
    return out;
  }

  #fastTick(now: number): MagAction[] {
    const out: MagAction[] = [];
    for (const [mnId, r] of [...this.#fast.entries()]) {
      const b = this.#bindings.get(mnId);
      if (now >= r.endAt) {
        this.#fast.delete(mnId);
        out.push(this.#event(now, 'fast-handover-ended', mnId, r));
        if (r.role === 'new' && r.prefix !== undefined && this.#forwarding)
          out.push({ kind: 'fh-end', prefix: r.prefix });
        // Registered ahead (RFC 6058) for a node that never came: that registration goes.
        if (r.role === 'new' && b?.iface === '' && b.state !== 'deregistering')
          out.push(...this.#detach(now, b.station));
        // The previous MAG's part is over: RFC 5213's de-registration (ignored by the LMA once the new
        // MAG's PBU has moved the entry).
        if (r.role === 'previous' && (r.state === 'holding' || r.state === 'forwarding') && b)
          out.push(...this.#detach(now, b.station));
        continue;
      }
      if (r.retransmitAt !== null && now >= r.retransmitAt && r.peer && b && b.prefix !== undefined) {
        if (r.retries >= (this.#c.fastHandover?.hiRetries ?? 3)) {
          r.retransmitAt = null;
          continue;
        }
        r.retries++;
        r.retransmitAt = now + (this.#c.fastHandover?.hiTimeoutMs ?? 200);
        this.#count('hi-retransmitted');
        out.push(this.#send(r.peer, predictiveHi(r.sequenceNumber, this.#context(b), this.#forwarding)));
      }
    }
    return out;
  }

  #forwardDown(b: MagBinding): MagAction {
    b.forwarding = false;
    return { kind: 'forward-down', mnId: b.mnId, iface: b.iface, prefix: b.prefix!, prefixLength: b.prefixLength! };
  }

  /** `early`: before the PBA, from a fast handover's context (RFC 5949). */
  #ra(now: number, b: MagBinding, early = false): MagAction[] {
    if (b.prefix === undefined || (b.expiresAt === null && !early)) return [];
    b.nextRaAt = now + this.#c.raIntervalMs;
    this.#count('ra-sent');
    return [
      {
        kind: 'send-router-advertisement',
        iface: b.iface,
        src: this.#c.linkLocalAddress,
        dst: b.linkLocal,
        station: b.station,
        prefix: b.prefix,
        prefixLength: b.prefixLength!,
        validLifetimeS: b.grantedLifetimeS,
      },
    ];
  }

  #tick(now: number): MagAction[] {
    const out: MagAction[] = this.#fastTick(now);
    for (const b of [...this.#bindings.values()]) {
      if (b.retransmitAt !== null && now >= b.retransmitAt) {
        // §6.9.4 / RFC 6275 §11.8: a new PBU (new sequence number and timestamp), the timeout doubled.
        b.timeoutMs = Math.min(b.timeoutMs * 2, this.#c.maxTimeoutMs);
        this.#count('pbu-retransmitted');
        if (b.state === 'deregistering') {
          // One retransmission at most: the LMA deletes the entry on its own when the lifetime ends.
          if (b.timeoutMs > this.#c.initialTimeoutMs * 2) {
            this.#bindings.delete(b.mnId);
            continue;
          }
          out.push(...this.#sendPbu(now, b, 0, HandoffIndicatorValue.HandoffStateUnknown));
        } else
          out.push(
            ...this.#sendPbu(
              now,
              b,
              this.#c.lifetimeS,
              b.state === 'registered'
                ? HandoffIndicatorValue.HandoffStateNotChanged
                : HandoffIndicatorValue.HandoffStateUnknown,
            ),
          );
        continue;
      }
      if (b.state !== 'registered') continue;
      if (b.expiresAt !== null && now >= b.expiresAt) {
        this.#count('binding-expired');
        if (b.forwarding) out.push(this.#forwardDown(b));
        this.#bindings.delete(b.mnId);
        out.push({ kind: 'event', event: { name: 'binding-expired', at: now, mnId: b.mnId } });
        continue;
      }
      if (b.refreshAt !== null && now >= b.refreshAt && b.outstanding === null) {
        b.refreshAt = null;
        // §6.9.1.3: a refresh names the prefix and says the handoff state did not change (5).
        out.push(...this.#sendPbu(now, b, this.#c.lifetimeS, HandoffIndicatorValue.HandoffStateNotChanged));
      }
      if (b.nextRaAt !== null && now >= b.nextRaAt) out.push(...this.#ra(now, b));
    }
    return out;
  }
}
