// The home agent of Mobile IPv6 (RFC 6275 §10) with RFC 4285 MN-HA authentication. It keeps the
// Binding Cache, answers Binding Updates with Binding Acknowledgements, and asks its binding layer to
// tunnel packets for a home address to the care-of address, to defend the home address on the home
// link (proxy Neighbor Discovery, §10.4.1) and to run DAD for it (§10.3.1).
//
// Pure machine (style-anchors §4.3): `handle(now, input)` returns actions; after every `handle`,
// re-read `nextDeadline()` and call `handle(deadline, { kind: 'tick' })` by then. `now` is monotonic
// ms; wall-clock time for RFC 4285 timestamps is `now + epochOffsetMs`.
//
// Every refused Binding Update leaves the Binding Cache exactly as it was.

import * as mh from '../../wire/mh/index.js';
import type { MobilityMessage } from '../../wire/mh/header.js';
import type { BindingUpdate } from '../../wire/mh/binding.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import {
  checkReplay,
  ntpTimestampFromUnixMs,
  sealWithMnHa,
  securityOptions,
  verifyMnHa,
  type MnHaSecurityAssociation,
} from './auth.js';
import { BindingCache, type BindingCacheEntry } from './binding-cache.js';
import { BaStatus, BeStatus, DEFAULT_REPLAY_WINDOW_MS, LIFETIME_UNIT_S, MAX_LIFETIME_UNITS } from './constants.js';
import { canonical, inPrefix } from '../../wire/address.js';
import { isNewerSequence } from './sequence.js';
import {
  pseudoHeader,
  sendMobilityHeader,
  type AuthenticatedMobilityHeaderInput,
  type SendMobilityHeader,
  type Tick,
} from '../core/index.js';

export interface HomeAgentConfig {
  /** The home agent's address on the home link: source of BAs and BEs, destination of BUs. */
  address: string;
  homePrefix: string;
  homePrefixLength: number;
  /** Security associations from the lab file, one per mobile node (RFC 4285 §5). */
  mobileNodes: MnHaSecurityAssociation[];
  /** Wall clock (Unix ms) = now + epochOffsetMs; used only for RFC 4285 timestamps. */
  epochOffsetMs: number;
  /** MaxLifetime granted, seconds (RFC 6275 §10.3.1 lets the HA shorten the lifetime). Default 3600. */
  maxLifetimeS?: number;
  /** RFC 4285 §6 acceptance window; default 7 s. */
  replayWindowMs?: number;
  /** Refuse BUs without the replay-protection option (status 145). Default true. */
  requireReplayProtection?: boolean;
  /** Run DAD for a home address before the first binding (RFC 6275 §10.3.1). Default true. */
  performDad?: boolean;
  /** Refresh interval advised in BAs (Binding Refresh Advice, §6.2.4), seconds; none when unset. */
  refreshAdviceS?: number;
  /** Minimum ms between Binding Errors to one destination (RFC 6275 §9.3.3 asks for a rate limit; the section number is mem). Default 1000. */
  bindingErrorIntervalMs?: number;
}

export type HomeAgentInput =
  /** A BU from away has the care-of address as src and the home address in the HAO (RFC 6275 §6.3). */
  | AuthenticatedMobilityHeaderInput
  /** A packet other than a BU arrived with a Home Address option (RFC 6275 §9.3.1). */
  | { kind: 'home-address-option'; src: string; dst: string; homeAddress: string }
  /** Result of a `dad-start` (RFC 6275 §10.3.1 / RFC 4862 §5.4). */
  | { kind: 'dad-result'; homeAddress: string; duplicate: boolean }
  | Tick;

export type HomeAgentAction =
  /** Send a Mobility Header: IPv6 src → dst, with a type 2 routing header holding `routingType2` when set. */
  | SendMobilityHeader
  /** Tunnel packets for `homeAddress` to `careOfAddress` (IPv6-in-IPv6, RFC 6275 §10.4.1) and accept
   * reverse-tunnelled packets from it (§10.4.5). Replaces any tunnel for that home address. */
  | { kind: 'tunnel-up'; homeAddress: string; careOfAddress: string }
  | { kind: 'tunnel-down'; homeAddress: string }
  /** Answer Neighbor Solicitations for `homeAddress` on the home link with the HA's link-layer address
   * and send unsolicited NAs for it (RFC 6275 §10.4.1). */
  | { kind: 'proxy-nd-start'; homeAddress: string }
  | { kind: 'proxy-nd-stop'; homeAddress: string }
  /** Run DAD for `homeAddress` on the home link; answer with a `dad-result` input (§10.3.1). */
  | { kind: 'dad-start'; homeAddress: string }
  | { kind: 'event'; event: HomeAgentEvent };

