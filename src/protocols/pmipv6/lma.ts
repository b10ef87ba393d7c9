// The Local Mobility Anchor (RFC 5213 §5): a Binding Cache keyed by the mobile node identifier
// (RFC 4283), one home network prefix per node from the policy (listed, or taken from a pool on the
// node's first registration), Proxy Binding Update processing in the order of §5.3.1, timestamp
// ordering (§5.5), de-registration with MinDelayBeforeBCEDelete (§5.3.5), and the bidirectional
// tunnel to the serving MAG (tunnel-up / tunnel-down, §5.6), and RFC 6058's transient binding (a new
// MAG's PBU with the Transient Binding option: for a while both MAGs' uplink is accepted, and with the
// late path switch the downlink stays at the previous MAG until the switch; docs/pmipv6.md).
// The PBU's authentication (RFC 5213 §4: IPsec; here the keyed peer option, peer-auth.ts) is checked
// by the agent before a message reaches this machine: what arrives here came from a configured MAG.
import { sendMobilityHeader, type SendMobilityHeader } from '../core/actions.js';
import type { MobilityHeaderInput } from '../core/inputs.js';
import type { Tick } from '../core/tick.js';
import { canonical, inPrefix } from '../../wire/address.js';
import {
  findOption,
  isProxyBindingUpdate,
  type MobilityOption,
  type ProxyBindingUpdate,
  proxyBindingAcknowledgement,
  ProxyBindingAcknowledgementStatus as S,
} from '../../wire/mh/index.js';
import {
  ALL_ZERO,
  LIFETIME_UNIT_S,
  MAX_TRANSIENT_MS,
  MIN_DELAY_BEFORE_BCE_DELETE_MS,
  TIMESTAMP_VALIDITY_WINDOW_MS,
  TRANSIENT_LIFETIME_UNIT_MS,
} from './constants.js';
import { assignHomeNetworkPrefixes, type HomeNetworkPrefix } from './prefixes.js';
import { timestampFromUnixMs, unixMsFromTimestamp } from './timestamp.js';

export interface LmaPolicyEntry {
  /** The MN-Identifier (RFC 4283 NAI). */
  id: string;
  /** Its home network prefix; absent: one of the pool's, in listing order (prefixes.ts). */
  prefix?: string;
  prefixLength?: number;
}

export interface LocalMobilityAnchorConfig {
  /** LMAA: the PBAs' source, the tunnels' local end. */
  address: string;
  mobileNodes: readonly LmaPolicyEntry[];
  /** "prefix/length": /64s for nodes listed without a prefix. */
  pool?: string;
  /** Proxy-CoAs allowed to register these nodes (§5.3.1 check 4); absent: every authenticated MAG. */
  mags?: readonly string[];
  /** Wall clock = now + epochOffsetMs (RFC 5213 timestamps are wall-clock). */
  epochOffsetMs: number;
  timestampValidityWindowMs?: number;
  minDelayBeforeBceDeleteMs?: number;
  /** Granted lifetime at most (seconds). Default 3600. */
  maxLifetimeS?: number;
  /** RFC 6058: a transient binding lasts at most this long (ms), whatever the option asks. Default 5000. */
  maxTransientMs?: number;
}

export type LmaInput = MobilityHeaderInput | Tick;

export interface BindingCacheEntry {
  mnId: string;
  prefix: string;
  prefixLength: number;
  /** The serving MAG's address; the tunnel's far end. */
  proxyCoa: string;
  accessTechnologyType: number;
  handoffIndicator: number;
  linkLocalAddress?: string;
  mnLinkLayerIdentifier?: Buffer;
  /** RFC 5213 §5.5: the last accepted PBU's timestamp. */
  timestamp: bigint;
  lifetimeS: number;
  expiresAt: number;
  /** Set after a de-registration: the entry stays until then (§5.3.5), with no tunnel. */
  deleteAt?: number;
  /**
   * RFC 6058: the entry names the new MAG (`proxyCoa`) while the previous MAG's binding is transient
   * until `until`: uplink from both is accepted; with `late` (late path switch) the downlink still goes
   * to `previousCoa` until the switch (a PBU from the new MAG without the option, the previous MAG's
   * de-registration, or `until`).
   */
  transient?: { previousCoa: string; late: boolean; until: number };
}

export type LmaEventName =
  | 'pbu-accepted'
  | 'pbu-deregistered'
  | 'pbu-refused'
  | 'pbu-dereg-ignored'
  | 'binding-expired'
  | 'binding-deleted'
  | 'transient-started'
  | 'transient-ignored'
  | 'path-switched'
  | 'dropped';

