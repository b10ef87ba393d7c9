// The correspondent's route-optimised data path (RFC 6275 §9.3), in userspace since the kernel has no
// IPv6 mobility (docs/dataplane.md §8):
//
//   app ─► packet to HoA ─► route HoA/128 dev cnro0 (one per binding) ─► TUN read
//     ─► binding? dst := CoA, type 2 routing header (HoA) ─► IPPROTO_RAW ─► wire (§9.3.2)
//   wire ─► AF_PACKET (nft keeps the kernel from answering the HAO with Parameter Problem)
//     ─► Destination Options with only a Home Address option, and the binding HoA → this source?
//        src := HoA, header removed ─► TUN write ─► kernel delivers to the app (§9.3.1)
//        else: refused (the role answers with a Binding Error, §9.3.1)
//   wire ─► ICMPv6 Packet Too Big quoting a route-optimised packet of ours (dst CoA, type 2 routing
//     header = HoA) ─► HoA/128 route MTU := reported MTU − 24 (RFC 8201 §4, §5.2: the kernel learned
//     it for the CoA, which no socket here sends to; the applications send to the HoA)
//
// Methods follow the Correspondent machine's actions: binding-up, binding-down.
import type { NativeBinding, Raw6Socket, TunDevice } from '../../native/types.js';
import { bytesToIpv6, ipv6ToBytes } from '../../wire/address.js';
import { ipBatch } from './kernel.js';
import { openPacketTooBigSocket, PathMtuRoutes, quotedRouteOptimised } from './packet-too-big.js';
import { insertRoutingType2, removeHomeAddressOption, ROUTE_OPTIMISATION_OVERHEAD } from './route-optimised-packets.js';
import { canonicalIpv6, TUN_TX_QUEUE } from './tunnel.js';

export const DEFAULT_CORRESPONDENT_TUN = 'cnro0';

export interface CorrespondentBindingOptions {
  native: NativeBinding;
  netns?: string;
  tunName?: string;
  /** TUN MTU: the link's less the 24-byte routing header, so the kernel sends Packet Too Big, not us. */
  mtu?: number;
}

export interface CorrespondentBindingStats {
  /** Packets sent to a care-of address with a type 2 routing header. */
  routeOptimised: number;
  /** Packets read from the TUN for a home address without a binding, sent unchanged. */
  noBinding: number;
  /** Packets with a Home Address option matching a binding, written into the TUN. */
  accepted: number;
  /** Packets with a Home Address option refused: no binding for it from that source, or not our form. */
  refused: number;
  sendFailed: number;
  writeDropped: number;
  /** Packet Too Big for a route-optimised packet of a current binding: the HoA's route MTU lowered. */
  pathMtuLowered: number;
  /** Packet Too Big quoting no route-optimised packet of a current binding, or not lowering anything. */
  pathMtuIgnored: number;
  /** `ip route` changes for a lowered MTU that failed. */
  routeChangesFailed: number;
}

export interface CorrespondentBinding {
  readonly tunName: string;
  bindingUp(homeAddress: string, careOfAddress: string): Promise<void>;
  bindingDown(homeAddress: string): Promise<void>;
  /**
   * A packet (from its IPv6 header) that arrived with a Home Address option: true when it matched a
   * binding and went to the applications; false when the caller should answer it (§9.3.1).
   */
  receive(packet: Buffer): boolean;
  bindings(): { homeAddress: string; careOfAddress: string; pathMtu: number }[];
  stats(): CorrespondentBindingStats;
  close(): void;
}

