// The mobile node's side of route optimisation (RFC 6275 §11.6 return routability, §11.7.2
// correspondent registration): once the home agent holds the binding for a care-of address, each
// listed correspondent gets a Home Test Init (through the reverse tunnel, from the home address) and a
// Care-of Test Init (from the care-of address); with both keygen tokens the node sends a Binding Update
// authorised by Kbm, and on the correspondent's Binding Acknowledgement its packets to and from that
// correspondent go directly (route-optimise). At home it deregisters (§11.5.4: lifetime 0, Kbm from the
// home keygen token alone).
//
// Pure machine, composed beside MobileNode by the role: it is told of home registrations, moves and
// the return home; it never reads a clock.

import { canonical } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import type { BindingAcknowledgement } from '../../wire/mh/binding.js';
import { sendMobilityHeader, type MobilityHeaderInput, type SendMobilityHeader, type Tick } from '../core/index.js';
import {
  BaStatus,
  BeStatus,
  INITIAL_BINDACK_TIMEOUT_MS,
  LIFETIME_UNIT_S,
  MAX_BINDACK_TIMEOUT_MS,
} from './constants.js';
import {
  bindingManagementKey,
  MAX_RR_BINDING_LIFETIME_S,
  MAX_TOKEN_LIFETIME_MS,
  type RandomBytes,
  sealWithBindingAuthorization,
  TOKEN_LENGTH,
  verifyBindingAuthorization,
} from './return-routability.js';
import { nextSequence } from './sequence.js';

export interface RouteOptimisationConfig {
  homeAddress: string;
  /** The correspondents to route-optimise with (the lab's `mipv6.routeOptimisation`). */
  correspondents: readonly string[];
  randomBytes: RandomBytes;
  /** Requested binding lifetime, seconds; at most MAX_RR_BINDING_LIFETIME (§5.2.8). Default 420. */
  lifetimeS?: number;
  /** Refresh (new BU) at this fraction of the granted lifetime. Default 0.8. */
  refreshFraction?: number;
  initialSequence?: number;
}

export type RouteOptimisationInput =
  /** A usable care-of address, not yet registered at home: the CoTI may go (§11.6.1), the rest waits. */
  | { kind: 'care-of-address'; careOfAddress: string }
  /** The home agent accepted a binding for `careOfAddress` (the reverse tunnel works from it). */
  | { kind: 'home-registered'; careOfAddress: string }
  /** The care-of address is gone (a move, or the link lost): nothing may use it any more. */
  | { kind: 'moved' }
  /** Back on the home link (§11.5.4). */
  | { kind: 'at-home' }
  | MobilityHeaderInput
  | Tick;

export type RouteOptimisationAction =
  /** HoTI from the home address (the role sends it through the reverse tunnel away from home), CoTI
   * from the care-of address, BU from the care-of address with a Home Address option. */
  | SendMobilityHeader
  /** Packets between the home address and `correspondent` go directly: out from `careOfAddress`
   * with a Home Address option, in with a type 2 routing header (§11.3.1, §11.3.3). */
  | { kind: 'route-optimise'; correspondent: string; careOfAddress: string }
  /** Back through the home agent. */
  | { kind: 'route-optimise-off'; correspondent: string }
  | { kind: 'event'; event: RouteOptimisationEvent };

export type RouteOptimisationEvent =
  | { name: 'rr-started'; at: number; correspondent: string; homeTest: boolean; careOfTest: boolean }
  | { name: 'cn-bu-sent'; at: number; correspondent: string; sequenceNumber: number; lifetimeS: number }
  | { name: 'cn-bound'; at: number; correspondent: string; careOfAddress: string; lifetimeS: number }
  | { name: 'cn-deregistered'; at: number; correspondent: string }
  | { name: 'cn-refused'; at: number; correspondent: string; status: number }
  | { name: 'dropped'; at: number; reason: RouteOptimisationCounter };

export const ROUTE_OPTIMISATION_COUNTERS = [
  'hoti-sent',
  'coti-sent',
  'hot-accepted',
  'cot-accepted',
  'test-unexpected',
  'cn-bu-sent',
  'cn-ba-accepted',
  'cn-ba-auth-failed',
  'cn-ba-unexpected',
  'cn-refused',
  'cn-nonce-expired',
  'cn-brr',
  'cn-be',
  'cn-binding-expired',
  'not-a-correspondent',
  'mh-unexpected',
] as const;
export type RouteOptimisationCounter = (typeof ROUTE_OPTIMISATION_COUNTERS)[number];

interface Token {
  index: number;
  token: Buffer;
  at: number;
}

