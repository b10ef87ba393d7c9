// The mobile node's side of HMIPv6 (RFC 5380 §6.1, §7.1): from the MAP options of Router
// Advertisements it selects a MAP (map-selection.ts), forms its RCoA on the MAP's prefix and its LCoA
// on the access link, and keeps the local binding RCoA -> LCoA at the MAP with local Binding Updates
// (M and A set, §4; from the LCoA with the RCoA in the Home Address option, §6.1), retransmitted
// and refreshed as RFC 6275 §11.8 / §11.7.1 ask of home registrations (the MAP is a local home agent).
//
// It says what the rest of the node must do: `enter-link` (the LCoA of a new access link), `local-
// binding` (the MAP accepted this LCoA: the MN-MAP tunnel runs there) and the domain it is in
// (`domain`), from which the mobile node's registration with its home agent takes the RCoA as its
// care-of address (§6.1). A move between access routers of one MAP domain changes only the LCoA, so
// only the MAP hears of it (§6.1 "it should only register its new LCoA with its MAP").
//
// Pure machine: `handle(now, input)` returns actions; re-read `nextDeadline()` after every `handle`.

import type { BindingAcknowledgement } from '../../wire/mh/binding.js';
import { bindingUpdate } from '../../wire/mh/binding.js';
import type { MobilityMessage } from '../../wire/mh/header.js';
import { naiIdentifier } from '../../wire/mh/options/types.js';
import { canonical, slaacAddress } from '../../wire/address.js';
import {
  ntpTimestampFromUnixMs,
  sealWithMnHa,
  securityOptions,
  unixMsFromNtpTimestamp,
  verifyMnHa,
} from '../mipv6/auth.js';
import {
  BaStatus,
  INITIAL_BINDACK_TIMEOUT_MS,
  LIFETIME_UNIT_S,
  MAX_BINDACK_TIMEOUT_MS,
  MAX_LIFETIME_UNITS,
} from '../mipv6/constants.js';
import { nextSequence } from '../mipv6/sequence.js';
import { sendMobilityHeader, type SendMobilityHeader, type Tick } from '../core/index.js';
import { type MapOptionInfo, regionalCareOfAddress, selectMap } from './map-selection.js';

export interface MobileNodeMapConfig {
  /** RFC 4283 NAI and the MN-MAP association (an RFC 4285 key, docs/hmipv6.md). */
  nai: string;
  spi: number;
  key: Buffer;
  /** Interface identifier for the LCoA and the RCoA (as an address whose low 64 bits are used). */
  interfaceId: string;
  epochOffsetMs: number;
  /** Lifetime asked for in local BUs, seconds. Default 120. */
  lifetimeS?: number;
  refreshFraction?: number;
  initialSequence?: number;
}

/** The MAP domain the node is in (RFC 5380 §3.1: the MAP option's address names it). */
export interface MapDomain {
  map: string;
  /** The MAP's subnet prefix (/64) and the RCoA on it (§6). */
  prefix: string;
  rcoa: string;
  option: MapOptionInfo;
}

export interface MapRouterAdvertisement {
  kind: 'router-advertisement';
  router: string;
  prefixes: { prefix: string; prefixLength: number; autonomous?: boolean }[];
  maps: MapOptionInfo[];
}

export type MobileNodeMapInput =
  | { kind: 'link-up' }
  | { kind: 'link-down' }
  | MapRouterAdvertisement
  /** A Mobility Header from the MAP; `routingHomeAddress` is its type 2 routing header's address. */
  | { kind: 'mh'; src: string; dst: string; routingHomeAddress?: string; message: MobilityMessage; bytes: Buffer }
  | Tick;

export type MobileNodeMapAction =
  | SendMobilityHeader
  /** A new access link: configure the LCoA, route through `router`; `leaving` is the previous link's. */
  | {
      kind: 'enter-link';
      router: string;
      lcoa: string;
      prefix: string;
      leaving: { lcoa: string; prefix: string; router: string } | null;
    }
  /** The MAP holds RCoA -> LCoA: the MN-MAP tunnel runs between the LCoA and the MAP (§6.1). */
  | { kind: 'local-binding'; map: string; rcoa: string; lcoa: string; lifetimeS: number }
  /** No MAP in the RAs any more: HMIPv6 is off until one comes back (§7.1). */
  | { kind: 'domain-left'; map: string }
  | { kind: 'event'; event: MobileNodeMapEvent };

