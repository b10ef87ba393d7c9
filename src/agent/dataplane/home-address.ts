// The mobile node's home address on a TUN device (architecture.md, "Why a userspace data plane";
// RFC 6275 §11.3.1). Applications bind to the home address and never see a move:
//
//   app (bound to HoA) ─► kernel ─ rule "from HoA lookup T", T: default dev hoa0 ─► TUN read
//     ─► reverse tunnel: outer src CoA, dst HA (RFC 6275 §11.3.1, RFC 2473) ─► radio
//   radio ─► raw socket 41 (outer dst CoA, outer src must be the HA) ─► TUN write ─► kernel ─► app
//
// A move is `setCareOf(coa)`: the tunnel's outer source changes, the TUN, its address and every
// socket bound to the home address stay. While there is no usable path (carrier down, or moved and
// the BA for the new care-of address not yet in) the packets wait in a bounded hold and leave in order
// when the path opens (uplink-hold.ts). At home (`setAtHome(true)`) the home address moves to the
// home link interface and nothing is tunnelled (RFC 6275 §11.5.5).
import type { NativeBinding, TunDevice } from '../../native/types.js';
import { bytesToIpv6, ipv6ToBytes } from '../../wire/address.js';
import { ipBatch, ipBatchForceSync } from './kernel.js';
import {
  canonicalIpv6,
  encapsulate,
  IPPROTO_IPV6,
  IPV6_HEADER_LENGTH,
  openTunnelEndpoint,
  TUN_TX_QUEUE,
  TUNNEL_OVERHEAD,
  TUNNEL_RECEIVE_BUFFER,
  type TunnelEndpoint,
  type TunnelStats,
} from './tunnel.js';
import { finishOffloadedPacket } from './vnet-header.js';
import { DEFAULT_UPLINK_HOLD, type UplinkHoldLimits, type UplinkHoldStats, UplinkHold } from './uplink-hold.js';

export const DEFAULT_HOME_TUN = 'hoa0';
/** Policy routing table and rule priority for traffic from the home address (below main's 32766). */
export const DEFAULT_HOME_TABLE = 100;
export const DEFAULT_HOME_RULE_PRIORITY = 100;
/** 1500-byte links minus the tunnel's outer header (RFC 2473 §7.1). */
export const DEFAULT_TUNNEL_MTU = 1500 - TUNNEL_OVERHEAD;

export interface HomeAddressOptions {
  native: NativeBinding;
  netns?: string;
  homeAddress: string;
  /** The home agent: outer destination of the reverse tunnel, and the only accepted outer source. */
  homeAgent: string;
  /** Prefix length of the home address on the TUN (default 128: the home prefix is not on-link away from home). */
  prefixLength?: number;
  tunName?: string;
  table?: number;
  rulePriority?: number;
  mtu?: number;
  /** Home link interface and prefix length used by setAtHome(true) (default 64). */
  homeLink?: string;
  homePrefixLength?: number;
  /** Receive batch of the TUN and the tunnel socket. */
  batch?: number;
  /** SO_RCVBUF of the tunnel socket (default TUNNEL_RECEIVE_BUFFER). */
  receiveBuffer?: number;
  /**
   * TUN offloads (default true): hoa0 gets IFF_VNET_HDR + TSO6, applications' TCP hands over 64 KiB
   * super-packets that the addon segments into the tunnel, and decapsulated segments are coalesced
   * back (software GRO) before the TUN write. false: one packet per read and write.
   */
  offload?: boolean;
  /** Bounds of the uplink hold (default DEFAULT_UPLINK_HOLD). */
  hold?: UplinkHoldLimits;
  /**
   * The radio's carrier as the kernel has it now (carrier-probe.ts), asked right before each batch
   * goes into the tunnel: the carrier monitor comes late.
   */
  carrierProbe?: () => boolean;
  /**
   * HMIPv6 (RFC 5380 §6.1): a packet the MAP tunnelled to the LCoA whose inner packet is for the RCoA
   * but is no home agent tunnel (the home agent's BA, RH2 = home address). A copy: safe to keep.
   */
  onAnchoredPacket?: (inner: Buffer) => void;
  /**
   * Route optimisation (RFC 6275 §11.3.1): asked for each packet from the home address that would go
   * into the reverse tunnel; true when it sent the packet another way (directly to a correspondent).
   */
  divert?: (packet: Buffer, vnetHeader: Buffer | undefined) => boolean;
}

