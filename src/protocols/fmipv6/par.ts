// The Previous Access Router of Mobile IPv6 Fast Handovers (RFC 5568). It answers RtSolPr with
// PrRtAdv (§6.1.2) from its map of neighbouring APs, sends unsolicited PrRtAdv for network-initiated
// handovers (§3.3), turns an FBU (§6.3.1) into an HI to the NAR (§6.2.1, retransmitted), the NAR's
// HAck (§6.2.2) into FBacks (§6.3.2), and on acceptance asks for the PCoA -> NCoA tunnel (§3.1 step 6)
// for the FBU's lifetime.
//
// With `awaitStationLeft` (the AP reports its stations, RFC 4260 §4) the predictive tunnel waits for
// the MN to really leave. RFC 5568 §3.1 has the PAR tunnel the PCoA's packets to the NCoA for an
// accepted handover without fixing the moment; tunnelling while the MN is still on the old link only
// holds back what it could receive there. From the FBU on the PCoA's packets pass through the machine
// (hold-start): delivered on the old link, a copy kept; station-left sends the copies that reached
// the link after the leave, then everything after, through the tunnel (par-hold.ts). A station-left
// with no handover under way starts a bounded buffer (RFC 5568 §3.2, reactive: the PAR may buffer)
// that the reactive FBU's HAck sends through the tunnel, or the MN's return delivers at home.
//
// Security (RFC 5568 §7, RFC 5269 without SEND): an FBU is honoured only for a PCoA of a node this
// PAR serves (an address the agent saw on its access link); any other FBU is refused, counted, and
// changes nothing — no HI, no tunnel, no FBack to a possibly forged source.
//
// Pure machine: `handle(now, input)` returns actions; after every `handle`, re-read `nextDeadline()`
// and call `handle(deadline, { kind: 'tick' })` by then (src/agent/loop.ts).

import type {
  FastBindingAcknowledgement,
  FastBindingUpdate,
  HandoverAcknowledge,
  HandoverInitiate,
} from '../../wire/mh/fmipv6.js';
import type { RouterSolicitationForProxyAdvertisement } from '../../wire/icmpv6/fmipv6.js';
import type { NdOption } from '../../wire/icmpv6/nd-options.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import { canonical, macToBytes } from '../../wire/address.js';
import {
  AddressOptionCode,
  DEFAULT_HI_TIMEOUT_MS,
  HandoverInitiateCode,
  HI_RETRIES,
  LlaOptionCode,
  ND_HOP_LIMIT,
  PrRtAdvCode,
} from './constants.js';
import type { NeighbourAccessPoint, NeighbourMap } from './neighbour-map.js';
import { PacketHold, type HoldLimits } from './par-hold.js';
import {
  DEFAULT_PAR_LIMITS,
  type HandoverMode,
  PAR_COUNTERS,
  type ParAction,
  type ParConfig,
  type ParCounter,
  type ParInput,
  type ParLimits,
} from './par-interface.js';
import { fbackMessage, fbackTo, macText, tupleOptions } from './par-messages.js';
import {
  findMhAddress,
  findMhLinkLayerAddress,
  findMobileNodeLla,
  findNdLlas,
  mhAddress,
  mhLinkLayerAddress,
  ndLla,
} from './options.js';
import { sendMobilityHeader, type Icmpv6Input, type MobilityHeaderInput } from '../core/index.js';

/** One MN's fast handover at this PAR, keyed by its PCoA. */
interface Handover {
  pcoa: string;
  mode: HandoverMode;
  nar: NeighbourAccessPoint;
  /** NCoA the MN proposed (predictive FBU option) or used as source (reactive); null asks the NAR to assign. */
  proposedNcoa: string | null;
  mnLla: Buffer | undefined;
  fbu: FastBindingUpdate;
  /** Where the FBacks go (RFC 5568 §6.3.2: the PCoA and the NCoA in predictive mode, the NCoA in reactive). */
  hiSequence: number;
  hiTransmissions: number;
  hiTimeoutMs: number;
  hiRetransmitAt: number | null;
  state: 'awaiting-hack' | 'accepted';
  acceptedNcoa?: string;
  fback?: FastBindingAcknowledgement;
  expiresAt?: number;
  /** Accepted but not yet tunnelling (awaiting station-left); the safety net's deadline. */
  tunnelled?: boolean;
  leaveDeadline?: number;
}

