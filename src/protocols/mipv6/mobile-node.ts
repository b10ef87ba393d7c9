// The mobile node of Mobile IPv6 (RFC 6275 §11) towards its home agent, with RFC 4285 MN-HA
// authentication. Movement detection (§11.5: carrier, Router Advertisements, the SLAAC care-of address,
// the return home) is movement-detection.ts's; this file composes it with registration: a Binding
// Update carrying the Home Address option (§11.7.1), retransmitted with exponential back-off (§11.8),
// refreshed before the binding expires (§11.7.1), and a deregistration on the return home (§11.5.4).
// The home address stays on a TUN device; away from home its traffic is reverse-tunnelled through the
// home agent (§11.3.1).
//
// Pure machine: `handle(now, input)` returns actions; after every `handle`,
// re-read `nextDeadline()` and call `handle(deadline, { kind: 'tick' })` by then. `now` is monotonic
// ms; wall-clock time for RFC 4285 timestamps is `now + epochOffsetMs`.

import type { MobilityMessage } from '../../wire/mh/header.js';
import type { BindingAcknowledgement } from '../../wire/mh/binding.js';
import { bindingUpdate } from '../../wire/mh/binding.js';
import { naiIdentifier } from '../../wire/mh/options/types.js';
import {
  ntpTimestampFromUnixMs,
  sealWithMnHa,
  securityOptions,
  unixMsFromNtpTimestamp,
  verifyMnHa,
  type MnHaSecurityAssociation,
} from './auth.js';
import {
  BaStatus,
  BeStatus,
  INITIAL_BINDACK_TIMEOUT_FIRST_REG_MS,
  INITIAL_BINDACK_TIMEOUT_MS,
  LIFETIME_UNIT_S,
  MAX_BINDACK_TIMEOUT_MS,
  MAX_LIFETIME_UNITS,
  MAX_UPDATE_RATE,
  TRIGGERED_UPDATE_RATE,
} from './constants.js';
import { UpdateRate } from './update-rate.js';
import {
  MovementDetection,
  type MovementDetectionAction,
  type MovementEvent,
  type PrefixInformation,
  type RouterAdvertisementInput,
} from './movement-detection.js';
import { canonical } from '../../wire/address.js';
import { nextSequence } from './sequence.js';
import {
  sendMobilityHeader,
  type AuthenticatedMobilityHeaderInput,
  type SendMobilityHeader,
  type Tick,
} from '../core/index.js';

export interface MobileNodeConfig {
  homeAddress: string;
  homePrefix: string;
  homePrefixLength: number;
  homeAgent: string;
  /** RFC 4283 NAI and the RFC 4285 MN-HA association shared with the home agent. */
  nai: string;
  spi: number;
  key: Buffer;
  /** Interface identifier for SLAAC care-of addresses, as an address whose low bits are used (e.g. "::200:ff:fe00:10"). */
  interfaceId: string;
  /** Wall clock (Unix ms) = now + epochOffsetMs; used only for RFC 4285 timestamps. */
  epochOffsetMs: number;
  /** Lifetime asked for in BUs, seconds (rounded down to 4 s units). Default 600. */
  lifetimeS?: number;
  /** Configure care-of addresses as optimistic (RFC 4429) so the BU need not wait for DAD. Default false. */
  optimisticDad?: boolean;
  /** Refresh at this fraction of the granted lifetime when the BA has no Binding Refresh Advice. Default 0.8. */
  refreshFraction?: number;
  /** First Sequence Number sent is this + 1. Default 0 (the agent may pass a random value). */
  initialSequence?: number;
  /** InitialBindackTimeoutFirstReg (RFC 6275 §13). Default 1.5 s. */
  initialBindackTimeoutFirstRegMs?: number;
}

export type { PrefixInformation } from './movement-detection.js';

