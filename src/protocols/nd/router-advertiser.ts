// The router side of Router Discovery on one interface (RFC 4861 §6.2), with the Mobile IPv6
// minimums of RFC 6275 §7.5: unsolicited multicast Router Advertisements at random intervals in
// [MinRtrAdvInterval, MaxRtrAdvInterval], and prompt answers to Router Solicitations.
// Pure: the caller passes `now` (monotonic ms) and a random source; nothing here reads a clock.

import type { Tick } from '../core/tick.js';

export const ALL_NODES = 'ff02::1';
export const ALL_ROUTERS = 'ff02::2';
export const UNSPECIFIED = '::';

/** RFC 4861 §10 router constants. */
export const MAX_INITIAL_RTR_ADVERT_INTERVAL_MS = 16_000;
export const MAX_INITIAL_RTR_ADVERTISEMENTS = 3;
export const MAX_RA_DELAY_TIME_MS = 500;
export const MIN_DELAY_BETWEEN_RAS_MS = 3_000;
/** RFC 6275 §7.5: with Mobile IPv6, MinRtrAdvInterval may go down to 0.03 s, MaxRtrAdvInterval to
 * 0.07 s, and MinDelayBetweenRAs (replacing MIN_DELAY_BETWEEN_RAS) to 0.03 s. */
export const MIPV6_MIN_RTR_ADV_INTERVAL_MS = 30;
export const MIPV6_MAX_RTR_ADV_INTERVAL_MS = 70;
export const MIPV6_MIN_DELAY_BETWEEN_RAS_MS = 30;

export interface RouterAdvertiserConfig {
  /** On-link prefix advertised for SLAAC, e.g. "2001:db8:10:a1::". */
  prefix: string;
  prefixLength: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  routerLifetimeS: number;
  /** The interface's link-layer address, sent in the Source Link-Layer Address option. */
  sourceLinkLayerAddress: string;
  /** Upper bound of the random delay before answering a solicitation (RFC 4861 §6.2.6 allows up to
   * MAX_RA_DELAY_TIME = 500 ms). It exists to desynchronise several routers on one link; in a lab
   * cell there is one router and the mobile node waits for this RA to form its care-of address, so
   * every millisecond of delay adds to the measured handover interruption. Default 10 ms. */
  maxResponseDelayMs?: number;
  /** MinDelayBetweenRAs (RFC 6275 §7.5), the floor between multicast RAs; default min(MinRtrAdvInterval, 3 s). */
  minDelayBetweenRasMs?: number;
  /** Answer a solicitation from a unicast source with a unicast RA (allowed by RFC 4861 §6.2.6). */
  solicitedUnicast?: boolean;
  /** Prefix Information lifetimes in seconds; defaults RFC 4861 §6.2.1 AdvValidLifetime (30 days)
   * and AdvPreferredLifetime (7 days). */
  validLifetimeS?: number;
  preferredLifetimeS?: number;
  /** AdvCurHopLimit; default 64. */
  curHopLimit?: number;
  /** H flag: this router is also a home agent (RFC 6275 §7.1). */
  homeAgent?: boolean;
  /** MTU option (RFC 4861 §4.6.4) when set. */
  mtu?: number;
  /** MAP options (RFC 5380 §5), as configured on this router (§7). */
  map?: MapAdvertisement[];
}

/** One MAP option of the RA (RFC 5380 §5). */
export interface MapAdvertisement {
  address: string;
  distance: number;
  preference: number;
  validLifetimeS: number;
  rcoa?: boolean;
}

/** What the machine asks to send: the fields of RFC 4861 §4.2 and the options it carries. */
export interface RouterAdvertisementContent {
  curHopLimit: number;
  managed: boolean;
  other: boolean;
  homeAgent: boolean;
  routerLifetimeS: number;
  reachableTimeMs: number;
  retransTimerMs: number;
  sourceLinkLayerAddress: string;
  prefixInformation: {
    prefix: string;
    prefixLength: number;
    onLink: boolean;
    autonomous: boolean;
    validLifetimeS: number;
    preferredLifetimeS: number;
  };
  /** Advertisement Interval option (RFC 6275 §7.3): MaxRtrAdvInterval in ms. */
  advertisementIntervalMs: number;
  mtu?: number;
  maps?: MapAdvertisement[];
}

/** A received Router Solicitation, as much as the rules of RFC 4861 §6.1.1 need. */
export interface RouterSolicitationInput {
  kind: 'router-solicitation';
  src: string;
  hopLimit: number;
  code: number;
  hasSourceLinkLayerAddress: boolean;
}

export type RouterAdvertiserInput = RouterSolicitationInput;