export type MobileNodeMapEvent =
  | { name: 'map-selected'; at: number; map: string; rcoa: string; distance: number; preference: number }
  | { name: 'local-bu-sent'; at: number; map: string; lcoa: string; sequenceNumber: number }
  | { name: 'local-ba-received'; at: number; status: number; lifetimeS: number }
  | { name: 'local-registered'; at: number; map: string; rcoa: string; lcoa: string; lifetimeS: number }
  | { name: 'local-registration-refused'; at: number; status: number }
  | { name: 'dropped'; at: number; reason: MobileNodeMapCounter };

export const MOBILE_NODE_MAP_COUNTERS = [
  'local-bu-sent',
  'local-bu-retransmitted',
  'local-ba-accepted',
  'local-ba-refused',
  'ba-without-rcoa-routing-header',
  'ba-unexpected',
  'ba-auth-failed',
  'mh-unexpected',
  'domain-changes',
] as const;
export type MobileNodeMapCounter = (typeof MOBILE_NODE_MAP_COUNTERS)[number];

interface Outstanding {
  lcoa: string;
  lifetimeUnits: number;
  /** Transmissions by sequence number: when each left and its timestamp (a handful at most). */
  sent: Map<number, { at: number; timestamp: bigint }>;
  timeoutMs: number;
  retransmitAt: number | null;
  resynced: boolean;
}

const SENT_REMEMBERED = 8;

export class MobileNodeMap {
  readonly #cfg: Required<MobileNodeMapConfig>;
  readonly #counters = Object.fromEntries(MOBILE_NODE_MAP_COUNTERS.map((c) => [c, 0])) as Record<
    MobileNodeMapCounter,
    number
  >;
  #domain: MapDomain | null = null;
  #link: { router: string; prefix: string; lcoa: string } | null = null;
  #linkUp = false;
  #sequence: number;
  #outstanding: Outstanding | null = null;
  #binding: { lcoa: string; expiresAt: number; refreshAt: number; lifetimeS: number } | null = null;
  /** MAP's clock minus ours, learnt from a 144 (RFC 4285 §6), as the mobile node does with its HA. */
  #clockCorrectionMs = 0;

  constructor(config: MobileNodeMapConfig) {
    this.#cfg = { lifetimeS: 120, refreshFraction: 0.8, initialSequence: 0, ...config };
    this.#sequence = this.#cfg.initialSequence & 0xffff;
  }

  get counters(): Readonly<Record<MobileNodeMapCounter, number>> {
    return this.#counters;
  }

  /** The MAP domain in use, or null (plain Mobile IPv6). */
  get domain(): Readonly<MapDomain> | null {
    return this.#domain;
  }

  /** The LCoA the MAP has accepted, when the local binding holds. */
  get registeredLcoa(): string | null {
    return this.#binding?.lcoa ?? null;
  }

  get lcoa(): string | null {
    return this.#link?.lcoa ?? null;
  }

  nextDeadline(): number | null {
    const t = [
      this.#outstanding?.retransmitAt ?? null,
      this.#binding && !this.#outstanding ? this.#binding.refreshAt : null,
    ];
    const d = t.filter((x): x is number => x !== null);
    return d.length ? Math.min(...d) : null;
  }

  handle(now: number, input: MobileNodeMapInput): MobileNodeMapAction[] {
    switch (input.kind) {
      case 'link-up':
        this.#linkUp = true;
        return [];
      case 'link-down':
        this.#linkUp = false;
        return [];
      case 'router-advertisement':
        return this.#onRouterAdvertisement(now, input);
      case 'mh':
        return this.#onMobilityHeader(now, input);
      case 'tick':
        return this.#onTick(now);
    }
  }