interface Peer {
  cn: string;
  homeCookie: Buffer | null;
  careOfCookie: Buffer | null;
  home: Token | null;
  /** The care-of keygen token is for one care-of address. */
  careOf: (Token & { careOfAddress: string }) | null;
  outstanding: { sequenceNumber: number; kbm: Buffer; authCoa: string; lifetime: number; sentAt: number } | null;
  bound: { careOfAddress: string; expiresAt: number; refreshAt: number } | null;
  /** Working (testing or waiting for a BA) toward this target: a care-of address, or home. */
  target: string | null;
  retryAt: number | null;
  backoffMs: number;
  /** The one immediate resend after a 135 has been used for this attempt. */
  resynced: boolean;
  /** A BU for a care-of address went out and no deregistration has been acknowledged since. */
  mayHaveBinding: boolean;
}

export class RouteOptimisation {
  readonly #cfg: Required<Omit<RouteOptimisationConfig, 'initialSequence'>>;
  readonly #peers = new Map<string, Peer>();
  readonly #hoa: string;
  #sequence: number;
  #careOf: string | null = null;
  /** The care-of address the home agent holds: HoTI (through its tunnel) and BUs wait for it. */
  #registered: string | null = null;
  readonly #counters = Object.fromEntries(ROUTE_OPTIMISATION_COUNTERS.map((c) => [c, 0])) as Record<
    RouteOptimisationCounter,
    number
  >;

