import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeFrames, emptyStats } from './frames.js';
import { ether, flowIpv6, frame, tunnel, upperPacket } from './testing/packets.js';

describe('frame decoding', () => {
  it('finds the flow packet in a plain UDP frame on every link type', () => {
    const ip = flowIpv6({ flowId: 9, seq: 42, sendNs: 123n });
    const sll = Buffer.concat([Buffer.from('0000000100060200000000010000' + '86dd', 'hex'), ip]);
    const sll2 = Buffer.concat([
      Buffer.from('86dd0000' + '00000002' + '0001' + '04' + '06' + '0200000000010000', 'hex'),
      ip,
    ]);
    const vlan = Buffer.concat([Buffer.from('020000000002020000000001' + '8100' + '0064' + '86dd', 'hex'), ip]);
    const cases: [Buffer, number, string | undefined][] = [
      [ether(ip), 1, undefined],
      [vlan, 1, undefined],
      [ip, 101, undefined],
      [ip, 229, undefined],
      [sll, 113, 'in'],
      [sll2, 276, 'out'],
    ];
    for (const [data, lt, dir] of cases) {
      const d = decodeFrame(frame(data, 5n, lt), 0);
      expect(d?.flow).toEqual({ flowId: 9, seq: 42, sendNs: 123n, size: 64 });
      expect(d?.upper).toMatchObject({ kind: 'udp', srcPort: 40000, dstPort: 9000 });
      expect(d?.direction).toBe(dir);
      expect(d?.packetLength).toBe(ip.length);
    }
  });

  it('walks into IPv6-in-IPv6 tunnels, also nested', () => {
    const inner = flowIpv6({ flowId: 1, seq: 7, sendNs: 1n }, '2001:db8:1::10', '2001:db8:aa::100');
    const once = decodeFrame(frame(ether(tunnel(inner)), 1n), 0)!;
    expect(once.flow?.seq).toBe(7);
    expect(once.tunnels.length).toBe(1);
    expect(once.ipv6.header.dst).toBe('2001:db8:ee::2');
    expect(once.inner.header.dst).toBe('2001:db8:aa::100');
    const twice = decodeFrame(frame(tunnel(tunnel(inner), '2001:db8:3::1', '2001:db8:3::2'), 1n, 101), 0)!;
    expect(twice.tunnels.length).toBe(2);
    expect(twice.flow?.seq).toBe(7);
    expect(twice.packetLength).toBe(inner.length + 80);
  });

  it('classifies ICMPv6, Mobility Header and TCP', () => {
    const rs = decodeFrame(frame(ether(upperPacket(58, Buffer.from('8500000000000000', 'hex'))), 1n), 0)!;
    expect(rs.upper).toEqual({ kind: 'icmpv6', type: 133, code: 0 });
    // A Binding Update: Payload Proto 59, Header Len 1 (16 bytes), MH Type 5.
    const bu = decodeFrame(
      frame(ether(upperPacket(135, Buffer.from('3b01050000000000' + '0001000000000000', 'hex'))), 1n),
      0,
    )!;
    expect(bu.upper).toEqual({ kind: 'mh', mhType: 5, length: 16, dataWord: 1 });
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(5201, 0);
    tcp.writeUInt16BE(40000, 2);
    tcp[12] = 0x50;
    expect(decodeFrame(frame(upperPacket(6, tcp), 1n, 101), 0)!.upper).toEqual({
      kind: 'tcp',
      srcPort: 5201,
      dstPort: 40000,
    });
  });

  it('counts what it cannot use instead of throwing', () => {
    const ip = flowIpv6({ flowId: 1, seq: 1, sendNs: 1n });
    const cut = frame(ether(ip).subarray(0, 40), 1n);
    const snapped = { ...cut, originalLength: 200 };
    const arp = frame(ether(Buffer.alloc(28), 0x0806), 1n);
    const badInner = frame(ether(tunnel(Buffer.from('6000000000ff3b40', 'hex'))), 1n);
    const unknown = frame(ip, 1n, 147);
    const { frames, stats } = decodeFrames([cut, snapped, arp, badInner, unknown, frame(ether(ip), 2n)]);
    expect(frames.length).toBe(2); // the tunnel frame with a broken inner packet is still an IPv6 frame
    expect(stats).toMatchObject({ frames: 6, ipv6: 2, notIpv6: 1, malformed: 3 });
    expect(stats.reasons).toEqual({ 'ipv6-truncated': 1, snaplen: 1, 'inner-ipv6-truncated': 1 });
    expect(stats.unknownLinkTypes).toEqual({ 147: 1 });
  });

  it('never throws on random or damaged frames', () => {
    const good = ether(tunnel(flowIpv6({ flowId: 1, seq: 1, sendNs: 1n })));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(),
        fc.constantFrom(1, 101, 113, 229, 276),
        (flips, cut, lt) => {
          const b = Buffer.from(good);
          for (const [p, v] of flips) b[p % b.length] = v;
          const stats = emptyStats();
          decodeFrame(frame(b.subarray(0, cut % (b.length + 1)), 1n, lt), 0, stats);
          expect(stats.frames).toBe(1);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
