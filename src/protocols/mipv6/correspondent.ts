// A correspondent node of Mobile IPv6 with route optimisation (RFC 6275 §9): it answers Home Test Init
// and Care-of Test Init with Home Test and Care-of Test (§9.4), checks Binding Updates authorised by
// return routability (§9.5.1, §5.2), keeps the Binding Cache (§9.1), acknowledges (§9.5.4), asks for a
// refresh before a binding runs out (§9.5.5) and answers a Home Address option without a binding with
// a Binding Error (§9.3.1). The agent does the route-optimised data path from the binding-up /
// binding-down actions.
//
// Pure machine: `handle(now, input)` returns actions; re-read `nextDeadline()` after every call.
// The correspondent keeps no state per mobile node before a BU verifies (§5.2.8): HoT/CoT come from
// Kcn and the current nonce only.

import { canonical } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import type { BindingUpdate } from '../../wire/mh/binding.js';
import type { MobilityMessage } from '../../wire/mh/header.js';
import type { NonceIndices } from '../../wire/mh/options/types.js';
import {
  sendMobilityHeader,
  type AuthenticatedMobilityHeaderInput,
  type SendMobilityHeader,
  type Tick,
} from '../core/index.js';
import { BindingCache } from './binding-cache.js';
import { BaStatus, BeStatus, LIFETIME_UNIT_S } from './constants.js';
import {
  bindingManagementKey,
  careOfKeygenToken,
  homeKeygenToken,
  KCN_LENGTH,
  MAX_RR_BINDING_LIFETIME_S,
  NonceTable,
  type RandomBytes,
  sealWithBindingAuthorization,
  verifyBindingAuthorization,
} from './return-routability.js';
import { isNewerSequence } from './sequence.js';

/** RFC 6275 §6.1.8 statuses a correspondent sends besides those of constants.ts. */
export const RrStatus = {
  ExpiredHomeNonceIndex: 136,
  ExpiredCareOfNonceIndex: 137,
  ExpiredNonces: 138,
} as const;

export interface CorrespondentConfig {
  /** Our address: source of HoT/CoT/BA/BRR/BE, the "correspondent" of the authenticator (§6.2.7). */
  address: string;
  randomBytes: RandomBytes;
  /** Kcn (§5.2.1); a random 20 bytes when absent. */
  kcn?: Buffer;
  /** Longest lifetime granted, seconds; default and upper bound MAX_RR_BINDING_LIFETIME (§5.2.8). */
  maxLifetimeS?: number;
  /** Bindings held at most (new home addresses beyond it get status 130). Default 1024. */
  maxBindings?: number;
  /** A Binding Refresh Request once this fraction of a binding's lifetime has passed (§9.5.5). Default 0.9. */
  refreshRequestFraction?: number;
  /** Minimum ms between Binding Errors to one destination (§9.3.3 asks for a rate limit). Default 1000. */
  bindingErrorIntervalMs?: number;
  nonceLifetimeMs?: number;
  nonceRegenerationMs?: number;
}

export type CorrespondentInput =
  | AuthenticatedMobilityHeaderInput
  /** A packet other than a BU arrived with a Home Address option that matched no binding (§9.3.1). */
  | { kind: 'home-address-option'; src: string; dst: string; homeAddress: string }
  | Tick;

export type CorrespondentAction =
  | SendMobilityHeader
  /** Route-optimise: packets to `homeAddress` leave for `careOfAddress` with a type 2 routing header,
   * packets from `careOfAddress` with that home address in a Home Address option are accepted. */
  | { kind: 'binding-up'; homeAddress: string; careOfAddress: string }
  | { kind: 'binding-down'; homeAddress: string }
  | { kind: 'event'; event: CorrespondentEvent };

