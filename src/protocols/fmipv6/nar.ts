// The New Access Router of Mobile IPv6 Fast Handovers (RFC 5568). On an HI (§6.2.1) it checks the
// proposed NCoA (on its prefix, not in use on the link) or assigns one (S flag, or per config when the
// proposal is unusable), opens a bounded buffer for the NCoA when the U flag asks, and answers with a
// HAck (§6.2.2). When the MN announces itself — a UNA (§6.4, §3.1 step 7) or its FBU passing through
// from the new link (reactive, §3.2) — the buffered packets are delivered in order.
//
// Point-to-point variant (the MIPSHOP draft draft-xia-mipshop-fmip-ptp, never an RFC): each
// MN gets its own prefix, reserved during HI/HAck and carried in the HAck (MH IPv6 Address/Prefix
// option code 4); on arrival the NAR asks the agent to advertise it on the MN's link.
//
// Pure machine: after every `handle`, re-read `nextDeadline()` and tick by then (src/agent/loop.ts).

import type { HandoverAcknowledge, HandoverInitiate } from '../../wire/mh/fmipv6.js';
import type { NeighborAdvertisement } from '../../wire/icmpv6/neighbor-discovery.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import {
  addressFromPrefix,
  bytesToMac,
  canonical,
  eui64Address,
  inPrefix,
  nthPrefix,
  prefixOf,
} from '../../wire/address.js';
import { AddressOptionCode, HandoverInitiateCode } from './constants.js';
import { BoundedSet, DEFAULT_NAR_LIMITS, HiRateLimiter, type NarLimits } from './nar-limits.js';
import { findMhAddress, findMhLinkLayerAddress, findMobileNodeLla, mhAddress } from './options.js';
import {
  sendMobilityHeader,
  type Icmpv6Input,
  type MobilityHeaderInput,
  type SendIcmpv6,
  type SendMobilityHeader,
  type Tick,
} from '../core/index.js';

export interface NarConfig {
  /** The NAR's address: HI comes to it, HAck leaves from it. */
  address: string;
  /** The prefix of the NAR's access link (unused by the point-to-point variant). */
  prefix: string;
  prefixLength: number;
  /** A proposed NCoA that is off-prefix or in use: 'assign' one (HAck code 1 + NCoA) or 'refuse' (HAck 128). Default 'assign'. */
  invalidNcoa?: 'assign' | 'refuse';
  /** Bounds of each NCoA's buffer; what does not fit is dropped and counted. Default 1000 packets, 1.5 MB. */
  buffer?: { maxPackets: number; maxBytes: number };
  /** How long a handover record (and its buffer) waits for the MN; also how long it is kept after. Default 10 s. */
  recordLifetimeMs?: number;
  /** False: every HI is answered "administratively prohibited" (HAck 129). Default true. */
  acceptHandovers?: boolean;
  /** Per-MN prefixes of `prefixLength` bits out of `pool`/`poolLength` (point-to-point links). */
  pointToPoint?: { pool: string; poolLength: number; prefixLength: number };
  /** Bounds on what HIs and the access link can make the NAR keep (nar-limits.ts). */
  limits?: Partial<NarLimits>;
}

export type NarInput =
  | MobilityHeaderInput
  | Icmpv6Input
  /** A packet for an NCoA the NAR announced with buffer-start (incl. the PAR's tunnel, outer dst = NCoA). */
  | { kind: 'packet'; dst: string; packet: Buffer }
  /**
   * The agent's neighbour cache: `address` is (or no longer is) used by a node on the access link,
   * whose link-layer address is `linkLayerAddress` when known.
   */
  | { kind: 'neighbour'; address: string; present: boolean; linkLayerAddress?: string }
  | Tick;

