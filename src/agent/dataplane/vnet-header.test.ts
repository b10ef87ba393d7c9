// vnet-header.ts: a partial checksum (the pseudo-header sum left for the offload) completed gives the
// same UDP checksum as the wire codec computes over the whole packet; GSO super-packets are refused.
import { endianness } from 'node:os';
import { describe, expect, it } from 'vitest';
import { buildIpv6Packet } from '../../wire/packet.js';
import { finishOffloadedPacket } from './vnet-header.js';

const LE = endianness() === 'LE';
function header(flags: number, gsoType: number, csumStart: number, csumOffset: number): Buffer {
  const h = Buffer.alloc(10);
  h[0] = flags;
  h[1] = gsoType;
  if (LE) {
    h.writeUInt16LE(csumStart, 6);
    h.writeUInt16LE(csumOffset, 8);
  } else {
    h.writeUInt16BE(csumStart, 6);
    h.writeUInt16BE(csumOffset, 8);
  }
  return h;
}

/** One's complement sum of the IPv6 pseudo-header (RFC 8200 §8.1), folded, not complemented: what the stack leaves. */
function pseudoHeaderSum(p: Buffer): number {
  let s = 0;
  for (let i = 8; i < 40; i += 2) s += p.readUInt16BE(i);
  s += p.readUInt16BE(4); // upper-layer length (no extension headers here)
  s += 17;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function udpPacket(payload: Buffer): Buffer {
  const udp = Buffer.alloc(8 + payload.length);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(9, 2);
  udp.writeUInt16BE(udp.length, 4);
  payload.copy(udp, 8);
  const p = buildIpv6Packet({
    src: '2001:db8:100::100',
    dst: '2001:db8:1::2',
    hopLimit: 64,
    upper: { nextHeader: 17, encode: () => udp },
  });
  return p;
}

/** The reference checksum: the RFC 1071 sum over pseudo-header and UDP with the field zero. */
function reference(p: Buffer): number {
  const q = Buffer.from(p);
  q.writeUInt16BE(0, 46);
  let s = pseudoHeaderSum(q);
  for (let i = 40; i + 1 < q.length; i += 2) s += q.readUInt16BE(i);
  if ((q.length - 40) % 2) s += q[q.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  return c === 0 ? 0xffff : c;
}

describe('finishOffloadedPacket', () => {
  it.each([0, 1, 17, 100, 1391])('completes a partial UDP checksum (payload %i bytes)', (n) => {
    const p = udpPacket(Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff)));
    const want = reference(p);
    p.writeUInt16BE(pseudoHeaderSum(p), 46); // what the stack leaves at csum_start + csum_offset
    const out = finishOffloadedPacket(p, header(1, 0, 40, 6));
    expect(out).toBe(p);
    expect(p.readUInt16BE(46)).toBe(want);
  });

  it('leaves a packet whose checksum is complete as it is', () => {
    const p = udpPacket(Buffer.from('abc'));
    const before = Buffer.from(p);
    expect(finishOffloadedPacket(p, header(0, 0, 0, 0))).toEqual(before);
  });

  it('refuses a GSO super-packet, a short header and offsets outside the packet', () => {
    const p = udpPacket(Buffer.from('abc'));
    expect(finishOffloadedPacket(p, header(1, 4, 40, 16))).toBeNull(); // GSO_TCPV6
    expect(finishOffloadedPacket(p, Buffer.alloc(4))).toBeNull();
    expect(finishOffloadedPacket(p, header(1, 0, p.length, 6))).toBeNull();
  });
});