/** The MAP between the node and its home agent (RFC 5380 §6.1): its address, the RCoA and the LCoA. */
export interface MobilityAnchor {
  map: string;
  regionalCareOfAddress: string;
  onLinkCareOfAddress: string;
}

export interface HomeAddressStats {
  /** Wire packets sent into the reverse tunnel (a TUN super-packet counts as its segments). */
  reverseTunnelled: number;
  /** Packets from the tunnel written into the TUN. */
  delivered: number;
  /** TUN packets not sent: not IPv6, or source not the home address (the hold counts its own drops). */
  droppedFromApplications: number;
  /** Tunnelled packets refused: outer source not the home agent, or inner destination not the home address (RFC 6275 §11.3.1). */
  rejectedFromTunnel: number;
  /** TUN writes refused (queue full). */
  writeDropped: number;
  /** Times carrierProbe found the carrier off before the carrier monitor said so. */
  carrierProbedDown: number;
  /** Held packets sent natively on the home link after a return home (sendHeldAtHome). */
  sentAtHome: number;
  /** Why the last of them could not be sent (errno code), if one could not. */
  lastAtHomeError: string | null;
  tunnel: TunnelStats | null;
  /** Packets held while the uplink had no path, released, overflowed (uplink-hold.ts). */
  hold: UplinkHoldStats;
  /** HMIPv6: packets from the MAP for the RCoA nobody took, and TCP super-packets not sent through the MAP. */
  anchoredDrops: number;
  /** HMIPv6: the MAP in use, if any (setAnchor). */
  anchor: { map: string; rcoa: string; lcoa: string } | null;
}

export interface HomeAddress {
  readonly tunName: string;
  readonly homeAddress: string;
  readonly careOfAddress: string | null;
  readonly atHome: boolean;
  /** Starts or re-points the reverse tunnel: outer source `careOfAddress`; optionally a new home agent. */
  setCareOf(careOfAddress: string, homeAgent?: string): void;
  /**
   * HMIPv6 (RFC 5380 §6.1): every packet to the home agent is tunnelled once more, LCoA -> MAP, and
   * what the MAP tunnels to the LCoA is unwrapped twice. Null: plain Mobile IPv6. Releases nothing held.
   */
  setAnchor(anchor: MobilityAnchor | null): void;
  /**
   * Sends a whole IPv6 packet from the RCoA (the BU to the home agent; with route optimisation the
   * CoTI, the correspondent's BU and route-optimised data, RFC 5380 §6.1.1) through the MN-MAP tunnel.
   */
  sendViaAnchor(packet: Buffer): boolean;
  /** HMIPv6: whether a MAP is in use (setAnchor), so packets from the RCoA must go through it. */
  readonly anchored: boolean;
  /** Stops tunnelling: packets from applications are held until setCareOf (or sent natively after setAtHome(true)). */
  reverseTunnelOff(): void;
  /** The radio's carrier: down holds the uplink until setCareOf (a BA) or resume(). */
  setCarrier(up: boolean): void;
  /** Back on the link of the registered care-of address (its router's RA): release what is held. */
  resume(): void;
  /**
   * At home (RFC 6275 §11.5.4): send what waited for a tunnel natively, in order, from the home address
   * now on the home link. Call once the home link's routes are in place.
   */
  sendHeldAtHome(): void;
  /**
   * At home: the home address moves onto the home link; away: back onto the TUN. `homeRouter` (at
   * home): the home link's router, made the default route in the same step.
   */
  setAtHome(atHome: boolean, homeLink?: string, homeRouter?: string): Promise<void>;
  /** Hands the applications a packet for the home address that came another way (a type 2 routing header, §11.3.3). */
  deliver(packet: Buffer): boolean;
  /**
   * Sends a packet from the home address through the reverse tunnel (a Home Test Init, §11.6.1); false
   * with no tunnel. With a MAP it is wrapped twice, [LCoA -> MAP [RCoA -> HA [HoA -> ...]]] (RFC 5380 §6.1).
   */
  sendThroughTunnel(packet: Buffer): boolean;
  stats(): HomeAddressStats;
  close(): void;
}