export type NarAction =
  | SendMobilityHeader
  | SendIcmpv6
  /** Divert packets for `ncoa` into the machine (`packet` inputs) and answer ND for it meanwhile. */
  | { kind: 'buffer-start'; ncoa: string; pcoa: string }
  /** Route packets for `ncoa` normally again. */
  | { kind: 'buffer-stop'; ncoa: string }
  /** Send these packets, in this order, to the MN at `ncoa` on the access link. */
  | { kind: 'deliver'; ncoa: string; packets: Buffer[] }
  /** Point-to-point: send a Router Advertisement with this prefix on the link of the MN at `ncoa`. */
  | { kind: 'advertise-prefix'; ncoa: string; linkLayerAddress: string | null; prefix: string; prefixLength: number }
  | { kind: 'event'; event: NarEvent };

export type NarEvent =
  | { name: 'handover-accepted'; at: number; pcoa: string; ncoa: string; code: number; buffering: boolean }
  | { name: 'handover-refused'; at: number; pcoa: string | null; code: number }
  | { name: 'mn-arrived'; at: number; ncoa: string; by: 'una' | 'fbu' | 'hi-code-1'; delivered: number }
  | { name: 'buffer-overflow'; at: number; ncoa: string; bytes: number }
  | { name: 'record-expired'; at: number; ncoa: string; dropped: number };

export const NAR_COUNTERS = [
  'hi-received',
  'hi-duplicate',
  'hi-malformed',
  'hi-rate-limited',
  'hi-no-resources',
  'hi-reactive-not-attached',
  'hack-sent',
  'hack-refused',
  'ncoa-accepted',
  'ncoa-assigned',
  'buffers-created',
  'packets-buffered',
  'buffer-overflow',
  'buffer-overflow-bytes',
  'buffer-total-overflow',
  'neighbours-full',
  'announced-forgotten',
  'packets-delivered',
  'buffer-expired',
  'una-received',
  'una-mismatch',
  'arrivals',
  'prefixes-reserved',
  'packet-unexpected',
  'mh-unexpected',
  'icmp-unexpected',
] as const;
export type NarCounter = (typeof NAR_COUNTERS)[number];

interface HandoverRecord {
  ncoa: string;
  pcoa: string;
  par: string;
  mnLla: Buffer | undefined;
  hiSequence: number;
  hack: HandoverAcknowledge;
  buffering: boolean;
  buffer: Buffer[];
  bufferedBytes: number;
  arrived: boolean;
  expiresAt: number;
  p2p?: { prefix: string; prefixLength: number; key: string };
}

const ACCEPTED_NCOA_VALID = 0;
const ACCEPTED_NCOA_NOT_VALID = 1;
const ACCEPTED_NCOA_ASSIGNED = 2;
const NOT_ACCEPTED = 128;
const ADMINISTRATIVELY_PROHIBITED = 129;
const INSUFFICIENT_RESOURCES = 130;

export class NewAccessRouter {
  readonly #cfg: Required<Omit<NarConfig, 'pointToPoint' | 'limits'>> & Pick<NarConfig, 'pointToPoint'>;
  readonly #limits: NarLimits;
  readonly #records = new Map<string, HandoverRecord>();
  /** Addresses of nodes on the access link (neighbour cache, and MNs that arrived by handover). */
  readonly #inUse: BoundedSet;
  /** NCoAs announced by a UNA with no record yet: a reactive MN on our link (RFC 5568 §3.2). */
  readonly #announced: BoundedSet;
  readonly #hiRate: HiRateLimiter;
  /** Packets and bytes in all buffers together. */
  #totalPackets = 0;
  #totalBytes = 0;
  /** Point-to-point prefixes held by MNs (key: MN link-layer address or PCoA) -> index in the pool. */
  readonly #p2p = new Map<string, number>();
  #nextAssigned = 0x1000;
  readonly #counters = Object.fromEntries(NAR_COUNTERS.map((c) => [c, 0])) as Record<NarCounter, number>;