export type LmaAction =
  | SendMobilityHeader
  | { kind: 'tunnel-up'; mnId: string; prefix: string; prefixLength: number; proxyCoa: string }
  | { kind: 'tunnel-down'; mnId: string; prefix: string; prefixLength: number }
  /** RFC 6058: also accept the prefix's uplink from `from` for `forMs` (the downlink is unchanged). */
  | { kind: 'tunnel-accept'; mnId: string; prefix: string; prefixLength: number; from: string; forMs: number }
  | { kind: 'event'; event: { name: LmaEventName; at: number; [k: string]: unknown } };

export class LocalMobilityAnchor {
  readonly #c: Required<Omit<LocalMobilityAnchorConfig, 'pool' | 'mags'>> &
    Pick<LocalMobilityAnchorConfig, 'pool' | 'mags'>;
  readonly #policy = new Map<string, LmaPolicyEntry>();
  readonly #assigned: Map<string, HomeNetworkPrefix>;
  readonly #cache = new Map<string, BindingCacheEntry>();
  readonly counters: Record<string, number> = {};

  constructor(config: LocalMobilityAnchorConfig) {
    this.#c = {
      timestampValidityWindowMs: TIMESTAMP_VALIDITY_WINDOW_MS,
      minDelayBeforeBceDeleteMs: MIN_DELAY_BEFORE_BCE_DELETE_MS,
      maxLifetimeS: 3600,
      maxTransientMs: MAX_TRANSIENT_MS,
      ...config,
      address: canonical(config.address),
    };
    for (const m of config.mobileNodes) this.#policy.set(m.id, m);
    this.#assigned = assignHomeNetworkPrefixes(config.mobileNodes, config.pool);
  }

  get cache(): readonly BindingCacheEntry[] {
    return [...this.#cache.values()];
  }

  nextDeadline(): number | null {
    let next: number | null = null;
    for (const e of this.#cache.values()) {
      const t = Math.min(e.deleteAt ?? e.expiresAt, e.transient?.until ?? Number.POSITIVE_INFINITY);
      if (next === null || t < next) next = t;
    }
    return next;
  }

  handle(now: number, input: LmaInput): LmaAction[] {
    if (input.kind === 'tick') return this.#expire(now);
    const m = input.message;
    if (!isProxyBindingUpdate(m)) {
      // A BU without P, a BA or anything else: this LMA is no home agent (RFC 5213 §5.3.1 only).
      return this.#drop(now, m.type === 'BindingUpdate' ? 'not-proxy' : 'mh-unexpected', input.src);
    }
    return this.#onPbu(now, input.src, m);
  }

  #count(name: string): void {
    this.counters[name] = (this.counters[name] ?? 0) + 1;
  }

  #drop(now: number, reason: string, src: string): LmaAction[] {
    this.#count(reason);
    return [{ kind: 'event', event: { name: 'dropped', at: now, reason, src } }];
  }

  #wallMs(now: number): number {
    return now + this.#c.epochOffsetMs;
  }

  #onPbu(now: number, src: string, pbu: ProxyBindingUpdate): LmaAction[] {
    const proxyCoa = canonical(src);
    const mnIdOpt = findOption(pbu.options, 'MobileNodeIdentifier');
    const ts = findOption(pbu.options, 'Timestamp');
    const refuse = (status: number, counter: string, extra: MobilityOption[] = []) =>
      this.#refuse(now, proxyCoa, pbu, status, counter, extra);

    // §5.3.1 check 3: the MN-Identifier option, and a node this LMA serves.
    if (!mnIdOpt) return refuse(S.MissingMnIdentifierOption, 'pbu-missing-mn-id');
    const mnId = mnIdOpt.identifier.toString('utf8');
    const policy = this.#policy.get(mnId);
    if (!policy) return refuse(S.NotLmaForThisMobileNode, 'pbu-unknown-mobile-node');
    // Check 4: the MAG may register this node.
    if (this.#c.mags && !this.#c.mags.some((a) => canonical(a) === proxyCoa))
      return refuse(S.MagNotAuthorizedForProxyReg, 'pbu-mag-not-authorized');
    // Check 5, §5.5: the timestamp close to our clock, and newer than the last accepted.
    const wall = this.#wallMs(now);
    if (!ts || Math.abs(unixMsFromTimestamp(ts.timestamp) - wall) > this.#c.timestampValidityWindowMs)
      return refuse(S.TimestampMismatch, 'pbu-timestamp-mismatch', [
        { type: 'Timestamp', timestamp: timestampFromUnixMs(wall) },
      ]);
    const bce = this.#cache.get(mnId);
    if (bce && ts.timestamp <= bce.timestamp) return refuse(S.TimestampLowerThanPrevAccepted, 'pbu-timestamp-lower');
    // Check 6: the other mandatory options (§5.3.1 and §6.9.1.5).
    const hnp = findOption(pbu.options, 'HomeNetworkPrefix');
    const hi = findOption(pbu.options, 'HandoffIndicator');
    const att = findOption(pbu.options, 'AccessTechnologyType');
    if (!hnp) return refuse(S.MissingHomeNetworkPrefixOption, 'pbu-missing-hnp');
    if (!hi) return refuse(S.MissingHandoffIndicatorOption, 'pbu-missing-handoff-indicator');
    if (!att) return refuse(S.MissingAccessTechTypeOption, 'pbu-missing-att');
    // Check 7: a prefix the MAG names must be this node's (§5.3.1, 155).
    const requested = hnp.prefixLength === 0 && canonical(hnp.prefix) === ALL_ZERO ? null : hnp;
    const own = this.#assigned.get(mnId);
    if (
      requested &&
      (!own || own.prefixLength !== requested.prefixLength || own.prefix !== canonical(requested.prefix))
    )
      return refuse(S.NotAuthorizedForHomeNetworkPrefix, 'pbu-prefix-not-authorized');

    if (pbu.lifetime === 0) return this.#deregister(now, proxyCoa, pbu, mnId, bce, ts.timestamp);

    // A node the pool had no prefix left for is refused (155).
    const prefix = own;
    if (!prefix) return refuse(S.NotAuthorizedForHomeNetworkPrefix, 'pbu-pool-exhausted');
    const lifetimeS = Math.min(pbu.lifetime * LIFETIME_UNIT_S, this.#c.maxLifetimeS);
    const lla = findOption(pbu.options, 'LinkLocalAddress');
    const llid = findOption(pbu.options, 'MobileNodeLinkLayerIdentifier');
    const entry: BindingCacheEntry = {
      mnId,
      prefix: prefix.prefix,
      prefixLength: prefix.prefixLength,
      proxyCoa,
      accessTechnologyType: att.accessTechnologyType,
      handoffIndicator: hi.handoffIndicator,
      timestamp: ts.timestamp,
      lifetimeS,
      expiresAt: now + lifetimeS * 1000,
      ...(lla ? { linkLocalAddress: canonical(lla.linkLocalAddress) } : {}),
      ...(llid ? { mnLinkLayerIdentifier: llid.linkLayerIdentifier } : {}),
    };
    const actions: LmaAction[] = [];
    const tb = findOption(pbu.options, 'TransientBinding');
    const active = bce !== undefined && bce.deleteAt === undefined ? bce : undefined;
    let status: number = S.Accepted;
    if (tb) {
      if (active?.transient && active.proxyCoa === proxyCoa)
        entry.transient = active.transient; // a resent PBU
      else if (active && active.proxyCoa !== proxyCoa) {
        // RFC 6058: the new MAG registers while the previous MAG's binding stays transient. The
        // downlink goes where it goes now (the previous MAG, or the one before it if that was late too).
        const forMs = Math.min(tb.lifetime * TRANSIENT_LIFETIME_UNIT_MS, this.#c.maxTransientMs);
        const previousCoa = active.transient?.late ? active.transient.previousCoa : active.proxyCoa;
        if (forMs > 0) {
          entry.transient = { previousCoa, late: tb.latePathSwitch, until: now + forMs };
          const p = { mnId, prefix: entry.prefix, prefixLength: entry.prefixLength };
          if (tb.latePathSwitch) actions.push({ kind: 'tunnel-accept', ...p, from: proxyCoa, forMs });
          else
            actions.push(
              { kind: 'tunnel-up', ...p, proxyCoa },
              { kind: 'tunnel-accept', ...p, from: previousCoa, forMs },
            );
          this.#count('transient-started');
          actions.push({
            kind: 'event',
            event: { name: 'transient-started', at: now, mnId, proxyCoa, previousCoa, late: tb.latePathSwitch, forMs },
          });
        }
      }
      if (!entry.transient) {
        // No binding at another MAG to keep (a first attachment, a de-registered entry, the same
        // MAG), or a zero lifetime: registered as without the option, status 6 says so (RFC 6058).
        status = S.PbuAcceptedTbIgnoredSettingsMismatch;
        this.#count('transient-ignored');
        actions.push({ kind: 'event', event: { name: 'transient-ignored', at: now, mnId, proxyCoa } });
      }
    } else if (active?.transient && active.proxyCoa === proxyCoa) {
      if (active.transient.late) actions.push(...this.#switchPath(now, active, 'pbu'));
      else entry.transient = active.transient;
    }
    this.#cache.set(mnId, entry);
    // §5.3.2/§5.3.4: a new entry, a new MAG (handoff), or a de-registered entry coming back.
    if (!entry.transient && (!bce || bce.proxyCoa !== proxyCoa || bce.deleteAt !== undefined))
      actions.push({ kind: 'tunnel-up', mnId, prefix: entry.prefix, prefixLength: entry.prefixLength, proxyCoa });
    this.#count('pbu-accepted');
    const granted: MobilityOption[] = entry.transient
      ? [
          {
            type: 'TransientBinding',
            latePathSwitch: entry.transient.late,
            lifetime: Math.ceil((entry.transient.until - now) / TRANSIENT_LIFETIME_UNIT_MS),
          },
        ]
      : [];
    actions.push(this.#pba(proxyCoa, pbu, status, lifetimeS, entry, ts.timestamp, granted));
    actions.push({
      kind: 'event',
      event: {
        name: 'pbu-accepted',
        at: now,
        mnId,
        proxyCoa,
        prefix: `${entry.prefix}/${entry.prefixLength}`,
        handoff: bce !== undefined && bce.proxyCoa !== proxyCoa,
        handoffIndicator: hi.handoffIndicator,
        lifetimeS,
        ...(entry.transient ? { transient: true } : {}),
      },
    });
    return actions;
  }

  /** RFC 6058's late path switch: the downlink moves to the MAG the entry names; the transient part ends. */
  #switchPath(now: number, e: BindingCacheEntry, reason: string): LmaAction[] {
    const previousCoa = e.transient?.previousCoa;
    delete e.transient;
    this.#count(`path-switched.${reason}`);
    return [
      { kind: 'tunnel-up', mnId: e.mnId, prefix: e.prefix, prefixLength: e.prefixLength, proxyCoa: e.proxyCoa },
      {
        kind: 'event',
        event: { name: 'path-switched', at: now, mnId: e.mnId, proxyCoa: e.proxyCoa, previousCoa, reason },
      },
    ];
  }

  /** §5.3.5: only the serving MAG removes the binding; the entry lives on MinDelayBeforeBCEDelete. */
  #deregister(
    now: number,
    proxyCoa: string,
    pbu: ProxyBindingUpdate,
    mnId: string,
    bce: BindingCacheEntry | undefined,
    timestamp: bigint,
  ): LmaAction[] {
    if (bce?.transient && bce.deleteAt === undefined && bce.transient.previousCoa === proxyCoa) {
      // RFC 6058: the previous MAG's (transient) binding goes; the new MAG's entry stays, and the
      // downlink it held moves there now. The session's timestamp is the new MAG's, unchanged.
      const out = bce.transient.late ? this.#switchPath(now, bce, 'previous-deregistered') : [];
      delete bce.transient;
      this.#count('pbu-transient-deregistered');
      return [...out, this.#pba(proxyCoa, pbu, S.Accepted, 0, bce, timestamp)];
    }
    if (bce?.transient && bce.deleteAt === undefined && bce.proxyCoa === proxyCoa) {
      const t = bce.transient;
      delete bce.transient;
      if (t.late) {
        // The new MAG withdraws a registration the node never used (it did not arrive): the binding is
        // the previous MAG's again, which the downlink never left.
        bce.proxyCoa = t.previousCoa;
        this.#count('pbu-transient-withdrawn');
        return [
          this.#pba(proxyCoa, pbu, S.Accepted, 0, bce, timestamp),
          {
            kind: 'event',
            event: { name: 'path-switched', at: now, mnId, proxyCoa: t.previousCoa, reason: 'withdrawn' },
          },
        ];
      }
    }
    if (!bce || bce.proxyCoa !== proxyCoa || bce.deleteAt !== undefined) {
      // A late de-registration from a MAG the node already left: the binding stays (§5.3.5).
      this.#count('pbu-dereg-ignored');
      return [
        this.#pba(proxyCoa, pbu, S.Accepted, 0, bce, timestamp),
        { kind: 'event', event: { name: 'pbu-dereg-ignored', at: now, mnId, proxyCoa } },
      ];
    }
    bce.timestamp = timestamp;
    bce.deleteAt = now + this.#c.minDelayBeforeBceDeleteMs;
    this.#count('pbu-deregistered');
    return [
      { kind: 'tunnel-down', mnId, prefix: bce.prefix, prefixLength: bce.prefixLength },
      this.#pba(proxyCoa, pbu, S.Accepted, 0, bce, timestamp),
      { kind: 'event', event: { name: 'pbu-deregistered', at: now, mnId, proxyCoa } },
    ];
  }

  #refuse(
    now: number,
    proxyCoa: string,
    pbu: ProxyBindingUpdate,
    status: number,
    counter: string,
    extra: MobilityOption[],
  ): LmaAction[] {
    this.#count(counter);
    const options: MobilityOption[] = pbu.options.filter(
      (o) =>
        o.type === 'MobileNodeIdentifier' ||
        o.type === 'HomeNetworkPrefix' ||
        o.type === 'HandoffIndicator' ||
        o.type === 'AccessTechnologyType' ||
        (o.type === 'Timestamp' && !extra.some((e) => e.type === 'Timestamp')),
    );
    const message = proxyBindingAcknowledgement({
      status,
      sequenceNumber: pbu.sequenceNumber,
      lifetime: 0,
      options: [...options, ...extra],
    });
    return [
      sendMobilityHeader({ src: this.#c.address, dst: proxyCoa }, message),
      { kind: 'event', event: { name: 'pbu-refused', at: now, status, reason: counter, proxyCoa } },
    ];
  }

  /** §5.3.6: the PBA copies MN-ID, HI, ATT, MN-LL-ID and the timestamp, and carries the prefix and link-local address. */
  #pba(
    proxyCoa: string,
    pbu: ProxyBindingUpdate,
    status: number,
    lifetimeS: number,
    bce: BindingCacheEntry | undefined,
    timestamp: bigint,
    extra: MobilityOption[] = [],
  ): SendMobilityHeader {
    const options: MobilityOption[] = [];
    for (const o of pbu.options) {
      if (o.type === 'MobileNodeIdentifier' || o.type === 'MobileNodeLinkLayerIdentifier') options.push(o);
      else if (o.type === 'HomeNetworkPrefix')
        options.push(bce ? { type: 'HomeNetworkPrefix', prefix: bce.prefix, prefixLength: bce.prefixLength } : o);
      else if (o.type === 'HandoffIndicator' || o.type === 'AccessTechnologyType') options.push(o);
      else if (o.type === 'LinkLocalAddress')
        options.push(bce?.linkLocalAddress ? { type: 'LinkLocalAddress', linkLocalAddress: bce.linkLocalAddress } : o);
    }
    options.push({ type: 'Timestamp', timestamp }, ...extra);
    const message = proxyBindingAcknowledgement({
      status,
      sequenceNumber: pbu.sequenceNumber,
      lifetime: Math.ceil(lifetimeS / LIFETIME_UNIT_S),
      options,
    });
    return sendMobilityHeader({ src: this.#c.address, dst: proxyCoa }, message);
  }

  #expire(now: number): LmaAction[] {
    const out: LmaAction[] = [];
    for (const [mnId, e] of this.#cache) {
      if (e.deleteAt !== undefined) {
        if (now < e.deleteAt) continue;
        this.#cache.delete(mnId);
        out.push({ kind: 'event', event: { name: 'binding-deleted', at: now, mnId } });
      } else if (e.transient && now >= e.transient.until) {
        if (e.transient.late) out.push(...this.#switchPath(now, e, 'expired'));
        else delete e.transient;
      } else if (now >= e.expiresAt) {
        this.#cache.delete(mnId);
        this.#count('binding-expired');
        out.push(
          { kind: 'tunnel-down', mnId, prefix: e.prefix, prefixLength: e.prefixLength },
          { kind: 'event', event: { name: 'binding-expired', at: now, mnId, proxyCoa: e.proxyCoa } },
        );
      }
    }
    return out;
  }
}

/** Whether `address` lies in an entry's home network prefix. */
export function servesAddress(e: Pick<BindingCacheEntry, 'prefix' | 'prefixLength'>, address: string): boolean {
  return inPrefix(address, e.prefix, e.prefixLength);
}