export type MobileNodeInput =
  /** Once at start: puts the home address on the TUN device. */
  | { kind: 'start' }
  /** Carrier on / off on the radio (the kernel's IFF_LOWER_UP, or the lab's attach / detach). */
  | { kind: 'link-up'; iface: string }
  | { kind: 'link-down'; iface: string }
  | { kind: 'router-advertisement'; iface: string; router: string; prefixes: PrefixInformation[] }
  /** A `configure-address` finished: DAD passed, or at once for an optimistic address. */
  | { kind: 'address-configured'; iface: string; address: string }
  /** A Mobility Header for us, decoded by the wire layer; `bytes` as received, for RFC 4285. */
  | AuthenticatedMobilityHeaderInput
  /** Layer-2 triggers from the control channel (link going down, new AP); passed through as events. */
  | { kind: 'l2-trigger'; trigger: string; detail?: Record<string, unknown> }
  | Tick;

export type MobileNodeAction =
  /** Put the home address on the TUN device (once): unmodified applications bind to it. */
  | { kind: 'home-address-on-tun'; homeAddress: string }
  /** Router Solicitation, care-of address added or removed, `at-home`, movement events (movement-detection.ts). */
  | Exclude<MovementDetectionAction, { kind: 'event' }>
  /** Send a Mobility Header from `src` to `dst`, with a Home Address option holding `homeAddressOption` when set. */
  | SendMobilityHeader
  /** Packets from the TUN device go IPv6-in-IPv6 from `careOfAddress` to `homeAgent` on `iface` (§11.3.1);
   * packets tunnelled from the home agent to the care-of address are delivered to the TUN device. */
  | { kind: 'reverse-tunnel'; careOfAddress: string; homeAgent: string; iface: string }
  /** Stop tunnelling: hold or drop TUN packets until a `reverse-tunnel` or `at-home` comes. */
  | { kind: 'reverse-tunnel-off' }
  /** Unsolicited Neighbor Advertisement for the home address on the home link, after deregistration (§11.5.4). */
  | { kind: 'advertise-home-address'; iface: string; homeAddress: string }
  | { kind: 'event'; event: MobileNodeEvent };

export type MobileNodeEvent =
  | MovementEvent
  | {
      name: 'bu-sent';
      at: number;
      sequenceNumber: number;
      careOfAddress: string;
      lifetimeS: number;
      transmission: number;
    }
  | { name: 'ba-received'; at: number; sequenceNumber: number; status: number; lifetimeS: number }
  | { name: 'registered'; at: number; careOfAddress: string; lifetimeS: number }
  | { name: 'deregistered'; at: number }
  | { name: 'registration-refused'; at: number; status: number }
  | { name: 'binding-expired'; at: number }
  | { name: 'l2-trigger'; at: number; trigger: string; detail?: Record<string, unknown> }
  | { name: 'dropped'; at: number; reason: MobileNodeCounter };

export const MOBILE_NODE_COUNTERS = [
  'bu-sent',
  'bu-retransmitted',
  /** A BU held back by MAX_UPDATE_RATE (§11.8) and sent when the window allowed it. */
  'bu-deferred',
  /** A BRR / Binding Error asked for a registration that waits for the triggered-update budget. */
  'refresh-deferred',
  /** A BRR / Binding Error while a registration is already outstanding or waiting: nothing more to send. */
  'refresh-coalesced',
  'ba-accepted',
  'ba-refused',
  'ba-auth-failed',
  'ba-unexpected',
  'be-received',
  'brr-received',
  'movements',
  'binding-expired',
  'mh-unexpected',
] as const;
export type MobileNodeCounter = (typeof MOBILE_NODE_COUNTERS)[number];

/** The home agent's entry of the Binding Update List (RFC 6275 §11.1), once acknowledged. */
interface HomeBinding {
  careOfAddress: string;
  lifetimeS: number;
  expiresAt: number;
  refreshAt: number;
}

