// The Mobility Anchor Point of Hierarchical Mobile IPv6 (RFC 5380 §6.2): a "local home agent" that
// binds a mobile node's Regional CoA (RCoA, on the MAP's link) to its on-link CoA (LCoA). A local
// Binding Update has M and A set (§4), comes from the LCoA with the RCoA in the Home Address option
// (§6.1); the MAP answers with a Binding Acknowledgement carrying a type 2 routing header with the
// RCoA (§6.2), intercepts packets for the RCoA by proxy ND and tunnels them to the LCoA, and accepts
// packets the mobile node tunnels to it (§6.2). "No new error codes are introduced" (§6.2): refusals
// use RFC 6275's BA statuses.
//
// The MN-MAP binding is authenticated as MN-HA is in this project (RFC 4285 option, MN-ID NAI,
// timestamps) instead of IPsec (RFC 5380 §12.1); docs/hmipv6.md says why.
//
// Pure machine: `handle(now, input)` returns actions; after every `handle`, re-read `nextDeadline()`
// and call `handle(deadline, { kind: 'tick' })` by then.

import * as mh from '../../wire/mh/index.js';
import type { BindingUpdate } from '../../wire/mh/binding.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import { canonical, inPrefix } from '../../wire/address.js';
import {
  checkReplay,
  ntpTimestampFromUnixMs,
  sealWithMnHa,
  securityOptions,
  verifyMnHa,
  type MnHaSecurityAssociation,
} from '../mipv6/auth.js';
import { BindingCache } from '../mipv6/binding-cache.js';
import { BaStatus, DEFAULT_REPLAY_WINDOW_MS, LIFETIME_UNIT_S, MAX_LIFETIME_UNITS } from '../mipv6/constants.js';
import { isNewerSequence } from '../mipv6/sequence.js';
import {
  pseudoHeader,
  sendMobilityHeader,
  type AuthenticatedMobilityHeaderInput,
  type SendMobilityHeader,
  type Tick,
} from '../core/index.js';

/** One mobile node the MAP serves: its NAI and MN-MAP key (no home address: the MAP never learns it, §6.2). */
export interface MapMobileNode {
  nai: string;
  spi: number;
  key: Buffer;
}

export interface MapConfig {
  /** The MAP's global address (the MAP option's, RFC 5380 §5): source of BAs, destination of local BUs. */
  address: string;
  /** The prefix RCoAs are formed on (the MAP's link, §6). */
  rcoaPrefix: string;
  rcoaPrefixLength: number;
  mobileNodes: MapMobileNode[];
  epochOffsetMs: number;
  /** Longest binding granted, seconds (the MAP option's Valid Lifetime bounds it, §5). Default 600. */
  maxLifetimeS?: number;
  replayWindowMs?: number;
  /** DAD for an RCoA before its first binding (RFC 6275 §10.3.1, which the MAP follows as a home agent, §6.2). Default true. */
  performDad?: boolean;
  /** §6.2: LCoAs must be in one of these prefixes ("valid on-link prefixes"), else 129. Unset: any. */
  onLinkPrefixes?: { prefix: string; prefixLength: number }[];
}

export type MapInput =
  | AuthenticatedMobilityHeaderInput
  | { kind: 'dad-result'; regionalCareOfAddress: string; duplicate: boolean }
  | Tick;

export type MapAction =
  /** A BA from the MAP's address to the LCoA, type 2 routing header = RCoA (§6.2). */
  | SendMobilityHeader
  /** Tunnel packets for the RCoA to the LCoA and accept packets the LCoA tunnels (§6.2). Replaces. */
  | { kind: 'tunnel-up'; regionalCareOfAddress: string; onLinkCareOfAddress: string }
  | { kind: 'tunnel-down'; regionalCareOfAddress: string }
  /** Intercept the RCoA on the MAP's link by proxy Neighbour Advertisements (§6.2). */
  | { kind: 'proxy-nd-start'; regionalCareOfAddress: string }
  | { kind: 'proxy-nd-stop'; regionalCareOfAddress: string }
  | { kind: 'dad-start'; regionalCareOfAddress: string }
  | { kind: 'event'; event: MapEvent };