export class PreviousAccessRouter {
  readonly #cfg: Required<Omit<ParConfig, 'neighbours' | 'limits' | 'accessLinks' | 'narLinks'>> &
    Pick<ParConfig, 'accessLinks' | 'narLinks'> & { neighbours: NeighbourMap };
  /** The access link each served node was seen on. */
  readonly #servedOn = new Map<string, number>();
  readonly #bounds: ParLimits;
  readonly #served = new Map<string, Buffer | undefined>();
  /** The AP each MN last asked about (RtSolPr) or was sent to (network-initiated): the NAR when an FBU names no NCoA. */
  readonly #target = new Map<string, NeighbourAccessPoint>();
  readonly #handovers = new Map<string, Handover>();
  readonly #holds = new Map<string, PacketHold>();
  /**
   * Replay copies of a handover tunnelled on the MN's reactive FBU before the AP's station-left: which
   * of them reached the MN is known only from the leave (`left`), until `deadline`.
   */
  readonly #awaitingLeave = new Map<string, { hold: PacketHold; deadline: number }>();
  /** Holds started by a RtSolPr/PrRtAdv exchange, before any FBU: stopped at this time without one. */
  readonly #prepared = new Map<string, number>();
  readonly #limits: HoldLimits;
  #hiSequence = 0;
  readonly #counters = Object.fromEntries(PAR_COUNTERS.map((c) => [c, 0])) as Record<ParCounter, number>;