/** A BU waiting for its BA, with every retransmission (each has its own sequence number and timestamp). */
interface Outstanding {
  deregister: boolean;
  careOfAddress: string;
  lifetimeUnits: number;
  sent: Map<number, { at: number; timestamp: bigint }>;
  transmissions: number;
  timeoutMs: number;
  retransmitAt: number | null;
  /** One immediate resend after status 135 or 144 per attempt (RFC 6275 §11.8 rate limits BUs). */
  resynced: boolean;
  /** The due transmission was held back by MAX_UPDATE_RATE: `retransmitAt` is when it may go, not a timeout. */
  deferred: boolean;
}

/** Transmissions of one attempt a BA may still answer (the last 16 cover 8+ minutes of back-off). */
const SENT_REMEMBERED = 16;

export class MobileNode {
  readonly #cfg: Required<MobileNodeConfig>;
  readonly #sa: MnHaSecurityAssociation;
  readonly #movement: MovementDetection;
  #sequence: number;
  #binding: HomeBinding | null = null;
  #outstanding: Outstanding | null = null;
  #tunnel: string | null = null;
  /** Added to our wall clock after the HA reported its time with status 144 (RFC 4285 §6). */
  #clockCorrectionMs = 0;
  /** §11.8 MAX_UPDATE_RATE towards the home agent, the only destination of our BUs (no route optimisation). */
  readonly #rate = new UpdateRate(MAX_UPDATE_RATE);
  /** Registrations a BRR or Binding Error asks for: neither is authenticated, so they get a smaller
   * share of MAX_UPDATE_RATE and the rest stays free for the BUs a move needs. */
  readonly #triggerRate = new UpdateRate(TRIGGERED_UPDATE_RATE);
  /** A BRR / Binding Error registration waiting for `#triggerRate` (one at most: later ones coalesce). */
  #refreshRequested = false;
  readonly #counters = Object.fromEntries(MOBILE_NODE_COUNTERS.map((c) => [c, 0])) as Record<MobileNodeCounter, number>;

