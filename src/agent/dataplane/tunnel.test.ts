// tunnel.ts without root: the RFC 2473 outer header byte for byte, the whole-packet check, and two
// endpoints over the fake native binding (src/native/testing/fake.ts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createFakeNative } from '../../native/testing/fake.js';
import { ipv6ToBytes } from '../../wire/address.js';
import { buildIpv6Packet } from '../../wire/packet.js';
import { walkIpv6 } from '../../wire/ipv6.js';
import { encapsulate, isWholeIpv6Packet, openTunnelEndpoint } from './tunnel.js';

const A = '2001:db8:10::1';
const B = '2001:db8:10::2';
const inner = () =>
  buildIpv6Packet({
    src: '2001:db8:a::1',
    dst: '2001:db8:b::1',
    hopLimit: 9,
    upper: { nextHeader: 59, encode: () => Buffer.from('payload!') },
  });
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('encapsulate (RFC 2473 §3)', () => {
  it('writes version 6, payload length = inner length, next header 41, hop limit 64, then the inner packet', () => {
    const p = inner();
    const out = Buffer.alloc(40 + p.length);
    const n = encapsulate(p, Buffer.concat([ipv6ToBytes(A), ipv6ToBytes(B)]), out);
    expect(n).toBe(40 + p.length);
    expect(out.subarray(0, 8)).toEqual(Buffer.from([0x60, 0, 0, 0, p.length >> 8, p.length & 0xff, 41, 64]));
    const w = walkIpv6(out);
    expect(w.ok && w.value.header).toMatchObject({ src: A, dst: B, nextHeader: 41, hopLimit: 64 });
    expect(out.subarray(40)).toEqual(p);
  });

  it('isWholeIpv6Packet: version 6 and Payload Length within the bytes', () => {
    const p = inner();
    expect(isWholeIpv6Packet(p)).toBe(true);
    expect(isWholeIpv6Packet(Buffer.concat([p, Buffer.alloc(3)]))).toBe(true); // trailing bytes are tolerated
    expect(isWholeIpv6Packet(p.subarray(0, p.length - 1))).toBe(false);
    expect(isWholeIpv6Packet(p.subarray(0, 39))).toBe(false);
    const v4 = Buffer.from(p);
    v4[0] = 0x45;
    expect(isWholeIpv6Packet(v4)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => typeof isWholeIpv6Packet(Buffer.from(b)) === 'boolean'),
    );
  });
});

describe('openTunnelEndpoint over the fake binding', () => {
  function setup() {
    const { hub, native } = createFakeNative();
    hub.addInterface({ name: 'eth0', netns: 'a', link: 'l', addresses: [A] });
    hub.addInterface({ name: 'eth0', netns: 'b', link: 'l', addresses: [B] });
    return { hub, native };
  }

  it('carries the inner packet and reports the outer source; counts what is not a whole inner packet', async () => {
    const { hub, native } = setup();
    const got: { inner: Buffer; src: string }[] = [];
    const a = openTunnelEndpoint({ native, netns: 'a', local: A, onPacket: () => {} });
    const b = openTunnelEndpoint({
      native,
      netns: 'b',
      local: B,
      onPacket: (p, src) => got.push({ inner: Buffer.from(p), src }),
    });
    expect(a.send(inner(), B)).toBe(true);
    // garbage inner packets, sent raw
    const raw = native.openRaw6Socket({ protocol: 255, netns: 'a' });
    for (const junk of [Buffer.alloc(0), Buffer.alloc(39, 0x60), Buffer.from([0x45, ...Buffer.alloc(50)])]) {
      const o = Buffer.alloc(40 + junk.length);
      encapsulate(junk, Buffer.concat([ipv6ToBytes(A), ipv6ToBytes(B)]), o);
      raw.send(o, B);
    }
    await tick();
    expect(got).toEqual([{ inner: inner(), src: A }]);
    expect(b.stats()).toMatchObject({ decapsulated: 1, malformed: 3 });
    expect(a.stats()).toMatchObject({ encapsulated: 1, sendDropped: 0 });
    a.close();
    b.close();
    raw.close();
    expect(hub.openHandles).toBe(0);
  });

  it('counts an oversized inner packet as a send drop instead of throwing', () => {
    const { native } = setup();
    const a = openTunnelEndpoint({ native, netns: 'a', local: A, onPacket: () => {} });
    expect(a.send(Buffer.alloc(70_000), B)).toBe(false);
    expect(a.stats()).toMatchObject({ sendDropped: 1, lastSendError: 'EMSGSIZE' });
    a.close();
  });
});
