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
import type { NativeBinding, TunDevice } from '../../native/types.js';
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
  tunnel: TunnelStats;
}

export interface PrefixTunnel {
  readonly tunName: string;
  /** Sends the /64 `prefix` to `remote` and accepts it from there (replaces an earlier binding). */
  bind(prefix: string, remote: string, link?: PrefixTunnelLink): void;
  unbind(prefix: string): void;
  bindings(): { prefix: string; remote: string }[];
  stats(): PrefixTunnelStats;
  close(): void;
}

const PREFIX_BYTES = 8;
const key8 = (b: Buffer, offset: number) => b.toString('latin1', offset, offset + PREFIX_BYTES);
const keyOf = (prefix: string) => ipv6ToBytes(prefix).toString('latin1', 0, PREFIX_BYTES);
const SRC = 8;
const DST = 24;

export async function openPrefixTunnel(o: PrefixTunnelOptions): Promise<PrefixTunnel> {
  const byPrefix = new Map<string, { prefix: string; remote: string; link?: PrefixTunnelLink; direct: Buffer[] }>();
  const st = { tunnelled: 0, delivered: 0, noBinding: 0, rejectedFromTunnel: 0, writeDropped: 0 };
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
        if (!b || b.remote !== outerSrc) {
          st.rejectedFromTunnel++;
          return;
        }
        if (b.link && o.deliver) {
          // The receive batch's views are reused: a copy for the link.
          b.direct.push(Buffer.from(inner));
          if (b.direct.length === 1) directPending.push(b);
        } else pending.push(inner);
      },
      onBatchEnd: () => {
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
      byPrefix.set(keyOf(prefix), {
        prefix: canonicalIpv6(prefix),
        remote: canonicalIpv6(remote),
        direct: [],
        ...(link ? { link } : {}),
      });
    },
    unbind(prefix) {
      byPrefix.delete(keyOf(prefix));
    },
    bindings: () => [...byPrefix.values()].map((b) => ({ prefix: b.prefix, remote: b.remote })),
    stats: () => ({ ...st, tunnel: t.stats() }),
    close() {
      t.close();
      tun.close();
      byPrefix.clear();
    },
  };
}
