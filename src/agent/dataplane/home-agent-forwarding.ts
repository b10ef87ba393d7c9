// The home agent's data plane (RFC 6275 §10.4): intercept packets for registered home addresses on the
// home link and tunnel them to the care-of address; decapsulate reverse-tunnelled packets and forward.
//
//   home link ─ NS for HoA ─► kernel proxy ND (proxy_ndp=1, "neigh add proxy HoA") answers with our MAC
//   packet to HoA ─► kernel forwards: route HoA/128 dev mipha0 ─► TUN read ─► tunnel to CoA (§10.4.1)
//   CoA ─► raw socket 41 ─► inner src must be a HoA bound to that CoA (§10.4.5) ─► TUN write
//     ─► kernel forwards it like any packet received on mipha0 (hop limit decremented once)
//
// The kernel does the routing, hop limits and Packet Too Big (mipha0 has the tunnel MTU); the agent
// only moves packets between the TUN and the tunnel. A Packet Too Big for one of its tunnel packets
// (a MAP tunnelling again toward the LCoA, RFC 5380) lowers that home address's route MTU, locked so
// the kernel's forwarding honours it (packet-too-big.ts, RFC 8201 §4). Method names follow the HomeAgent machine's
// actions (src/protocols/mipv6/home-agent.ts): tunnel-up, tunnel-down, proxy-nd-start, proxy-nd-stop.
import type { NativeBinding, TunDevice } from '../../native/types.js';
import { ipv6ToBytes } from '../../wire/address.js';
import { ipBatch, ipBatchForceSync, linkLayerAddress, sysctl } from './kernel.js';
import { openUnsolicitedAdvertiser, type UnsolicitedAdvertiser } from './neighbor-advertisement.js';
import {
  canonicalIpv6,
  IPV6_HEADER_LENGTH,
  openTunnelEndpoint,
  TUN_TX_QUEUE,
  TUNNEL_OVERHEAD,
  TUNNEL_RECEIVE_BUFFER,
  type TunnelEndpoint,
  type TunnelStats,
} from './tunnel.js';
import { DEFAULT_TUNNEL_MTU } from './home-address.js';
import { openPacketTooBigSocket, PathMtuRoutes, quotedTunnelled } from './packet-too-big.js';

export const DEFAULT_HA_TUN = 'mipha0';

export interface HomeAgentForwardingOptions {
  native: NativeBinding;
  netns?: string;
  /** The home agent's address: tunnel endpoint (outer source toward, outer destination from, the CoA). */
  homeAgentAddress: string;
  /** The home link interface, where proxy ND answers for home addresses. */
  homeLink: string;
  tunName?: string;
  mtu?: number;
  /** Our MAC on the home link for the unsolicited NAs (read with `ip link` when absent). */
  linkLayerAddress?: string;
  /** Unsolicited NAs per proxy-nd-start and their spacing (RFC 4861 §10 defaults: 3, 1000 ms). */
  unsolicitedNaCount?: number;
  unsolicitedNaIntervalMs?: number;
  batch?: number;
  /** SO_RCVBUF of the tunnel socket (default TUNNEL_RECEIVE_BUFFER). */
  receiveBuffer?: number;
  /** TUN offloads on mipha0 (default true): see HomeAddressOptions.offload. */
  offload?: boolean;
  /** Answer proxied Neighbor Solicitations at once instead of after Linux's random proxy_delay (default false). */
  immediateProxyAnswers?: boolean;
}

export interface HomeAgentForwardingStats {
  /** Wire packets for a home address tunnelled to its CoA (a TUN super-packet counts as its segments). */
  tunnelled: number;
  /** Reverse-tunnelled packets written into the TUN for forwarding. */
  forwarded: number;
  /** TUN packets for a home address with no binding (e.g. just after tunnel-down). */
  noBinding: number;
  /** Reverse-tunnelled packets whose inner source is not a home address bound to the outer source (§10.4.5). */
  rejectedFromTunnel: number;
  writeDropped: number;
  /** Packet Too Big for a tunnel packet to a binding's current care-of address: its route MTU lowered. */
  pathMtuLowered: number;
  /** Packet Too Big quoting no tunnel packet of a current binding, or lowering nothing. */
  pathMtuIgnored: number;
  routeChangesFailed: number;
  unsolicitedNaSent: number;
  tunnel: TunnelStats;
}