export type RouterAdvertiserAction =
  | {
      kind: 'send-router-advertisement';
      dst: string;
      /** Why it is sent: the periodic timer, or an answer to a solicitation. */
      cause: 'unsolicited' | 'solicited';
      advertisement: RouterAdvertisementContent;
    }
  | { kind: 'discard-solicitation'; reason: 'hop-limit' | 'code' | 'unspecified-source-with-sllao' };

/** Problems with a configuration measured against RFC 4861 §6.2.1 as relaxed by RFC 6275 §7.5. */
export function configProblems(c: RouterAdvertiserConfig): string[] {
  const p: string[] = [];
  if (c.minIntervalMs < MIPV6_MIN_RTR_ADV_INTERVAL_MS)
    p.push(`MinRtrAdvInterval ${c.minIntervalMs} ms is below 30 ms (RFC 6275 §7.5)`);
  if (c.maxIntervalMs < MIPV6_MAX_RTR_ADV_INTERVAL_MS)
    p.push(`MaxRtrAdvInterval ${c.maxIntervalMs} ms is below 70 ms (RFC 6275 §7.5)`);
  if (c.minIntervalMs > 0.75 * c.maxIntervalMs)
    p.push(`MinRtrAdvInterval ${c.minIntervalMs} ms exceeds 0.75 × MaxRtrAdvInterval (RFC 4861 §6.2.1)`);
  if (c.routerLifetimeS !== 0 && c.routerLifetimeS * 1000 < c.maxIntervalMs)
    p.push(`AdvDefaultLifetime ${c.routerLifetimeS} s is below MaxRtrAdvInterval (RFC 4861 §6.2.1)`);
  if (c.prefixLength !== 64) p.push(`prefix length /${c.prefixLength}: SLAAC on Ethernet needs /64 (RFC 4862 §5.5.3)`);
  return p;
}

export class RouterAdvertiser {
  private readonly cfg: Required<Omit<RouterAdvertiserConfig, 'mtu' | 'map'>> &
    Pick<RouterAdvertiserConfig, 'mtu' | 'map'>;
  private nextUnsolicitedAt: number | null = null;
  private initialSent = 0;
  private lastMulticastAt: number | null = null;
  private solicitedMulticastAt: number | null = null;
  private readonly solicitedUnicast = new Map<string, number>();
  private readonly content: RouterAdvertisementContent;

  /** `random` returns a number in [0, 1) (Math.random in the agent, a seeded source in tests). */
  constructor(
    config: RouterAdvertiserConfig,
    private readonly random: () => number = Math.random,
  ) {
    if (!(config.minIntervalMs > 0 && config.minIntervalMs <= config.maxIntervalMs)) {
      throw new RangeError(
        `need 0 < minIntervalMs <= maxIntervalMs, got ${config.minIntervalMs}, ${config.maxIntervalMs}`,
      );
    }
    // `??` rather than a spread, so an explicit `undefined` still gets the default.
    this.cfg = {
      ...config,
      maxResponseDelayMs: config.maxResponseDelayMs ?? 10,
      minDelayBetweenRasMs:
        config.minDelayBetweenRasMs ??
        Math.max(MIPV6_MIN_DELAY_BETWEEN_RAS_MS, Math.min(config.minIntervalMs, MIN_DELAY_BETWEEN_RAS_MS)),
      solicitedUnicast: config.solicitedUnicast ?? false,
      validLifetimeS: config.validLifetimeS ?? 2_592_000,
      preferredLifetimeS: config.preferredLifetimeS ?? 604_800,
      curHopLimit: config.curHopLimit ?? 64,
      homeAgent: config.homeAgent ?? false,
    };
    this.content = this.buildContent();
  }

  /** The RA this router sends (the same for every send: the options do not change over time). */
  advertisement(): RouterAdvertisementContent {
    return this.content;
  }

  handle(now: number, input: RouterAdvertiserInput | Tick): RouterAdvertiserAction[] {
    if (input.kind === 'router-solicitation') return this.onSolicitation(now, input);
    return this.onTick(now);
  }

  nextDeadline(): number | null {
    let d = this.nextUnsolicitedAt;
    const consider = (t: number | null): void => {
      if (t !== null && (d === null || t < d)) d = t;
    };
    consider(this.solicitedMulticastAt);
    for (const t of this.solicitedUnicast.values()) consider(t);
    return d;
  }

