// The Proxy Mobile IPv6 bidirectional tunnel between LMA and MAG (RFC 5213 §5.6.1, §6.10), on the
// same userspace IPv6-in-IPv6 data path as the home agent's (tunnel.ts, docs/dataplane.md): a TUN
// device the kernel routes into, a raw protocol-41 socket for what comes back. Bindings are per /64
// home network prefix, looked up by the 8 prefix bytes of an address:
//
//   LMA   route HNP/64 dev <tun>  ─► TUN read ─► dst's prefix ─► tunnel to the Proxy-CoA
//         Proxy-CoA ─► raw 41 ─► inner src's prefix bound to that Proxy-CoA (§5.6.2) ─► TUN write ─► forwarded
//   MAG   rule from HNP/64 iif <access link> ─► table with default dev <tun> ─► TUN read ─► src's
//         prefix ─► tunnel to the LMA (§6.10.3)
//         LMA ─► raw 41 ─► inner dst's prefix bound to the LMA ─► TUN write ─► route HNP/64 dev <access link>
//
// The kernel does routing, hop limits and neighbour discovery; the agent only moves packets. Which
// prefixes are bound is the role's (the machines' tunnel-up/down, forward-up/down).
//
// RFC 5949 fast handovers (MAG side, `handover` set), on the same endpoint between two MAGs:
//   previous MAG  delivered downlink kept briefly (FMIPv6's PacketHold, par-hold.ts) -> switchTo:
//                 what reached the link after the node's last frame, then all its downlink, held
//                 or tunnelled to the new MAG; the new MAG's uplink from the prefix relayed to the LMA
//   new MAG       hold: downlink from the previous MAG buffered (bounded) -> accept(link): buffer
//                 and forwarded packets delivered; uplink to the previous MAG until the PBA's bind
import type { NativeBinding, TunDevice } from '../../native/types.js';
import { type HoldLimits, PacketHold } from '../../protocols/fmipv6/par-hold.js';
import { ipv6ToBytes } from '../../wire/address.js';
import { DEFAULT_TUNNEL_MTU } from './home-address.js';
import { ipBatch } from './kernel.js';
import {
  canonicalIpv6,
  IPV6_HEADER_LENGTH,
  openTunnelEndpoint,
  TUN_TX_QUEUE,
  TUNNEL_RECEIVE_BUFFER,
  type TunnelEndpoint,
  type TunnelStats,
} from './tunnel.js';

/** Which end: the LMA tunnels by destination prefix, the MAG by source prefix. */
export type PrefixTunnelSide = 'lma' | 'mag';

export interface PrefixTunnelOptions {
  native: NativeBinding;
  netns?: string;
  side: PrefixTunnelSide;
  /** This end's address: the LMAA or the Proxy-CoA. */
  local: string;
  tunName: string;
  mtu?: number;
  batch?: number;
  /**
   * MAG: hands decapsulated packets of a binding made with a `link` straight onto that link (AF_PACKET
   * to the node's link-layer address: no route, no neighbour discovery between PBA and data). Returns
   * how many went.
   */
  deliver?: (packets: Buffer[], link: PrefixTunnelLink) => number;
  /** MAG with RFC 5949 fast handovers: bounds of the replay copies and of the buffers. */
  handover?: HoldLimits;
}

/** Where a MAG's binding delivers: the access link and the node's link-layer address on it. */
export interface PrefixTunnelLink {
  iface: string;
  station: string;
}

export interface PrefixTunnelStats {
  /** TUN packets sent into the tunnel (wire packets). */
  tunnelled: number;
  /** Decapsulated packets written into the TUN. */
  delivered: number;
  /** TUN packets whose prefix has no binding (e.g. right after a move). */
  noBinding: number;
  /** Tunnelled packets whose inner prefix is not bound to their outer source: dropped (§5.6.2, §6.10.5). */
  rejectedFromTunnel: number;
  writeDropped: number;
  /** RFC 5949: downlink sent to the other MAG (previous MAG), uplink relayed to the LMA, buffered, dropped. */
  handoverForwarded: number;
  handoverRelayed: number;
  handoverBuffered: number;
  handoverReplayed: number;
  handoverDropped: number;
  /** Packets from an unbound prefix kept for a peer MAG's HAck (each later accepted or aged out). */
  handoverEarly: number;
  tunnel: TunnelStats;
}

