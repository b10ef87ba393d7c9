// Path MTU for the mobility data planes' own paths (RFC 8201). The agents add headers after the
// kernel built a packet (a type 2 routing header at the correspondent, an IPv6 tunnel header at a
// home agent or MAP), so a router further on that cannot forward the larger packet answers with a
// Packet Too Big (RFC 4443 §3.2) quoting the agent's packet: its destination is the care-of address,
// to which no socket here sends. The kernel learns that MTU for the care-of address, the sockets keep
// sending full-size packets to the home address, and a TCP session stalls for good. The agents read
// a copy of each Packet Too Big, recognise their own packet in it, and give the home address's route
// the MTU less their header (`PathMtuRoutes`), so the kernel sizes what it sends or forwards there.
import type { NativeBinding, Raw6Socket } from '../../native/types.js';
import { ipBatch } from './kernel.js';

export const ICMPV6_PACKET_TOO_BIG = 2;
/** RFC 8200 §5: no link, and so no path, has a smaller MTU. */
export const IPV6_MIN_MTU = 1280;
const NEXT_HEADER_ROUTING = 43;
const NEXT_HEADER_IPV6 = 41;
/** Type, code, checksum, MTU: the invoking packet follows (RFC 4443 §3.2). */
const QUOTE = 8;

export interface QuotedPacket {
  mtu: number;
  /** The invoking packet's destination: a care-of address. */
  careOfAddress: Buffer;
  /** The home address it carried, as 16 bytes in hex. */
  homeAddress: string;
}

/**
 * A Packet Too Big whose invoking packet is route-optimised: destination the care-of address, first
 * extension a type 2 routing header holding the home address (RFC 6275 §6.4). Null otherwise.
 */
export function quotedRouteOptimised(icmp: Buffer): QuotedPacket | null {
  if (!isPacketTooBig(icmp, 40 + 24) || icmp[QUOTE + 6] !== NEXT_HEADER_ROUTING) return null;
  const rh = QUOTE + 40;
  if (icmp[rh + 1] !== 2 || icmp[rh + 2] !== 2) return null;
  return {
    mtu: icmp.readUInt32BE(4),
    careOfAddress: Buffer.from(icmp.subarray(QUOTE + 24, QUOTE + 40)),
    homeAddress: icmp.toString('hex', rh + 8, rh + 24),
  };
}

/**
 * A Packet Too Big whose invoking packet is an IPv6-in-IPv6 tunnel packet (RFC 2473): the outer
 * destination a care-of address, the inner destination a home address. Null otherwise.
 */
export function quotedTunnelled(icmp: Buffer): QuotedPacket | null {
  if (!isPacketTooBig(icmp, 40 + 40) || icmp[QUOTE + 6] !== NEXT_HEADER_IPV6) return null;
  const inner = QUOTE + 40;
  if (icmp[inner]! >>> 4 !== 6) return null;
  return {
    mtu: icmp.readUInt32BE(4),
    careOfAddress: Buffer.from(icmp.subarray(QUOTE + 24, QUOTE + 40)),
    homeAddress: icmp.toString('hex', inner + 24, inner + 40),
  };
}

function isPacketTooBig(icmp: Buffer, quoted: number): boolean {
  return icmp.length >= QUOTE + quoted && icmp[0] === ICMPV6_PACKET_TOO_BIG && icmp[QUOTE]! >>> 4 === 6;
}

/** A raw ICMPv6 socket that reads a copy of every Packet Too Big (the kernel handles its own too). */
export function openPacketTooBigSocket(native: NativeBinding, netns?: string): Raw6Socket {
  return native.openRaw6Socket({ protocol: 58, icmp6Types: [ICMPV6_PACKET_TOO_BIG], ...(netns ? { netns } : {}) });
}

/**
 * The MTU of each home address's /128 route on `dev`: `base` (the device's) until a Packet Too Big
 * says less. `lock`: for forwarded packets, which the kernel checks against a route MTU only when it
 * is locked (a home agent or MAP); a correspondent's own packets use it as it is.
 */
export class PathMtuRoutes {
  #chain: Promise<void> = Promise.resolve();
  readonly #netns: string | undefined;
  readonly #dev: string;
  readonly #base: number;
  readonly #lock: boolean;
  failed = 0;

  constructor(netns: string | undefined, dev: string, base: number, lock: boolean) {
    this.#netns = netns;
    this.#dev = dev;
    this.#base = base;
    this.#lock = lock;
  }

  /** Route changes go in order, one at a time; a failure is counted and the data path goes on. */
  set(home: string, mtu: number): Promise<void> {
    const metric = mtu < this.#base ? ` mtu ${this.#lock ? 'lock ' : ''}${mtu}` : '';
    const cmd = `route replace ${home}/128 dev ${this.#dev}${metric}`;
    this.#chain = this.#chain
      .then(async () => {
        await ipBatch(this.#netns, [cmd]);
      })
      .catch(() => {
        this.failed++;
      });
    return this.#chain;
  }

  /** The MTU a Packet Too Big reporting `reported` gives a path whose own header is `overhead`. */
  static lowered(reported: number, overhead: number): number {
    return Math.max(IPV6_MIN_MTU, reported - overhead);
  }
}