export async function openHomeAddress(o: HomeAddressOptions): Promise<HomeAddress> {
  const homeAddress = canonicalIpv6(o.homeAddress);
  let homeAgent = canonicalIpv6(o.homeAgent);
  const hoaBytes = ipv6ToBytes(homeAddress);
  const table = o.table ?? DEFAULT_HOME_TABLE;
  const priority = o.rulePriority ?? DEFAULT_HOME_RULE_PRIORITY;
  const plen = o.prefixLength ?? 128;
  const mtu = o.mtu ?? DEFAULT_TUNNEL_MTU;
  const st = {
    reverseTunnelled: 0,
    delivered: 0,
    droppedFromApplications: 0,
    rejectedFromTunnel: 0,
    writeDropped: 0,
    carrierProbedDown: 0,
    sentAtHome: 0,
  };
  let careOf: string | null = null;
  let anchor: { map: string; rcoaBytes: Buffer; haBytes: Buffer; lcoa: string; rcoa: string } | null = null;
  let anchoredDrops = 0;
  let atHome = false;
  let homeLinkInUse: string | null = null;
  let tunnel: TunnelEndpoint | null = null;
  const hold = new UplinkHold(o.hold ?? DEFAULT_UPLINK_HOLD);
  const probe = o.carrierProbe;

  // A previous run killed before close() may have left its rule (the TUN went with its fd).
  ipBatchForceSync(o.netns, [`rule del from ${homeAddress} table ${table} priority ${priority}`]);
  const offload = o.offload ?? true;
  const tun: TunDevice = o.native.openTun({
    name: o.tunName ?? DEFAULT_HOME_TUN,
    netns: o.netns,
    vnetHeader: offload,
    ...(o.batch ? { batch: o.batch } : {}),
  });
  const name = tun.name;
  const onTun = [
    `addr add ${homeAddress}/${plen} dev ${name} nodad`,
    `route replace default dev ${name} table ${table}`,
    `rule add from ${homeAddress} table ${table} priority ${priority}`,
  ];
  const offTun = [
    `rule del from ${homeAddress} table ${table} priority ${priority}`,
    `route flush table ${table}`,
    `addr del ${homeAddress}/${plen} dev ${name}`,
  ];
  try {
    // addrgenmode none: no link-local, so no router solicitations or MLD reports leak into the tunnel.
    await ipBatch(o.netns, [
      `link set dev ${name} addrgenmode none`,
      `link set dev ${name} mtu ${mtu} txqueuelen ${TUN_TX_QUEUE} up`,
      ...onTun,
    ]);
  } catch (err) {
    tun.close();
    ipBatchForceSync(o.netns, [
      `rule del from ${homeAddress} table ${table} priority ${priority}`,
      `route flush table ${table}`,
    ]);
    throw err;
  }

  // Buffer#compare with offsets: no view allocated per packet.
  const isFromHome = (p: Buffer) =>
    p.length >= IPV6_HEADER_LENGTH && p[0]! >>> 4 === 6 && hoaBytes.compare(p, 8, 24) === 0;
  const isToHome = (p: Buffer) => hoaBytes.compare(p, 24, 40) === 0;

  // Reused per batch: what goes into the tunnel, and what goes into the TUN.
  const out: Buffer[] = [];
  const outHeaders: Buffer[] = [];
  const pending: Buffer[] = [];
  tun.start(
    (packets, headers) => {
      const t = tunnel;
      let probed = false;
      for (let i = 0; i < packets.length; i++) {
        const p = packets[i]!;
        if (t === null || !isFromHome(p)) {
          st.droppedFromApplications++;
          continue;
        }
        // atHome: the home address is moving onto the home link, sent natively once it is there.
        if (atHome || !hold.open) {
          hold.hold(p, headers?.[i]);
          continue;
        }
        // The carrier, read once per sending batch right before its first packet leaves (a pread,
        // ~10 µs): what is sent after the radio lost its carrier is dropped by it in silence. Read
        // once a millisecond at the start of a batch instead, the window let one packet a move
        // through now and then (sent 0.4 ms after the detach: on the radio's capture, never at the
        // access router). Held from here on, in order (the hold is empty while open).
        if (!probed && probe) {
          probed = true;
          if (!probe()) {
            hold.setCarrier(false);
            st.carrierProbedDown++;
            hold.hold(p, headers?.[i]);
            continue;
          }
        }
        if (o.divert?.(p, headers?.[i])) continue;
        out.push(p);
        if (headers) outHeaders.push(headers[i]!);
      }
      // One native call for the batch: super-packets are segmented there (counted as wire packets).
      if (t && out.length) st.reverseTunnelled += sendUp(t, out, headers ? outHeaders : undefined);
      out.length = 0;
      outHeaders.length = 0;
    },
    () => {},
  );

  const onTunnelled = (inner: Buffer, outerSrc: string) => {
    const a = anchor;
    if (a) {
      onAnchored(a, inner, outerSrc);
      return;
    }
    // RFC 6275 §11.3.1 (and §10.4.5 in the other direction): only the home agent tunnels to us.
    if (outerSrc !== homeAgent || !isToHome(inner)) {
      st.rejectedFromTunnel++;
      return;
    }
    pending.push(inner);
  };
  // RFC 5380 §6.1: from the MAP come [HA -> RCoA [.. -> HoA]] (the home agent's tunnel to the RCoA,
  // §6.3) and packets for the RCoA itself (the home agent's BA).
  const onAnchored = (a: NonNullable<typeof anchor>, p: Buffer, outerSrc: string) => {
    if (outerSrc !== a.map || a.rcoaBytes.compare(p, 24, 40) !== 0) {
      st.rejectedFromTunnel++;
      return;
    }
    if (p[6] !== IPPROTO_IPV6) {
      if (o.onAnchoredPacket) o.onAnchoredPacket(Buffer.from(p));
      else anchoredDrops++;
      return;
    }
    const inner = p.subarray(IPV6_HEADER_LENGTH);
    if (
      a.haBytes.compare(p, 8, 24) !== 0 ||
      inner.length < IPV6_HEADER_LENGTH ||
      inner[0]! >>> 4 !== 6 ||
      !isToHome(inner)
    ) {
      st.rejectedFromTunnel++;
      return;
    }
    pending.push(inner);
  };
  const flushTunnelled = () => {
    if (pending.length === 0) return;
    const n = tun.writeMany(pending);
    st.delivered += n;
    st.writeDropped += pending.length - n;
    pending.length = 0;
  };

  // The tunnel endpoint (its protocol-41 socket) lives as long as the home address: the home agent
  // tunnels to a new care-of address from the moment it sends the BA (or earlier, RFC 6275 §10.3.1
  // lets it), and a moment with no protocol-41 socket open makes the kernel answer those packets with
  // Parameter Problem, code 1 (RFC 8200 §4). Until setCareOf, '::' matches no packet: all are dropped.
  try {
    tunnel = openTunnelEndpoint({
      native: o.native,
      netns: o.netns,
      local: '::',
      onPacket: onTunnelled,
      onBatchEnd: flushTunnelled,
      ...(o.batch ? { batch: o.batch } : {}),
      receiveBuffer: o.receiveBuffer ?? TUNNEL_RECEIVE_BUFFER,
    });
  } catch (err) {
    tun.close();
    ipBatchForceSync(o.netns, offTun.slice(0, 2));
    throw err;
  }
  const t = tunnel;
  /** Into the reverse tunnel: to the home agent, or through the MAP first (RFC 5380 §6.1). */
  function sendUp(te: TunnelEndpoint, packets: Buffer[], headers?: Buffer[]): number {
    const a = anchor;
    if (!a) return te.sendBatch(packets, homeAgent, headers);
    const addresses = Buffer.concat([a.rcoaBytes, a.haBytes]);
    const wrapped: Buffer[] = [];
    for (let i = 0; i < packets.length; i++) {
      const h = headers?.[i];
      const p = h ? finishOffloadedPacket(packets[i]!, h) : packets[i]!;
      if (p === null) {
        anchoredDrops++; // a TCP super-packet: a node that uses a MAP opens hoa0 without offloads
        continue;
      }
      const w = Buffer.allocUnsafe(IPV6_HEADER_LENGTH + p.length);
      encapsulate(p, addresses, w);
      wrapped.push(w);
    }
    return wrapped.length ? te.sendBatch(wrapped, a.map) : 0;
  }
  // Opened on the first return home: the held packets' own headers, routed by the kernel.
  let native: ReturnType<NativeBinding['openRaw6Socket']> | null = null;
  let lastAtHomeError: string | null = null;
  const sendHeldNatively = () => {
    const held = hold.takeAll();
    if (held.length === 0) return;
    native ??= o.native.openRaw6Socket({ protocol: 255, headerIncluded: true, ...(o.netns ? { netns: o.netns } : {}) });
    for (let i = 0; i < held.length; i++) {
      const h = held[i]!;
      // The stack left the checksum to the TUN's offload; a GSO super-packet cannot go as one (counted).
      const p = h.header ? finishOffloadedPacket(h.packet, h.header) : h.packet;
      if (p === null) {
        hold.countDiscarded('at-home-gso', 1);
        continue;
      }
      let sent = false;
      try {
        sent = native.send(p, bytesToIpv6(p, 24));
      } catch (err) {
        lastAtHomeError = (err as NodeJS.ErrnoException).code ?? String(err);
      }
      if (!sent) {
        // No route yet (the home link's routes come with its RA): the rest waits for the next call, in order.
        hold.restore(held.slice(i));
        return;
      }
      st.sentAtHome++;
    }
  };
  // Held packets first, in one batch, before anything the TUN reads next (same turn of the event loop).
  const release = (all: ReturnType<UplinkHold['resume']>) => {
    if (all.length === 0 || careOf === null) return;
    // To a correspondent still bound (a carrier flap, a move inside a MAP domain: route optimisation
    // kept its direct path) the held packets go directly too, as the TUN's next ones will.
    const held = o.divert ? all.filter((h) => !o.divert!(h.packet, h.header)) : all;
    if (held.length === 0) return;
    const withHeaders = held.every((h) => h.header);
    st.reverseTunnelled += sendUp(
      t,
      held.map((h) => h.packet),
      withHeaders ? held.map((h) => h.header!) : undefined,
    );
  };

  return {
    tunName: name,
    homeAddress,
    get careOfAddress() {
      return careOf;
    },
    get atHome() {
      return atHome;
    },
    setCareOf(coa: string, ha?: string): void {
      careOf = canonicalIpv6(coa);
      if (ha) homeAgent = canonicalIpv6(ha);
      if (anchor) anchor.haBytes = ipv6ToBytes(homeAgent);
      else t.setLocal(careOf);
      release(hold.setCareOf(true));
    },
    setAnchor(a: MobilityAnchor | null): void {
      if (a === null) {
        anchor = null;
        if (careOf) t.setLocal(careOf);
        return;
      }
      const rcoa = canonicalIpv6(a.regionalCareOfAddress);
      const lcoa = canonicalIpv6(a.onLinkCareOfAddress);
      anchor = { map: canonicalIpv6(a.map), rcoa, lcoa, rcoaBytes: ipv6ToBytes(rcoa), haBytes: ipv6ToBytes(homeAgent) };
      t.setLocal(lcoa);
    },
    sendViaAnchor(packet: Buffer): boolean {
      const a = anchor;
      return a ? t.send(packet, a.map) : false;
    },
    get anchored() {
      return anchor !== null;
    },
    reverseTunnelOff(): void {
      careOf = null;
      hold.setCareOf(false);
    },
    setCarrier(up: boolean): void {
      hold.setCarrier(up);
    },
    resume(): void {
      // An RA read from the socket after the carrier went (the monitor not yet heard) is no proof of a link.
      if (probe && !probe()) {
        hold.setCarrier(false);
        return;
      }
      release(hold.resume());
    },
    async setAtHome(home: boolean, link?: string, homeRouter?: string): Promise<void> {
      if (home === atHome) return;
      if (home) {
        const hl = link ?? o.homeLink;
        if (!hl) throw new Error('setAtHome(true) needs the home link interface (option homeLink)');
        atHome = true;
        careOf = null;
        hold.setCareOf(false);
        // Once the rule is gone the applications' packets follow the main table: its default route
        // must be the home router's first. The kernel may still hold the last foreign router's RA
        // route, and a packet sent to it waits for a Neighbor Solicitation nobody answers (one lost
        // per return home in 1 of 3 mipv6-ro runs, before the role's own route change 1 ms later).
        await ipBatch(o.netns, [
          ...(homeRouter ? [`route replace default via ${homeRouter} dev ${hl} metric 1`] : []),
          ...offTun,
          `addr add ${homeAddress}/${o.homePrefixLength ?? 64} dev ${hl} nodad`,
        ]);
        homeLinkInUse = hl;
        // RFC 6275 §11.5.4: at home nothing is tunnelled; what waited for a tunnel leaves natively, before
        // the applications' next packets when the routes allow (else at sendHeldAtHome).
        sendHeldNatively();
      } else {
        atHome = false;
        const hl = homeLinkInUse;
        homeLinkInUse = null;
        await ipBatch(o.netns, [
          ...(hl ? [`addr del ${homeAddress}/${o.homePrefixLength ?? 64} dev ${hl}`] : []),
          ...onTun,
        ]);
      }
    },
    sendHeldAtHome(): void {
      if (atHome) sendHeldNatively();
    },
    deliver(packet: Buffer): boolean {
      if (atHome || !isToHome(packet)) return false;
      const ok = tun.write(packet);
      if (ok) st.delivered++;
      else st.writeDropped++;
      return ok;
    },
    sendThroughTunnel(packet: Buffer): boolean {
      if (atHome || careOf === null || !isFromHome(packet)) return false;
      // RFC 5380 §6.1: with a MAP the reverse tunnel starts at the RCoA and goes through the MAP.
      if (anchor) return sendUp(t, [packet]) === 1;
      return t.send(packet, homeAgent);
    },
    stats: () => ({
      ...st,
      anchoredDrops,
      anchor: anchor && { map: anchor.map, rcoa: anchor.rcoa, lcoa: anchor.lcoa },
      lastAtHomeError,
      tunnel: tunnel?.stats() ?? null,
      hold: hold.stats(),
    }),
    close(): void {
      hold.discard('closed');
      native?.close();
      tunnel?.close();
      tun.close(); // the device, its address and its routes go with the fd
      ipBatchForceSync(o.netns, [
        `rule del from ${homeAddress} table ${table} priority ${priority}`,
        `route flush table ${table}`,
        ...(homeLinkInUse ? [`addr del ${homeAddress}/${o.homePrefixLength ?? 64} dev ${homeLinkInUse}`] : []),
      ]);
    },
  };
}