  #onRouterAdvertisement(now: number, ra: MapRouterAdvertisement): MobileNodeMapAction[] {
    this.#linkUp = true;
    const out: MobileNodeMapAction[] = [];
    const chosen = selectMap(ra.maps, this.#domain?.map ?? null);
    if (!chosen) {
      // §7.1: no usable MAP option (none, or lifetime 0: "MAP failure"): no HMIPv6 on this link.
      if (this.#domain) out.push({ kind: 'domain-left', map: this.#domain.map });
      this.#domain = null;
      this.#outstanding = null;
      this.#binding = null;
      this.#link = null;
      return out;
    }
    const map = canonical(chosen.globalAddress);
    if (this.#domain?.map !== map) {
      // §3.1: "If a change in the advertised MAP's address is received, the mobile node MUST act on
      // the change": a new RCoA on the new MAP's prefix, a new local binding, then the home agent.
      const { rcoa, prefix } = regionalCareOfAddress(map, this.#cfg.interfaceId);
      this.#domain = { map, prefix, rcoa, option: chosen };
      this.#binding = null;
      this.#outstanding = null;
      this.#counters['domain-changes']++;
      out.push({
        kind: 'event',
        event: { name: 'map-selected', at: now, map, rcoa, distance: chosen.distance, preference: chosen.preference },
      });
    } else {
      this.#domain.option = chosen;
    }
    // The LCoA: SLAAC on the access link's /64 (§6: "an on-link CoA (LCoA)").
    const p = ra.prefixes.find((x) => x.autonomous !== false && x.prefixLength === 64);
    if (!p) return out;
    const prefix = canonical(p.prefix);
    const lcoa = slaacAddress(prefix, 64, this.#cfg.interfaceId);
    const router = canonical(ra.router);
    const leaving = this.#link;
    if (!leaving || leaving.lcoa !== lcoa || leaving.router !== router) {
      this.#link = { router, prefix, lcoa };
      out.push({
        kind: 'enter-link',
        router,
        lcoa,
        prefix,
        leaving: leaving && leaving.prefix !== prefix ? leaving : null,
      });
    }
    if (this.#binding?.lcoa === lcoa && !this.#outstanding) {
      // The same access link again (a carrier flap): the local binding holds.
      out.push(this.#localBinding());
      return out;
    }
    if (this.#outstanding?.lcoa === lcoa) {
      // Already registering this LCoA: resume a transmission the detach held back.
      if (this.#outstanding.retransmitAt === null) out.push(...this.#transmit(now));
      return out;
    }
    out.push(...this.#register(now, lcoa));
    return out;
  }

  #register(now: number, lcoa: string): MobileNodeMapAction[] {
    const lifetimeS = Math.min(this.#cfg.lifetimeS, this.#domain?.option.validLifetime ?? this.#cfg.lifetimeS);
    this.#outstanding = {
      lcoa,
      lifetimeUnits: Math.min(Math.floor(lifetimeS / LIFETIME_UNIT_S), MAX_LIFETIME_UNITS),
      sent: new Map(),
      timeoutMs: INITIAL_BINDACK_TIMEOUT_MS,
      retransmitAt: null,
      resynced: false,
    };
    return this.#transmit(now);
  }

  /** RFC 5380 §4/§6.1: a local BU, M and A set, src LCoA, Home Address option RCoA, to the MAP. */
  #transmit(now: number): MobileNodeMapAction[] {
    const o = this.#outstanding;
    const d = this.#domain;
    if (!o || !d) return [];
    if (!this.#linkUp) {
      o.retransmitAt = null; // nothing can leave; the next RA resumes it
      return [];
    }
    this.#sequence = nextSequence(this.#sequence);
    const seq = this.#sequence;
    const timestamp = ntpTimestampFromUnixMs(now + this.#cfg.epochOffsetMs + this.#clockCorrectionMs);
    const bu = bindingUpdate({
      sequenceNumber: seq,
      lifetime: o.lifetimeUnits,
      acknowledge: true,
      mapRegistration: true,
      options: [naiIdentifier(this.#cfg.nai), { type: 'MobilityMessageReplayProtection', timestamp }],
    });
    const sealed = sealWithMnHa(bu, this.#cfg, o.lcoa, d.rcoa, { src: d.rcoa, dst: d.map });
    o.sent.set(seq, { at: now, timestamp });
    if (o.sent.size > SENT_REMEMBERED) o.sent.delete(o.sent.keys().next().value!);
    if (o.sent.size > 1) this.#counters['local-bu-retransmitted']++;
    this.#counters['local-bu-sent']++;
    o.retransmitAt = now + o.timeoutMs;
    return [
      sendMobilityHeader({ src: o.lcoa, dst: d.map, homeAddressOption: d.rcoa }, sealed.message, sealed.bytes),
      { kind: 'event', event: { name: 'local-bu-sent', at: now, map: d.map, lcoa: o.lcoa, sequenceNumber: seq } },
    ];
  }

  #onMobilityHeader(
    now: number,
    input: { src: string; routingHomeAddress?: string; message: MobilityMessage; bytes: Buffer },
  ): MobileNodeMapAction[] {
    const d = this.#domain;
    if (!d || input.message.type !== 'BindingAcknowledgement' || canonical(input.src) !== d.map)
      return this.#drop(now, 'mh-unexpected');
    // §6.1: "MUST silently ignore binding acknowledgements that do not contain a routing header type 2,
    // which includes the mobile node's RCoA".
    if (input.routingHomeAddress === undefined || canonical(input.routingHomeAddress) !== d.rcoa)
      return this.#drop(now, 'ba-without-rcoa-routing-header');
    return this.#onBindingAcknowledgement(now, d, input.message, input.bytes);
  }

  #onBindingAcknowledgement(
    now: number,
    d: MapDomain,
    ba: BindingAcknowledgement,
    bytes: Buffer,
  ): MobileNodeMapAction[] {
    const o = this.#outstanding;
    if (!o) return this.#drop(now, 'ba-unexpected');
    const echoed = securityOptions(ba.options).timestamp;
    let match = o.sent.get(ba.sequenceNumber);
    if (!match && echoed !== undefined) for (const s of o.sent.values()) if (s.timestamp === echoed) match = s;
    if (!match && ba.status === BaStatus.MipV6IdMismatch) match = [...o.sent.values()].at(-1);
    if (!match) return this.#drop(now, 'ba-unexpected');
    if (!verifyMnHa({ ...this.#cfg, homeAddress: d.rcoa }, o.lcoa, d.rcoa, bytes).ok)
      return this.#drop(now, 'ba-auth-failed');
    const granted = ba.lifetime * LIFETIME_UNIT_S;
    const out: MobileNodeMapAction[] = [
      { kind: 'event', event: { name: 'local-ba-received', at: now, status: ba.status, lifetimeS: granted } },
    ];
    if (ba.status < 128 && granted > 0) {
      this.#counters['local-ba-accepted']++;
      this.#binding = {
        lcoa: o.lcoa,
        lifetimeS: granted,
        expiresAt: match.at + granted * 1000,
        refreshAt: match.at + granted * 1000 * this.#cfg.refreshFraction,
      };
      this.#outstanding = null;
      out.push(this.#localBinding(), {
        kind: 'event',
        event: { name: 'local-registered', at: now, map: d.map, rcoa: d.rcoa, lcoa: o.lcoa, lifetimeS: granted },
      });
      return out;
    }
    // RFC 6275 §11.7.3 as the MN does with its HA: resynchronise once on 135, then back off.
    if (ba.status === BaStatus.SequenceNumberOutOfWindow && !o.resynced) {
      o.resynced = true;
      this.#sequence = ba.sequenceNumber;
      out.push(...this.#transmit(now));
      return out;
    }
    // RFC 4285 §6: a timestamp out of the MAP's window; its BA carries its time (authenticated above).
    if (ba.status === BaStatus.MipV6IdMismatch && echoed !== undefined && !o.resynced) {
      o.resynced = true;
      this.#clockCorrectionMs = unixMsFromNtpTimestamp(echoed) - (now + this.#cfg.epochOffsetMs);
      out.push(...this.#transmit(now));
      return out;
    }
    this.#counters['local-ba-refused']++;
    this.#outstanding = null;
    out.push({ kind: 'event', event: { name: 'local-registration-refused', at: now, status: ba.status } });
    return out;
  }

  #onTick(now: number): MobileNodeMapAction[] {
    const o = this.#outstanding;
    if (o && o.retransmitAt !== null && o.retransmitAt <= now) {
      // RFC 6275 §11.8: exponential back-off up to MAX_BINDACK_TIMEOUT.
      o.timeoutMs = Math.min(o.timeoutMs * 2, MAX_BINDACK_TIMEOUT_MS);
      return this.#transmit(now);
    }
    const b = this.#binding;
    if (!o && b && b.refreshAt <= now && this.#link?.lcoa === b.lcoa) return this.#register(now, b.lcoa);
    if (!o && b && b.refreshAt <= now) b.refreshAt = b.expiresAt + 1; // nothing to refresh from
    return [];
  }

  #localBinding(): MobileNodeMapAction {
    const d = this.#domain!;
    const b = this.#binding!;
    return { kind: 'local-binding', map: d.map, rcoa: d.rcoa, lcoa: b.lcoa, lifetimeS: b.lifetimeS };
  }

  #drop(now: number, reason: MobileNodeMapCounter): MobileNodeMapAction[] {
    this.#counters[reason]++;
    return [{ kind: 'event', event: { name: 'dropped', at: now, reason } }];
  }
}