export type HomeAgentEvent =
  | {
      name: 'bu-accepted';
      at: number;
      homeAddress: string;
      careOfAddress: string;
      sequenceNumber: number;
      lifetimeS: number;
    }
  | { name: 'bu-deregistered'; at: number; homeAddress: string; sequenceNumber: number }
  | { name: 'bu-refused'; at: number; homeAddress: string; status: number; reason: HomeAgentCounter }
  | { name: 'binding-expired'; at: number; homeAddress: string; careOfAddress: string }
  | { name: 'dropped'; at: number; reason: HomeAgentCounter };

export const HOME_AGENT_COUNTERS = [
  'bu-accepted',
  'bu-deregistered',
  'bu-auth-failed',
  'bu-replayed',
  'bu-replay-option-missing',
  'bu-unknown-mobile-node',
  'bu-unauthorized-home-address',
  'bu-not-home-subnet',
  'bu-no-binding-to-delete',
  'bu-sequence-out-of-window',
  'bu-dad-failed',
  'bu-not-home-registration',
  'bu-malformed',
  'mh-unexpected',
  'mh-unknown-type',
  'hao-without-binding',
  'be-rate-limited',
  'binding-expired',
  'dad-result-unexpected',
] as const;
export type HomeAgentCounter = (typeof HOME_AGENT_COUNTERS)[number];

/** A registration waiting for its DAD result (RFC 6275 §10.3.1: no BA before DAD completes). */
interface PendingDad {
  sa: MnHaSecurityAssociation;
  homeAddress: string;
  careOfAddress: string;
  replyTo: string;
  sequenceNumber: number;
  lifetimeUnits: number;
  acknowledge: boolean;
  timestamp?: bigint;
}

/** Destinations whose last Binding Error time is kept for the rate limit; the oldest goes first. */
export const BINDING_ERROR_DESTINATIONS_MAX = 1024;

export class HomeAgent {
  readonly cache = new BindingCache();
  readonly #cfg: Required<Omit<HomeAgentConfig, 'refreshAdviceS'>> & { refreshAdviceS?: number };
  readonly #byNai = new Map<string, MnHaSecurityAssociation>();
  readonly #byHoa = new Map<string, MnHaSecurityAssociation>();
  /** Last accepted RFC 4285 timestamp per NAI; kept across deregistration so old BUs stay replays. */
  readonly #lastTimestamp = new Map<string, bigint>();
  readonly #pendingDad = new Map<string, PendingDad>();
  readonly #lastBindingError = new Map<string, number>();
  readonly #counters = Object.fromEntries(HOME_AGENT_COUNTERS.map((c) => [c, 0])) as Record<HomeAgentCounter, number>;