  constructor(config: ParConfig) {
    this.#cfg = {
      bufferAtNar: true,
      maxLifetimeS: 60,
      hiTimeoutMs: DEFAULT_HI_TIMEOUT_MS,
      hiRetries: HI_RETRIES,
      awaitStationLeft: false,
      leaveTimeoutMs: DEFAULT_LEAVE_TIMEOUT_MS,
      prepareHoldMs: DEFAULT_PREPARE_HOLD_MS,
      hold: {},
      ...config,
      address: canonical(config.address),
    };
    this.#limits = { ...DEFAULT_HOLD_LIMITS, ...config.hold };
    this.#bounds = { ...DEFAULT_PAR_LIMITS, ...config.limits };
  }

  get counters(): Readonly<Record<ParCounter, number>> {
    return this.#counters;
  }

  /** Handovers in progress or tunnelling, for status reports and tests. */
  get handovers(): { pcoa: string; mode: HandoverMode; state: string; ncoa: string | null; nar: string }[] {
    return [...this.#handovers.values()].map((h) => ({
      pcoa: h.pcoa,
      mode: h.mode,
      state: h.state,
      ncoa: h.acceptedNcoa ?? h.proposedNcoa,
      nar: h.nar.narAddress,
      ...(h.state === 'accepted' ? { tunnelled: !!h.tunnelled } : {}),
    }));
  }

  /** What the PAR holds per PCoA: on the old link (replay copies) or buffered after the leave. */
  get holds(): { pcoa: string; leftAt: number | null; packets: number }[] {
    return [...this.#holds.values()].map((x) => ({ pcoa: x.pcoa, leftAt: x.leftAt, packets: x.size }));
  }

  nextDeadline(): number | null {
    let d: number | null = null;
    const at = (t: number | null | undefined) => {
      if (t !== null && t !== undefined && (d === null || t < d)) d = t;
    };
    for (const h of this.#handovers.values()) {
      at(h.state === 'awaiting-hack' ? h.hiRetransmitAt : h.expiresAt);
      if (h.state === 'accepted' && !h.tunnelled) at(h.leaveDeadline);
    }
    for (const x of this.#holds.values()) if (!this.#handovers.has(x.pcoa)) at(x.expiresAt);
    for (const w of this.#awaitingLeave.values()) at(w.deadline);
    for (const t of this.#prepared.values()) at(t);
    return d;
  }

  handle(now: number, input: ParInput): ParAction[] {
    switch (input.kind) {
      case 'tick':
        return this.#onTick(now);
      case 'served-node': {
        const a = canonical(input.address);
        if (!this.#served.has(a) && this.#served.size >= this.#bounds.maxServedNodes) {
          this.#counters['served-node-full']++;
          return [];
        }
        this.#served.set(a, input.linkLayerAddress ? macToBytes(input.linkLayerAddress) : undefined);
        if (input.ifindex !== undefined) this.#servedOn.set(a, input.ifindex);
        return [];
      }
      case 'served-node-gone':
        this.#served.delete(canonical(input.address));
        this.#servedOn.delete(canonical(input.address));
        this.#target.delete(canonical(input.address));
        return [];
      case 'network-initiated-handover':
        return this.#onNetworkInitiated(now, canonical(input.mobileNode), input.apId);
      case 'station-left':
        return this.#onStationLeft(now, input.station.toLowerCase(), Math.min(input.at ?? now, now), input.lastFrame);
      case 'station-joined':
        return this.#onStationJoined(now, input.station.toLowerCase());
      case 'node-arrived': {
        const a = canonical(input.address);
        return this.#back(now, (h) => h.pcoa === a);
      }
      case 'packet':
        return this.#onPacket(now, canonical(input.dst), input.packet);
      case 'icmp':
        if (input.message.type === 'RouterSolicitationForProxyAdvertisement')
          return this.#onRtSolPr(now, input, input.message);
        this.#counters['icmp-unexpected']++;
        return [];
      case 'mh':
        if (input.message.type === 'FastBindingUpdate') return this.#onFbu(now, input, input.message);
        if (input.message.type === 'HandoverAcknowledge') return this.#onHack(now, input, input.message);
        this.#counters['mh-unexpected']++;
        return [];
    }
  }

  // RFC 5568 §6.1.2: answer with the [AP-ID, AR-Info] tuple of each AP asked about (all neighbours
  // for the wildcard, §6.1.1). The Identifier is copied so the MN can match the answer.
  #onRtSolPr(now: number, input: Icmpv6Input, m: RouterSolicitationForProxyAdvertisement): ParAction[] {
    this.#counters['rtsolpr-received']++;
    const mn = canonical(input.src);
    const lla = findMobileNodeLla(m.options);
    if (lla && this.#served.has(mn) && !this.#served.get(mn)) this.#served.set(mn, lla);
    const asked = findNdLlas(m.options, LlaOptionCode.NewAccessPoint);
    const wildcard = asked.length === 0;
    const options: NdOption[] = [];
    let code: number = PrRtAdvCode.UseApIdArInfoTuple;
    let firstAp: string | null = null;
    const aps = wildcard ? this.#cfg.neighbours.neighbours().map((n) => n.apId) : asked.map(macText);
    for (const apId of aps) {
      firstAp ??= apId;
      const found = this.#cfg.neighbours.lookup(apId);
      if (found.kind === 'neighbour') {
        options.push(...tupleOptions(found.ap));
        if (!this.#target.has(mn) || !wildcard) this.#setTarget(mn, found.ap);
      } else if (found.kind === 'own') {
        // The AP hangs off this router: no new router, so no fast handover is needed.
        options.push(ndLla(LlaOptionCode.ApOnThisRouter, found.apId));
        if (aps.length === 1) code = PrRtAdvCode.NoNewRouterInformation;
      } else {
        this.#counters['prrtadv-unknown-ap']++;
        options.push(ndLla(LlaOptionCode.NoPrefixForAp, found.apId));
        if (aps.length === 1) code = PrRtAdvCode.NoNewRouterInformation;
      }
    }
    if (
      aps.length > 1 &&
      options.some((o) => o.type === 'LinkLayerAddress' && o.optionCode >= LlaOptionCode.ApOnThisRouter)
    ) {
      code = PrRtAdvCode.LimitedNewRouterInformation;
    }
    this.#counters['prrtadv-sent']++;
    return [
      {
        kind: 'send-icmp',
        src: this.#cfg.address,
        dst: mn,
        hopLimit: ND_HOP_LIMIT,
        message: { type: 'ProxyRouterAdvertisement', code, identifier: m.identifier, options },
      },
      { kind: 'event', event: { name: 'prrtadv-sent', at: now, to: mn, code, apId: wildcard ? null : firstAp } },
      ...(this.#target.has(mn) ? this.#prepare(now, mn) : []),
    ];
  }

  // RFC 5568 §3.3: the network moves the MN; an unsolicited PrRtAdv (Code 1) names the new AP and AR.
  #onNetworkInitiated(now: number, mn: string, apId: string): ParAction[] {
    const found = this.#cfg.neighbours.lookup(apId);
    if (found.kind !== 'neighbour') {
      this.#counters['prrtadv-unknown-ap']++;
      return [];
    }
    this.#counters['network-initiated']++;
    this.#counters['prrtadv-sent']++;
    this.#setTarget(mn, found.ap);
    const code = PrRtAdvCode.NetworkInitiated;
    return [
      {
        kind: 'send-icmp',
        src: this.#cfg.address,
        dst: mn,
        hopLimit: ND_HOP_LIMIT,
        message: { type: 'ProxyRouterAdvertisement', code, identifier: 0, options: tupleOptions(found.ap) },
      },
      { kind: 'event', event: { name: 'prrtadv-sent', at: now, to: mn, code, apId: found.ap.apId } },
      ...this.#prepare(now, mn),
    ];
  }

  // A handover to a neighbour is being prepared (RFC 5568 §3.1: RtSolPr/PrRtAdv before the FBU; §3.3
  // network-initiated). With station reports, the PCoA's packets start passing through us now, so the
  // path (the agent's diversion, which takes milliseconds to install on a loaded host) is in place
  // when the FBU comes: a short link-going-down lead leaves no time to set it up before the detach,
  // and what the kernel forwards onto the old link after the leave has no copy to replay.
  #prepare(now: number, pcoa: string): ParAction[] {
    const lla = this.#served.get(pcoa);
    if (!this.#cfg.awaitStationLeft || !lla) return [];
    if (this.#handovers.has(pcoa)) return [];
    this.#prepared.set(pcoa, now + this.#cfg.prepareHoldMs);
    if (this.#holds.has(pcoa) || !this.#holdRoom()) return [];
    this.#holds.set(pcoa, new PacketHold(pcoa, macText(lla), this.#limits));
    return [{ kind: 'hold-start', pcoa }];
  }

  // RFC 5568 §6.3.1 / §3.1 step 4 / §3.2: an FBU from the PCoA (predictive) or from the NCoA with the
  // PCoA in a Home Address option (reactive) becomes an HI with Code 0 or 1.
  #onFbu(now: number, input: MobilityHeaderInput, fbu: FastBindingUpdate): ParAction[] {
    this.#counters['fbu-received']++;
    const src = canonical(input.src);
    const mode: HandoverMode = input.homeAddressOption === undefined ? 'predictive' : 'reactive';
    const pcoa = mode === 'predictive' ? src : canonical(input.homeAddressOption!);
    // A PCoA we hold packets for was served until it left (its neighbour entry may be gone by now).
    if (!this.#served.has(pcoa) && !this.#holds.has(pcoa)) {
      this.#counters['fbu-unauthorised']++;
      return [{ kind: 'event', event: { name: 'fbu-refused', at: now, src, reason: 'not-a-served-pcoa' } }];
    }
    const proposedNcoa =
      mode === 'reactive' ? src : (findMhAddress(fbu.options, AddressOptionCode.NewCareOfAddress)?.address ?? null);
    const nar = proposedNcoa ? this.#cfg.neighbours.byPrefixOf(proposedNcoa) : this.#target.get(pcoa);
    if (!this.#arrivedRight(input.ifindex, mode, pcoa, nar)) {
      this.#counters['fbu-wrong-link']++;
      return [{ kind: 'event', event: { name: 'fbu-refused', at: now, src, reason: 'wrong-link' } }];
    }
    if (!nar) {
      this.#counters['fbu-no-nar']++;
      const back = fbackTo(mode, pcoa, src);
      const fback = fbackMessage(fbu, 128, 0, []);
      this.#counters['fback-sent'] += back.length;
      return [
        ...back.map((dst): ParAction => sendMobilityHeader({ src: this.#cfg.address, dst }, fback)),
        { kind: 'event', event: { name: 'fbu-refused', at: now, src, reason: 'no-nar-for-ncoa' } },
      ];
    }
    const existing = this.#handovers.get(pcoa);
    if (
      existing &&
      existing.fbu.sequenceNumber === fbu.sequenceNumber &&
      existing.proposedNcoa === proposedNcoa &&
      existing.mode === mode
    ) {
      // A retransmitted FBU: answer again if we already know the outcome, else the HI is on its way.
      this.#counters['fbu-duplicate']++;
      return existing.state === 'accepted'
        ? this.#sendFbacks(now, existing, fbackTo(mode, pcoa, existing.acceptedNcoa!))
        : [];
    }
    if (existing?.state === 'accepted' && mode === 'reactive' && existing.acceptedNcoa === src) {
      // The MN left before our FBack reached it and asks again from the NCoA: the tunnel already runs.
      this.#counters['fbu-duplicate']++;
      existing.fbu = fbu;
      // RFC 5568 §6.3.2: the FBack answers this FBU (its Sequence Number), not the predictive one.
      existing.fback = { ...existing.fback!, sequenceNumber: fbu.sequenceNumber };
      // It speaks from the new link, so it has left: tunnel now if no station-left said so yet. The
      // copies of what we delivered on the old link wait for station-left to say which it missed.
      return [
        ...(existing.tunnelled ? [] : this.#release(now, existing, true)),
        ...this.#sendFbacks(now, existing, [src]),
      ];
    }
    const out: ParAction[] = existing ? this.#end(existing) : [];
    this.#hiSequence = (this.#hiSequence + 1) & 0xffff;
    const h: Handover = {
      pcoa,
      mode,
      nar,
      proposedNcoa,
      mnLla: findMhLinkLayerAddress(fbu.options) ?? this.#served.get(pcoa),
      fbu,
      hiSequence: this.#hiSequence,
      hiTransmissions: 0,
      hiTimeoutMs: this.#cfg.hiTimeoutMs,
      hiRetransmitAt: null,
      state: 'awaiting-hack',
    };
    this.#handovers.set(pcoa, h);
    this.#prepared.delete(pcoa);
    out.push(...this.#sendHi(now, h));
    // Predictive, the AP reports leaves: from now on the PCoA's packets pass through us (delivered on
    // the old link, a copy kept) so the leave can be turned into the tunnel's start without a gap.
    if (mode === 'predictive' && this.#cfg.awaitStationLeft && h.mnLla && !this.#holds.has(pcoa) && this.#holdRoom()) {
      this.#holds.set(pcoa, new PacketHold(pcoa, macText(h.mnLla), this.#limits));
      out.push({ kind: 'hold-start', pcoa });
    }
    return out;
  }

  #sendHi(now: number, h: Handover): ParAction[] {
    const predictive = h.mode === 'predictive';
    const options: MobilityOption[] = [mhAddress(AddressOptionCode.OldCareOfAddress, h.pcoa)];
    if (h.proposedNcoa) options.push(mhAddress(AddressOptionCode.NewCareOfAddress, h.proposedNcoa));
    if (h.mnLla) options.push(mhLinkLayerAddress(h.mnLla));
    const code = predictive
      ? HandoverInitiateCode.FbuFromPreviousCareOfAddress
      : HandoverInitiateCode.FbuNotFromPreviousCareOfAddress;
    const hi: HandoverInitiate = {
      type: 'HandoverInitiate',
      sequenceNumber: h.hiSequence,
      // RFC 5568 §6.2.1: S only with Code 0 (ask the NAR for an address); U (buffer) is for Code 0.
      assignedAddressConfiguration: predictive && h.proposedNcoa === null,
      buffer: predictive && this.#cfg.bufferAtNar,
      proxy: false,
      forwarding: false,
      code,
      options,
    };
    h.hiTransmissions++;
    this.#counters[h.hiTransmissions === 1 ? 'hi-sent' : 'hi-retransmitted']++;
    h.hiRetransmitAt = now + h.hiTimeoutMs;
    h.hiTimeoutMs *= 2;
    return [
      sendMobilityHeader({ src: this.#cfg.address, dst: h.nar.narAddress }, hi),
      {
        kind: 'event',
        event: { name: 'hi-sent', at: now, pcoa: h.pcoa, nar: h.nar.narAddress, code, transmission: h.hiTransmissions },
      },
    ];
  }

  // RFC 5568 §6.2.2 / §6.3.2: the HAck decides the FBack. Codes 0-2 accept (1 and 2 with the NAR's
  // NCoA, which the FBack passes on with status 1); >= 128 refuse with the same reason.
  #onHack(now: number, input: MobilityHeaderInput, hack: HandoverAcknowledge): ParAction[] {
    this.#counters['hack-received']++;
    const from = canonical(input.src);
    const h = [...this.#handovers.values()].find(
      (x) => x.state === 'awaiting-hack' && x.hiSequence === hack.sequenceNumber && x.nar.narAddress === from,
    );
    if (!h) {
      this.#counters['hack-unexpected']++;
      return [];
    }
    const supplied = findMhAddress(hack.options, AddressOptionCode.NewCareOfAddress)?.address;
    const ncoa = hack.code === 0 ? h.proposedNcoa : hack.code === 1 || hack.code === 2 ? (supplied ?? null) : null;
    if (ncoa === null) {
      this.#counters['hack-refused']++;
      this.#handovers.delete(h.pcoa);
      const unhold = this.#unholdPresent(h.pcoa);
      const status = hack.code >= 128 && hack.code <= 130 ? hack.code : 128;
      const fback = fbackMessage(h.fbu, status, 0, []);
      const dsts = refusalTo(h);
      this.#counters['fback-sent'] += dsts.length;
      return [
        ...unhold,
        ...dsts.map((dst): ParAction => sendMobilityHeader({ src: this.#cfg.address, dst }, fback)),
        {
          kind: 'event',
          event: { name: 'handover-refused', at: now, pcoa: h.pcoa, nar: h.nar.narAddress, status, reason: 'hack' },
        },
      ];
    }
    const lifetimeS = Math.min(h.fbu.lifetime, this.#cfg.maxLifetimeS);
    const options: MobilityOption[] = [];
    if (ncoa !== h.proposedNcoa) {
      options.push(mhAddress(AddressOptionCode.NewCareOfAddress, ncoa));
      const prefix = findMhAddress(hack.options, AddressOptionCode.NewAccessRouterPrefix);
      if (prefix) options.push(mhAddress(AddressOptionCode.NewAccessRouterPrefix, prefix.address, prefix.prefixLength));
    }
    h.state = 'accepted';
    h.hiRetransmitAt = null;
    h.acceptedNcoa = ncoa;
    h.expiresAt = now + lifetimeS * 1000;
    h.fback = fbackMessage(h.fbu, ncoa === h.proposedNcoa ? 0 : 1, lifetimeS, options);
    // Tunnel now unless the MN is still on the old link and the AP will tell us when it leaves.
    const hold = this.#holds.get(h.pcoa);
    const wait = h.mode === 'predictive' && hold !== undefined && hold.leftAt === null;
    if (wait) h.leaveDeadline = now + this.#cfg.leaveTimeoutMs;
    return [
      // Reactive without a station-left yet: the MN speaks from the new link, but which copies it
      // missed on the old one only the leave tells.
      ...(wait ? [] : this.#release(now, h, h.mode === 'reactive')),
      ...this.#sendFbacks(now, h, fbackTo(h.mode, h.pcoa, ncoa)),
      {
        kind: 'event',
        event: {
          name: 'handover-accepted',
          at: now,
          pcoa: h.pcoa,
          ncoa,
          nar: h.nar.narAddress,
          mode: h.mode,
          lifetimeS,
        },
      },
    ];
  }

  #sendFbacks(now: number, h: Handover, dsts: string[]): ParAction[] {
    this.#counters['fback-sent'] += dsts.length;
    // An FBack onto the old link is a frame of ours the AP may name as the station's last one.
    if (dsts.includes(h.pcoa)) this.#holds.get(h.pcoa)?.ownFrameSent(now, this.#cfg.address);
    return dsts.map((dst) => sendMobilityHeader({ src: this.#cfg.address, dst }, h.fback!));
  }

  #onTick(now: number): ParAction[] {
    const out: ParAction[] = [];
    for (const h of [...this.#handovers.values()]) {
      if (h.state === 'awaiting-hack' && h.hiRetransmitAt !== null && h.hiRetransmitAt <= now) {
        if (h.hiTransmissions <= this.#cfg.hiRetries) {
          out.push(...this.#sendHi(now, h));
          continue;
        }
        // No HAck after HI_RETRIES: tell the MN the FBU failed so it falls back (RFC 5568 §6.2.1).
        this.#counters['hi-timeout']++;
        this.#handovers.delete(h.pcoa);
        out.push(...this.#unholdPresent(h.pcoa));
        const fback = fbackMessage(h.fbu, 128, 0, []);
        const dsts = refusalTo(h);
        this.#counters['fback-sent'] += dsts.length;
        out.push(...dsts.map((dst): ParAction => sendMobilityHeader({ src: this.#cfg.address, dst }, fback)));
        out.push({
          kind: 'event',
          event: {
            name: 'handover-refused',
            at: now,
            pcoa: h.pcoa,
            nar: h.nar.narAddress,
            status: 128,
            reason: 'hi-timeout',
          },
        });
      } else if (h.state === 'accepted' && !h.tunnelled && h.leaveDeadline !== undefined && h.leaveDeadline <= now) {
        // Safety net: no station-left (an AP that does not report, a lost report). Tunnel as RFC 5568
        // §3.1 does from the HAck; nothing is replayed, as we cannot tell what reached the MN.
        this.#counters['leave-timeout']++;
        out.push({ kind: 'event', event: { name: 'leave-timeout', at: now, pcoa: h.pcoa } }, ...this.#release(now, h));
      } else if (h.state === 'accepted' && h.expiresAt !== undefined && h.expiresAt <= now) {
        out.push(
          { kind: 'event', event: { name: 'tunnel-expired', at: now, pcoa: h.pcoa, ncoa: h.acceptedNcoa! } },
          ...this.#end(h),
        );
      }
    }
    for (const [pcoa, until] of [...this.#prepared]) {
      if (until > now) continue;
      // Prepared but no FBU and no leave: the packets take the normal route again.
      this.#prepared.delete(pcoa);
      if (!this.#handovers.has(pcoa)) out.push(...this.#unholdPresent(pcoa));
    }
    for (const [pcoa, w] of [...this.#awaitingLeave]) {
      if (w.deadline > now) continue;
      // No station-left after all: we cannot tell what reached the MN, so nothing is sent again.
      this.#awaitingLeave.delete(pcoa);
      this.#counters['leave-timeout']++;
      out.push({ kind: 'event', event: { name: 'leave-timeout', at: now, pcoa } });
    }
    for (const x of [...this.#holds.values()]) {
      const exp = x.expiresAt;
      if (this.#handovers.has(x.pcoa) || exp === null || exp > now) continue;
      // No FBU from a new link and no return within the age limit: the buffer is dropped.
      this.#holds.delete(x.pcoa);
      const n = x.take().length;
      this.#counters['buffer-expired'] += n;
      out.push(
        { kind: 'hold-stop', pcoa: x.pcoa },
        { kind: 'event', event: { name: 'buffer-expired', at: now, pcoa: x.pcoa, packets: n } },
      );
    }
    return out;
  }

  // The AP reports the station gone (RFC 4260 §4). Every PCoA of that link-layer address: a waiting
  // predictive handover starts its tunnel; otherwise the PAR buffers until an FBU or the return.
  #onStationLeft(now: number, station: string, leftAt: number, lastFrame?: Buffer): ParAction[] {
    const pcoas = new Set<string>();
    for (const [a, lla] of this.#served) if (lla && macText(lla) === station) pcoas.add(a);
    for (const h of this.#handovers.values()) if (h.mnLla && macText(h.mnLla) === station) pcoas.add(h.pcoa);
    for (const x of this.#holds.values()) if (x.linkLayerAddress === station) pcoas.add(x.pcoa);
    if (pcoas.size === 0) {
      this.#counters['station-unknown']++;
      return [];
    }
    this.#counters['station-left']++;
    const out: ParAction[] = [];
    for (const pcoa of pcoas) {
      const h = this.#handovers.get(pcoa);
      const w = this.#awaitingLeave.get(pcoa);
      if (h?.tunnelled && w) {
        // Tunnelled on the reactive FBU: the copies sent onto ap1 after the leave follow the tunnel.
        this.#awaitingLeave.delete(pcoa);
        w.hold.left(leftAt, lastFrame);
        const packets = w.hold.take();
        this.#counters['packets-forwarded'] += packets.length;
        out.push({
          kind: 'event',
          event: { name: 'station-left', at: now, pcoa, leftAt, held: packets.length, handover: `${h.mode} tunnelled` },
        });
        if (packets.length) out.push({ kind: 'forward', pcoa, ncoa: h.acceptedNcoa!, packets });
        continue;
      }
      if (h?.tunnelled) continue;
      let hold = this.#holds.get(pcoa);
      if (!hold) {
        if (!this.#holdRoom()) {
          if (h?.state === 'accepted') out.push(...this.#release(now, h));
          continue;
        }
        hold = new PacketHold(pcoa, station, this.#limits);
        this.#holds.set(pcoa, hold);
        out.push({ kind: 'hold-start', pcoa });
      }
      hold.left(leftAt, lastFrame);
      this.#prepared.delete(pcoa);
      const handover = h ? `${h.mode} ${h.state}` : 'none';
      out.push({ kind: 'event', event: { name: 'station-left', at: now, pcoa, leftAt, held: hold.size, handover } });
      if (h?.state === 'accepted') out.push(...this.#release(now, h));
    }
    return out;
  }

  // The station is back on our AP: what we buffered since it left goes out on the link, in order.
  #onStationJoined(now: number, station: string): ParAction[] {
    this.#counters['station-joined']++;
    const out: ParAction[] = this.#back(now, (h) => {
      const lla = this.#lla(h);
      return lla !== undefined && macText(lla) === station;
    });
    for (const x of [...this.#holds.values()]) {
      if (x.linkLayerAddress !== station || x.leftAt === null || this.#handovers.has(x.pcoa)) continue;
      this.#holds.delete(x.pcoa);
      const packets = x.take();
      this.#counters['packets-returned'] += packets.length;
      out.push(
        { kind: 'hold-stop', pcoa: x.pcoa },
        ...(packets.length
          ? [{ kind: 'deliver-local' as const, pcoa: x.pcoa, linkLayerAddress: station, packets }]
          : []),
        { kind: 'event', event: { name: 'returned', at: now, pcoa: x.pcoa, packets: packets.length } },
      );
    }
    return out;
  }

  // A node back on our link before its handover ended (RFC 5568 §3.1 gives the tunnel the FBU's
  // lifetime): its PCoA is on-link again, and the tunnel to the NCoA it left would cut it off.
  #back(now: number, which: (h: Handover) => boolean): ParAction[] {
    const out: ParAction[] = [];
    for (const h of [...this.#handovers.values()]) {
      if (!which(h)) continue;
      const lla = this.#lla(h);
      for (const a of this.#end(h))
        out.push(a.kind === 'tunnel-stop' && lla ? { ...a, linkLayerAddress: macText(lla) } : a);
      out.push({ kind: 'event', event: { name: 'returned', at: now, pcoa: h.pcoa, packets: 0 } });
    }
    return out;
  }

  /** The MN's 6-byte link-layer address: from its FBU, else from the neighbour cache. */
  #lla(h: Handover): Buffer | undefined {
    const lla = h.mnLla ?? this.#served.get(h.pcoa);
    return lla && lla.length === 6 ? lla : undefined;
  }

  #onPacket(now: number, dst: string, packet: Buffer): ParAction[] {
    const hold = this.#holds.get(dst);
    if (!hold) {
      this.#counters['packet-unexpected']++;
      return [];
    }
    const drops = { overflow: 0, overflowBytes: 0 };
    const r = hold.add(now, packet, drops);
    this.#counters['buffer-overflow'] += drops.overflow;
    this.#counters['buffer-overflow-bytes'] += drops.overflowBytes;
    if (r !== 'deliver') return [];
    this.#counters['packets-delivered-local']++;
    return [{ kind: 'deliver-local', pcoa: dst, linkLayerAddress: hold.linkLayerAddress, packets: [packet] }];
  }

  /**
   * RFC 5568 §6: the predictive FBU comes from the PCoA on the link that serves it, so it arrives on
   * that access link; §3.2: the reactive one from the NCoA, through the NAR, so over the link toward
   * the NAR and never on an access link. A copy sent from elsewhere with the same source address
   * arrives on another interface.
   */
  #arrivedRight(ifindex: number | undefined, mode: HandoverMode, pcoa: string, nar: NeighbourAccessPoint | undefined) {
    if (ifindex === undefined) return true;
    const access = this.#cfg.accessLinks ?? [];
    if (mode === 'predictive') {
      const on = this.#servedOn.get(pcoa);
      return on !== undefined ? on === ifindex : access.length === 0 || access.includes(ifindex);
    }
    if (access.includes(ifindex)) return false;
    const toward = nar ? this.#cfg.narLinks?.[nar.narAddress] : undefined;
    return toward === undefined || toward === ifindex;
  }

  /** The RtSolPr table keeps the newest `maxRtSolPrTargets` sources (§6.1.1: any node may ask). */
  #setTarget(mn: string, ap: NeighbourAccessPoint): void {
    this.#target.delete(mn);
    if (this.#target.size >= this.#bounds.maxRtSolPrTargets) {
      const oldest = this.#target.keys().next().value;
      if (oldest !== undefined) this.#target.delete(oldest);
      this.#counters['rtsolpr-target-forgotten']++;
    }
    this.#target.set(mn, ap);
  }

  #holdRoom(): boolean {
    if (this.#holds.size < this.#bounds.maxHolds) return true;
    this.#counters['hold-refused']++;
    return false;
  }

  /**
   * Starts the accepted handover's tunnel; what the PAR held goes first, in order. `awaitLeave`: the
   * MN has gone but the leave's time is not known yet; keep the copies for station-left.
   */
  #release(now: number, h: Handover, awaitLeave = false): ParAction[] {
    h.tunnelled = true;
    this.#counters['tunnels-started']++;
    const lifetimeMs = Math.max(0, (h.expiresAt ?? now) - now);
    const out: ParAction[] = [
      { kind: 'tunnel-start', pcoa: h.pcoa, ncoa: h.acceptedNcoa!, nar: h.nar.narAddress, lifetimeMs },
    ];
    const hold = this.#holds.get(h.pcoa);
    if (hold) {
      this.#holds.delete(h.pcoa);
      if (hold.leftAt === null && awaitLeave) {
        this.#awaitingLeave.set(h.pcoa, { hold, deadline: now + this.#cfg.leaveTimeoutMs });
        return out;
      }
      // Before a known leave the held copies were all delivered on the old link: none goes again.
      const taken = hold.take();
      const packets = hold.leftAt === null ? [] : taken;
      this.#counters['packets-forwarded'] += packets.length;
      if (packets.length) out.push({ kind: 'forward', pcoa: h.pcoa, ncoa: h.acceptedNcoa!, packets });
    }
    return out;
  }

  /** A handover that ends untunnelled while the MN is still here: packets take the normal route again. */
  #unholdPresent(pcoa: string): ParAction[] {
    const hold = this.#holds.get(pcoa);
    if (!hold || hold.leftAt !== null) return [];
    this.#holds.delete(pcoa);
    return [{ kind: 'hold-stop', pcoa }];
  }

  #end(h: Handover): ParAction[] {
    this.#handovers.delete(h.pcoa);
    this.#awaitingLeave.delete(h.pcoa);
    if (h.state !== 'accepted' || !h.tunnelled) return [];
    this.#counters['tunnels-stopped']++;
    return [{ kind: 'tunnel-stop', pcoa: h.pcoa, ncoa: h.acceptedNcoa!, nar: h.nar.narAddress }];
  }
}

/** A refusal goes where the MN is: the PCoA before it moved, the NCoA it sent from after (reactive). */
function refusalTo(h: Handover): string[] {
  return [h.mode === 'predictive' ? h.pcoa : h.proposedNcoa!];
}

const DEFAULT_LEAVE_TIMEOUT_MS = 1000;
const DEFAULT_PREPARE_HOLD_MS = 5000;
const DEFAULT_HOLD_LIMITS: HoldLimits = { maxPackets: 1000, maxBytes: 1_500_000, maxAgeMs: 2000, replayWindowMs: 500 };