  constructor(config: MobileNodeConfig) {
    this.#cfg = {
      lifetimeS: 600,
      optimisticDad: false,
      refreshFraction: 0.8,
      initialSequence: 0,
      initialBindackTimeoutFirstRegMs: INITIAL_BINDACK_TIMEOUT_FIRST_REG_MS,
      ...config,
      homeAddress: canonical(config.homeAddress),
      homeAgent: canonical(config.homeAgent),
    };
    this.#sa = { nai: config.nai, homeAddress: this.#cfg.homeAddress, spi: config.spi, key: config.key };
    this.#sequence = this.#cfg.initialSequence & 0xffff;
    const { homeAddress, homePrefix, homePrefixLength, interfaceId, optimisticDad } = this.#cfg;
    this.#movement = new MovementDetection({ homeAddress, homePrefix, homePrefixLength, interfaceId, optimisticDad });
  }

  get counters(): Readonly<Record<MobileNodeCounter, number>> {
    return this.#counters;
  }

  /** A snapshot for status reports and tests. */
  get state() {
    const md = this.#movement;
    return {
      location: md.location,
      linkUp: md.linkUp,
      careOfAddress: md.careOf?.ready ? md.careOf.address : null,
      registered: this.#binding ? { ...this.#binding } : null,
      outstanding: this.#outstanding
        ? {
            deregister: this.#outstanding.deregister,
            careOfAddress: this.#outstanding.careOfAddress,
            transmissions: this.#outstanding.transmissions,
          }
        : null,
      sequenceNumber: this.#sequence,
    };
  }

  nextDeadline(): number | null {
    const ds: number[] = [];
    if (this.#outstanding?.retransmitAt != null) ds.push(this.#outstanding.retransmitAt);
    if (this.#refreshRequested && !this.#outstanding) ds.push(this.#triggerRate.nextAllowed());
    if (this.#binding) {
      ds.push(this.#binding.expiresAt);
      if (!this.#outstanding) ds.push(this.#binding.refreshAt);
    }
    return ds.length ? Math.min(...ds) : null;
  }

  handle(now: number, input: MobileNodeInput): MobileNodeAction[] {
    switch (input.kind) {
      case 'start':
        return [{ kind: 'home-address-on-tun', homeAddress: this.#cfg.homeAddress }];
      case 'tick':
        return this.#onTick(now);
      case 'link-up':
        return this.#movement.onLinkUp(now, input.iface);
      case 'link-down':
        return this.#movement.onLinkDown(now, input.iface);
      case 'router-advertisement':
        return this.#onRouterAdvertisement(now, input);
      case 'address-configured':
        return this.#onAddressConfigured(now, input);
      case 'mh':
        return this.#onMobilityHeader(now, input);
      case 'l2-trigger':
        return [
          { kind: 'event', event: { name: 'l2-trigger', at: now, trigger: input.trigger, detail: input.detail } },
        ];
    }
  }

  #onRouterAdvertisement(now: number, ra: RouterAdvertisementInput): MobileNodeAction[] {
    const m = this.#movement.onRouterAdvertisement(now, ra);
    if (m.kind === 'none') return [];
    if (m.kind === 'same-link') {
      // Re-attached to the same router: the binding still holds; resume a BU the detach held back.
      return this.#movement.careOf?.ready && this.#outstanding && this.#outstanding.retransmitAt === null
        ? this.#transmit(now)
        : [];
    }
    const out: MobileNodeAction[] = [];
    // Leaving the old CoA's link, or home (where TUN packets went out natively): hold the uplink.
    if (this.#tunnel !== null || m.from === 'home') {
      out.push({ kind: 'reverse-tunnel-off' });
      this.#tunnel = null;
    }
    out.push(...m.actions);
    this.#counters.movements++;
    if (m.to === 'foreign') {
      // A BU for a CoA we are leaving (or a deregistration from a home we left) is pointless; the new
      // registration starts when the address is usable.
      this.#outstanding = null;
      return out;
    }
    // RFC 6275 §11.5.4: back on the home link, send a BU with lifetime 0 from the home address to the
    // home agent; after its BA, advertise the home address so the link stops using the HA's proxy.
    // A registration the HA may hold (acknowledged, or sent and perhaps accepted) must be removed.
    if (this.#binding || (this.#outstanding && !this.#outstanding.deregister)) {
      this.#outstanding = this.#newOutstanding(true, this.#cfg.homeAddress, 0, INITIAL_BINDACK_TIMEOUT_MS);
      out.push(...this.#transmit(now));
    } else {
      this.#outstanding = null;
    }
    return out;
  }

  #onAddressConfigured(now: number, a: { iface: string; address: string }): MobileNodeAction[] {
    const out: MobileNodeAction[] = this.#movement.onAddressConfigured(now, a);
    if (out.length && this.#movement.location === 'away') out.push(...this.#register(now));
    return out;
  }

  /** Starts a home registration of the current CoA (RFC 6275 §11.7.1). */
  #register(now: number): MobileNodeAction[] {
    const c = this.#movement.careOf;
    if (!c?.ready) return [];
    const units = Math.min(Math.floor(this.#cfg.lifetimeS / LIFETIME_UNIT_S), MAX_LIFETIME_UNITS);
    // RFC 6275 §11.8: InitialBindackTimeoutFirstReg when the HA holds no binding for us (it may run DAD).
    const first = this.#binding === null;
    this.#outstanding = this.#newOutstanding(
      false,
      c.address,
      units,
      first ? this.#cfg.initialBindackTimeoutFirstRegMs : INITIAL_BINDACK_TIMEOUT_MS,
    );
    return this.#transmit(now);
  }

  #newOutstanding(deregister: boolean, careOfAddress: string, lifetimeUnits: number, timeoutMs: number): Outstanding {
    this.#refreshRequested = false; // any new registration or deregistration answers a pending BRR / BE
    return {
      deregister,
      careOfAddress,
      lifetimeUnits,
      sent: new Map(),
      transmissions: 0,
      timeoutMs,
      retransmitAt: null,
      resynced: false,
      deferred: false,
    };
  }

  /**
   * Sends (or resends) the outstanding BU with a fresh Sequence Number and timestamp: each
   * transmission is a new message for the HA's sequence and replay checks (RFC 6275 §9.5.1, RFC 4285 §6).
   */
  #transmit(now: number): MobileNodeAction[] {
    const o = this.#outstanding;
    if (!o) return [];
    if (!this.#movement.linkUp) {
      o.retransmitAt = null; // nothing can leave; the next attachment resumes it
      return [];
    }
    if (!this.#rate.allows(now)) {
      // §11.8 MAX_UPDATE_RATE: hold this BU until the window allows it; the attempt keeps its back-off.
      o.deferred = true;
      o.retransmitAt = this.#rate.nextAllowed();
      this.#counters['bu-deferred']++;
      return [];
    }
    this.#rate.record(now);
    o.deferred = false;
    this.#sequence = nextSequence(this.#sequence);
    const seq = this.#sequence;
    const timestamp = ntpTimestampFromUnixMs(now + this.#cfg.epochOffsetMs + this.#clockCorrectionMs);
    const bu = bindingUpdate({
      sequenceNumber: seq,
      lifetime: o.lifetimeUnits,
      acknowledge: true, // A: §11.7.1 requires it for home registrations
      homeRegistration: true,
      options: [naiIdentifier(this.#cfg.nai), { type: 'MobilityMessageReplayProtection', timestamp }],
    });
    const hoa = this.#cfg.homeAddress;
    const fromHome = o.deregister && this.#movement.location === 'home';
    // The checksum's pseudo-header uses the home address as source either way (§6.1.7).
    const sealed = sealWithMnHa(bu, this.#sa, o.careOfAddress, hoa, { src: hoa, dst: this.#cfg.homeAgent });
    o.sent.set(seq, { at: now, timestamp });
    // An attempt retransmits every 32 s for as long as no BA comes: remember its latest transmissions only.
    if (o.sent.size > SENT_REMEMBERED) o.sent.delete(o.sent.keys().next().value!);
    if (o.transmissions > 0) this.#counters['bu-retransmitted']++;
    o.transmissions++;
    o.retransmitAt = now + o.timeoutMs;
    this.#counters['bu-sent']++;
    return [
      sendMobilityHeader(
        {
          src: fromHome ? hoa : o.careOfAddress,
          dst: this.#cfg.homeAgent,
          homeAddressOption: fromHome ? undefined : hoa,
        },
        sealed.message,
        sealed.bytes,
      ),
      {
        kind: 'event',
        event: {
          name: 'bu-sent',
          at: now,
          sequenceNumber: seq,
          careOfAddress: o.careOfAddress,
          lifetimeS: o.lifetimeUnits * LIFETIME_UNIT_S,
          transmission: o.transmissions,
        },
      },
    ];
  }

  #onTick(now: number): MobileNodeAction[] {
    const out: MobileNodeAction[] = [];
    const b = this.#binding;
    if (b && b.expiresAt <= now) {
      // §11.7.1: the binding is gone at the HA too; the tunnel no longer carries our traffic.
      this.#binding = null;
      this.#counters['binding-expired']++;
      out.push({ kind: 'event', event: { name: 'binding-expired', at: now } });
      if (this.#tunnel !== null) {
        out.push({ kind: 'reverse-tunnel-off' });
        this.#tunnel = null;
      }
      if (this.#movement.location === 'away' && !this.#outstanding) out.push(...this.#register(now));
    }
    const o = this.#outstanding;
    if (o && o.retransmitAt !== null && o.retransmitAt <= now) {
      // §11.8: exponential back-off, doubling up to MAX_BINDACK_TIMEOUT, then on at that rate. A
      // transmission the rate held back goes now with the timeout it was due with.
      if (o.transmissions > 0 && !o.deferred) o.timeoutMs = Math.min(o.timeoutMs * 2, MAX_BINDACK_TIMEOUT_MS);
      out.push(...this.#transmit(now));
    }
    if (this.#refreshRequested && !this.#outstanding && this.#triggerRate.allows(now)) {
      this.#refreshRequested = false;
      out.push(...this.#triggeredRegistration(now));
    }
    if (this.#binding && !this.#outstanding && this.#binding.refreshAt <= now) {
      // Refresh before expiry (§11.7.1), from the current CoA.
      const c = this.#movement.careOf;
      if (this.#movement.location === 'away' && c?.ready && c.address === this.#binding.careOfAddress) {
        this.#outstanding = this.#newOutstanding(
          false,
          c.address,
          Math.min(Math.floor(this.#cfg.lifetimeS / LIFETIME_UNIT_S), MAX_LIFETIME_UNITS),
          INITIAL_BINDACK_TIMEOUT_MS,
        );
        out.push(...this.#transmit(now));
      } else {
        this.#binding.refreshAt = this.#binding.expiresAt; // nothing to refresh from; wait for expiry or a move
      }
    }
    return out;
  }

  #onMobilityHeader(now: number, input: { src: string; message: MobilityMessage; bytes: Buffer }): MobileNodeAction[] {
    const m = input.message;
    const fromHa = canonical(input.src) === this.#cfg.homeAgent;
    if (m.type === 'BindingAcknowledgement' && fromHa) return this.#onBindingAcknowledgement(now, m, input.bytes);
    if (m.type === 'BindingError' && fromHa) {
      this.#counters['be-received']++;
      // §11.3.6: status 1 means the HA has no binding for our home address: register again.
      // The BE is not authenticated (§6.1.9): it triggers a registration but clears nothing, so a forged
      // one cannot remove the Binding Update List entry.
      if (
        m.status === BeStatus.UnknownBindingForHomeAddressOption &&
        canonical(m.homeAddress) === this.#cfg.homeAddress &&
        this.#movement.location === 'away'
      )
        return this.#requestRegistration(now);
      return [];
    }
    if (m.type === 'BindingRefreshRequest' && fromHa) {
      // §11.7.4: answer a Binding Refresh Request with a BU.
      this.#counters['brr-received']++;
      if (this.#binding && this.#movement.location === 'away') return this.#requestRegistration(now);
      return [];
    }
    return this.#drop(now, 'mh-unexpected');
  }

  // RFC 6275 §11.7.3: match the BA to the outstanding BU, check its authenticator (RFC 4285 §5), then act on the status.
  #onBindingAcknowledgement(now: number, ba: BindingAcknowledgement, bytes: Buffer): MobileNodeAction[] {
    const o = this.#outstanding;
    if (!o) return this.#drop(now, 'ba-unexpected');
    const echoed = securityOptions(ba.options).timestamp;
    let match = o.sent.get(ba.sequenceNumber);
    // Status 135 carries the HA's last accepted number, not ours: match it by the echoed timestamp.
    if (!match && echoed !== undefined) for (const s of o.sent.values()) if (s.timestamp === echoed) match = s;
    if (!match) return this.#drop(now, 'ba-unexpected');
    if (!verifyMnHa(this.#sa, o.careOfAddress, this.#cfg.homeAddress, bytes).ok)
      return this.#drop(now, 'ba-auth-failed');

    const granted = ba.lifetime * LIFETIME_UNIT_S;
    const out: MobileNodeAction[] = [
      {
        kind: 'event',
        event: {
          name: 'ba-received',
          at: now,
          sequenceNumber: ba.sequenceNumber,
          status: ba.status,
          lifetimeS: granted,
        },
      },
    ];
    if (o.deregister) {
      // §11.5.4; a 133 means the HA had no binding: the outcome is the same.
      if (ba.status < 128 || ba.status === BaStatus.NotHomeAgentForThisMobileNode) {
        this.#outstanding = null;
        this.#binding = null;
        this.#counters['ba-accepted']++;
        out.push({ kind: 'event', event: { name: 'deregistered', at: now } });
        const iface = this.#movement.iface;
        if (iface !== null && this.#movement.location === 'home')
          out.push({ kind: 'advertise-home-address', iface, homeAddress: this.#cfg.homeAddress });
        return out;
      }
    } else if (ba.status < 128 && granted > 0) {
      // §11.7.3: the lifetime runs from when the BU was sent.
      const bra = ba.options.find((x) => x.type === 'BindingRefreshAdvice');
      const refreshS = bra
        ? Math.min(bra.refreshInterval * LIFETIME_UNIT_S, granted)
        : granted * this.#cfg.refreshFraction;
      this.#binding = {
        careOfAddress: o.careOfAddress,
        lifetimeS: granted,
        expiresAt: match.at + granted * 1000,
        refreshAt: match.at + refreshS * 1000,
      };
      this.#outstanding = null;
      this.#counters['ba-accepted']++;
      out.push({
        kind: 'event',
        event: { name: 'registered', at: now, careOfAddress: o.careOfAddress, lifetimeS: granted },
      });
      const c = this.#movement.careOf;
      if (this.#tunnel !== o.careOfAddress && c && c.address === o.careOfAddress) {
        this.#tunnel = o.careOfAddress;
        out.push({
          kind: 'reverse-tunnel',
          careOfAddress: o.careOfAddress,
          homeAgent: this.#cfg.homeAgent,
          iface: c.iface,
        });
      }
      return out;
    }
    this.#counters['ba-refused']++;
    if (ba.status === BaStatus.SequenceNumberOutOfWindow && !o.resynced) {
      // §11.7.3: continue from the HA's last accepted Sequence Number.
      o.resynced = true;
      this.#sequence = ba.sequenceNumber;
      return [...out, ...this.#transmit(now)];
    }
    if (ba.status === BaStatus.MipV6IdMismatch && echoed !== undefined && !o.resynced) {
      // RFC 4285 §6: the HA put its own time in the BA; stamp the next BU on its clock.
      o.resynced = true;
      this.#clockCorrectionMs = unixMsFromNtpTimestamp(echoed) - (now + this.#cfg.epochOffsetMs);
      return [...out, ...this.#transmit(now)];
    }
    if (ba.status === BaStatus.SequenceNumberOutOfWindow || ba.status === BaStatus.MipV6IdMismatch) return out; // the timer retries
    this.#outstanding = null;
    out.push({ kind: 'event', event: { name: 'registration-refused', at: now, status: ba.status } });
    return out;
  }

  /**
   * A registration asked for by a BRR or a Binding Error (§11.7.4, §11.3.6). Neither message is
   * authenticated and anyone can forge the HA's source address, so these are paced at
   * TRIGGERED_UPDATE_RATE: a flood of them costs at most that many BUs per second and leaves the rest of
   * MAX_UPDATE_RATE to the BUs a move needs, which therefore go at once. One request waits (deferred, not
   * dropped: a genuine BE means the HA lost our binding); more while one waits or is outstanding coalesce.
   */
  #requestRegistration(now: number): MobileNodeAction[] {
    if (this.#outstanding || this.#refreshRequested) {
      this.#counters['refresh-coalesced']++;
      return [];
    }
    if (!this.#triggerRate.allows(now)) {
      this.#refreshRequested = true;
      this.#counters['refresh-deferred']++;
      return [];
    }
    return this.#triggeredRegistration(now);
  }

  #triggeredRegistration(now: number): MobileNodeAction[] {
    if (this.#movement.location !== 'away') return [];
    const out = this.#register(now);
    if (this.#outstanding) this.#triggerRate.record(now);
    return out;
  }

  #drop(now: number, reason: MobileNodeCounter): MobileNodeAction[] {
    this.#counters[reason]++;
    return [{ kind: 'event', event: { name: 'dropped', at: now, reason } }];
  }
}