  constructor(config: HomeAgentConfig) {
    this.#cfg = {
      maxLifetimeS: 3600,
      replayWindowMs: DEFAULT_REPLAY_WINDOW_MS,
      requireReplayProtection: true,
      performDad: true,
      bindingErrorIntervalMs: 1000,
      ...config,
      address: canonical(config.address),
    };
    for (const sa of config.mobileNodes) {
      const c = { ...sa, homeAddress: canonical(sa.homeAddress) };
      this.#byNai.set(c.nai, c);
      this.#byHoa.set(c.homeAddress, c);
    }
  }

  get counters(): Readonly<Record<HomeAgentCounter, number>> {
    return this.#counters;
  }

  nextDeadline(): number | null {
    return this.cache.nextExpiry();
  }

  handle(now: number, input: HomeAgentInput): HomeAgentAction[] {
    switch (input.kind) {
      case 'tick':
        return this.#expire(now);
      case 'mh': {
        const expired = this.#expire(now);
        return [...expired, ...this.#onMobilityHeader(now, input)];
      }
      case 'home-address-option':
        return this.#onHomeAddressOption(now, input);
      case 'dad-result':
        return this.#onDadResult(now, input);
    }
  }

  // RFC 6275 §10.3.1: "a binding ... MUST be deleted when its lifetime expires"; the tunnel and the
  // proxy ND defence end with it.
  #expire(now: number): HomeAgentAction[] {
    const out: HomeAgentAction[] = [];
    for (const e of this.cache.expire(now)) {
      this.#count('binding-expired');
      out.push(
        { kind: 'tunnel-down', homeAddress: e.homeAddress },
        { kind: 'proxy-nd-stop', homeAddress: e.homeAddress },
        {
          kind: 'event',
          event: { name: 'binding-expired', at: now, homeAddress: e.homeAddress, careOfAddress: e.careOfAddress },
        },
      );
    }
    return out;
  }

  #onMobilityHeader(now: number, input: AuthenticatedMobilityHeaderInput): HomeAgentAction[] {
    const m = input.message;
    if (m.type === 'BindingUpdate') return this.#onBindingUpdate(now, input, m);
    if (m.type === 'Unknown') {
      // RFC 6275 §9.2: an unrecognised MH Type is answered with Binding Error status 2.
      this.#count('mh-unknown-type');
      const hoa = input.homeAddressOption ?? input.src;
      return this.#bindingError(now, input.src, hoa, BeStatus.UnrecognizedMhType);
    }
    return this.#drop(now, 'mh-unexpected');
  }

  #onBindingUpdate(now: number, input: AuthenticatedMobilityHeaderInput, bu: BindingUpdate): HomeAgentAction[] {
    // RFC 6275 §9.5.1: the home address is the Home Address option's, or the source address when the
    // BU is sent from home; the care-of address is the Alternate CoA option's, else the source.
    const homeAddress = canonical(input.homeAddressOption ?? input.src);
    const acoa = bu.options.find((o) => o.type === 'AlternateCareOfAddress');
    const careOfAddress = canonical(acoa ? acoa.alternateCareOfAddress : input.src);
    const replyTo = canonical(input.src);
    if (!bu.homeRegistration) return this.#drop(now, 'bu-not-home-registration'); // no route optimisation here
    const { nai, timestamp } = securityOptions(bu.options);

    // RFC 4285 §5: the security association is named by the Mobile Node Identifier (RFC 4283),
    // else by the home address. Authenticate before anything else so a forged BU learns nothing.
    const sa = nai !== undefined ? this.#byNai.get(nai) : this.#byHoa.get(homeAddress);
    const ctx = { now, homeAddress, careOfAddress, replyTo, sequenceNumber: bu.sequenceNumber, timestamp, sa };
    if (!sa) return this.#refuse(ctx, BaStatus.MipV6AuthFail, 'bu-unknown-mobile-node');
    const auth = verifyMnHa(sa, careOfAddress, homeAddress, input.bytes);
    if (!auth.ok) return this.#refuse({ ...ctx, sa: undefined }, BaStatus.MipV6AuthFail, 'bu-auth-failed');

    // RFC 4285 §6: replay protection by timestamp.
    const replay = checkReplay(
      timestamp,
      now + this.#cfg.epochOffsetMs,
      this.#cfg.replayWindowMs,
      this.#lastTimestamp.get(sa.nai),
    );
    if (replay === 'missing' && this.#cfg.requireReplayProtection)
      return this.#refuse(ctx, BaStatus.MipV6MesgIdReqd, 'bu-replay-option-missing');
    if (replay === 'out-of-window' || replay === 'not-newer')
      return this.#refuse({ ...ctx, resync: true }, BaStatus.MipV6IdMismatch, 'bu-replayed');
    if (timestamp !== undefined) this.#lastTimestamp.set(sa.nai, timestamp);

    // RFC 6275 §9.5.1 / §10.3.1: the home address must be on the home link (132) ...
    if (!inPrefix(homeAddress, this.#cfg.homePrefix, this.#cfg.homePrefixLength))
      return this.#refuse(ctx, BaStatus.NotHomeSubnet, 'bu-not-home-subnet');
    // ... and authorised for this node (§15.1: a node must not register another's home address).
    if (sa.homeAddress !== homeAddress)
      return this.#refuse(ctx, BaStatus.AdministrativelyProhibited, 'bu-unauthorized-home-address');

    // §9.5.1: with a Binding Cache entry, the Sequence Number must be newer modulo 2^16, else 135
    // with the last accepted number in the BA. Without one, any value is accepted.
    const existing = this.cache.get(homeAddress);
    if (existing && !isNewerSequence(bu.sequenceNumber, existing.sequenceNumber)) {
      return this.#refuse(
        { ...ctx, sequenceNumber: existing.sequenceNumber },
        BaStatus.SequenceNumberOutOfWindow,
        'bu-sequence-out-of-window',
      );
    }

    // §10.3.2: lifetime 0, or CoA equal to the home address, is a deregistration.
    if (bu.lifetime === 0 || careOfAddress === homeAddress) {
      if (!existing) {
        this.#pendingDad.delete(homeAddress); // a registration still in DAD is abandoned
        return this.#refuse(ctx, BaStatus.NotHomeAgentForThisMobileNode, 'bu-no-binding-to-delete');
      }
      const ack = this.#ack(ctx, sa, BaStatus.Accepted, 0); // built first: nothing after it can fail
      this.cache.delete(homeAddress);
      this.#count('bu-deregistered');
      return [
        ack,
        { kind: 'tunnel-down', homeAddress },
        { kind: 'proxy-nd-stop', homeAddress },
        { kind: 'event', event: { name: 'bu-deregistered', at: now, homeAddress, sequenceNumber: bu.sequenceNumber } },
      ];
    }

    const lifetimeUnits = Math.min(
      bu.lifetime,
      Math.floor(this.#cfg.maxLifetimeS / LIFETIME_UNIT_S),
      MAX_LIFETIME_UNITS,
    );
    const pending: PendingDad = {
      sa,
      homeAddress,
      careOfAddress,
      replyTo,
      sequenceNumber: bu.sequenceNumber,
      lifetimeUnits,
      acknowledge: bu.acknowledge,
      timestamp,
    };
    // §10.3.1: before the first binding for a home address, DAD on the home link; the BA waits.
    if (!existing && this.#cfg.performDad) {
      const already = this.#pendingDad.has(homeAddress);
      this.#pendingDad.set(homeAddress, pending);
      return already ? [] : [{ kind: 'dad-start', homeAddress }];
    }
    return this.#accept(now, pending, existing);
  }

  #accept(now: number, p: PendingDad, existing: BindingCacheEntry | undefined): HomeAgentAction[] {
    const lifetimeS = p.lifetimeUnits * LIFETIME_UNIT_S;
    const ctx = {
      now,
      homeAddress: p.homeAddress,
      careOfAddress: p.careOfAddress,
      replyTo: p.replyTo,
      sequenceNumber: p.sequenceNumber,
      timestamp: p.timestamp,
    };
    const out: HomeAgentAction[] = [];
    // §10.3.1: the BA is sent when A is set (always for a home registration from our mobile node).
    // It is built before the cache changes, so a failure cannot leave a half-made binding.
    if (p.acknowledge) out.push(this.#ack(ctx, p.sa, BaStatus.Accepted, p.lifetimeUnits));
    this.cache.upsert({
      homeAddress: p.homeAddress,
      careOfAddress: p.careOfAddress,
      lifetimeS,
      expiresAt: now + lifetimeS * 1000,
      sequenceNumber: p.sequenceNumber,
      homeRegistration: true,
      nai: p.sa.nai,
      registeredAt: now,
    });
    this.#count('bu-accepted');
    if (!existing) out.push({ kind: 'proxy-nd-start', homeAddress: p.homeAddress });
    if (!existing || existing.careOfAddress !== p.careOfAddress)
      out.push({ kind: 'tunnel-up', homeAddress: p.homeAddress, careOfAddress: p.careOfAddress });
    out.push({
      kind: 'event',
      event: {
        name: 'bu-accepted',
        at: now,
        homeAddress: p.homeAddress,
        careOfAddress: p.careOfAddress,
        sequenceNumber: p.sequenceNumber,
        lifetimeS,
      },
    });
    return out;
  }

  #onDadResult(now: number, input: { homeAddress: string; duplicate: boolean }): HomeAgentAction[] {
    const hoa = canonical(input.homeAddress);
    const p = this.#pendingDad.get(hoa);
    if (!p) return this.#drop(now, 'dad-result-unexpected');
    this.#pendingDad.delete(hoa);
    if (input.duplicate) {
      const ctx = {
        now,
        homeAddress: hoa,
        careOfAddress: p.careOfAddress,
        replyTo: p.replyTo,
        sequenceNumber: p.sequenceNumber,
        timestamp: p.timestamp,
        sa: p.sa,
      };
      return this.#refuse(ctx, BaStatus.DuplicateAddressDetectionFailed, 'bu-dad-failed');
    }
    return this.#accept(now, p, this.cache.get(hoa));
  }

  // RFC 6275 §9.3.1: a packet with a Home Address option and no binding for it gets Binding Error 1.
  #onHomeAddressOption(now: number, input: { src: string; homeAddress: string }): HomeAgentAction[] {
    const hoa = canonical(input.homeAddress);
    const e = this.cache.get(hoa);
    if (e && e.careOfAddress === canonical(input.src)) return [];
    this.#count('hao-without-binding');
    return this.#bindingError(now, canonical(input.src), hoa, BeStatus.UnknownBindingForHomeAddressOption);
  }

  // Binding Errors are rate limited (RFC 6275 §9.3.3, as this code reads it); one per destination per interval here.
  #bindingError(now: number, dst: string, homeAddress: string, status: number): HomeAgentAction[] {
    const last = this.#lastBindingError.get(dst);
    if (last !== undefined && now - last < this.#cfg.bindingErrorIntervalMs) {
      this.#count('be-rate-limited');
      return [];
    }
    // Destinations come from the network (any source can be forged): keep the most recent ones only.
    // Map order is insertion order, so re-inserting keeps the oldest first.
    this.#lastBindingError.delete(dst);
    this.#lastBindingError.set(dst, now);
    if (this.#lastBindingError.size > BINDING_ERROR_DESTINATIONS_MAX)
      this.#lastBindingError.delete(this.#lastBindingError.keys().next().value!);
    const message: MobilityMessage = { type: 'BindingError', status, homeAddress, options: [] };
    try {
      return [sendMobilityHeader({ src: this.#cfg.address, dst }, message)];
    } catch {
      return []; // an address from the network that does not parse as text: nothing to answer
    }
  }

  #refuse(
    ctx: {
      now: number;
      homeAddress: string;
      careOfAddress: string;
      replyTo: string;
      sequenceNumber: number;
      timestamp?: bigint;
      sa?: MnHaSecurityAssociation;
      resync?: boolean;
    },
    status: number,
    reason: HomeAgentCounter,
  ): HomeAgentAction[] {
    this.#count(reason);
    return [
      this.#ack(ctx, ctx.sa, status, 0),
      { kind: 'event', event: { name: 'bu-refused', at: ctx.now, homeAddress: ctx.homeAddress, status, reason } },
    ];
  }

  /**
   * A Binding Acknowledgement (RFC 6275 §9.5.4): to the BU's source, with a type 2 routing header
   * holding the home address unless it is sent to the home address itself. It echoes the BU's
   * timestamp, or carries the HA's own time after a timestamp mismatch so the node can resynchronise
   * (RFC 4285 §6, mem), and is authenticated with the node's MN-HA key when one is known (§5).
   */
  #ack(
    ctx: {
      now: number;
      homeAddress: string;
      careOfAddress: string;
      replyTo: string;
      sequenceNumber: number;
      timestamp?: bigint;
      resync?: boolean;
    },
    sa: MnHaSecurityAssociation | undefined,
    status: number,
    lifetimeUnits: number,
  ): HomeAgentAction {
    const options: MobilityOption[] = [];
    if (status < 128 && this.#cfg.refreshAdviceS !== undefined && lifetimeUnits > 0) {
      const advice = Math.min(lifetimeUnits, Math.max(1, Math.floor(this.#cfg.refreshAdviceS / LIFETIME_UNIT_S)));
      options.push({ type: 'BindingRefreshAdvice', refreshInterval: advice });
    }
    const ts = ctx.resync ? ntpTimestampFromUnixMs(ctx.now + this.#cfg.epochOffsetMs) : ctx.timestamp;
    if (ts !== undefined) options.push({ type: 'MobilityMessageReplayProtection', timestamp: ts });
    const ba = mh.bindingAcknowledgement({
      status,
      sequenceNumber: ctx.sequenceNumber,
      lifetime: lifetimeUnits,
      options,
    });
    const dst = ctx.replyTo;
    const routingType2 = dst === ctx.homeAddress ? undefined : ctx.homeAddress;
    const route = { src: this.#cfg.address, dst, routingType2 };
    if (sa) {
      const sealed = sealWithMnHa(ba, sa, ctx.careOfAddress, ctx.homeAddress, pseudoHeader(route));
      return sendMobilityHeader(route, sealed.message, sealed.bytes);
    }
    return sendMobilityHeader(route, ba);
  }

  #drop(now: number, reason: HomeAgentCounter): HomeAgentAction[] {
    this.#count(reason);
    return [{ kind: 'event', event: { name: 'dropped', at: now, reason } }];
  }

  #count(c: HomeAgentCounter): void {
    this.#counters[c]++;
  }
}
