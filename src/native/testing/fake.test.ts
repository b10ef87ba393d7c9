import { describe, expect, it } from 'vitest';
import { ipv6ToBytes } from '../../wire/address.js';
import { createFakeNative } from './fake.js';
import type { Frame, Raw6Packet } from '../types.js';

const NS_A = '/run/netns/a';
const NS_B = '/run/netns/b';

/** Resolves with the next batch handed to a started fake socket. */
function nextBatch<T>(start: (on: (items: T[]) => void) => void): Promise<T[]> {
  return new Promise((resolve) => start(resolve));
}
const tick = () => new Promise((r) => setImmediate(r));

function twoHosts() {
  const f = createFakeNative(() => 42n);
  const ifA = f.hub.addInterface({ name: 'eth0', netns: NS_A, link: 'l1', addresses: ['2001:db8::1'] });
  const ifB = f.hub.addInterface({ name: 'eth0', netns: NS_B, link: 'l1', addresses: ['2001:db8::2'] });
  return { ...f, ifA, ifB };
}

function frame(dst: number[], ethertype: number, body = 'hi'): Buffer {
  const f = Buffer.alloc(14 + body.length);
  Buffer.from(dst).copy(f, 0);
  f.writeUInt16BE(ethertype, 12);
  f.write(body, 14);
  return f;
}