export interface HomeAgentForwarding {
  readonly tunName: string;
  /** tunnel-up: route the home address into the TUN and tunnel its packets to `careOfAddress` (replaces). */
  tunnelUp(homeAddress: string, careOfAddress: string): Promise<void>;
  tunnelDown(homeAddress: string): Promise<void>;
  /** proxy-nd-start: answer NSs for the home address on the home link and send unsolicited NAs (§10.4.1). */
  proxyNdStart(homeAddress: string): Promise<void>;
  proxyNdStop(homeAddress: string): Promise<void>;
  bindings(): { homeAddress: string; careOfAddress: string; pathMtu: number }[];
  stats(): HomeAgentForwardingStats;
  close(): void;
}

/** 16 address bytes as a Map key: a short latin1 string, no address formatting per packet. */
const key16 = (b: Buffer, offset: number) => b.toString('latin1', offset, offset + 16);
const keyOf = (addr: string) => ipv6ToBytes(addr).toString('latin1');

export async function openHomeAgentForwarding(o: HomeAgentForwardingOptions): Promise<HomeAgentForwarding> {
  const ha = canonicalIpv6(o.homeAgentAddress);
  const mtu = o.mtu ?? DEFAULT_TUNNEL_MTU;
  /** home address key -> care-of address (text, for the tunnel) */
  const byHome = new Map<string, { homeAddress: string; careOfAddress: string; pathMtu: number }>();
  const proxied = new Set<string>();
  const st = {
    tunnelled: 0,
    forwarded: 0,
    noBinding: 0,
    rejectedFromTunnel: 0,
    writeDropped: 0,
    pathMtuLowered: 0,
    pathMtuIgnored: 0,
  };

  // RFC 6275 §10.4.1 relies on proxy ND; Linux answers proxied NSs only on a forwarding interface.
  // Slash form: interface names may contain dots (eth0.10).
  await sysctl(o.netns, {
    'net/ipv6/conf/all/forwarding': 1,
    [`net/ipv6/conf/${o.homeLink}/proxy_ndp`]: 1,
    // RFC 4861 §7.2.8: a proxy answers after a random delay (Linux: up to proxy_delay, 0.8 s) so that an
    // owner on the link wins; where no owner can be on the link (a MAP's RCoAs) the delay only adds.
    ...(o.immediateProxyAnswers ? { [`net/ipv6/neigh/${o.homeLink}/proxy_delay`]: 0 } : {}),
  });
  const mac = o.linkLayerAddress ?? (await linkLayerAddress(o.netns, o.homeLink));

  const tun: TunDevice = o.native.openTun({
    name: o.tunName ?? DEFAULT_HA_TUN,
    netns: o.netns,
    vnetHeader: o.offload ?? true,
    ...(o.batch ? { batch: o.batch } : {}),
  });
  const pending: Buffer[] = [];
  const name = tun.name;
  let tunnel: TunnelEndpoint | undefined;
  let na: UnsolicitedAdvertiser | undefined;
  try {
    await ipBatch(o.netns, [
      `link set dev ${name} addrgenmode none`,
      `link set dev ${name} mtu ${mtu} txqueuelen ${TUN_TX_QUEUE} up`,
    ]);
    na = openUnsolicitedAdvertiser({
      native: o.native,
      netns: o.netns,
      ifname: o.homeLink,
      linkLayerAddress: mac,
      ...(o.unsolicitedNaCount !== undefined ? { count: o.unsolicitedNaCount } : {}),
      ...(o.unsolicitedNaIntervalMs !== undefined ? { intervalMs: o.unsolicitedNaIntervalMs } : {}),
    });
    tunnel = openTunnelEndpoint({
      native: o.native,
      netns: o.netns,
      local: ha,
      ...(o.batch ? { batch: o.batch } : {}),
      receiveBuffer: o.receiveBuffer ?? TUNNEL_RECEIVE_BUFFER,
      onPacket: (inner, outerSrc) => {
        // §10.4.5: accept only packets whose inner source is a home address bound to this CoA.
        const b = byHome.get(key16(inner, 8));
        if (!b || b.careOfAddress !== outerSrc) {
          st.rejectedFromTunnel++;
          return;
        }
        pending.push(inner);
      },
      // One writeMany per receive batch: consecutive TCP segments go into mipha0 as one super-packet.
      onBatchEnd: () => {
        if (pending.length === 0) return;
        const n = tun.writeMany(pending);
        st.forwarded += n;
        st.writeDropped += pending.length - n;
        pending.length = 0;
      },
    });
  } catch (err) {
    na?.close();
    tun.close();
    throw err;
  }
  const t = tunnel;
  const routes = new PathMtuRoutes(o.netns, name, mtu, true);
  let tooBig: ReturnType<typeof openPacketTooBigSocket>;
  try {
    tooBig = openPacketTooBigSocket(o.native, o.netns);
  } catch (err) {
    na?.close();
    t.close();
    tun.close();
    throw err;
  }
  tooBig.start(
    (packets) => {
      for (const { data } of packets) {
        const q = quotedTunnelled(data);
        const b = q ? byHome.get(Buffer.from(q.homeAddress, 'hex').toString('latin1')) : undefined;
        // Only our own tunnel packet to the binding's current care-of address lowers anything.
        const lowered = q ? PathMtuRoutes.lowered(q.mtu, TUNNEL_OVERHEAD) : 0;
        if (!q || !b || keyOf(b.careOfAddress) !== q.careOfAddress.toString('latin1') || lowered >= b.pathMtu) {
          st.pathMtuIgnored++;
          continue;
        }
        b.pathMtu = lowered;
        st.pathMtuLowered++;
        void routes.set(b.homeAddress, lowered);
      }
    },
    () => {},
  );

  const out: Buffer[] = [];
  const outHeaders: Buffer[] = [];
  const remotes: string[] = [];
  tun.start(
    (packets, headers) => {
      for (let i = 0; i < packets.length; i++) {
        const p = packets[i]!;
        if (p.length < IPV6_HEADER_LENGTH || p[0]! >>> 4 !== 6) {
          st.noBinding++;
          continue;
        }
        const b = byHome.get(key16(p, 24));
        if (!b) {
          st.noBinding++;
          continue;
        }
        out.push(p);
        remotes.push(b.careOfAddress);
        if (headers) outHeaders.push(headers[i]!);
      }
      // One native call per batch; super-packets are segmented there (counted as wire packets).
      if (out.length) st.tunnelled += t.sendBatch(out, remotes, headers ? outHeaders : undefined);
      out.length = 0;
      remotes.length = 0;
      outHeaders.length = 0;
    },
    () => {},
  );

  return {
    tunName: name,
    async tunnelUp(homeAddress: string, careOfAddress: string): Promise<void> {
      const h = canonicalIpv6(homeAddress);
      const before = byHome.get(keyOf(h));
      const coa = canonicalIpv6(careOfAddress);
      // A refresh keeps what the path taught; a new care-of address is a new path (RFC 8201 §5.2).
      const pathMtu = before?.careOfAddress === coa ? before.pathMtu : mtu;
      byHome.set(keyOf(h), { homeAddress: h, careOfAddress: coa, pathMtu });
      if (!before || before.pathMtu !== pathMtu) await routes.set(h, pathMtu);
    },
    async tunnelDown(homeAddress: string): Promise<void> {
      const h = canonicalIpv6(homeAddress);
      if (!byHome.delete(keyOf(h))) return;
      await ipBatch(o.netns, [`route del ${h}/128 dev ${name}`]);
    },
    async proxyNdStart(homeAddress: string): Promise<void> {
      const h = canonicalIpv6(homeAddress);
      if (!proxied.has(h)) {
        await ipBatch(o.netns, [`neigh replace proxy ${h} dev ${o.homeLink}`]);
        proxied.add(h);
      }
      na!.announce(h);
    },
    async proxyNdStop(homeAddress: string): Promise<void> {
      const h = canonicalIpv6(homeAddress);
      na!.cancel(h);
      if (!proxied.delete(h)) return;
      await ipBatch(o.netns, [`neigh del proxy ${h} dev ${o.homeLink}`]);
    },
    bindings: () => [...byHome.values()].map((b) => ({ ...b })),
    stats: () => ({ ...st, routeChangesFailed: routes.failed, unsolicitedNaSent: na!.sent, tunnel: t.stats() }),
    close(): void {
      tooBig.close();
      na!.close();
      t.close();
      tun.close(); // its routes go with the device
      ipBatchForceSync(
        o.netns,
        [...proxied].map((h) => `neigh del proxy ${h} dev ${o.homeLink}`),
      );
      proxied.clear();
      byHome.clear();
    },
  };
}
