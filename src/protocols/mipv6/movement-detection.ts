// Movement detection of the Mobile IPv6 mobile node (RFC 6275 §11.5): carrier events and Router
// Advertisements tell it which link it is on; a foreign /64 prefix is a move and gives a care-of address
// by SLAAC (RFC 4862 §5.5.3, optimistic per RFC 4429 when configured); the home prefix means it is back
// home (§11.5.4). It says what changed; registration with the home agent (§11.7) is mobile-node.ts's.
// Pure: the caller passes `now`.

import { canonical, inPrefix, slaacAddress } from '../../wire/address.js';

export interface MovementDetectionConfig {
  homeAddress: string;
  homePrefix: string;
  homePrefixLength: number;
  /** Interface identifier for SLAAC care-of addresses, as an address whose low bits are used. */
  interfaceId: string;
  optimisticDad: boolean;
}

export interface PrefixInformation {
  prefix: string;
  prefixLength: number;
  /** A flag (RFC 4861 §4.6.2): usable for SLAAC. Default true. */
  autonomous?: boolean;
}

export interface RouterAdvertisementInput {
  iface: string;
  router: string;
  prefixes: PrefixInformation[];
}

export type Location = 'unknown' | 'home' | 'away';

/** The care-of address on the current foreign link; `ready` once `address-configured` came (DAD passed, or optimistic). */
export interface CareOfAddress {
  iface: string;
  address: string;
  prefix: string;
  prefixLength: number;
  ready: boolean;
}

export type MovementEvent =
  | { name: 'link-up' | 'link-down'; at: number; iface: string }
  | { name: 'movement-detected'; at: number; to: 'home' | 'foreign'; prefix: string; router: string }
  | { name: 'care-of-address-ready'; at: number; careOfAddress: string };

export type MovementDetectionAction =
  /** Send a Router Solicitation on `iface` (RFC 4861 §6.3.7) to learn the new link quickly. */
  | { kind: 'send-router-solicitation'; iface: string }
  /** Add a SLAAC address; answer with `address-configured` when it may be used. */
  | { kind: 'configure-address'; iface: string; address: string; prefixLength: number; optimistic: boolean }
  | { kind: 'remove-address'; iface: string; address: string }
  /** At home: packets from the TUN device go out natively on `iface` (§11.5.4). */
  | { kind: 'at-home'; iface: string; homeAddress: string }
  | { kind: 'event'; event: MovementEvent };

/** What a Router Advertisement meant. */
export type Movement =
  /** Nothing new: no usable prefix, or still at home. */
  | { kind: 'none' }
  /** The foreign link we were on (re-attached to the same router): the binding still holds. */
  | { kind: 'same-link' }
  /** A new link. `from` is where we were; `actions` remove the old care-of address and take the new link. */
  | { kind: 'moved'; to: 'home' | 'foreign'; from: Location; actions: MovementDetectionAction[] };

const SLAAC_PREFIX_LENGTH = 64;

export class MovementDetection {
  readonly #cfg: MovementDetectionConfig;
  #iface: string | null = null;
  #linkUp = false;
  #location: Location = 'unknown';
  #careOf: CareOfAddress | null = null;

  constructor(config: MovementDetectionConfig) {
    this.#cfg = { ...config, homeAddress: canonical(config.homeAddress) };
  }

  get iface(): string | null {
    return this.#iface;
  }

  get linkUp(): boolean {
    return this.#linkUp;
  }

  get location(): Location {
    return this.#location;
  }

  get careOf(): Readonly<CareOfAddress> | null {
    return this.#careOf;
  }

  // RFC 6275 §11.5.1: a new attachment may mean a new link; solicit an RA rather than wait for one.
  onLinkUp(now: number, iface: string): MovementDetectionAction[] {
    this.#iface = iface;
    this.#linkUp = true;
    return [
      { kind: 'event', event: { name: 'link-up', at: now, iface } },
      { kind: 'send-router-solicitation', iface },
    ];
  }

  onLinkDown(now: number, iface: string): MovementDetectionAction[] {
    if (iface === this.#iface) this.#linkUp = false;
    return [{ kind: 'event', event: { name: 'link-down', at: now, iface } }];
  }

  // RFC 6275 §11.5.1: movement is detected when the RAs show a different set of on-link prefixes;
  // the home prefix means we are back home (§11.5.4).
  onRouterAdvertisement(now: number, ra: RouterAdvertisementInput): Movement {
    this.#iface = ra.iface;
    this.#linkUp = true;
    const { homePrefix, homePrefixLength } = this.#cfg;
    const home = ra.prefixes.find(
      (p) => p.prefixLength === homePrefixLength && inPrefix(p.prefix, homePrefix, homePrefixLength),
    );
    if (home) {
      if (this.#location === 'home') return { kind: 'none' };
      const from = this.#location;
      const actions = this.#leaveCareOfAddress();
      this.#location = 'home';
      actions.push(
        {
          kind: 'event',
          event: { name: 'movement-detected', at: now, to: 'home', prefix: canonical(homePrefix), router: ra.router },
        },
        { kind: 'at-home', iface: ra.iface, homeAddress: this.#cfg.homeAddress },
      );
      return { kind: 'moved', to: 'home', from, actions };
    }
    const p = ra.prefixes.find((x) => x.autonomous !== false && x.prefixLength === SLAAC_PREFIX_LENGTH);
    if (!p) return { kind: 'none' };
    const prefix = canonical(p.prefix);
    const c = this.#careOf;
    if (this.#location === 'away' && c && c.prefix === prefix && c.iface === ra.iface) return { kind: 'same-link' };
    const from = this.#location;
    const actions = this.#leaveCareOfAddress();
    this.#location = 'away';
    // RFC 4862 §5.5.3: prefix | interface identifier.
    const address = slaacAddress(prefix, SLAAC_PREFIX_LENGTH, this.#cfg.interfaceId);
    this.#careOf = { iface: ra.iface, address, prefix, prefixLength: SLAAC_PREFIX_LENGTH, ready: false };
    actions.push(
      { kind: 'event', event: { name: 'movement-detected', at: now, to: 'foreign', prefix, router: ra.router } },
      {
        kind: 'configure-address',
        iface: ra.iface,
        address,
        prefixLength: SLAAC_PREFIX_LENGTH,
        optimistic: this.#cfg.optimisticDad,
      },
    );
    return { kind: 'moved', to: 'foreign', from, actions };
  }

  /** The care-of address became usable: the event, or nothing when it is not the one we asked for. */
  onAddressConfigured(now: number, a: { iface: string; address: string }): MovementDetectionAction[] {
    const c = this.#careOf;
    if (!c || c.ready || c.iface !== a.iface || c.address !== canonical(a.address)) return [];
    c.ready = true;
    return [{ kind: 'event', event: { name: 'care-of-address-ready', at: now, careOfAddress: c.address } }];
  }

  #leaveCareOfAddress(): MovementDetectionAction[] {
    const c = this.#careOf;
    this.#careOf = null;
    return c ? [{ kind: 'remove-address', iface: c.iface, address: c.address }] : [];
  }
}