export interface PrefixTunnel {
  readonly tunName: string;
  /** Sends the /64 `prefix` to `remote` and accepts it from there (replaces an earlier binding). */
  bind(prefix: string, remote: string, link?: PrefixTunnelLink): void;
  unbind(prefix: string): void;
  /** LMA, RFC 6058 transient binding: also accept the bound `prefix` from `from` for `forMs`. */
  acceptAlso(prefix: string, from: string, forMs: number): void;
  bindings(): { prefix: string; remote: string }[];
  /**
   * Previous MAG: stop delivering `prefix` on its link. Copies of what went there after the node's
   * last frame (`lastFrame`, else `leftAtMs` on Date.now()'s clock) and later downlink are held
   * (`to` null) or tunnelled to `to`, whose uplink from the prefix is relayed to the binding's remote.
   */
  switchTo(prefix: string, to: string | null, since: { leftAtMs?: number; lastFrame?: Buffer }): void;
  /** New MAG: accept `prefix` from `peer` and buffer it (a binding of its own when there is none). */
  hold(prefix: string, peer: string): void;
  /** New MAG: deliver the buffer and what `peer` sends onto `link`; `uplink`: the prefix's uplink to `peer`. */
  accept(prefix: string, peer: string, link: PrefixTunnelLink, uplink: boolean): void;
  /** New MAG: stop accepting from the other MAG. */
  endPeer(prefix: string): void;
  stats(): PrefixTunnelStats;
  close(): void;
}

const PREFIX_BYTES = 8;
/**
 * After a handoff the LMA still accepts the node's prefix from the previous Proxy-CoA this long:
 * the uplink RFC 5949 §4 relays through the previous MAG until the new MAG's PBA is in flight when
 * the LMA switches (a deviation from RFC 5213 §5.6.2, docs/pmipv6.md).
 */
export const LMA_HANDOFF_GRACE_MS = 500;
/** Bounds on the packets a MAG keeps from a peer before its HAck is read. */
const EARLY_MAX_PACKETS = 256;
const EARLY_MAX_AGE_MS = 500;
const key8 = (b: Buffer, offset: number) => b.toString('latin1', offset, offset + PREFIX_BYTES);
const keyOf = (prefix: string) => ipv6ToBytes(prefix).toString('latin1', 0, PREFIX_BYTES);
const SRC = 8;
const DST = 24;

interface Binding {
  prefix: string;
  remote: string;
  link?: PrefixTunnelLink;
  direct: Buffer[];
  /** RFC 5949: the other MAG, also accepted as the source of this prefix's downlink. */
  peer?: string;
  /** LMA: the previous Proxy-CoA is accepted until then (Date.now() ms), see LMA_HANDOFF_GRACE_MS. */
  peerUntil?: number;
  /** Previous MAG: copies of delivered packets, then the held ones; new MAG: the buffer. */
  hold?: PacketHold;
  /** Previous MAG: where the downlink goes now. */
  forwardTo?: string;
}

