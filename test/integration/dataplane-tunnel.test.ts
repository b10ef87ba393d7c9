// tunnel.ts for real (RFC 2473 without ip6tnl): two namespaces joined by a veth, one endpoint in
// each. A UDP packet goes through the tunnel both ways; the far endpoint re-injects the inner packet
// with a header-included send and the inner UDP arrives at a protocol-17 raw socket there with a
// valid checksum. The wire shows next header 41, hop limit 64, and no ICMPv6 error at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import type { Frame, Raw6Packet } from '../../src/native/types.js';
import { openTunnelEndpoint, type TunnelEndpoint } from '../../src/agent/dataplane/tunnel.js';
import { buildIpv6Packet } from '../../src/wire/packet.js';
import * as udp from '../../src/wire/udp.js';
import { ipv6ToBytes } from '../../src/wire/address.js';
import { NamespaceSet, ipNs, nsPath, uniqueId } from '../support/namespaces.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'nsenter'] });
const id = uniqueId();
const nsA = `dta${id}`;
const nsB = `dtb${id}`;
const vA = `dta${id}`;
const vB = `dtb${id}`;
const OUTER_A = '2001:db8:10::1';
const OUTER_B = '2001:db8:10::2';
const INNER_A = '2001:db8:a::1';
const INNER_B = '2001:db8:b::1';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function udpPacket(src: string, dst: string, payload: string): Buffer {
  const d = { srcPort: 4000, dstPort: 5000, payload: Buffer.from(payload) };
  return buildIpv6Packet({ src, dst, hopLimit: 33, upper: { nextHeader: 17, encode: () => udp.encode(d) } });
}

describe.skipIf(skip)('tunnel endpoint (RFC 2473) between two namespaces', () => {
  const spaces = new NamespaceSet();
  beforeAll(() => {
    spaces.add(nsA);
    spaces.add(nsB);
    spaces.veth(nsA, vA, nsB, vB);
    ipNs(nsA, 'addr', 'add', `${OUTER_A}/64`, 'dev', vA, 'nodad');
    ipNs(nsB, 'addr', 'add', `${OUTER_B}/64`, 'dev', vB, 'nodad');
    ipNs(nsA, 'addr', 'add', `${INNER_A}/128`, 'dev', 'lo');
    ipNs(nsB, 'addr', 'add', `${INNER_B}/128`, 'dev', 'lo');
  });
  afterAll(() => spaces.destroy());

  it('carries a UDP packet both ways and the inner packet reaches the far stack intact', async () => {
    const injectA = native.openRaw6Socket({ protocol: 255, headerIncluded: true, netns: nsPath(nsA) });
    const injectB = native.openRaw6Socket({ protocol: 255, headerIncluded: true, netns: nsPath(nsB) });
    const udpA = native.openRaw6Socket({ protocol: 17, netns: nsPath(nsA) });
    const udpB = native.openRaw6Socket({ protocol: 17, netns: nsPath(nsB) });
    const wireB = native.openPacketSocket({ ifname: vB, netns: nsPath(nsB), ignoreOutgoing: false });
    const seenA: Raw6Packet[] = [];
    const seenB: Raw6Packet[] = [];
    const frames: Buffer[] = [];
    udpA.start((ps) => seenA.push(...ps.map((p) => ({ ...p, data: Buffer.from(p.data) }))));
    udpB.start((ps) => seenB.push(...ps.map((p) => ({ ...p, data: Buffer.from(p.data) }))));
    wireB.start((fs: Frame[]) => frames.push(...fs.map((f) => Buffer.from(f.data))));
    const outerSources: string[] = [];
    let a: TunnelEndpoint | undefined;
    let b: TunnelEndpoint | undefined;
    try {
      a = openTunnelEndpoint({
        native,
        netns: nsPath(nsA),
        local: OUTER_A,
        onPacket: (inner, src) => {
          outerSources.push(src);
          injectA.send(inner, INNER_A);
        },
      });
      b = openTunnelEndpoint({
        native,
        netns: nsPath(nsB),
        local: OUTER_B,
        onPacket: (inner, src) => {
          outerSources.push(src);
          injectB.send(inner, INNER_B);
        },
      });
      expect(a.send(udpPacket(INNER_A, INNER_B, 'ping through the tunnel'), OUTER_B)).toBe(true);
      for (let i = 0; i < 50 && seenB.length === 0; i++) await wait(20);
      expect(b.send(udpPacket(INNER_B, INNER_A, 'pong through the tunnel'), OUTER_A)).toBe(true);
      for (let i = 0; i < 50 && seenA.length === 0; i++) await wait(20);

      expect(seenB).toHaveLength(1);
      expect(seenA).toHaveLength(1);
      const atB = udp.decode(seenB[0]!.data, 0, { verify: { src: INNER_A, dst: INNER_B } });
      const atA = udp.decode(seenA[0]!.data, 0, { verify: { src: INNER_B, dst: INNER_A } });
      expect(atB.ok && atB.value.payload.toString()).toBe('ping through the tunnel');
      expect(atA.ok && atA.value.payload.toString()).toBe('pong through the tunnel');
      expect(seenB[0]!.src).toBe(INNER_A);
      expect(seenB[0]!.hopLimit).toBe(33); // the inner header is delivered as sent
      expect(outerSources).toEqual([OUTER_A, OUTER_B]);
      expect(a.stats()).toMatchObject({ encapsulated: 1, decapsulated: 1, malformed: 0, sendDropped: 0 });
      expect(b.stats()).toMatchObject({ encapsulated: 1, decapsulated: 1, malformed: 0, sendDropped: 0 });

      // On the wire (B's side): outer next header 41, hop limit 64, src A; and no ICMPv6 error either way.
      const ipv6 = frames.filter((f) => f.readUInt16BE(12) === 0x86dd).map((f) => f.subarray(14));
      const tunnelled = ipv6.filter((p) => p[6] === 41);
      expect(tunnelled).toHaveLength(2);
      const fromA = tunnelled.find((p) => p.subarray(8, 24).equals(ipv6ToBytes(OUTER_A)))!;
      expect(fromA[7]).toBe(64);
      expect(fromA.readUInt16BE(4)).toBe(fromA.length - 40);
      const icmpErrors = ipv6.filter((p) => p[6] === 58 && p[40]! < 128);
      expect(icmpErrors).toHaveLength(0);
    } finally {
      a?.close();
      b?.close();
      for (const s of [injectA, injectB, udpA, udpB, wireB]) s.close();
    }
  });

  it('setLocal moves the endpoint to a new address; packets to the old one are no longer accepted', async () => {
    const NEW_B = '2001:db8:10::22';
    ipNs(nsB, 'addr', 'add', `${NEW_B}/64`, 'dev', vB, 'nodad');
    const got: string[] = [];
    const a = openTunnelEndpoint({ native, netns: nsPath(nsA), local: OUTER_A, onPacket: () => {} });
    const b = openTunnelEndpoint({
      native,
      netns: nsPath(nsB),
      local: OUTER_B,
      onPacket: (_i, _s, dst) => got.push(dst),
    });
    try {
      b.setLocal(NEW_B);
      a.send(udpPacket(INNER_A, INNER_B, 'to old'), OUTER_B);
      a.send(udpPacket(INNER_A, INNER_B, 'to new'), NEW_B);
      for (let i = 0; i < 50 && got.length === 0; i++) await wait(20);
      await wait(50);
      expect(got).toEqual([NEW_B]);
      expect(b.stats()).toMatchObject({ decapsulated: 1, notLocal: 1 });
    } finally {
      a.close();
      b.close();
    }
  });
});