export type MapEvent =
  | { name: 'local-bu-accepted'; at: number; rcoa: string; lcoa: string; nai: string; lifetimeS: number }
  | { name: 'local-bu-deregistered'; at: number; rcoa: string }
  | { name: 'local-bu-refused'; at: number; rcoa: string; lcoa: string; status: number; reason: MapCounter }
  | { name: 'binding-expired'; at: number; rcoa: string; lcoa: string }
  | { name: 'dropped'; at: number; reason: MapCounter };

export const MAP_COUNTERS = [
  'bu-accepted',
  'bu-deregistered',
  'bu-not-map-registration',
  'bu-no-home-address-option',
  'bu-unknown-mobile-node',
  'bu-auth-failed',
  'bu-replayed',
  'bu-replay-option-missing',
  'bu-rcoa-not-on-map-prefix',
  'bu-rcoa-of-another-node',
  'bu-lcoa-not-allowed',
  'bu-sequence-out-of-window',
  'bu-no-binding-to-delete',
  'bu-dad-failed',
  'mh-unexpected',
  'binding-expired',
  'dad-result-unexpected',
] as const;
export type MapCounter = (typeof MAP_COUNTERS)[number];

interface Registration {
  sa: MapMobileNode;
  rcoa: string;
  lcoa: string;
  sequenceNumber: number;
  lifetimeUnits: number;
  timestamp?: bigint;
}

interface Reply {
  now: number;
  rcoa: string;
  lcoa: string;
  sequenceNumber: number;
  timestamp?: bigint;
  resync?: boolean;
  sa?: MapMobileNode;
}

export class MobilityAnchorPoint {
  /** RCoA -> LCoA (entries' homeAddress is the RCoA, careOfAddress the LCoA). At most one per NAI. */
  readonly cache = new BindingCache();
  readonly #cfg: Required<Omit<MapConfig, 'onLinkPrefixes'>> & Pick<MapConfig, 'onLinkPrefixes'>;
  readonly #byNai = new Map<string, MapMobileNode>();
  /** Per NAI: bounded by the configured mobile nodes, like every other table here. */
  readonly #lastTimestamp = new Map<string, bigint>();
  readonly #pendingDad = new Map<string, Registration>();
  readonly #counters = Object.fromEntries(MAP_COUNTERS.map((c) => [c, 0])) as Record<MapCounter, number>;