export async function openCorrespondentBinding(o: CorrespondentBindingOptions): Promise<CorrespondentBinding> {
  const st: Omit<CorrespondentBindingStats, 'routeChangesFailed'> = {
    routeOptimised: 0,
    noBinding: 0,
    accepted: 0,
    refused: 0,
    sendFailed: 0,
    writeDropped: 0,
    pathMtuLowered: 0,
    pathMtuIgnored: 0,
  };
  const tunMtu = o.mtu ?? 1500 - ROUTE_OPTIMISATION_OVERHEAD;
  /**
   * Home address (16 bytes as hex) → care-of address bytes and text, and the MTU of the HoA's route:
   * the TUN's until a Packet Too Big from the path to this care-of address says less.
   */
  const byHome = new Map<string, { coa: Buffer; text: string; home: string; mtu: number }>();
  const routed = new Set<string>();
  const tun: TunDevice = o.native.openTun({ name: o.tunName ?? DEFAULT_CORRESPONDENT_TUN, netns: o.netns });
  const name = tun.name;
  let raw: Raw6Socket;
  let tooBig: Raw6Socket;
  try {
    raw = o.native.openRaw6Socket({ protocol: 255, headerIncluded: true, ...(o.netns ? { netns: o.netns } : {}) });
  } catch (err) {
    tun.close();
    throw err;
  }
  try {
    // A copy of each Packet Too Big (the kernel handles its own as well): RFC 4443 §3.2.
    tooBig = openPacketTooBigSocket(o.native, o.netns);
  } catch (err) {
    raw.close();
    tun.close();
    throw err;
  }
  try {
    await ipBatch(o.netns, [
      `link set dev ${name} addrgenmode none`,
      `link set dev ${name} mtu ${tunMtu} txqueuelen ${TUN_TX_QUEUE} up`,
    ]);
  } catch (err) {
    tooBig.close();
    raw.close();
    tun.close();
    throw err;
  }
  const routes = new PathMtuRoutes(o.netns, name, tunMtu, false);

  tooBig.start(
    (packets) => {
      for (const { data } of packets) {
        const q = quotedRouteOptimised(data);
        const b = q ? byHome.get(q.homeAddress) : undefined;
        // Only a packet this node sent to a binding's current care-of address lowers anything: a
        // forged or stale one changes nothing but its counter.
        const mtu = q ? PathMtuRoutes.lowered(q.mtu, ROUTE_OPTIMISATION_OVERHEAD) : 0;
        if (!q || !b?.coa.equals(q.careOfAddress) || mtu >= b.mtu) {
          st.pathMtuIgnored++;
          continue;
        }
        b.mtu = mtu;
        st.pathMtuLowered++;
        void routes.set(b.home, mtu);
      }
    },
    () => {},
  );

  const send = (p: Buffer, dst: string) => {
    let ok = false;
    try {
      ok = raw.send(p, dst);
    } catch {
      ok = false;
    }
    if (!ok) st.sendFailed++;
    return ok;
  };

  tun.start(
    (packets) => {
      for (const p of packets) {
        if (p.length < 40 || p[0]! >>> 4 !== 6) continue;
        const b = byHome.get(p.toString('hex', 24, 40));
        const dst = bytesToIpv6(p, 24);
        if (!b) {
          // The binding went between the kernel's route lookup and this read: the packet goes the normal way.
          st.noBinding++;
          send(p, dst);
          continue;
        }
        const out = insertRoutingType2(p, b.coa);
        if (out && send(out, b.text)) st.routeOptimised++;
      }
    },
    () => {},
  );

  return {
    tunName: name,
    async bindingUp(homeAddress, careOfAddress) {
      const home = canonicalIpv6(homeAddress);
      const key = ipv6ToBytes(home).toString('hex');
      const coa = ipv6ToBytes(careOfAddress);
      const before = byHome.get(key);
      // A refresh keeps what the path taught; a new care-of address is a new path (RFC 8201 §5.2).
      const mtu = before?.coa.equals(coa) ? before.mtu : tunMtu;
      byHome.set(key, { coa, text: canonicalIpv6(careOfAddress), home, mtu });
      if (!routed.has(home) || (before && before.mtu !== mtu)) {
        routed.add(home);
        await routes.set(home, mtu);
      }
    },
    async bindingDown(homeAddress) {
      const home = canonicalIpv6(homeAddress);
      byHome.delete(ipv6ToBytes(home).toString('hex'));
      if (routed.delete(home)) await ipBatch(o.netns, [`route del ${home}/128 dev ${name}`]);
    },
    receive(packet) {
      const r = removeHomeAddressOption(packet);
      const b = r ? byHome.get(r.homeAddress.toString('hex')) : undefined;
      // §9.3.1: only a home address bound to this very care-of address (the packet's source).
      if (!r || !b?.coa.equals(r.careOfAddress)) {
        st.refused++;
        return false;
      }
      if (tun.write(r.packet)) st.accepted++;
      else st.writeDropped++;
      return true;
    },
    bindings: () => [...byHome.values()].map((b) => ({ homeAddress: b.home, careOfAddress: b.text, pathMtu: b.mtu })),
    stats: () => ({ ...st, routeChangesFailed: routes.failed }),
    close() {
      tooBig.close();
      raw.close();
      tun.close(); // its routes go with the device
      routed.clear();
    },
  };
}
