// An IPv6-in-IPv6 tunnel endpoint (RFC 2473) without ip6tnl (mobility-anchors.md §D.4.4a).
// Receive: a raw IPv6 socket of protocol 41. This kernel has no tunnel6 handler, yet a raw socket of
// protocol 41 gets each packet from the inner IPv6 header on and no ICMPv6 error goes out (§D.3).
// Send: the outer header is written here (src local, dst remote, hop limit 64, RFC 2473 §3.1) and the
// whole packet goes out through a header-included raw socket (IPPROTO_RAW), routed by the kernel.
// The endpoint never decides where a decapsulated packet goes: the role does (TUN write or forward).
import type { NativeBinding, Raw6Packet, Raw6Socket, TunnelledSendResult } from '../../native/types.js';
import { bytesToIpv6, ipv6ToBytes } from '../../wire/address.js';

export const IPPROTO_IPV6 = 41;
export const IPPROTO_RAW = 255;
export const IPV6_HEADER_LENGTH = 40;
/** RFC 2473 §3.1: the tunnel entry point sets the outer hop limit like any originating node (64, RFC 8200 default). */
export const TUNNEL_HOP_LIMIT = 64;
/** Outer header cost; the tunnel MTU is the path MTU minus this (RFC 2473 §7.1). */
export const TUNNEL_OVERHEAD = IPV6_HEADER_LENGTH;
/**
 * Receive buffer for tunnel sockets: a burst of TCP segments arrives faster than one JS turn drains
 * it; the kernel default (~208 KiB) drops and TCP then backs off hard (measured, docs/dataplane.md).
 */
export const TUNNEL_RECEIVE_BUFFER = 4 << 20;
/** txqueuelen of the TUN devices, for the same reason on the read side. */
export const TUN_TX_QUEUE = 2000;

/** Why a received packet was not handed over. */
export type TunnelDrop = 'malformed' | 'not-local';

export interface TunnelStats {
  /** Inner packets handed to onPacket. */
  decapsulated: number;
  /** Packets encapsulated and accepted by the kernel. */
  encapsulated: number;
  /** Received items that are not a whole IPv6 packet (version, length): counted, dropped. */
  malformed: number;
  /** Protocol-41 packets for another local address (another endpoint's). */
  notLocal: number;
  /** Sends refused: EAGAIN/ENOBUFS (queue full) or errors such as EMSGSIZE (larger than the path MTU). */
  sendDropped: number;
  /** Last send error code, if any (EMSGSIZE, ENETUNREACH ...). */
  lastSendError?: string;
}

export interface TunnelEndpointOptions {
  native: NativeBinding;
  /** Namespace path (/run/netns/NAME); the sockets stay in it. */
  netns?: string;
  /** This endpoint's address: outer source of what it sends, outer destination of what it accepts. */
  local: string;
  /**
   * Each decapsulated inner packet with the outer source. `inner` is a view into the receive batch:
   * copy it to keep it past the callback.
   */
  onPacket: (inner: Buffer, outerSrc: string, outerDst: string) => void;
  /**
   * Called after the last onPacket of each receive batch (the views are still valid): where a role
   * writes what it collected with one TunDevice.writeMany (software GRO on a vnet TUN).
   */
  onBatchEnd?: () => void;
  /** Receive batch size (native default 64). */
  batch?: number;
  /** SO_RCVBUF for the protocol-41 socket (bytes). */
  receiveBuffer?: number;
}

export interface TunnelEndpoint {
  readonly local: string;
  /** Encapsulates `inner` (a whole IPv6 packet) toward `remote`. False when the kernel refused it (counted). */
  send(inner: Buffer, remote: string): boolean;
  /**
   * Encapsulates a batch with one native call (one sendmmsg per 64 wire packets). `remote` is one
   * address for all or one per packet; `vnetHeaders` are the packets' virtio_net_hdr from a vnet TUN:
   * GSO super-packets are cut into TCP segments, partial checksums completed (Raw6Socket.sendTunnelled).
   * Returns the wire packets sent; refusals are counted in sendDropped.
   */
  sendBatch(inners: Buffer[], remote: string | string[], vnetHeaders?: Buffer[]): number;
  /** Changes the local address (a new care-of address) without reopening anything. */
  setLocal(local: string): void;
  stats(): TunnelStats;
  close(): void;
}

/** True when `b` holds one whole IPv6 packet: version 6 and Payload Length within the bytes (RFC 8200 §3). */
export function isWholeIpv6Packet(b: Buffer): boolean {
  return b.length >= IPV6_HEADER_LENGTH && b[0]! >>> 4 === 6 && IPV6_HEADER_LENGTH + b.readUInt16BE(4) <= b.length;
}

/** Canonical text (RFC 5952) so addresses from config compare with the addon's. */
export function canonicalIpv6(a: string): string {
  return bytesToIpv6(ipv6ToBytes(a));
}

/**
 * Writes the RFC 2473 §3 outer header for `inner` into `out` (which must hold 40 + inner bytes) and
 * copies inner after it. Returns the packet length. `srcDst` is the 32 address bytes (src, dst).
 */