  constructor(config: NarConfig) {
    const { limits, ...rest } = config;
    this.#cfg = {
      invalidNcoa: 'assign',
      buffer: { maxPackets: 1000, maxBytes: 1_500_000 },
      recordLifetimeMs: 10_000,
      acceptHandovers: true,
      ...rest,
      address: canonical(config.address),
      prefix: prefixOf(config.prefix, config.prefixLength),
    };
    this.#limits = { ...DEFAULT_NAR_LIMITS, ...limits };
    this.#inUse = new BoundedSet(this.#limits.maxNeighbours);
    this.#announced = new BoundedSet(this.#limits.maxNeighbours);
    this.#hiRate = new HiRateLimiter(this.#limits.hiPerSecond, this.#limits.hiBurst, this.#limits.maxNeighbourRouters);
  }

  /** What all buffers hold together (bounded by `limits.totalBuffer`). */
  get buffered(): { packets: number; bytes: number } {
    return { packets: this.#totalPackets, bytes: this.#totalBytes };
  }

  get counters(): Readonly<Record<NarCounter, number>> {
    return this.#counters;
  }

  get records(): {
    ncoa: string;
    pcoa: string;
    buffered: number;
    bufferedBytes: number;
    arrived: boolean;
    prefix: string | null;
  }[] {
    return [...this.#records.values()].map((r) => ({
      ncoa: r.ncoa,
      pcoa: r.pcoa,
      buffered: r.buffer.length,
      bufferedBytes: r.bufferedBytes,
      arrived: r.arrived,
      prefix: r.p2p?.prefix ?? null,
    }));
  }

  nextDeadline(): number | null {
    let d: number | null = null;
    for (const r of this.#records.values()) if (d === null || r.expiresAt < d) d = r.expiresAt;
    return d;
  }

  handle(now: number, input: NarInput): NarAction[] {
    switch (input.kind) {
      case 'tick':
        return this.#onTick(now);
      case 'neighbour':
        if (!input.present) this.#inUse.delete(canonical(input.address));
        else if (!this.#inUse.add(canonical(input.address), false, input.linkLayerAddress?.toLowerCase()))
          this.#counters['neighbours-full']++;
        return [];
      case 'packet':
        return this.#onPacket(now, canonical(input.dst), input.packet);
      case 'mh':
        if (input.message.type === 'HandoverInitiate') return this.#onHi(now, input, input.message);
        if (input.message.type === 'FastBindingUpdate') {
          // A reactive FBU passing through from the new link (RFC 5568 §3.2): the MN is here.
          const r = this.#records.get(canonical(input.src));
          return r && !r.arrived ? this.#arrive(now, r, 'fbu') : [];
        }
        this.#counters['mh-unexpected']++;
        return [];
      case 'icmp':
        if (input.message.type === 'NeighborAdvertisement') return this.#onUna(now, input.message);
        this.#counters['icmp-unexpected']++;
        return [];
    }
  }

  #onHi(now: number, input: MobilityHeaderInput, hi: HandoverInitiate): NarAction[] {
    this.#counters['hi-received']++;
    const par = canonical(input.src);
    const pcoa = findMhAddress(hi.options, AddressOptionCode.OldCareOfAddress)?.address ?? null;
    const dup = [...this.#records.values()].find(
      (r) => r.par === par && r.hiSequence === hi.sequenceNumber && r.pcoa === pcoa,
    );
    if (dup) {
      // The PAR retransmitted (our HAck was lost or late): the same answer again, nothing new reserved.
      this.#counters['hi-duplicate']++;
      return this.#sendHack(par, dup.hack);
    }
    // Each neighbour PAR gets a bounded rate of new HIs; beyond it nothing is answered (no amplification).
    if (!this.#hiRate.take(now, par)) {
      this.#counters['hi-rate-limited']++;
      return [];
    }
    if (!this.#cfg.acceptHandovers) return this.#refuse(now, par, hi, pcoa, ADMINISTRATIVELY_PROHIBITED);
    // RFC 5568 §6.2.1: the PCoA option is mandatory.
    if (pcoa === null) {
      this.#counters['hi-malformed']++;
      return this.#refuse(now, par, hi, null, NOT_ACCEPTED);
    }
    const reactive = hi.code === HandoverInitiateCode.FbuNotFromPreviousCareOfAddress;
    const mnLla = findMhLinkLayerAddress(hi.options);
    const proposed = findMhAddress(hi.options, AddressOptionCode.NewCareOfAddress)?.address ?? null;
    // RFC 5568 §3.2: a reactive FBU comes from an MN already on our link, whose UNA we heard (or
    // which the neighbour cache holds); an NCoA nobody here uses means the FBU did not come through us.
    if (reactive && !(proposed && (this.#announced.has(canonical(proposed)) || this.#inUse.has(canonical(proposed))))) {
      this.#counters['hi-reactive-not-attached']++;
      return this.#refuse(now, par, hi, pcoa, NOT_ACCEPTED);
    }
    const out: NarAction[] = [];
    // A new HI for the same PCoA replaces the record, not the packets buffered for the MN (RFC 5568
    // §6.2.1): e.g. HI code 1 after the MN's reactive FBU overtook a predictive HI (whose UNA we
    // never matched). Packets for the same NCoA carry over, in order, to the new record.
    const carried: Buffer[] = [];
    for (const old of [...this.#records.values()]) {
      if (old.pcoa !== pcoa) continue;
      if (!old.arrived && proposed !== null && old.ncoa === canonical(proposed)) carried.push(...old.buffer.splice(0));
      out.push(...this.#drop(now, old));
    }
    if (this.#records.size >= this.#limits.maxRecords) {
      this.#counters['hi-no-resources']++;
      return [...out, ...this.#refuse(now, par, hi, pcoa, INSUFFICIENT_RESOURCES)];
    }
    const choice = this.#chooseNcoa(hi, pcoa, proposed, mnLla);
    if (!choice) return [...out, ...this.#refuse(now, par, hi, pcoa, NOT_ACCEPTED)];
    const options: MobilityOption[] = [];
    if (choice.code !== ACCEPTED_NCOA_VALID) options.push(mhAddress(AddressOptionCode.NewCareOfAddress, choice.ncoa));
    if (choice.p2p)
      options.push(mhAddress(AddressOptionCode.NewAccessRouterPrefix, choice.p2p.prefix, choice.p2p.prefixLength));
    const hack: HandoverAcknowledge = {
      type: 'HandoverAcknowledge',
      sequenceNumber: hi.sequenceNumber,
      flags: 0,
      code: choice.code,
      options,
    };
    // U asks for a buffer (RFC 5568 §6.2.1); with Code 1 the MN already sent its FBU from our link.
    const buffering = hi.buffer && !reactive;
    const r: HandoverRecord = {
      ncoa: choice.ncoa,
      pcoa,
      par,
      mnLla,
      hiSequence: hi.sequenceNumber,
      hack,
      buffering,
      buffer: [],
      bufferedBytes: 0,
      arrived: false,
      expiresAt: now + this.#cfg.recordLifetimeMs,
      ...(choice.p2p ? { p2p: choice.p2p } : {}),
    };
    if (r.ncoa === canonical(proposed ?? '::')) {
      r.buffer = carried;
      r.bufferedBytes = carried.reduce((n, p) => n + p.length, 0);
    } else this.#counters['buffer-expired'] += carried.length;
    this.#records.set(r.ncoa, r);
    this.#counters[choice.code === ACCEPTED_NCOA_VALID ? 'ncoa-accepted' : 'ncoa-assigned']++;
    if (buffering) {
      this.#counters['buffers-created']++;
      out.push({ kind: 'buffer-start', ncoa: r.ncoa, pcoa });
    }
    out.push(...this.#sendHack(par, hack));
    out.push({
      kind: 'event',
      event: { name: 'handover-accepted', at: now, pcoa, ncoa: r.ncoa, code: choice.code, buffering },
    });
    if (reactive) out.push(...this.#arrive(now, r, 'hi-code-1'));
    return out;
  }

  /** RFC 5568 §6.2.2: keep a valid proposal (code 0), else assign (code 2 when asked by S, 1 when the proposal was bad). */
  #chooseNcoa(
    _hi: HandoverInitiate,
    pcoa: string,
    proposed: string | null,
    mnLla: Buffer | undefined,
  ): { ncoa: string; code: number; p2p?: { prefix: string; prefixLength: number; key: string } } | null {
    const p2pCfg = this.#cfg.pointToPoint;
    if (p2pCfg) {
      const key = mnLla ? bytesToMac(mnLla) : pcoa;
      let n = this.#p2p.get(key);
      if (n === undefined) {
        const taken = new Set(this.#p2p.values());
        for (n = 0; taken.has(n); n++);
        this.#p2p.set(key, n);
        this.#counters['prefixes-reserved']++;
      }
      const prefix = nthPrefix(p2pCfg.pool, p2pCfg.poolLength, p2pCfg.prefixLength, n);
      const p2p = { prefix, prefixLength: p2pCfg.prefixLength, key };
      if (proposed && inPrefix(proposed, prefix, p2pCfg.prefixLength) && this.#usable(proposed, mnLla))
        return { ncoa: proposed, code: ACCEPTED_NCOA_VALID, p2p };
      const ncoa =
        mnLla && mnLla.length === 6
          ? eui64Address(prefix, mnLla)
          : addressFromPrefix(prefix, Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
      return { ncoa, code: ACCEPTED_NCOA_ASSIGNED, p2p };
    }
    if (proposed && inPrefix(proposed, this.#cfg.prefix, this.#cfg.prefixLength) && this.#usable(proposed, mnLla))
      return { ncoa: proposed, code: ACCEPTED_NCOA_VALID };
    if (proposed && this.#cfg.invalidNcoa === 'refuse') return null;
    const ncoa = this.#assign(mnLla);
    return { ncoa, code: proposed ? ACCEPTED_NCOA_NOT_VALID : ACCEPTED_NCOA_ASSIGNED };
  }

  /**
   * Never an address another node on the link holds, however long it has been there (RFC 5568
   * §6.2.2). The MN's own address is usable: a node coming back to a link it left still has a
   * neighbour entry here, under its own link-layer address (`mnLla`, the HI's option).
   */
  #usable(address: string, mnLla?: Buffer): boolean {
    if (this.#records.has(address)) return false;
    if (!this.#inUse.has(address)) return true;
    const holder = this.#inUse.holder(address);
    return mnLla !== undefined && mnLla.length === 6 && holder !== undefined && holder === bytesToMac(mnLla);
  }

  /** An unused address on the NAR's prefix: the MN's EUI-64 one when free, else prefix::1000, ::1001 ... */
  #assign(mnLla: Buffer | undefined): string {
    if (mnLla && mnLla.length === 6 && this.#cfg.prefixLength <= 64) {
      const a = eui64Address(this.#cfg.prefix, mnLla);
      if (this.#usable(a, mnLla)) return a;
    }
    for (;;) {
      const n = this.#nextAssigned++;
      const a = addressFromPrefix(this.#cfg.prefix, Buffer.from([0, 0, 0, 0, 0, 0, (n >> 8) & 0xff, n & 0xff]));
      if (this.#usable(a)) return a;
    }
  }

  #refuse(now: number, par: string, hi: HandoverInitiate, pcoa: string | null, code: number): NarAction[] {
    this.#counters['hack-refused']++;
    const hack: HandoverAcknowledge = {
      type: 'HandoverAcknowledge',
      sequenceNumber: hi.sequenceNumber,
      flags: 0,
      code,
      options: [],
    };
    return [...this.#sendHack(par, hack), { kind: 'event', event: { name: 'handover-refused', at: now, pcoa, code } }];
  }

  #sendHack(par: string, hack: HandoverAcknowledge): NarAction[] {
    this.#counters['hack-sent']++;
    return [sendMobilityHeader({ src: this.#cfg.address, dst: par }, hack)];
  }

  #onPacket(now: number, dst: string, packet: Buffer): NarAction[] {
    const r = this.#records.get(dst);
    if (!r) {
      this.#counters['packet-unexpected']++;
      return [];
    }
    if (!r.buffering || r.arrived) {
      this.#counters['packets-delivered']++;
      return [{ kind: 'deliver', ncoa: r.ncoa, packets: [packet] }];
    }
    const { maxPackets, maxBytes } = this.#cfg.buffer;
    const total = this.#limits.totalBuffer;
    const perHandover = r.buffer.length + 1 > maxPackets || r.bufferedBytes + packet.length > maxBytes;
    const overall = this.#totalPackets + 1 > total.maxPackets || this.#totalBytes + packet.length > total.maxBytes;
    if (perHandover || overall) {
      // Tail drop: what arrived first is what the MN needs first.
      this.#counters['buffer-overflow']++;
      this.#counters['buffer-overflow-bytes'] += packet.length;
      if (!perHandover) this.#counters['buffer-total-overflow']++;
      return [{ kind: 'event', event: { name: 'buffer-overflow', at: now, ncoa: r.ncoa, bytes: packet.length } }];
    }
    r.buffer.push(packet);
    r.bufferedBytes += packet.length;
    this.#totalPackets++;
    this.#totalBytes += packet.length;
    this.#counters['packets-buffered']++;
    return [];
  }

  // The UNA the MN sends on arrival (RFC 4861 §7.2.6) targets the NCoA; its Target Link-Layer
  // Address, when the HI told us the MN's, must match — else another node is claiming the NCoA.
  #onUna(now: number, na: NeighborAdvertisement): NarAction[] {
    const target = canonical(na.targetAddress);
    const r = this.#records.get(target);
    if (!r) {
      // Remembered for a reactive HI that may follow (bounded; the oldest is forgotten).
      if (!this.#announced.add(target, true)) this.#counters['announced-forgotten']++;
      return [];
    }
    this.#counters['una-received']++;
    const lla = findMobileNodeLla(na.options);
    if (r.mnLla && lla && !lla.equals(r.mnLla)) {
      this.#counters['una-mismatch']++;
      return [];
    }
    return r.arrived ? [] : this.#arrive(now, r, 'una');
  }

  #arrive(now: number, r: HandoverRecord, by: 'una' | 'fbu' | 'hi-code-1'): NarAction[] {
    r.arrived = true;
    r.expiresAt = now + this.#cfg.recordLifetimeMs;
    this.#counters.arrivals++;
    // The MN is now a node of our link: its NCoA is never offered to another HI (RFC 5568 §6.2.2).
    this.#inUse.add(r.ncoa, true);
    this.#announced.delete(r.ncoa);
    const out: NarAction[] = [];
    const packets = r.buffer;
    this.#release(r);
    if (packets.length) {
      this.#counters['packets-delivered'] += packets.length;
      out.push({ kind: 'deliver', ncoa: r.ncoa, packets });
    }
    if (r.buffering) out.push({ kind: 'buffer-stop', ncoa: r.ncoa });
    if (r.p2p) {
      out.push({
        kind: 'advertise-prefix',
        ncoa: r.ncoa,
        linkLayerAddress: r.mnLla ? bytesToMac(r.mnLla) : null,
        prefix: r.p2p.prefix,
        prefixLength: r.p2p.prefixLength,
      });
    }
    out.push({ kind: 'event', event: { name: 'mn-arrived', at: now, ncoa: r.ncoa, by, delivered: packets.length } });
    return out;
  }

  #onTick(now: number): NarAction[] {
    const out: NarAction[] = [];
    for (const r of [...this.#records.values()]) if (r.expiresAt <= now) out.push(...this.#drop(now, r));
    return out;
  }

  /** Ends a record: a buffer never claimed is dropped (counted) and an unused per-MN prefix released. */
  #drop(now: number, r: HandoverRecord): NarAction[] {
    this.#records.delete(r.ncoa);
    if (r.arrived) return [];
    const out: NarAction[] = [];
    const dropped = r.buffer.length;
    this.#counters['buffer-expired'] += dropped;
    this.#release(r);
    if (r.buffering) out.push({ kind: 'buffer-stop', ncoa: r.ncoa });
    if (r.p2p) this.#p2p.delete(r.p2p.key);
    out.push({ kind: 'event', event: { name: 'record-expired', at: now, ncoa: r.ncoa, dropped } });
    return out;
  }

  /** Empties a record's buffer out of the total. */
  #release(r: HandoverRecord): void {
    this.#totalPackets -= r.buffer.length;
    this.#totalBytes -= r.bufferedBytes;
    r.buffer = [];
    r.bufferedBytes = 0;
  }
}