export type CorrespondentEvent =
  | {
      name: 'bu-accepted';
      at: number;
      homeAddress: string;
      careOfAddress: string;
      sequenceNumber: number;
      lifetimeS: number;
    }
  | { name: 'bu-deregistered'; at: number; homeAddress: string; sequenceNumber: number }
  | { name: 'bu-refused'; at: number; homeAddress: string; status: number; reason: CorrespondentCounter }
  | { name: 'binding-expired'; at: number; homeAddress: string; careOfAddress: string }
  | { name: 'dropped'; at: number; reason: CorrespondentCounter };

export const CORRESPONDENT_COUNTERS = [
  'hot-sent',
  'cot-sent',
  'test-init-with-hao',
  'bu-accepted',
  'bu-deregistered',
  'bu-auth-failed',
  'bu-no-nonce-indices',
  'bu-nonce-expired',
  'bu-sequence-out-of-window',
  'bu-home-registration',
  'bu-insufficient-resources',
  'bu-malformed',
  'brr-sent',
  'binding-expired',
  'hao-without-binding',
  'be-rate-limited',
  'mh-unexpected',
  'mh-unknown-type',
] as const;
export type CorrespondentCounter = (typeof CORRESPONDENT_COUNTERS)[number];

const BINDING_ERROR_DESTINATIONS_MAX = 1024;

export class Correspondent {
  readonly cache = new BindingCache();
  readonly #cfg: Required<Omit<CorrespondentConfig, 'kcn' | 'nonceLifetimeMs' | 'nonceRegenerationMs'>>;
  readonly #kcn: Buffer;
  readonly #nonces: NonceTable;
  /** Last accepted sequence number per home address, kept after a binding goes so an old BU stays old (§9.5.1). */
  readonly #lastSequence = new Map<string, number>();
  /** When each binding gets its Binding Refresh Request; gone once sent. */
  readonly #refreshAt = new Map<string, number>();
  readonly #lastBindingError = new Map<string, number>();
  readonly #counters = Object.fromEntries(CORRESPONDENT_COUNTERS.map((c) => [c, 0])) as Record<
    CorrespondentCounter,
    number
  >;

