// The FMIPv6 lab in miniature for simulation tests: CN, PAR, NAR and MN on a SimNet. Each router and
// the MN are their machine plus the few lines of data plane the agent would do (routing by prefix,
// the PAR->NCoA IPv6-in-IPv6 tunnel, diverting packets to the NAR's buffer, delivering to the radio).
// Every frame is a real IPv6 packet: built with src/wire on send, parsed on receipt, so codec and
// machine bugs show up together. The CN sends a constant-rate UDP flow with sequence numbers.

import { buildIpv6Packet } from '../../../wire/packet.js';
import { parseIpv6Packet } from '../../../wire/parse.js';
import * as mh from '../../../wire/mh/header.js';
import * as icmpv6 from '../../../wire/icmpv6/header.js';
import * as udp from '../../../wire/udp.js';
import { homeAddressOf } from '../../../wire/ext/hop-by-hop-dest-options.js';
import type { MobilityMessage } from '../../../wire/mh/header.js';
import type { Icmpv6Message } from '../../../wire/icmpv6/header.js';
import { eui64Address, inPrefix } from '../../../wire/address.js';
import { NeighbourMap } from '../neighbour-map.js';
import type { ParAction, ParConfig } from '../par-interface.js';
import { PreviousAccessRouter } from '../par.js';
import { NewAccessRouter, type NarAction, type NarConfig } from '../nar.js';
import {
  FmipMobileNode,
  type FmipMobileNodeAction,
  type FmipMobileNodeEvent,
  type FmipMobileNodeInput,
} from '../mobile-node.js';
import { SimNet } from './sim-net.js';

export const ADDR = {
  cn: '2001:db8:9::9',
  par: '2001:db8:2::1',
  parPrefix: '2001:db8:2::',
  nar: '2001:db8:3::1',
  narPrefix: '2001:db8:3::',
  mnMac: '02:00:00:00:00:10',
  parMac: '02:00:00:00:02:01',
  narMac: '02:00:00:00:03:01',
  ap1: '02:aa:00:00:00:01',
  ap2: '02:aa:00:00:00:02',
};
export const PCOA = eui64Address(ADDR.parPrefix, ADDR.mnMac);
export const NCOA = eui64Address(ADDR.narPrefix, ADDR.mnMac);

export interface LabOptions {
  /** One-way delays, ms. */
  airMs?: number;
  parNarMs?: number;
  cnMs?: number;
  /** HA registration stand-in: after `mipv6-handover`, the CN sends to the new CoA this much later. */
  buDelayMs?: number;
  /** CN flow: packets per second, payload bytes. */
  rate?: number;
  payloadBytes?: number;
  nar?: Partial<NarConfig>;
  par?: Partial<ParConfig>;
  /** The AP reports station-left/-joined to its router this long after the (dis)association (RFC 4260 §4); the PAR then awaits it. */
  notifyMs?: number;
  /**
   * The MN's `configure-address` takes this long (the agent's `ip addr add`); until then packets to
   * that address are dropped at the MN and frames from it wait, as the agent holds them. Unset: at once.
   */
  addressSetupMs?: number;
  /** The PAR's hold-start takes effect this much later (the agent's diversion route); until then the PCoA's packets are forwarded as before. Default 0. */
  divertSetupMs?: number;
}

export interface TraceEntry {
  t: number;
  from: string;
  to: string;
  kind: string;
  src: string;
  dst: string;
  homeAddressOption?: string;
}

type Node = 'cn' | 'par' | 'nar' | 'mn';

export class FmipLab {
  readonly net = new SimNet();
  readonly par: PreviousAccessRouter;
  readonly nar: NewAccessRouter;
  readonly mn: FmipMobileNode;
  /** Signalling messages as sent (RtSolPr, PrRtAdv, FBU, HI, HAck, FBack, UNA) and the 'bu' stand-in. */
  readonly trace: TraceEntry[] = [];
  readonly mnEvents: FmipMobileNodeEvent[] = [];
  readonly parActions: ParAction[] = [];
  readonly narActions: NarAction[] = [];
  /** Data flow: sequence numbers sent, and received with their time. */
  sent = 0;
  readonly received: { seq: number; t: number }[] = [];
  /** Where data packets were lost, by sequence number. */
  readonly lost = new Map<number, string>();
  /** Frames that failed to parse anywhere (must stay 0: every frame is built by the codecs). */
  malformed = 0;