  private onTick(now: number): RouterAdvertiserAction[] {
    const out: RouterAdvertiserAction[] = [];
    // The interface starts advertising at the first call: send the first RA at once (§6.2.4).
    if (this.nextUnsolicitedAt === null) this.nextUnsolicitedAt = now;
    const unsolicitedDue = now >= this.nextUnsolicitedAt;
    const solicitedDue = this.solicitedMulticastAt !== null && now >= this.solicitedMulticastAt;
    if (unsolicitedDue || solicitedDue) {
      // One multicast RA serves both the timer and any pending multicast answer (§6.2.6).
      out.push(this.send(ALL_NODES, unsolicitedDue ? 'unsolicited' : 'solicited'));
      this.lastMulticastAt = now;
      this.solicitedMulticastAt = null;
      if (unsolicitedDue) this.initialSent = Math.min(this.initialSent + 1, MAX_INITIAL_RTR_ADVERTISEMENTS);
      // §6.2.4: whenever a multicast RA is sent, the timer is reset to a uniform random value in
      // [MinRtrAdvInterval, MaxRtrAdvInterval]; the first few are capped at MAX_INITIAL_RTR_ADVERT_INTERVAL.
      this.nextUnsolicitedAt = now + this.randomInterval();
    }
    for (const [dst, at] of this.solicitedUnicast) {
      if (now < at) continue;
      this.solicitedUnicast.delete(dst);
      out.push(this.send(dst, 'solicited'));
    }
    return out;
  }

  private onSolicitation(now: number, rs: RouterSolicitationInput): RouterAdvertiserAction[] {
    // §6.1.1 validity checks the kernel does not do for a raw socket (it checks the checksum).
    if (rs.hopLimit !== 255) return [{ kind: 'discard-solicitation', reason: 'hop-limit' }];
    if (rs.code !== 0) return [{ kind: 'discard-solicitation', reason: 'code' }];
    if (rs.src === UNSPECIFIED && rs.hasSourceLinkLayerAddress) {
      return [{ kind: 'discard-solicitation', reason: 'unspecified-source-with-sllao' }];
    }
    if (this.nextUnsolicitedAt === null) this.nextUnsolicitedAt = now; // not started: the first RA answers
    const delay = this.random() * this.cfg.maxResponseDelayMs;
    if (this.cfg.solicitedUnicast && rs.src !== UNSPECIFIED) {
      // A unicast answer is not rate-limited by MIN_DELAY_BETWEEN_RAS (§6.2.6); one pending per solicitor.
      if (!this.solicitedUnicast.has(rs.src) && this.solicitedUnicast.size < 64)
        this.solicitedUnicast.set(rs.src, now + delay);
      return [];
    }
    // §6.2.6: within MinDelayBetweenRAs of the last multicast RA, answer at that floor plus the delay.
    let at = now + delay;
    if (this.lastMulticastAt !== null && now < this.lastMulticastAt + this.cfg.minDelayBetweenRasMs) {
      at = this.lastMulticastAt + this.cfg.minDelayBetweenRasMs + delay;
    }
    // A multicast RA already scheduled no later than that answers the solicitation too.
    if (this.nextUnsolicitedAt <= at) return [];
    if (this.solicitedMulticastAt === null || at < this.solicitedMulticastAt) this.solicitedMulticastAt = at;
    return [];
  }

  private randomInterval(): number {
    const { minIntervalMs: min, maxIntervalMs: max } = this.cfg;
    let interval = min + this.random() * (max - min);
    if (this.initialSent < MAX_INITIAL_RTR_ADVERTISEMENTS)
      interval = Math.min(interval, MAX_INITIAL_RTR_ADVERT_INTERVAL_MS);
    return interval;
  }

  private send(dst: string, cause: 'unsolicited' | 'solicited'): RouterAdvertiserAction {
    return { kind: 'send-router-advertisement', dst, cause, advertisement: this.content };
  }

  private buildContent(): RouterAdvertisementContent {
    const c = this.cfg;
    const ra: RouterAdvertisementContent = {
      curHopLimit: c.curHopLimit,
      managed: false,
      other: false,
      homeAgent: c.homeAgent,
      routerLifetimeS: c.routerLifetimeS,
      reachableTimeMs: 0, // 0 = unspecified (§4.2): hosts keep their defaults
      retransTimerMs: 0,
      sourceLinkLayerAddress: c.sourceLinkLayerAddress,
      prefixInformation: {
        prefix: c.prefix,
        prefixLength: c.prefixLength,
        onLink: true,
        autonomous: true, // A flag: the mobile node forms its (care-of) address by SLAAC
        validLifetimeS: c.validLifetimeS,
        preferredLifetimeS: Math.min(c.preferredLifetimeS, c.validLifetimeS),
      },
      advertisementIntervalMs: c.maxIntervalMs,
    };
    if (c.mtu !== undefined) ra.mtu = c.mtu;
    if (c.map?.length) ra.maps = c.map.map((m) => ({ ...m }));
    return ra;
  }
}

/** Splits "2001:db8:10:a1::/64" into prefix and length. Throws on bad text (our config, not the network). */
export function parsePrefix(text: string): { prefix: string; prefixLength: number } {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text);
  if (!m || Number(m[2]) > 128) throw new TypeError(`not an IPv6 prefix: ${JSON.stringify(text)}`);
  return { prefix: m[1]!, prefixLength: Number(m[2]) };
}