describe('fake native binding', () => {
  it('moves frames between packet sockets on one link, by ethertype, in one batch', async () => {
    const { native, ifB } = twoHosts();
    const tx = native.openPacketSocket({ ifname: 'eth0', netns: NS_A });
    const rx = native.openPacketSocket({ ifname: 'eth0', netns: NS_B, protocol: 0x88b5 });
    const other = native.openPacketSocket({ ifname: 'eth0', netns: NS_B, protocol: 0x86dd });
    const own: Frame[] = [];
    tx.start((f) => own.push(...f));
    const otherGot: Frame[] = [];
    other.start((f) => otherGot.push(...f));
    const got = nextBatch<Frame>((on) => rx.start(on));
    tx.send(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0x88b5, 'one'));
    tx.send(frame([0x33, 0x33, 0, 0, 0, 1], 0x88b5, 'two'));
    const batch = await got;
    expect(batch.map((f) => [f.data.subarray(14).toString(), f.packetType, f.ifindex, f.timestampNs])).toEqual([
      ['one', 1, ifB, 42n],
      ['two', 2, ifB, 42n],
    ]);
    await tick();
    expect(own).toEqual([]); // PACKET_IGNORE_OUTGOING by default
    expect(otherGot).toEqual([]); // other ethertype
  });

  it('drops other-host frames unless promiscuous, and shows outgoing frames when asked', async () => {
    const { native } = twoHosts();
    const tx = native.openPacketSocket({ ifname: 'eth0', netns: NS_A });
    const plain = native.openPacketSocket({ ifname: 'eth0', netns: NS_B });
    const promisc = native.openPacketSocket({ ifname: 'eth0', netns: NS_B, promiscuous: true });
    const self = native.openPacketSocket({ ifname: 'eth0', netns: NS_A, ignoreOutgoing: false });
    const seen = { plain: [] as Frame[], self: [] as Frame[] };
    plain.start((f) => seen.plain.push(...f));
    self.start((f) => seen.self.push(...f));
    const p = nextBatch<Frame>((on) => promisc.start(on));
    tx.send(frame([0x02, 9, 9, 9, 9, 9], 0x88b5));
    expect((await p)[0]!.packetType).toBe(3); // PACKET_OTHERHOST
    await tick();
    expect(seen.plain).toEqual([]);
    expect(seen.self.map((f) => f.packetType)).toEqual([4]); // PACKET_OUTGOING
  });

  it('raw6: computes the checksum at the offset, delivers ancillary data, verifies on receive', async () => {
    const { hub, native, ifB } = twoHosts();
    const tx = native.openRaw6Socket({ protocol: 135, checksumOffset: 4, netns: NS_A });
    const rx = native.openRaw6Socket({ protocol: 135, checksumOffset: 4, netns: NS_B });
    const noCsum = native.openRaw6Socket({ protocol: 135, netns: NS_A });
    const got = nextBatch<Raw6Packet>((on) => rx.start(on));
    tx.send(Buffer.from([59, 1, 5, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), '2001:db8:0::2', { hopLimit: 3 });
    const [p] = await got;
    expect(p).toMatchObject({ src: '2001:db8::1', dst: '2001:db8::2', ifindex: ifB, hopLimit: 3, timestampNs: 42n });
    expect(p!.data.readUInt16BE(4)).not.toBe(0);
    // A sender without the checksum option leaves zeros: the receiver's kernel would drop it.
    noCsum.send(Buffer.alloc(16), '2001:db8::2');
    await tick();
    await tick();
    expect(rx.stats()).toMatchObject({ received: 1, errors: 1 });
    expect(hub.unrouted).toEqual([]);
  });

  it('raw6: ICMPv6 filter, multicast joins and header-included sends', async () => {
    const { native, ifA, ifB } = twoHosts();
    const icmp = native.openRaw6Socket({
      protocol: 58,
      icmp6Types: [134],
      netns: NS_B,
      joinGroups: [{ group: 'ff02::2', ifindex: ifB }],
    });
    const tx = native.openRaw6Socket({ protocol: 58, netns: NS_A });
    const got: Raw6Packet[] = [];
    icmp.start((p) => got.push(...p));
    tx.send(Buffer.from([133, 0, 0, 0, 0, 0, 0, 0]), 'ff02::2', { ifindex: ifA }); // RS: filtered out
    tx.send(Buffer.from([134, 0, 0, 0, 64, 0, 0, 0]), 'ff02::2', { ifindex: ifA }); // RA: passes
    tx.send(Buffer.from([134, 0, 0, 0, 64, 0, 0, 0]), 'ff02::1:2', { ifindex: ifA }); // group not joined
    await tick();
    expect(got.map((p) => [p.data[0], p.dst, p.hopLimit])).toEqual([[134, 'ff02::2', 1]]);

    const hdr = native.openRaw6Socket({ protocol: 255, netns: NS_A });
    const rx41 = native.openRaw6Socket({ protocol: 41, netns: NS_B });
    const inner = Buffer.alloc(40);
    inner[0] = 0x60;
    const outer = Buffer.alloc(40);
    outer[0] = 0x60;
    outer.writeUInt16BE(40, 4);
    outer[6] = 41;
    outer[7] = 17;
    ipv6ToBytes('2001:db8::1').copy(outer, 8);
    ipv6ToBytes('2001:db8::2').copy(outer, 24);
    const tunnelled = nextBatch<Raw6Packet>((on) => rx41.start(on));
    hdr.send(Buffer.concat([outer, inner]), '2001:db8::2');
    const [p] = await tunnelled;
    expect(p!.data).toEqual(inner);
    expect(p!.hopLimit).toBe(17);
  });

  it('TUN: writes are recorded and routed; deliverToTun feeds the reader; the device goes on close', async () => {
    const { hub, native } = twoHosts();
    const tun = native.openTun({ netns: NS_A });
    expect(tun.name).toBe('tun0');
    expect(native.ifNameToIndex('tun0', NS_A)).toBe(tun.ifindex);
    const reads = nextBatch<Buffer>((on) => tun.start(on));
    hub.deliverToTun('tun0', Buffer.from([0x60, 0, 0, 0]), NS_A);
    expect(await reads).toEqual([Buffer.from([0x60, 0, 0, 0])]);

    const rx = native.openRaw6Socket({ protocol: 17, netns: NS_A });
    const got = nextBatch<Raw6Packet>((on) => rx.start(on));
    const pkt = Buffer.alloc(48);
    pkt[0] = 0x60;
    pkt.writeUInt16BE(8, 4);
    pkt[6] = 17;
    pkt[7] = 64;
    ipv6ToBytes('2001:db8:99::2').copy(pkt, 8);
    ipv6ToBytes('2001:db8::1').copy(pkt, 24);
    tun.write(pkt);
    expect((await got)[0]!.src).toBe('2001:db8:99::2');
    expect(hub.tunWrites).toHaveLength(1);
    tun.close();
    tun.close();
    expect(() => native.ifNameToIndex('tun0', NS_A)).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(() => tun.write(pkt)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('errors are errno-shaped like the real addon', () => {
    const { hub, native } = twoHosts();
    expect(() => native.openPacketSocket({ ifname: 'nope', netns: NS_A })).toThrow(
      expect.objectContaining({ code: 'ENODEV', errno: -19 }),
    );
    expect(() => native.openRaw6Socket({ protocol: 58, netns: '/run/netns/none' })).toThrow(
      expect.objectContaining({ code: 'ENOENT', errno: -2, syscall: 'open' }),
    );
    expect(() => native.openRaw6Socket({ protocol: 135, netns: NS_B, bindDevice: 'x' })).toThrow(
      expect.objectContaining({ code: 'ENODEV', syscall: 'setsockopt SO_BINDTODEVICE' }),
    );
    const s = native.openPacketSocket({ ifname: 'eth0', netns: NS_A });
    expect(hub.openHandles).toBe(1);
    s.close();
    s.close();
    expect(s.closed).toBe(true);
    expect(hub.openHandles).toBe(0);
    expect(() => s.send(Buffer.alloc(14))).toThrow(/socket is closed/);
  });

  it('gives addresses as RFC 5952 text, drops zones, and refuses bad text as inet_pton does', async () => {
    const { native, ifA } = twoHosts();
    const tx = native.openRaw6Socket({ protocol: 17, netns: NS_A });
    const rx = native.openRaw6Socket({ protocol: 17, netns: NS_B });
    const got = nextBatch<Raw6Packet>((on) => rx.start(on));
    tx.send(Buffer.alloc(8), '2001:0DB8:0000::0002', { src: `2001:db8:0::1%${ifA}` });
    const [p] = await got;
    expect([p!.src, p!.dst]).toEqual(['2001:db8::1', '2001:db8::2']);
    expect(() => tx.send(Buffer.alloc(8), '2001:db8::zz')).toThrow(
      expect.objectContaining({ code: 'EINVAL', syscall: 'inet_pton' }),
    );
  });
});