export async function openPrefixTunnel(o: PrefixTunnelOptions): Promise<PrefixTunnel> {
  const byPrefix = new Map<string, Binding>();
  /** Previous MAG: uplink from the new MAG (key: its source prefix) relayed to the LMA. */
  const relays = new Map<string, { from: string; to: string }>();
  const st = {
    tunnelled: 0,
    delivered: 0,
    noBinding: 0,
    rejectedFromTunnel: 0,
    writeDropped: 0,
    handoverForwarded: 0,
    handoverRelayed: 0,
    handoverBuffered: 0,
    handoverReplayed: 0,
    handoverDropped: 0,
    handoverEarly: 0,
  };
  const drops = { overflow: 0, overflowBytes: 0 };
  // MAG: a peer MAG's forwarded packets can be read off the tunnel socket before its HAck is read off
  // the Mobility Header one (RFC 5949 §4.2: it forwards right after the HAck). Kept a moment (bounded)
  // for the accept/hold that follows.
  const early: { at: number; key: string; from: string; packet: Buffer }[] = [];
  const takeEarly = (key: string, from: string): Buffer[] => {
    const now = Date.now();
    const out: Buffer[] = [];
    for (let i = 0; i < early.length; ) {
      const e = early[i]!;
      if (now - e.at > EARLY_MAX_AGE_MS) early.splice(i, 1);
      else if (e.key === key && e.from === from) {
        out.push(e.packet);
        early.splice(i, 1);
      } else i++;
    }
    return out;
  };
  const fwd: Buffer[] = [];
  const fwdTo: string[] = [];
  const newHold = (b: Binding) => new PacketHold(b.prefix, b.link?.station ?? '', o.handover!);
  // The LMA sends by the destination's prefix and accepts by the source's; the MAG the other way round.
  const outKey = o.side === 'lma' ? DST : SRC;
  const inKey = o.side === 'lma' ? SRC : DST;

  const tun: TunDevice = o.native.openTun({
    name: o.tunName,
    netns: o.netns,
    vnetHeader: true,
    ...(o.batch ? { batch: o.batch } : {}),
  });
  const pending: Buffer[] = [];
  const directPending: { direct: Buffer[]; link?: PrefixTunnelLink }[] = [];
  let tunnel: TunnelEndpoint;
  try {
    await ipBatch(o.netns, [
      `link set dev ${tun.name} addrgenmode none`,
      `link set dev ${tun.name} mtu ${o.mtu ?? DEFAULT_TUNNEL_MTU} txqueuelen ${TUN_TX_QUEUE} up`,
    ]);
    tunnel = openTunnelEndpoint({
      native: o.native,
      netns: o.netns,
      local: canonicalIpv6(o.local),
      ...(o.batch ? { batch: o.batch } : {}),
      receiveBuffer: TUNNEL_RECEIVE_BUFFER,
      onPacket: (inner, outerSrc) => {
        const b = byPrefix.get(key8(inner, inKey));
        const fromPeer = b?.peer === outerSrc && (b.peerUntil === undefined || Date.now() < b.peerUntil);
        if (!b || (b.remote !== outerSrc && !fromPeer)) {
          const r = o.side === 'mag' ? relays.get(key8(inner, SRC)) : undefined;
          if (r && r.from === outerSrc) {
            // RFC 5949 §4: the node's uplink at the new MAG, through us to the LMA until its PBA.
            fwd.push(inner);
            fwdTo.push(r.to);
            st.handoverRelayed++;
            return;
          }
          if (o.handover && o.side === 'mag') {
            if (early.length >= EARLY_MAX_PACKETS) early.shift();
            early.push({ at: Date.now(), key: key8(inner, inKey), from: outerSrc, packet: Buffer.from(inner) });
            st.handoverEarly++;
            return;
          }
          st.rejectedFromTunnel++;
          return;
        }
        if (b.forwardTo) {
          fwd.push(inner);
          fwdTo.push(b.forwardTo);
          st.handoverForwarded++;
          return;
        }
        if (b.hold && (b.hold.leftAt !== null || !b.link)) {
          const r = b.hold.add(Date.now(), Buffer.from(inner), drops);
          if (r === 'buffered') st.handoverBuffered++;
          else if (r === 'dropped') st.handoverDropped++;
          return;
        }
        if (b.link && o.deliver) {
          // The receive batch's views are reused: a copy for the link.
          const copy = Buffer.from(inner);
          b.direct.push(copy);
          // Kept a moment: the node may already be gone (RFC 5949 §4: forwarded from its last frame).
          b.hold?.add(Date.now(), copy, drops);
          if (b.direct.length === 1) directPending.push(b);
        } else pending.push(inner);
      },
      onBatchEnd: () => {
        if (fwd.length) {
          t.sendBatch(fwd, fwdTo);
          fwd.length = 0;
          fwdTo.length = 0;
        }
        for (const b of directPending.splice(0)) {
          const n = o.deliver!(b.direct, b.link!);
          st.delivered += n;
          st.writeDropped += b.direct.length - n;
          b.direct.length = 0;
        }
        if (pending.length === 0) return;
        const n = tun.writeMany(pending);
        st.delivered += n;
        st.writeDropped += pending.length - n;
        pending.length = 0;
      },
    });
  } catch (err) {
    tun.close();
    throw err;
  }
  const t = tunnel;
  const sendTo = (packets: Buffer[], remote: string) => {
    if (packets.length) st.handoverReplayed += t.sendBatch(packets, remote);
  };
  const flushTo = (b: Binding) => {
    // Only a buffer (after the leave); a previous-MAG hold still on its link holds delivered copies.
    const packets = b.hold && b.hold.leftAt !== null ? b.hold.take() : [];
    if (!packets.length || !b.link || !o.deliver) return;
    const n = o.deliver(packets, b.link);
    st.delivered += n;
    st.handoverReplayed += n;
    st.writeDropped += packets.length - n;
  };

  const out: Buffer[] = [];
  const outHeaders: Buffer[] = [];
  const remotes: string[] = [];
  tun.start(
    (packets, headers) => {
      for (let i = 0; i < packets.length; i++) {
        const p = packets[i]!;
        const b = p.length >= IPV6_HEADER_LENGTH && p[0]! >>> 4 === 6 ? byPrefix.get(key8(p, outKey)) : undefined;
        if (!b) {
          st.noBinding++;
          continue;
        }
        out.push(p);
        remotes.push(b.remote);
        if (headers) outHeaders.push(headers[i]!);
      }
      if (out.length) st.tunnelled += t.sendBatch(out, remotes, headers ? outHeaders : undefined);
      out.length = 0;
      remotes.length = 0;
      outHeaders.length = 0;
    },
    () => {},
  );

  return {
    tunName: tun.name,
    bind(prefix, remote, link) {
      const was = byPrefix.get(keyOf(prefix));
      const b: Binding = {
        prefix: canonicalIpv6(prefix),
        remote: canonicalIpv6(remote),
        direct: [],
        ...(link ? { link } : {}),
        // A new MAG's PBA: the previous MAG's forwarding is still accepted (RFC 5949 §4.1).
        ...(was?.peer && o.side === 'mag' ? { peer: was.peer } : {}),
      };
      if (o.side === 'lma' && was && was.remote !== b.remote) {
        b.peer = was.remote;
        b.peerUntil = Date.now() + LMA_HANDOFF_GRACE_MS;
      }
      if (o.handover && link) b.hold = newHold(b);
      byPrefix.set(keyOf(prefix), b);
      if (was?.hold && was.hold.leftAt !== null && link) {
        const carried = was.hold.take();
        if (carried.length && o.deliver) st.delivered += o.deliver(carried, link);
      }
      // The LMA switches at the PBU and sends the PBA, then the node's downlink, to this MAG; the two
      // come off different sockets, so a first packet can be read before the PBA and kept (`early`).
      if (o.side === 'mag' && link && o.deliver) {
        const first = takeEarly(keyOf(prefix), b.remote);
        if (first.length) st.delivered += o.deliver(first, link);
      }
    },
    unbind(prefix) {
      byPrefix.delete(keyOf(prefix));
      relays.delete(keyOf(prefix));
    },
    acceptAlso(prefix, from, forMs) {
      const b = byPrefix.get(keyOf(prefix));
      if (!b) return;
      b.peer = canonicalIpv6(from);
      b.peerUntil = Date.now() + forMs;
    },
    switchTo(prefix, to, since) {
      const b = byPrefix.get(keyOf(prefix));
      if (!b || !o.handover) return;
      b.hold ??= newHold(b);
      if (b.hold.leftAt === null) b.hold.left(since.leftAtMs ?? Date.now(), since.lastFrame);
      if (to === null) return;
      b.forwardTo = canonicalIpv6(to);
      relays.set(keyOf(prefix), { from: b.forwardTo, to: b.remote });
      sendTo(b.hold.take(), b.forwardTo);
    },
    hold(prefix, peer) {
      if (!o.handover) return;
      const k = keyOf(prefix);
      const p = canonicalIpv6(peer);
      const b: Binding = byPrefix.get(k) ?? { prefix: canonicalIpv6(prefix), remote: p, direct: [] };
      b.peer = p;
      delete b.link;
      b.hold = newHold(b);
      b.hold.left(Date.now());
      for (const x of takeEarly(k, p)) b.hold.add(Date.now(), x, drops);
      byPrefix.set(k, b);
    },
    accept(prefix, peer, link, uplink) {
      const k = keyOf(prefix);
      const p = canonicalIpv6(peer);
      const b: Binding = byPrefix.get(k) ?? { prefix: canonicalIpv6(prefix), remote: p, direct: [] };
      b.peer = p;
      if (uplink) b.remote = p;
      b.link = link;
      byPrefix.set(k, b);
      flushTo(b);
      const first = takeEarly(k, p);
      if (first.length && o.deliver) st.delivered += o.deliver(first, link);
      b.hold = o.handover ? newHold(b) : undefined;
    },
    endPeer(prefix) {
      const b = byPrefix.get(keyOf(prefix));
      if (!b) return;
      delete b.peer;
      if (b.remote === undefined || !b.link) byPrefix.delete(keyOf(prefix));
    },
    bindings: () => [...byPrefix.values()].map((b) => ({ prefix: b.prefix, remote: b.remote })),
    stats: () => ({ ...st, tunnel: t.stats() }),
    close() {
      t.close();
      tun.close();
      byPrefix.clear();
      relays.clear();
    },
  };
}