export function encapsulate(inner: Buffer, srcDst: Buffer, out: Buffer, hopLimit = TUNNEL_HOP_LIMIT): number {
  // Traffic class and flow label 0: RFC 2473 §6.5/§6.6 leave them to the entry point's configuration.
  out.writeUInt32BE(0x60000000, 0);
  out.writeUInt16BE(inner.length, 4);
  out[6] = IPPROTO_IPV6;
  out[7] = hopLimit;
  srcDst.copy(out, 8);
  inner.copy(out, IPV6_HEADER_LENGTH);
  return IPV6_HEADER_LENGTH + inner.length;
}

export function openTunnelEndpoint(o: TunnelEndpointOptions): TunnelEndpoint {
  let local = canonicalIpv6(o.local);
  // Outer addresses per remote, cached: 16 bytes local + 16 bytes remote.
  const outer = new Map<string, Buffer>();
  // One reusable send buffer: the kernel copies on send, so nothing is allocated per packet.
  const scratch = Buffer.alloc(65_575);
  const s: TunnelStats = { decapsulated: 0, encapsulated: 0, malformed: 0, notLocal: 0, sendDropped: 0 };

  const rx: Raw6Socket = o.native.openRaw6Socket({
    protocol: IPPROTO_IPV6,
    netns: o.netns,
    ...(o.batch ? { batch: o.batch } : {}),
    ...(o.receiveBuffer ? { receiveBuffer: o.receiveBuffer } : {}),
  });
  let tx: Raw6Socket;
  try {
    tx = o.native.openRaw6Socket({ protocol: IPPROTO_RAW, headerIncluded: true, netns: o.netns });
  } catch (err) {
    rx.close();
    throw err;
  }

  const onPackets = (packets: Raw6Packet[]) => {
    for (const p of packets) {
      // Several endpoints may share a namespace: each raw socket sees every protocol-41 packet.
      if (p.dst !== local) {
        s.notLocal++;
        continue;
      }
      if (!isWholeIpv6Packet(p.data)) {
        s.malformed++;
        continue;
      }
      s.decapsulated++;
      // Trailing bytes beyond the inner Payload Length are not part of the inner packet.
      const inner =
        p.data.length === IPV6_HEADER_LENGTH + p.data.readUInt16BE(4)
          ? p.data
          : p.data.subarray(0, IPV6_HEADER_LENGTH + p.data.readUInt16BE(4));
      o.onPacket(inner, p.src, p.dst);
    }
    o.onBatchEnd?.();
  };
  // Receive errors are counted by the addon (stats().errors); the socket keeps working.
  rx.start(onPackets, () => {});

  const addresses = (remote: string): Buffer => {
    let b = outer.get(remote);
    if (!b) {
      b = Buffer.alloc(32);
      ipv6ToBytes(local).copy(b, 0);
      ipv6ToBytes(remote).copy(b, 16);
      outer.set(remote, b);
    }
    return b;
  };

  // Outer headers per remote for sendBatch (Payload Length filled in by the addon per wire packet).
  const outerHeaders = new Map<string, Buffer>();
  const outerHeader = (remote: string): Buffer => {
    let h = outerHeaders.get(remote);
    if (!h) {
      h = Buffer.alloc(IPV6_HEADER_LENGTH);
      encapsulate(Buffer.alloc(0), addresses(remote), h);
      outerHeaders.set(remote, h);
    }
    return h;
  };

  return {
    get local() {
      return local;
    },
    sendBatch(inners: Buffer[], remote: string | string[], vnetHeaders?: Buffer[]): number {
      if (inners.length === 0) return 0;
      const outerArg = typeof remote === 'string' ? outerHeader(remote) : remote.map(outerHeader);
      let r: TunnelledSendResult;
      try {
        r = tx.sendTunnelled(outerArg, inners, vnetHeaders);
      } catch (err) {
        s.lastSendError = (err as NodeJS.ErrnoException).code ?? 'error';
        s.sendDropped += inners.length;
        return 0;
      }
      s.encapsulated += r.sent;
      s.sendDropped += r.dropped;
      if (r.lastError) s.lastSendError = r.lastError;
      return r.sent;
    },
    send(inner: Buffer, remote: string): boolean {
      if (inner.length + IPV6_HEADER_LENGTH > scratch.length) {
        s.sendDropped++;
        s.lastSendError = 'EMSGSIZE';
        return false;
      }
      const n = encapsulate(inner, addresses(remote), scratch);
      let ok: boolean;
      try {
        ok = tx.send(scratch.subarray(0, n), remote);
      } catch (err) {
        // EMSGSIZE (beyond the path MTU), ENETUNREACH (no route right after a move): the packet is lost, as on a wire.
        s.lastSendError = (err as NodeJS.ErrnoException).code ?? 'error';
        ok = false;
      }
      if (ok) s.encapsulated++;
      else s.sendDropped++;
      return ok;
    },
    setLocal(next: string): void {
      local = canonicalIpv6(next);
      outer.clear();
      outerHeaders.clear();
    },
    stats: () => ({ ...s }),
    close(): void {
      rx.close();
      tx.close();
    },
  };
}