  readonly #o: Required<Omit<LabOptions, 'nar' | 'par' | 'notifyMs' | 'addressSetupMs' | 'divertSetupMs'>>;
  readonly #notifyMs: number | undefined;
  readonly #addressSetupMs: number | undefined;
  readonly #divertSetupMs: number;
  /** The MN's addresses and when each became usable (PCoA from the start). */
  readonly #mnAddresses = new Map<string, number>([[PCOA, 0]]);
  /** PCoAs whose packets the PAR machine takes (hold-start .. hold-stop / tunnel-start). */
  readonly #held = new Set<string>();
  /** Which AP the MN's radio is on, or null between detach and attach. */
  #mnAp: 'ap1' | 'ap2' | null = 'ap1';
  #cnTarget = PCOA;
  readonly #tunnels = new Map<string, string>();
  readonly #diverted = new Set<string>();
  readonly #feedPar: (i: Parameters<PreviousAccessRouter['handle']>[1]) => void;
  readonly #feedNar: (i: Parameters<NewAccessRouter['handle']>[1]) => void;
  readonly #feedMn: (i: FmipMobileNodeInput) => void;

  constructor(opts: LabOptions = {}) {
    this.#o = { airMs: 2, parNarMs: 5, cnMs: 10, buDelayMs: 30, rate: 200, payloadBytes: 100, ...opts };
    const neighbours = new NeighbourMap(
      [
        {
          apId: ADDR.ap2,
          apName: 'ap2',
          narAddress: ADDR.nar,
          narPrefix: ADDR.narPrefix,
          narPrefixLength: 64,
          narLinkLayerAddress: ADDR.narMac,
          pointToPoint: !!opts.nar?.pointToPoint,
        },
      ],
      [ADDR.ap1],
    );
    this.#notifyMs = opts.notifyMs;
    this.#addressSetupMs = opts.addressSetupMs;
    this.#divertSetupMs = opts.divertSetupMs ?? 0;
    this.par = new PreviousAccessRouter({
      address: ADDR.par,
      neighbours,
      ...(opts.notifyMs !== undefined ? { awaitStationLeft: true } : {}),
      ...opts.par,
    });
    this.nar = new NewAccessRouter({ address: ADDR.nar, prefix: ADDR.narPrefix, prefixLength: 64, ...opts.nar });
    this.mn = new FmipMobileNode({
      linkLayerAddress: ADDR.mnMac,
      router: ADDR.par,
      careOfAddress: PCOA,
      apId: ADDR.ap1,
    });
    this.#feedPar = this.net.host(this.par, (a) => this.#parPerform(a));
    this.#feedNar = this.net.host(this.nar, (a) => this.#narPerform(a));
    this.#feedMn = this.net.host(this.mn, (a) => this.#mnPerform(a));
    // The PAR's neighbour cache knows the MN on its access link (what the agent feeds it).
    this.#feedPar({ kind: 'served-node', address: PCOA, linkLayerAddress: ADDR.mnMac });
  }

  // ---- scenario controls -------------------------------------------------------------------------