  constructor(config: MapConfig) {
    this.#cfg = {
      maxLifetimeS: 600,
      replayWindowMs: DEFAULT_REPLAY_WINDOW_MS,
      performDad: true,
      ...config,
      address: canonical(config.address),
      rcoaPrefix: canonical(config.rcoaPrefix),
    };
    for (const m of config.mobileNodes) this.#byNai.set(m.nai, m);
  }

  get counters(): Readonly<Record<MapCounter, number>> {
    return this.#counters;
  }

  nextDeadline(): number | null {
    return this.cache.nextExpiry();
  }

  handle(now: number, input: MapInput): MapAction[] {
    const expired = this.#expire(now);
    switch (input.kind) {
      case 'tick':
        return expired;
      case 'mh':
        return [...expired, ...this.#onMobilityHeader(now, input)];
      case 'dad-result':
        return [...expired, ...this.#onDadResult(now, input)];
    }
  }

  #expire(now: number): MapAction[] {
    const out: MapAction[] = [];
    for (const e of this.cache.expire(now)) {
      this.#counters['binding-expired']++;
      out.push(...this.#release(e.homeAddress), {
        kind: 'event',
        event: { name: 'binding-expired', at: now, rcoa: e.homeAddress, lcoa: e.careOfAddress },
      });
    }
    return out;
  }

  #onMobilityHeader(now: number, input: AuthenticatedMobilityHeaderInput): MapAction[] {
    if (input.message.type !== 'BindingUpdate') return this.#drop(now, 'mh-unexpected');
    const bu = input.message;
    // RFC 5380 §4: a MAP registration has M (and A) set; anything else is not for the MAP.
    if (!bu.mapRegistration) return this.#drop(now, 'bu-not-map-registration');
    // §6.1: the RCoA travels in the Home Address option, the LCoA is the source.
    if (input.homeAddressOption === undefined) return this.#drop(now, 'bu-no-home-address-option');
    return this.#onLocalBindingUpdate(now, canonical(input.homeAddressOption), canonical(input.src), input, bu);
  }

  #onLocalBindingUpdate(
    now: number,
    rcoa: string,
    lcoa: string,
    input: AuthenticatedMobilityHeaderInput,
    bu: BindingUpdate,
  ): MapAction[] {
    const { nai, timestamp } = securityOptions(bu.options);
    const reply: Reply = { now, rcoa, lcoa, sequenceNumber: bu.sequenceNumber, timestamp };
    // Authenticate first (as the home agent does): a forged BU learns nothing and changes nothing.
    const sa = nai !== undefined ? this.#byNai.get(nai) : undefined;
    if (!sa) return this.#refuse(reply, BaStatus.MipV6AuthFail, 'bu-unknown-mobile-node');
    if (!verifyMnHa({ ...sa, homeAddress: rcoa }, lcoa, rcoa, input.bytes).ok)
      return this.#refuse(reply, BaStatus.MipV6AuthFail, 'bu-auth-failed');
    const authed = { ...reply, sa };
    const replay = checkReplay(
      timestamp,
      now + this.#cfg.epochOffsetMs,
      this.#cfg.replayWindowMs,
      this.#lastTimestamp.get(sa.nai),
    );
    if (replay === 'missing') return this.#refuse(authed, BaStatus.MipV6MesgIdReqd, 'bu-replay-option-missing');
    if (replay !== 'ok') return this.#refuse({ ...authed, resync: true }, BaStatus.MipV6IdMismatch, 'bu-replayed');
    this.#lastTimestamp.set(sa.nai, timestamp!);

    // §6: the RCoA is formed on the MAP's prefix; any other "home address" is not ours (RFC 6275 132).
    if (!inPrefix(rcoa, this.#cfg.rcoaPrefix, this.#cfg.rcoaPrefixLength))
      return this.#refuse(authed, BaStatus.NotHomeSubnet, 'bu-rcoa-not-on-map-prefix');
    // An RCoA bound (or in DAD) for another node: registering it would steal that node's traffic
    // (RFC 6275 §15.1's rule for home addresses); 129 administratively prohibited, as the HA does.
    const existing = this.cache.get(rcoa);
    const pendingOther = [...this.#pendingDad.values()].find((p) => p.rcoa === rcoa && p.sa.nai !== sa.nai);
    if ((existing && existing.nai !== sa.nai) || pendingOther)
      return this.#refuse(authed, BaStatus.AdministrativelyProhibited, 'bu-rcoa-of-another-node');
    // §6.2: an LCoA outside the MAP's valid on-link prefixes may be refused with 129.
    const allowed = this.#cfg.onLinkPrefixes;
    if (allowed && !allowed.some((p) => inPrefix(lcoa, p.prefix, p.prefixLength)))
      return this.#refuse(authed, BaStatus.AdministrativelyProhibited, 'bu-lcoa-not-allowed');
    // RFC 6275 §9.5.1: sequence numbers per binding, modulo 2^16.
    if (existing && !isNewerSequence(bu.sequenceNumber, existing.sequenceNumber))
      return this.#refuse(
        { ...authed, sequenceNumber: existing.sequenceNumber },
        BaStatus.SequenceNumberOutOfWindow,
        'bu-sequence-out-of-window',
      );

    // RFC 6275 §10.3.2: lifetime 0 (or LCoA = RCoA) deregisters.
    if (bu.lifetime === 0 || lcoa === rcoa) {
      if (!existing) {
        this.#pendingDad.delete(sa.nai);
        return this.#refuse(authed, BaStatus.NotHomeAgentForThisMobileNode, 'bu-no-binding-to-delete');
      }
      const ack = this.#ack(authed, BaStatus.Accepted, 0);
      this.cache.delete(rcoa);
      this.#counters['bu-deregistered']++;
      return [ack, ...this.#release(rcoa), { kind: 'event', event: { name: 'local-bu-deregistered', at: now, rcoa } }];
    }

    const lifetimeUnits = Math.min(
      bu.lifetime,
      Math.floor(this.#cfg.maxLifetimeS / LIFETIME_UNIT_S),
      MAX_LIFETIME_UNITS,
    );
    const reg: Registration = { sa, rcoa, lcoa, sequenceNumber: bu.sequenceNumber, lifetimeUnits, timestamp };
    // RFC 6275 §10.3.1 (the MAP acts as the RCoA's home agent, RFC 5380 §6.2): DAD before the first
    // binding of an RCoA; the BA waits for it. One pending registration per node.
    if (!existing && this.#cfg.performDad) {
      const before = this.#pendingDad.get(sa.nai);
      this.#pendingDad.set(sa.nai, reg);
      return before?.rcoa === rcoa ? [] : [{ kind: 'dad-start', regionalCareOfAddress: rcoa }];
    }
    return this.#accept(now, reg);
  }

  #accept(now: number, r: Registration): MapAction[] {
    const out: MapAction[] = [this.#ack({ now, ...r }, BaStatus.Accepted, r.lifetimeUnits)];
    // One binding per node: a new RCoA of the same node (a new interface identifier) replaces the old.
    for (const e of this.cache.entries())
      if (e.nai === r.sa.nai && e.homeAddress !== r.rcoa) {
        this.cache.delete(e.homeAddress);
        out.push(...this.#release(e.homeAddress));
      }
    const existing = this.cache.get(r.rcoa);
    const lifetimeS = r.lifetimeUnits * LIFETIME_UNIT_S;
    this.cache.upsert({
      homeAddress: r.rcoa,
      careOfAddress: r.lcoa,
      lifetimeS,
      expiresAt: now + lifetimeS * 1000,
      sequenceNumber: r.sequenceNumber,
      homeRegistration: false,
      nai: r.sa.nai,
      registeredAt: now,
    });
    this.#counters['bu-accepted']++;
    if (!existing) out.push({ kind: 'proxy-nd-start', regionalCareOfAddress: r.rcoa });
    if (!existing || existing.careOfAddress !== r.lcoa)
      out.push({ kind: 'tunnel-up', regionalCareOfAddress: r.rcoa, onLinkCareOfAddress: r.lcoa });
    out.push({
      kind: 'event',
      event: { name: 'local-bu-accepted', at: now, rcoa: r.rcoa, lcoa: r.lcoa, nai: r.sa.nai, lifetimeS },
    });
    return out;
  }

  #onDadResult(now: number, input: { regionalCareOfAddress: string; duplicate: boolean }): MapAction[] {
    const rcoa = canonical(input.regionalCareOfAddress);
    const entry = [...this.#pendingDad.entries()].find(([, p]) => p.rcoa === rcoa);
    if (!entry) return this.#drop(now, 'dad-result-unexpected');
    const [nai, p] = entry;
    this.#pendingDad.delete(nai);
    if (input.duplicate) return this.#refuse({ now, ...p }, BaStatus.DuplicateAddressDetectionFailed, 'bu-dad-failed');
    return this.#accept(now, p);
  }

  #release(rcoa: string): MapAction[] {
    return [
      { kind: 'tunnel-down', regionalCareOfAddress: rcoa },
      { kind: 'proxy-nd-stop', regionalCareOfAddress: rcoa },
    ];
  }

  #refuse(r: Reply, status: number, reason: MapCounter): MapAction[] {
    this.#counters[reason]++;
    return [
      this.#ack(r, status, 0),
      { kind: 'event', event: { name: 'local-bu-refused', at: r.now, rcoa: r.rcoa, lcoa: r.lcoa, status, reason } },
    ];
  }

  /** RFC 5380 §6.2: the BA "MUST include a routing header type 2 that contains the mobile node's RCoA". */
  #ack(r: Reply, status: number, lifetimeUnits: number): SendMobilityHeader {
    const options: MobilityOption[] = [];
    const ts = r.resync ? ntpTimestampFromUnixMs(r.now + this.#cfg.epochOffsetMs) : r.timestamp;
    if (ts !== undefined) options.push({ type: 'MobilityMessageReplayProtection', timestamp: ts });
    const ba = mh.bindingAcknowledgement({
      status,
      sequenceNumber: r.sequenceNumber,
      lifetime: lifetimeUnits,
      options,
    });
    const route = { src: this.#cfg.address, dst: r.lcoa, routingType2: r.rcoa };
    if (!r.sa) return sendMobilityHeader(route, ba);
    const sa: MnHaSecurityAssociation = { ...r.sa, homeAddress: r.rcoa };
    const sealed = sealWithMnHa(ba, sa, r.lcoa, r.rcoa, pseudoHeader(route));
    return sendMobilityHeader(route, sealed.message, sealed.bytes);
  }

  #drop(now: number, reason: MapCounter): MapAction[] {
    this.#counters[reason]++;
    return [{ kind: 'event', event: { name: 'dropped', at: now, reason } }];
  }
}