  constructor(config: CorrespondentConfig) {
    this.#cfg = {
      maxLifetimeS: MAX_RR_BINDING_LIFETIME_S,
      maxBindings: 1024,
      refreshRequestFraction: 0.9,
      bindingErrorIntervalMs: 1000,
      ...config,
      address: canonical(config.address),
    };
    this.#cfg.maxLifetimeS = Math.min(this.#cfg.maxLifetimeS, MAX_RR_BINDING_LIFETIME_S);
    this.#kcn = config.kcn ?? config.randomBytes(KCN_LENGTH);
    this.#nonces = new NonceTable({
      randomBytes: config.randomBytes,
      ...(config.nonceLifetimeMs !== undefined ? { nonceLifetimeMs: config.nonceLifetimeMs } : {}),
      ...(config.nonceRegenerationMs !== undefined ? { regenerationMs: config.nonceRegenerationMs } : {}),
    });
  }

  get counters(): Readonly<Record<CorrespondentCounter, number>> {
    return this.#counters;
  }

  nextDeadline(): number | null {
    let d = this.cache.nextExpiry();
    for (const t of this.#refreshAt.values()) if (d === null || t < d) d = t;
    return d;
  }

  handle(now: number, input: CorrespondentInput): CorrespondentAction[] {
    const out = this.#timers(now);
    if (input.kind === 'mh') out.push(...this.#onMobilityHeader(now, input));
    else if (input.kind === 'home-address-option') out.push(...this.#onHomeAddressOption(now, input));
    return out;
  }

  #timers(now: number): CorrespondentAction[] {
    const out: CorrespondentAction[] = [];
    for (const e of this.cache.expire(now)) {
      this.#refreshAt.delete(e.homeAddress);
      this.#count('binding-expired');
      out.push(
        { kind: 'binding-down', homeAddress: e.homeAddress },
        {
          kind: 'event',
          event: { name: 'binding-expired', at: now, homeAddress: e.homeAddress, careOfAddress: e.careOfAddress },
        },
      );
    }
    // RFC 6275 §9.5.5: a BRR before the binding runs out, to the care-of address with a type 2 routing header.
    for (const [hoa, at] of this.#refreshAt) {
      if (at > now) continue;
      this.#refreshAt.delete(hoa);
      const e = this.cache.get(hoa);
      if (!e) continue;
      this.#count('brr-sent');
      out.push(
        sendMobilityHeader(
          { src: this.#cfg.address, dst: e.careOfAddress, routingType2: hoa },
          { type: 'BindingRefreshRequest', options: [] },
        ),
      );
    }
    return out;
  }

  #onMobilityHeader(now: number, input: AuthenticatedMobilityHeaderInput): CorrespondentAction[] {
    const m = input.message;
    switch (m.type) {
      case 'HomeTestInit':
      case 'CareOfTestInit':
        return this.#onTestInit(now, input, m);
      case 'BindingUpdate':
        return this.#onBindingUpdate(now, input, m);
      case 'Unknown': {
        // RFC 6275 §9.2: an unrecognised MH Type gets a Binding Error status 2.
        this.#count('mh-unknown-type');
        return this.#bindingError(now, input.src, input.homeAddressOption ?? input.src, BeStatus.UnrecognizedMhType);
      }
      default:
        return this.#drop(now, 'mh-unexpected');
    }
  }

  // RFC 6275 §9.4.1, §9.4.2: answer at once, keep nothing. A HoTI or CoTI with a Home Address option
  // is silently discarded (§9.4.1/§9.4.2: it must come from the address it tests).
  #onTestInit(
    now: number,
    input: AuthenticatedMobilityHeaderInput,
    m: Extract<MobilityMessage, { type: 'HomeTestInit' | 'CareOfTestInit' }>,
  ): CorrespondentAction[] {
    if (input.homeAddressOption !== undefined) return this.#drop(now, 'test-init-with-hao');
    const { index, nonce } = this.#nonces.current(now);
    const src = canonical(input.src);
    try {
      if (m.type === 'HomeTestInit') {
        this.#count('hot-sent');
        return [
          sendMobilityHeader(
            { src: this.#cfg.address, dst: src },
            {
              type: 'HomeTest',
              homeNonceIndex: index,
              homeInitCookie: m.homeInitCookie,
              homeKeygenToken: homeKeygenToken(this.#kcn, src, nonce),
              options: [],
            },
          ),
        ];
      }
      this.#count('cot-sent');
      return [
        sendMobilityHeader(
          { src: this.#cfg.address, dst: src },
          {
            type: 'CareOfTest',
            careOfNonceIndex: index,
            careOfInitCookie: m.careOfInitCookie,
            careOfKeygenToken: careOfKeygenToken(this.#kcn, src, nonce),
            options: [],
          },
        ),
      ];
    } catch {
      return this.#drop(now, 'mh-unexpected'); // an address text that does not parse
    }
  }

  // RFC 6275 §9.5.1, in this order:
  //  1. H set: we are no home agent: BA 131.
  //  2. Nonce Indices and Binding Authorization Data options present, else silently discarded.
  //  3. Nonces of those indices still valid, else BA 136 / 137 / 138 (without BAD, §9.5.4).
  //  4. Kbm from the regenerated tokens; the authenticator must verify, else silently discarded.
  //  5. Sequence number newer than the last accepted for this home address, else BA 135.
  //  6. Accept (lifetime ≤ MAX_RR_BINDING_LIFETIME), deregister (lifetime 0 or CoA = HoA).
  // Nothing changes before step 4 passes.
  #onBindingUpdate(now: number, input: AuthenticatedMobilityHeaderInput, bu: BindingUpdate): CorrespondentAction[] {
    let hoa: string;
    let coa: string;
    let src: string;
    try {
      src = canonical(input.src);
      hoa = canonical(input.homeAddressOption ?? input.src);
      const alt = bu.options.find((o) => o.type === 'AlternateCareOfAddress');
      coa = canonical(alt && alt.type === 'AlternateCareOfAddress' ? alt.alternateCareOfAddress : input.src);
    } catch {
      return this.#drop(now, 'bu-malformed');
    }
    // The BA goes back to the source, with a type 2 routing header when that is not the home address (§9.5.4).
    const route = { src: this.#cfg.address, dst: src, ...(src !== hoa ? { routingType2: hoa } : {}) };
    const refuse = (status: number, reason: CorrespondentCounter, kbm?: Buffer, sequenceNumber = bu.sequenceNumber) => {
      this.#count(reason);
      const ba = mh.bindingAcknowledgement({ status, sequenceNumber, lifetime: 0 });
      const send = kbm
        ? sealWithBindingAuthorization(ba, kbm, coa, this.#cfg.address, { src: route.src, dst: hoa })
        : null;
      return [
        send ? sendMobilityHeader(route, send.message, send.bytes) : sendMobilityHeader(route, ba),
        { kind: 'event', event: { name: 'bu-refused', at: now, homeAddress: hoa, status, reason } },
      ] as CorrespondentAction[];
    };

    if (bu.homeRegistration) return refuse(BaStatus.HomeRegistrationNotSupported, 'bu-home-registration');
    const ni = bu.options.find((o): o is NonceIndices => o.type === 'NonceIndices');
    if (ni === undefined || !input.bytes) return this.#drop(now, 'bu-no-nonce-indices');
    const deregistration = bu.lifetime === 0 || coa === hoa;
    const homeNonce = this.#nonces.lookup(ni.homeNonceIndex, now);
    const careOfNonce = deregistration ? undefined : this.#nonces.lookup(ni.careOfNonceIndex, now);
    if (!homeNonce && !deregistration && !careOfNonce) return refuse(RrStatus.ExpiredNonces, 'bu-nonce-expired');
    if (!homeNonce) return refuse(RrStatus.ExpiredHomeNonceIndex, 'bu-nonce-expired');
    if (!deregistration && !careOfNonce) return refuse(RrStatus.ExpiredCareOfNonceIndex, 'bu-nonce-expired');

    const homeToken = homeKeygenToken(this.#kcn, hoa, homeNonce);
    const kbm = deregistration
      ? bindingManagementKey(homeToken)
      : bindingManagementKey(homeToken, careOfKeygenToken(this.#kcn, coa, careOfNonce!));
    // §6.2.7: the "care-of address" of the authenticator is the home address when deregistering.
    const authCoa = deregistration ? hoa : coa;
    if (!verifyBindingAuthorization(kbm, authCoa, this.#cfg.address, input.bytes)) {
      // §9.5.1: silently discarded; the sender proved nothing, so nothing is said or changed.
      return this.#drop(now, 'bu-auth-failed');
    }
    const sealBa = (status: number, sequenceNumber: number, lifetime: number): CorrespondentAction => {
      const s = sealWithBindingAuthorization(
        mh.bindingAcknowledgement({ status, sequenceNumber, lifetime }),
        kbm,
        authCoa,
        this.#cfg.address,
        { src: route.src, dst: hoa },
      );
      return sendMobilityHeader(route, s.message, s.bytes);
    };
    const last = this.#lastSequence.get(hoa);
    if (last !== undefined && !isNewerSequence(bu.sequenceNumber, last)) {
      this.#count('bu-sequence-out-of-window');
      return [
        sealBa(BaStatus.SequenceNumberOutOfWindow, last, 0),
        {
          kind: 'event',
          event: {
            name: 'bu-refused',
            at: now,
            homeAddress: hoa,
            status: BaStatus.SequenceNumberOutOfWindow,
            reason: 'bu-sequence-out-of-window',
          },
        },
      ];
    }
    const existing = this.cache.get(hoa);
    if (!deregistration && !existing && this.cache.size >= this.#cfg.maxBindings) {
      this.#count('bu-insufficient-resources');
      return [sealBa(BaStatus.InsufficientResources, bu.sequenceNumber, 0)];
    }
    this.#rememberSequence(hoa, bu.sequenceNumber);
    const out: CorrespondentAction[] = [];
    if (deregistration) {
      this.#count('bu-deregistered');
      this.#refreshAt.delete(hoa);
      if (this.cache.delete(hoa)) out.push({ kind: 'binding-down', homeAddress: hoa });
      out.push({
        kind: 'event',
        event: { name: 'bu-deregistered', at: now, homeAddress: hoa, sequenceNumber: bu.sequenceNumber },
      });
      if (bu.acknowledge) out.push(sealBa(BaStatus.Accepted, bu.sequenceNumber, 0));
      return out;
    }
    const lifetime = Math.min(bu.lifetime, Math.floor(this.#cfg.maxLifetimeS / LIFETIME_UNIT_S));
    const lifetimeS = lifetime * LIFETIME_UNIT_S;
    this.cache.upsert({
      homeAddress: hoa,
      careOfAddress: coa,
      lifetimeS,
      expiresAt: now + lifetimeS * 1000,
      sequenceNumber: bu.sequenceNumber,
      homeRegistration: false,
      nai: '',
      registeredAt: now,
    });
    this.#refreshAt.set(hoa, now + lifetimeS * 1000 * this.#cfg.refreshRequestFraction);
    this.#count('bu-accepted');
    if (!existing || existing.careOfAddress !== coa)
      out.push({ kind: 'binding-up', homeAddress: hoa, careOfAddress: coa });
    out.push({
      kind: 'event',
      event: {
        name: 'bu-accepted',
        at: now,
        homeAddress: hoa,
        careOfAddress: coa,
        sequenceNumber: bu.sequenceNumber,
        lifetimeS,
      },
    });
    // §9.5.4: a BA when A is set.
    if (bu.acknowledge) out.push(sealBa(BaStatus.Accepted, bu.sequenceNumber, lifetime));
    return out;
  }

  #rememberSequence(hoa: string, seq: number): void {
    this.#lastSequence.delete(hoa);
    this.#lastSequence.set(hoa, seq);
    // Bounded: beyond the cache's size, the home addresses heard from longest ago are forgotten.
    while (this.#lastSequence.size > this.#cfg.maxBindings) {
      const oldest = [...this.#lastSequence.keys()].find((k) => !this.cache.get(k));
      if (oldest === undefined) break;
      this.#lastSequence.delete(oldest);
    }
  }

  // RFC 6275 §9.3.1: a Home Address option that matches no binding (home address with that care-of
  // address as source) gets a Binding Error status 1; the packet itself is dropped by the agent.
  #onHomeAddressOption(now: number, input: { src: string; homeAddress: string }): CorrespondentAction[] {
    let hoa: string;
    let src: string;
    try {
      hoa = canonical(input.homeAddress);
      src = canonical(input.src);
    } catch {
      return this.#drop(now, 'hao-without-binding');
    }
    const e = this.cache.get(hoa);
    if (e && e.careOfAddress === src) return [];
    this.#count('hao-without-binding');
    return this.#bindingError(now, src, hoa, BeStatus.UnknownBindingForHomeAddressOption);
  }

  #bindingError(now: number, dst: string, homeAddress: string, status: number): CorrespondentAction[] {
    const last = this.#lastBindingError.get(dst);
    if (last !== undefined && now - last < this.#cfg.bindingErrorIntervalMs) {
      this.#count('be-rate-limited');
      return [];
    }
    this.#lastBindingError.delete(dst);
    this.#lastBindingError.set(dst, now);
    if (this.#lastBindingError.size > BINDING_ERROR_DESTINATIONS_MAX)
      this.#lastBindingError.delete(this.#lastBindingError.keys().next().value!);
    try {
      return [
        sendMobilityHeader({ src: this.#cfg.address, dst }, { type: 'BindingError', status, homeAddress, options: [] }),
      ];
    } catch {
      return [];
    }
  }

  #drop(now: number, reason: CorrespondentCounter): CorrespondentAction[] {
    this.#count(reason);
    return [{ kind: 'event', event: { name: 'dropped', at: now, reason } }];
  }

  #count(c: CorrespondentCounter): void {
    this.#counters[c]++;
  }
}
