import { describe, expect, it } from 'vitest';
import { ipv6ToBytes } from '../../wire/address.js';
import { buildIpv6Packet } from '../../wire/packet.js';
import * as udp from '../../wire/udp.js';
import { PathMtuRoutes, quotedRouteOptimised, quotedTunnelled } from './packet-too-big.js';
import { insertRoutingType2 } from './route-optimised-packets.js';

const HOA = '2001:db8:1::100';
const COA = '2001:db8:a1::200';
const CN = '2001:db8:9::9';

/** A Packet Too Big (RFC 4443 §3.2) quoting `invoking`, as a raw ICMPv6 socket reads it. */
function packetTooBig(mtu: number, invoking: Buffer, type = 2): Buffer {
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(mtu, 4);
  return Buffer.concat([head, invoking.subarray(0, 1232)]);
}

const toHome = buildIpv6Packet({
  src: CN,
  dst: HOA,
  hopLimit: 64,
  upper: { nextHeader: 17, encode: () => udp.encode({ srcPort: 4000, dstPort: 5000, payload: Buffer.alloc(1400) }) },
});

describe('quotedRouteOptimised: a Packet Too Big for a route-optimised packet (RFC 6275 §6.4)', () => {
  it('reads the MTU, the care-of address (the quoted destination) and the home address (type 2 routing header)', () => {
    const ro = insertRoutingType2(toHome, ipv6ToBytes(COA))!;
    const q = quotedRouteOptimised(packetTooBig(1460, ro));
    expect(q).not.toBeNull();
    expect(q!.mtu).toBe(1460);
    expect(q!.careOfAddress.equals(ipv6ToBytes(COA))).toBe(true);
    expect(q!.homeAddress).toBe(ipv6ToBytes(HOA).toString('hex'));
  });

  it('ignores a plain packet, another ICMPv6 type and truncated input', () => {
    const ro = insertRoutingType2(toHome, ipv6ToBytes(COA))!;
    expect(quotedRouteOptimised(packetTooBig(1460, toHome))).toBeNull();
    expect(quotedRouteOptimised(packetTooBig(1460, ro, 1))).toBeNull();
    for (const n of [0, 7, 8, 47, 71]) expect(quotedRouteOptimised(packetTooBig(1460, ro).subarray(0, n))).toBeNull();
    const otherType = Buffer.from(ro);
    otherType[40 + 2] = 0; // a type 0 routing header
    expect(quotedRouteOptimised(packetTooBig(1460, otherType))).toBeNull();
  });
});

describe('quotedTunnelled: a Packet Too Big for an IPv6-in-IPv6 tunnel packet (RFC 2473)', () => {
  const HA = '2001:db8:1::1';
  const tunnelled = buildIpv6Packet({
    src: HA,
    dst: COA,
    hopLimit: 64,
    upper: { nextHeader: 41, encode: () => toHome },
  });

  it('reads the MTU, the care-of address (outer destination) and the home address (inner destination)', () => {
    const q = quotedTunnelled(packetTooBig(1460, tunnelled));
    expect(q).not.toBeNull();
    expect(q!.mtu).toBe(1460);
    expect(q!.careOfAddress.equals(ipv6ToBytes(COA))).toBe(true);
    expect(q!.homeAddress).toBe(ipv6ToBytes(HOA).toString('hex'));
  });

  it('ignores a packet that is not a tunnel packet, and truncated input', () => {
    expect(quotedTunnelled(packetTooBig(1460, toHome))).toBeNull();
    expect(quotedTunnelled(packetTooBig(1460, insertRoutingType2(toHome, ipv6ToBytes(COA))!))).toBeNull();
    for (const n of [0, 8, 48, 87]) expect(quotedTunnelled(packetTooBig(1460, tunnelled).subarray(0, n))).toBeNull();
  });

  it('lowers by the header the agent added, never below the IPv6 minimum MTU (RFC 8200 §5)', () => {
    expect(PathMtuRoutes.lowered(1460, 40)).toBe(1420);
    expect(PathMtuRoutes.lowered(1300, 40)).toBe(1280);
    expect(PathMtuRoutes.lowered(0, 24)).toBe(1280);
  });
});