  constructor(config: RouteOptimisationConfig) {
    this.#cfg = { lifetimeS: MAX_RR_BINDING_LIFETIME_S, refreshFraction: 0.8, ...config };
    this.#cfg.lifetimeS = Math.min(this.#cfg.lifetimeS, MAX_RR_BINDING_LIFETIME_S);
    this.#hoa = canonical(config.homeAddress);
    this.#sequence = (config.initialSequence ?? 0) & 0xffff;
    for (const c of config.correspondents) {
      const cn = canonical(c);
      this.#peers.set(cn, {
        cn,
        homeCookie: null,
        careOfCookie: null,
        home: null,
        careOf: null,
        outstanding: null,
        bound: null,
        target: null,
        retryAt: null,
        backoffMs: INITIAL_BINDACK_TIMEOUT_MS,
        resynced: false,
        mayHaveBinding: false,
      });
    }
  }

  get counters(): Readonly<Record<RouteOptimisationCounter, number>> {
    return this.#counters;
  }

  /** Per correspondent: bound care-of address, and what is under way. */
  get state(): { correspondent: string; bound: string | null; target: string | null; outstanding: boolean }[] {
    return [...this.#peers.values()].map((p) => ({
      correspondent: p.cn,
      bound: p.bound?.careOfAddress ?? null,
      target: p.target,
      outstanding: p.outstanding !== null,
    }));
  }

  nextDeadline(): number | null {
    let d: number | null = null;
    const min = (t: number | null | undefined) => {
      if (t !== null && t !== undefined && (d === null || t < d)) d = t;
    };
    for (const p of this.#peers.values()) {
      min(p.retryAt);
      min(p.bound?.refreshAt);
      min(p.bound?.expiresAt);
    }
    return d;
  }

  handle(now: number, input: RouteOptimisationInput): RouteOptimisationAction[] {
    switch (input.kind) {
      case 'tick':
        return this.#tick(now);
      case 'care-of-address':
        return this.#onCareOfAddress(now, canonical(input.careOfAddress));
      case 'home-registered':
        return this.#onHomeRegistered(now, canonical(input.careOfAddress));
      case 'moved':
        return this.#onMoved();
      case 'at-home':
        return this.#onAtHome(now);
      case 'mh':
        return [...this.#tick(now), ...this.#onMobilityHeader(now, input)];
    }
  }

  // §11.6.1: the CoTI depends only on the care-of address: it goes as soon as the address is usable,
  // while the home registration is under way (the HoTI needs its tunnel, the BU waits for it).
  #onCareOfAddress(now: number, coa: string): RouteOptimisationAction[] {
    if (this.#careOf === coa) return [];
    this.#careOf = coa;
    const out: RouteOptimisationAction[] = [];
    for (const p of this.#peers.values()) {
      if (p.bound?.careOfAddress === coa || p.target === coa) continue;
      this.#startAttempt(p);
      p.target = coa;
      out.push(...this.#proceed(now, p));
    }
    return out;
  }

  #onHomeRegistered(now: number, coa: string): RouteOptimisationAction[] {
    this.#careOf = coa;
    const early = this.#registered !== coa;
    this.#registered = coa;
    const out: RouteOptimisationAction[] = [];
    for (const p of this.#peers.values()) {
      // A refresh of the home registration changes nothing here: RO has its own lifetime.
      if (p.bound?.careOfAddress === coa) continue;
      if (p.target === coa) {
        // Started at the care-of address: the BU now, or the HoTI; a test already in flight is not resent.
        if (early && !p.outstanding) out.push(...this.#proceed(now, p, false));
        continue;
      }
      this.#startAttempt(p);
      p.target = coa;
      out.push(...this.#proceed(now, p));
    }
    return out;
  }

  /** The BU (and the HoTI, through the reverse tunnel) need the home registration, or home. */
  #ready(target: string): boolean {
    return target === this.#hoa || target === this.#registered;
  }

  // §11.5.1: after a move the care-of address (and with it the care-of keygen token, the outstanding BU
  // and the route-optimised path) is gone; the home keygen token stays usable (§5.2.7: it does not
  // depend on the care-of address).
  #onMoved(): RouteOptimisationAction[] {
    this.#careOf = null;
    this.#registered = null;
    const out: RouteOptimisationAction[] = [];
    for (const p of this.#peers.values()) {
      if (p.bound) out.push({ kind: 'route-optimise-off', correspondent: p.cn });
      p.bound = null;
      p.careOf = null;
      p.careOfCookie = null;
      p.outstanding = null;
      p.target = null;
      p.retryAt = null;
    }
    return out;
  }

  // §11.5.4: at home the correspondents' bindings must go: a BU with lifetime 0 from the home address,
  // authorised by the home keygen token alone (§5.2.5).
  #onAtHome(now: number): RouteOptimisationAction[] {
    const out = this.#onMoved();
    for (const p of this.#peers.values()) {
      if (!p.mayHaveBinding) continue;
      this.#startAttempt(p);
      p.target = this.#hoa;
      out.push(...this.#proceed(now, p));
    }
    return out;
  }

  #startAttempt(p: Peer): void {
    p.outstanding = null;
    p.backoffMs = INITIAL_BINDACK_TIMEOUT_MS;
    p.resynced = false;
  }

  /**
   * Sends what the attempt toward `p.target` lacks: the tests, or the BU once both tokens are fresh and
   * the home registration is in. `resend` false: a test whose init is in flight is not sent again.
   */
  #proceed(now: number, p: Peer, resend = true): RouteOptimisationAction[] {
    const target = p.target;
    if (target === null) return [];
    const deregistration = target === this.#hoa;
    const ready = this.#ready(target);
    const { homeOk: homeFresh, careOfOk: careOfFresh } = this.#tokens(now, p, target);
    if (homeFresh && careOfFresh) {
      if (ready) {
        p.retryAt = now + p.backoffMs;
        return this.#sendBindingUpdate(now, p, target, deregistration);
      }
      p.retryAt = null; // the home registration will call again
      return [];
    }
    // What to send now: a HoTI only once the reverse tunnel is there; nothing already in flight unless resending.
    const homeOk = homeFresh || !ready || (!resend && p.homeCookie !== null);
    const careOfOk = careOfFresh || (!resend && p.careOfCookie !== null);
    p.retryAt = now + p.backoffMs;
    if (homeOk && careOfOk) return [];
    const out: RouteOptimisationAction[] = [
      {
        kind: 'event',
        event: { name: 'rr-started', at: now, correspondent: p.cn, homeTest: !homeOk, careOfTest: !careOfOk },
      },
    ];
    if (!homeOk) {
      p.homeCookie = this.#cfg.randomBytes(TOKEN_LENGTH);
      this.#count('hoti-sent');
      out.push(
        sendMobilityHeader(
          { src: this.#hoa, dst: p.cn },
          { type: 'HomeTestInit', homeInitCookie: p.homeCookie, options: [] },
        ),
      );
    }
    if (!careOfOk) {
      p.careOfCookie = this.#cfg.randomBytes(TOKEN_LENGTH);
      this.#count('coti-sent');
      out.push(
        sendMobilityHeader(
          { src: target, dst: p.cn },
          { type: 'CareOfTestInit', careOfInitCookie: p.careOfCookie, options: [] },
        ),
      );
    }
    return out;
  }

  /** §11.6.1: a keygen token serves for MAX_TOKEN_LIFETIME after it arrived; the care-of one for its address only. */
  #tokens(now: number, p: Peer, target: string): { homeOk: boolean; careOfOk: boolean } {
    return {
      homeOk: p.home !== null && now - p.home.at < MAX_TOKEN_LIFETIME_MS,
      careOfOk:
        target === this.#hoa ||
        (p.careOf !== null && p.careOf.careOfAddress === target && now - p.careOf.at < MAX_TOKEN_LIFETIME_MS),
    };
  }

  // §11.7.2: BU to the correspondent with Nonce Indices and Binding Authorization Data (last), A set so
  // that the node knows when the correspondent holds the binding.
  #sendBindingUpdate(now: number, p: Peer, target: string, deregistration: boolean): RouteOptimisationAction[] {
    const home = p.home!;
    const kbm = deregistration ? bindingManagementKey(home.token) : bindingManagementKey(home.token, p.careOf!.token);
    const lifetime = deregistration ? 0 : Math.floor(this.#cfg.lifetimeS / LIFETIME_UNIT_S);
    this.#sequence = nextSequence(this.#sequence);
    const bu = mh.bindingUpdate({
      sequenceNumber: this.#sequence,
      lifetime,
      acknowledge: true,
      options: [
        {
          type: 'NonceIndices',
          homeNonceIndex: home.index,
          // Ignored by the correspondent on a deregistration (§6.2.6); any value goes.
          careOfNonceIndex: deregistration ? 0 : p.careOf!.index,
        },
      ],
    });
    const sealed = sealWithBindingAuthorization(bu, kbm, target, p.cn, { src: this.#hoa, dst: p.cn });
    p.outstanding = { sequenceNumber: this.#sequence, kbm, authCoa: target, lifetime, sentAt: now };
    if (!deregistration) p.mayHaveBinding = true;
    this.#count('cn-bu-sent');
    const route = deregistration
      ? { src: this.#hoa, dst: p.cn }
      : { src: target, dst: p.cn, homeAddressOption: this.#hoa };
    return [
      sendMobilityHeader(route, sealed.message, sealed.bytes),
      {
        kind: 'event',
        event: {
          name: 'cn-bu-sent',
          at: now,
          correspondent: p.cn,
          sequenceNumber: this.#sequence,
          lifetimeS: lifetime * LIFETIME_UNIT_S,
        },
      },
    ];
  }

  #onMobilityHeader(now: number, input: MobilityHeaderInput): RouteOptimisationAction[] {
    let src: string;
    try {
      src = canonical(input.src);
    } catch {
      return this.#drop(now, 'not-a-correspondent');
    }
    const p = this.#peers.get(src);
    if (!p) return this.#drop(now, 'not-a-correspondent');
    const m = input.message;
    switch (m.type) {
      case 'HomeTest':
        if (!p.homeCookie || !m.homeInitCookie.equals(p.homeCookie)) return this.#drop(now, 'test-unexpected');
        p.homeCookie = null;
        p.home = { index: m.homeNonceIndex, token: m.homeKeygenToken, at: now };
        this.#count('hot-accepted');
        return this.#afterTest(now, p);
      case 'CareOfTest': {
        // §11.6.2: the CoT must come to the care-of address the CoTI was sent from.
        if (!p.careOfCookie || !m.careOfInitCookie.equals(p.careOfCookie) || p.target === null)
          return this.#drop(now, 'test-unexpected');
        p.careOfCookie = null;
        p.careOf = { index: m.careOfNonceIndex, token: m.careOfKeygenToken, at: now, careOfAddress: p.target };
        this.#count('cot-accepted');
        return this.#afterTest(now, p);
      }
      case 'BindingAcknowledgement':
        return this.#onBindingAcknowledgement(now, p, m, input.bytes);
      case 'BindingRefreshRequest':
        // §11.7.4: refresh. Unauthenticated, so only a bound correspondent with nothing under way.
        this.#count('cn-brr');
        if (!p.bound || p.target !== null || this.#careOf === null) return [];
        this.#startAttempt(p);
        p.target = this.#careOf;
        return this.#proceed(now, p);
      case 'BindingError':
        // §11.3.6: status 1, the correspondent lost our binding: register again (paced by the attempt).
        this.#count('cn-be');
        if (m.status !== BeStatus.UnknownBindingForHomeAddressOption || canonical(m.homeAddress) !== this.#hoa)
          return [];
        if (p.target !== null || this.#careOf === null) return [];
        this.#startAttempt(p);
        p.target = this.#careOf;
        {
          const wasBound = p.bound !== null;
          p.bound = null;
          const off: RouteOptimisationAction[] = wasBound ? [{ kind: 'route-optimise-off', correspondent: p.cn }] : [];
          return [...off, ...this.#proceed(now, p)];
        }
      default:
        return this.#drop(now, 'mh-unexpected');
    }
  }

  #afterTest(now: number, p: Peer): RouteOptimisationAction[] {
    // The BU once both tokens are in; a test still in flight needs no second init (the timer resends).
    if (p.target === null || p.outstanding) return [];
    const { homeOk, careOfOk } = this.#tokens(now, p, p.target);
    if (!homeOk || !careOfOk) return [];
    // Both tokens, the home registration not yet: it sends the BU (§11.7.2 after the home BA).
    if (!this.#ready(p.target)) {
      p.retryAt = null;
      return [];
    }
    p.retryAt = now + p.backoffMs;
    return this.#sendBindingUpdate(now, p, p.target, p.target === this.#hoa);
  }

  #onBindingAcknowledgement(
    now: number,
    p: Peer,
    ba: BindingAcknowledgement,
    bytes: Buffer | undefined,
  ): RouteOptimisationAction[] {
    const o = p.outstanding;
    if (!o || p.target === null) return this.#drop(now, 'cn-ba-unexpected');
    // §9.5.4: 136–138 carry no Binding Authorization Data (the correspondent has no Kbm); the sequence
    // number must still be the outstanding BU's. The tokens are stale: test again.
    if (ba.status >= 136 && ba.status <= 138) {
      if (ba.sequenceNumber !== o.sequenceNumber) return this.#drop(now, 'cn-ba-unexpected');
      this.#count('cn-nonce-expired');
      if (ba.status !== 137) p.home = null;
      if (ba.status !== 136) p.careOf = null;
      p.outstanding = null;
      return this.#proceed(now, p);
    }
    if (!bytes || !verifyBindingAuthorization(o.kbm, o.authCoa, p.cn, bytes))
      return this.#drop(now, 'cn-ba-auth-failed');
    if (ba.status === BaStatus.SequenceNumberOutOfWindow) {
      if (p.resynced) return [];
      p.resynced = true;
      this.#sequence = ba.sequenceNumber;
      return this.#proceed(now, p);
    }
    if (ba.sequenceNumber !== o.sequenceNumber) return this.#drop(now, 'cn-ba-unexpected');
    p.outstanding = null;
    p.retryAt = null;
    const target = p.target;
    p.target = null;
    if (ba.status >= 128) {
      this.#count('cn-refused');
      return [{ kind: 'event', event: { name: 'cn-refused', at: now, correspondent: p.cn, status: ba.status } }];
    }
    this.#count('cn-ba-accepted');
    if (target === this.#hoa) {
      p.mayHaveBinding = false;
      return [{ kind: 'event', event: { name: 'cn-deregistered', at: now, correspondent: p.cn } }];
    }
    // §11.7.2: the lifetime runs from when the BU was sent.
    const lifetimeMs = ba.lifetime * LIFETIME_UNIT_S * 1000;
    p.bound = {
      careOfAddress: target,
      expiresAt: o.sentAt + lifetimeMs,
      refreshAt: o.sentAt + lifetimeMs * this.#cfg.refreshFraction,
    };
    return [
      { kind: 'route-optimise', correspondent: p.cn, careOfAddress: target },
      {
        kind: 'event',
        event: {
          name: 'cn-bound',
          at: now,
          correspondent: p.cn,
          careOfAddress: target,
          lifetimeS: ba.lifetime * LIFETIME_UNIT_S,
        },
      },
    ];
  }

  #tick(now: number): RouteOptimisationAction[] {
    const out: RouteOptimisationAction[] = [];
    for (const p of this.#peers.values()) {
      if (p.bound && now >= p.bound.expiresAt) {
        this.#count('cn-binding-expired');
        p.bound = null;
        out.push({ kind: 'route-optimise-off', correspondent: p.cn });
      }
      if (p.bound && p.target === null && now >= p.bound.refreshAt && this.#careOf !== null) {
        this.#startAttempt(p);
        p.target = this.#careOf;
        out.push(...this.#proceed(now, p));
        continue;
      }
      if (p.target !== null && p.retryAt !== null && now >= p.retryAt) {
        // §11.8: retransmission with exponential back-off; each try gets new cookies / a new sequence number.
        p.backoffMs = Math.min(p.backoffMs * 2, MAX_BINDACK_TIMEOUT_MS);
        if (p.outstanding) p.outstanding = null;
        out.push(...this.#proceed(now, p));
      }
    }
    return out;
  }

  #drop(now: number, reason: RouteOptimisationCounter): RouteOptimisationAction[] {
    this.#count(reason);
    return [{ kind: 'event', event: { name: 'dropped', at: now, reason } }];
  }

  #count(c: RouteOptimisationCounter): void {
    this.#counters[c]++;
  }
}