  /** Constant-rate flow from the CN between `from` and `to` (ms). */
  flow(from: number, to: number): void {
    const interval = 1000 / this.#o.rate;
    for (let t = from, seq = 0; t < to; t += interval, seq++) {
      this.net.at(t, () => {
        const payload = Buffer.alloc(this.#o.payloadBytes);
        payload.writeUInt32BE(seq, 0);
        this.sent++;
        const pkt = buildIpv6Packet({
          src: ADDR.cn,
          dst: this.#cnTarget,
          upper: {
            nextHeader: 17,
            encode: () =>
              udp.encode({ srcPort: 5000, dstPort: 5001, payload }, undefined, 0, {
                addresses: { src: ADDR.cn, dst: this.#cnTarget },
              }),
          },
        });
        this.#route('cn', pkt);
      });
    }
  }

  mnInput(at: number, input: FmipMobileNodeInput): void {
    this.net.at(at, () => this.#feedMn(input));
  }

  detach(at: number): void {
    this.net.at(at, () => {
      const was = this.#mnAp;
      this.#mnAp = null;
      this.#feedMn({ kind: 'link-down' });
      // ap1 tells the PAR, with the time it saw the station go.
      if (was === 'ap1' && this.#notifyMs !== undefined)
        this.net.after(this.#notifyMs, () => this.#feedPar({ kind: 'station-left', station: ADDR.mnMac, at }));
    });
  }

  attach(at: number, ap: 'ap1' | 'ap2'): void {
    this.net.at(at, () => {
      this.#mnAp = ap;
      this.#feedMn({ kind: 'link-up', bssid: ap === 'ap1' ? ADDR.ap1 : ADDR.ap2 });
      if (ap === 'ap1' && this.#notifyMs !== undefined)
        this.net.after(this.#notifyMs, () => this.#feedPar({ kind: 'station-joined', station: ADDR.mnMac }));
    });
  }

  /** Sends a raw frame from a node (e.g. a forged FBU from an attacker on the PAR's link). */
  inject(at: number, from: Node, frame: Buffer): void {
    this.net.at(at, () => this.#route(from, frame));
  }

  narNeighbour(address: string): void {
    this.#feedNar({ kind: 'neighbour', address, present: true });
  }

  run(until: number): void {
    this.net.drive(until);
  }

  /** Sequence numbers never received. */
  lostSeqs(): number[] {
    const got = new Set(this.received.map((r) => r.seq));
    const out: number[] = [];
    for (let s = 0; s < this.sent; s++) if (!got.has(s)) out.push(s);
    return out;
  }

  duplicates(): number {
    return this.received.length - new Set(this.received.map((r) => r.seq)).size;
  }

  /** First occurrence of each signalling kind, in time order. */
  order(): string[] {
    const seen: string[] = [];
    for (const e of this.trace) if (!seen.includes(e.kind)) seen.push(e.kind);
    return seen;
  }

  // ---- data plane (what the agents do) -----------------------------------------------------------

  #send(from: Node, to: Node, frame: Buffer, delay: number): void {
    this.net.after(delay, () => this.#receive(to, from, frame));
  }

  /** Next hop by destination prefix; the MN's radio reaches whichever router its AP hangs off. */
  #route(from: Node, frame: Buffer): void {
    const p = parseIpv6Packet(frame);
    if (!p.ok) {
      this.malformed++;
      return;
    }
    const dst = p.value.walk.header.dst;
    const { airMs, parNarMs, cnMs } = this.#o;
    if (from === 'mn') {
      if (this.#mnAp === null) {
        this.#dropData(frame, 'mn-detached');
        return;
      }
      const router: Node = this.#mnAp === 'ap1' ? 'par' : 'nar';
      this.#air(router, 'mn', frame, airMs);
      return;
    }
    const target: Node | 'air' = inPrefix(dst, ADDR.parPrefix, 48)
      ? 'par'
      : inPrefix(dst, ADDR.narPrefix, 48)
        ? 'nar'
        : dst === ADDR.cn
          ? 'cn'
          : from === 'par' || from === 'nar'
            ? 'air'
            : 'par';
    if (target === from || target === 'air') {
      // On-link for this router: out of its access link to the MN.
      this.#air('mn', from, frame, airMs);
      return;
    }
    const delay = from === 'cn' || target === 'cn' ? cnMs : parNarMs;
    this.#send(from, target, frame, delay);
  }

  /** A radio hop: lost if the MN is not on the sending router's AP when it leaves or when it lands. */
  #air(to: Node, from: Node, frame: Buffer, delay: number): void {
    const router = to === 'mn' ? from : to;
    const ap = router === 'par' ? 'ap1' : 'ap2';
    if (this.#mnAp !== ap) {
      this.#dropData(frame, `air-${ap}-detached`);
      return;
    }
    this.net.after(delay, () => {
      if (this.#mnAp !== ap) return this.#dropData(frame, `air-${ap}-in-flight`);
      this.#receive(to, from, frame);
    });
  }

  #dropData(frame: Buffer, where: string): void {
    const seq = dataSeq(frame);
    if (seq !== null && !this.lost.has(seq)) this.lost.set(seq, `${where}@${this.net.now}`);
  }

  #receive(node: Node, from: Node, frame: Buffer): void {
    const p = parseIpv6Packet(frame);
    if (!p.ok) {
      this.malformed++;
      return;
    }
    const { header, extensions } = p.value.walk;
    const upper = p.value.upper;
    const hao = homeAddressOf((extensions.find((e) => e.kind === 'DestinationOptions') as never) ?? { options: [] });
    switch (node) {
      case 'cn':
        return;
      case 'mn':
        if (this.#addressSetupMs !== undefined && !header.dst.startsWith('ff') && !this.#mnHas(header.dst)) {
          this.#dropData(frame, 'mn-no-address');
          return;
        }
        if (upper.kind === 'Other' && upper.protocol === 41) {
          this.#receive('mn', from, upper.bytes); // decapsulate
          return;
        }
        if (upper.kind === 'UDP') {
          this.received.push({ seq: upper.datagram.payload.readUInt32BE(0), t: this.net.now });
          return;
        }
        if (upper.kind === 'MobilityHeader') {
          this.#feedMn({ kind: 'mh', src: header.src, dst: header.dst, message: upper.message });
          return;
        }
        if (upper.kind === 'ICMPv6') {
          this.#feedMn({
            kind: 'icmp',
            src: header.src,
            dst: header.dst,
            hopLimit: header.hopLimit,
            message: upper.message,
          });
          return;
        }
        return;
      case 'par': {
        if (header.dst === ADDR.par) {
          if (upper.kind === 'MobilityHeader') {
            this.#feedPar({
              kind: 'mh',
              src: header.src,
              dst: header.dst,
              ...(hao ? { homeAddressOption: hao } : {}),
              message: upper.message,
            });
            return;
          }
          if (upper.kind === 'ICMPv6') {
            this.#feedPar({
              kind: 'icmp',
              src: header.src,
              dst: header.dst,
              hopLimit: header.hopLimit,
              message: upper.message,
            });
            return;
          }
          return;
        }
        const ncoa = this.#tunnels.get(header.dst);
        if (ncoa) {
          this.#tunnel(ncoa, frame);
          return;
        }
        if (this.#held.has(header.dst)) {
          this.#feedPar({ kind: 'packet', dst: header.dst, packet: frame });
          return;
        }
        this.#route('par', frame);
        return;
      }
      case 'nar': {
        if (header.dst === ADDR.nar) {
          if (upper.kind === 'MobilityHeader') {
            this.#feedNar({ kind: 'mh', src: header.src, dst: header.dst, message: upper.message });
            return;
          }
          return;
        }
        if (from === 'mn') {
          // The NAR sees what the MN sends on its link: the UNA, and a reactive FBU on its way to the PAR.
          if (upper.kind === 'ICMPv6' && upper.message.type === 'NeighborAdvertisement') {
            this.#feedNar({
              kind: 'icmp',
              src: header.src,
              dst: header.dst,
              hopLimit: header.hopLimit,
              message: upper.message,
            });
            return;
          }
          if (upper.kind === 'MobilityHeader')
            this.#feedNar({
              kind: 'mh',
              src: header.src,
              dst: header.dst,
              ...(hao ? { homeAddressOption: hao } : {}),
              message: upper.message,
            });
          this.#route('nar', frame);
          return;
        }
        if (this.#diverted.has(header.dst)) {
          this.#feedNar({ kind: 'packet', dst: header.dst, packet: frame });
          return;
        }
        this.#route('nar', frame);
        return;
      }
    }
  }

  #parPerform(a: ParAction): void {
    this.parActions.push(a);
    switch (a.kind) {
      case 'send-mh':
        this.#sendMh('par', a.src, a.dst, a.message, a.homeAddressOption);
        return;
      case 'send-icmp':
        this.#sendIcmp('par', a.src, a.dst, a.hopLimit, a.message);
        return;
      case 'tunnel-start':
        this.#held.delete(a.pcoa);
        this.#tunnels.set(a.pcoa, a.ncoa);
        return;
      case 'tunnel-stop':
        this.#tunnels.delete(a.pcoa);
        return;
      case 'hold-start':
        if (this.#divertSetupMs > 0) this.net.after(this.#divertSetupMs, () => this.#held.add(a.pcoa));
        else this.#held.add(a.pcoa);
        return;
      case 'hold-stop':
        this.#held.delete(a.pcoa);
        return;
      case 'deliver-local':
        for (const p of a.packets) this.#air('mn', 'par', p, this.#o.airMs);
        return;
      case 'forward':
        for (const p of a.packets) this.#tunnel(a.ncoa, p);
        return;
      case 'event':
        return;
    }
  }

  /** RFC 5568 §3.1 step 6: PCoA traffic goes IPv6-in-IPv6 (RFC 2473) from the PAR to the NCoA. */
  #tunnel(ncoa: string, frame: Buffer): void {
    const outer = buildIpv6Packet({ src: ADDR.par, dst: ncoa, upper: { nextHeader: 41, encode: () => frame } });
    this.#route('par', outer);
  }

  #narPerform(a: NarAction): void {
    this.narActions.push(a);
    switch (a.kind) {
      case 'send-mh':
        this.#sendMh('nar', a.src, a.dst, a.message, a.homeAddressOption);
        return;
      case 'send-icmp':
        this.#sendIcmp('nar', a.src, a.dst, a.hopLimit, a.message);
        return;
      case 'buffer-start':
        this.#diverted.add(a.ncoa);
        return;
      case 'buffer-stop':
        this.#diverted.delete(a.ncoa);
        return;
      case 'deliver':
        for (const p of a.packets) this.#air('mn', 'nar', p, this.#o.airMs);
        return;
      case 'advertise-prefix':
        this.trace.push({ t: this.net.now, from: 'nar', to: 'mn', kind: 'RA', src: ADDR.nar, dst: a.ncoa });
        return;
      case 'event':
        return;
    }
  }

  #mnHas(address: string): boolean {
    const at = this.#mnAddresses.get(address);
    return at !== undefined && at <= this.net.now;
  }

  #mnPerform(a: FmipMobileNodeAction): void {
    // Like the agent: a frame from an address not yet configured waits for it.
    const ready = a.kind === 'send-mh' || a.kind === 'send-icmp' ? this.#mnAddresses.get(a.src) : undefined;
    if (ready !== undefined && ready > this.net.now) {
      this.net.at(ready, () => this.#mnPerform(a));
      return;
    }
    switch (a.kind) {
      case 'send-mh':
        this.#sendMh('mn', a.src, a.dst, a.message, a.homeAddressOption);
        return;
      case 'send-icmp':
        this.#sendIcmp('mn', a.src, a.dst, a.hopLimit, a.message);
        return;
      case 'configure-address':
        if (!this.#mnAddresses.has(a.address))
          this.#mnAddresses.set(a.address, this.net.now + (this.#addressSetupMs ?? 0));
        return;
      case 'mipv6-handover':
        // Stand-in for the Mobile IPv6 machine's BU/BA with the HA: the CN's traffic follows later.
        this.trace.push({ t: this.net.now, from: 'mn', to: 'ha', kind: 'bu', src: a.careOfAddress, dst: 'ha' });
        this.net.after(this.#o.buDelayMs, () => (this.#cnTarget = a.careOfAddress));
        return;
      case 'event':
        this.mnEvents.push(a.event);
        // The agent puts the NCoA on the radio when the FBack confirms it on the old link.
        if (a.event.name === 'fback-received' && a.event.status < 128 && a.event.ncoa && !a.event.onNewLink)
          this.#mnPerform({ kind: 'configure-address', iface: 'radio', address: a.event.ncoa, prefixLength: 64 });
        return;
    }
  }

  #sendMh(from: Node, src: string, dst: string, message: MobilityMessage, hao?: string): void {
    const kind = MH_NAMES[message.type] ?? message.type;
    this.trace.push({ t: this.net.now, from, to: dst, kind, src, dst, ...(hao ? { homeAddressOption: hao } : {}) });
    const frame = buildIpv6Packet({
      src,
      dst,
      ...(hao
        ? { extensions: [{ kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress: hao }] }] }
        : {}),
      upper: { nextHeader: 135, encode: () => mh.encode(message) },
    });
    this.#route(from, frame);
  }

  #sendIcmp(from: Node, src: string, dst: string, hopLimit: number, message: Icmpv6Message): void {
    const kind = message.type === 'NeighborAdvertisement' ? 'UNA' : (ICMP_NAMES[message.type] ?? message.type);
    this.trace.push({ t: this.net.now, from, to: dst, kind, src, dst });
    const frame = buildIpv6Packet({
      src,
      dst,
      hopLimit,
      upper: { nextHeader: 58, encode: () => icmpv6.encode(message) },
    });
    this.#route(from, frame);
  }
}

const MH_NAMES: Record<string, string> = {
  FastBindingUpdate: 'FBU',
  FastBindingAcknowledgement: 'FBack',
  HandoverInitiate: 'HI',
  HandoverAcknowledge: 'HAck',
};
const ICMP_NAMES: Record<string, string> = {
  RouterSolicitationForProxyAdvertisement: 'RtSolPr',
  ProxyRouterAdvertisement: 'PrRtAdv',
};

/** The flow's sequence number in a data frame (plain or tunnelled), or null for signalling. */
function dataSeq(frame: Buffer): number | null {
  const p = parseIpv6Packet(frame, 0, { verifyChecksum: false });
  if (!p.ok) return null;
  const u = p.value.upper;
  if (u.kind === 'UDP') return u.datagram.payload.readUInt32BE(0);
  if (u.kind === 'Other' && u.protocol === 41) return dataSeq(u.bytes);
  return null;
}
