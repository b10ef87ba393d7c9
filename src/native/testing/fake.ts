// An in-memory stand-in for the native addon (the serialport binding-mock pattern): the same
// interfaces as src/native/index.ts over a FakeHub of named links, interfaces and namespaces, so
// agents can be tested without root. It mimics the kernel where agents depend on it: ethertype and
// PACKET_IGNORE_OUTGOING on packet sockets; on raw IPv6 sockets the protocol, ICMP6_FILTER,
// IPV6_CHECKSUM (computed on send, verified on receive, RFC 3542 §3.1), bind device/address,
// multicast joins, hop limits and header-included sends; errno-shaped errors. Delivery is
// asynchronous and batched per socket, as with the real poll loop.
import { bytesToIpv6, ipv6ToBytes } from '../../wire/address.js';
import { pseudoHeaderChecksum } from '../../wire/checksum.js';
import type * as N from '../types.js';
import { runBpf } from './bpf.js';

const ETH_P_ALL = 0x0003;
const PACKET_HOST = 0;
const PACKET_BROADCAST = 1;
const PACKET_MULTICAST = 2;
const PACKET_OTHERHOST = 3;
const PACKET_OUTGOING = 4;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_RAW = 255;
const ERRNO: Record<string, number> = {
  ENOENT: 2,
  EBADF: 9,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  EADDRNOTAVAIL: 99,
};

/** An Error shaped like the addon's (and Node's fs) errors. */
export function errnoError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: (fake) ${syscall}${path ? ` '${path}'` : ''}`);
  e.code = code;
  e.errno = -(ERRNO[code] ?? 0);
  e.syscall = syscall;
  if (path) e.path = path;
  return e;
}

/** Address text in RFC 5952 form (as inet_ntop gives it); a %zone is dropped. Bad text fails as
 * inet_pton does in the addon. */
function canon(a: string): string {
  try {
    return bytesToIpv6(ipv6ToBytes(a.split('%')[0]!));
  } catch {
    throw errnoError('EINVAL', 'inet_pton', a);
  }
}

interface FakeInterface {
  name: string;
  ifindex: number;
  netns: string;
  link: string;
  mac: Buffer;
  addresses: string[];
}

/** Delivery queue of one fake socket: items are handed over in one batch per macrotask. */
class Queue<T> {
  items: T[] = [];
  scheduled = false;
  constructor(private readonly deliver: (items: T[]) => void) {}
  push(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.items;
      this.items = [];
      if (batch.length) this.deliver(batch);
    });
  }
}

abstract class FakeHandle {
  closed = false;
  onError?: (err: NodeJS.ErrnoException) => void;
  readonly counters: N.SocketStats = {
    received: 0,
    receivedBytes: 0,
    truncated: 0,
    errors: 0,
    sent: 0,
    sendDropped: 0,
    kernelDrops: 0,
  };
  constructor(protected readonly hub: FakeHub) {}
  ref(): void {}
  unref(): void {}
  stats(): N.SocketStats {
    return { ...this.counters };
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.detach(this);
  }
  protected check(syscall: string): void {
    if (this.closed) throw errnoError('EBADF', `${syscall} (socket is closed)`);
  }
}

class FakePacketSocket extends FakeHandle implements N.PacketSocket {
  queue?: Queue<N.Frame>;
  constructor(
    hub: FakeHub,
    readonly iface: FakeInterface,
    readonly protocol: number,
    readonly promiscuous: boolean,
    readonly ignoreOutgoing: boolean,
    readonly vnet: boolean,
    readonly filter?: readonly N.BpfInstruction[],
  ) {
    super(hub);
  }
  get ifindex(): number {
    return this.iface.ifindex;
  }
  start(onFrames: (frames: N.Frame[]) => void, onError?: (err: NodeJS.ErrnoException) => void): void {
    this.check('start');
    this.queue = new Queue((f) => !this.closed && onFrames(f));
    this.onError = onError;
  }
  send(frame: Buffer, _vnetHeader?: Buffer): boolean {
    this.check('send');
    this.counters.sent++;
    this.hub.transmitFrame(this.iface, Buffer.from(frame));
    return true;
  }
  sendMany(frames: Buffer[]): number {
    for (const f of frames) this.send(f);
    return frames.length;
  }
  offer(frame: Buffer, packetType: number): void {
    if (!this.queue || this.closed) return;
    const type = frame.length >= 14 ? frame.readUInt16BE(12) : -1;
    if (this.protocol !== ETH_P_ALL && type !== this.protocol) return;
    if (packetType === PACKET_OUTGOING && (this.ignoreOutgoing || this.protocol !== ETH_P_ALL)) return;
    if (packetType === PACKET_OTHERHOST && !this.promiscuous) return;
    if (this.filter && runBpf(this.filter, frame) === 0) return; // as SO_ATTACH_FILTER: never queued
    this.counters.received++;
    this.counters.receivedBytes += frame.length;
    const f: N.Frame = {
      data: frame,
      timestampNs: this.hub.now(),
      ifindex: this.iface.ifindex,
      packetType,
      checksumNotReady: false,
    };
    if (this.vnet) f.vnetHeader = Buffer.alloc(10); // the fake has no offloads: an all-zero header
    this.queue.push(f);
  }
}

class FakeRaw6Socket extends FakeHandle implements N.Raw6Socket {
  queue?: Queue<N.Raw6Packet>;
  readonly groups: { group: string; ifindex: number }[];
  readonly bindAddress?: string;
  constructor(
    hub: FakeHub,
    readonly netns: string,
    readonly o: N.Raw6SocketOptions,
    readonly device?: FakeInterface,
  ) {
    super(hub);
    this.groups = (o.joinGroups ?? []).map((g) => ({ group: canon(g.group), ifindex: g.ifindex }));
    if (o.bindAddress) this.bindAddress = canon(o.bindAddress);
  }
  get headerIncluded(): boolean {
    return this.o.protocol === IPPROTO_RAW || !!this.o.headerIncluded;
  }
  start(onPackets: (packets: N.Raw6Packet[]) => void, onError?: (err: NodeJS.ErrnoException) => void): void {
    this.check('start');
    this.queue = new Queue((p) => !this.closed && onPackets(p));
    this.onError = onError;
  }
  send(data: Buffer, dst: string, options: N.Raw6SendOptions = {}): boolean {
    this.check('sendmsg');
    let p: { src: string; dst: string; nextHeader: number; hopLimit: number; payload: Buffer };
    if (this.headerIncluded) {
      if (data.length < 40 || data[0]! >> 4 !== 6) throw errnoError('EINVAL', 'sendmsg (not an IPv6 packet)');
      p = {
        src: bytesToIpv6(data, 8),
        dst: bytesToIpv6(data, 24),
        nextHeader: data[6]!,
        hopLimit: data[7]!,
        payload: Buffer.from(data.subarray(40, 40 + data.readUInt16BE(4))),
      };
    } else {
      const d = canon(dst);
      const multicast = d.startsWith('ff');
      const src = options.src
        ? canon(options.src)
        : (this.bindAddress ?? this.hub.sourceFor(this.netns, options.ifindex ?? this.device?.ifindex));
      const payload = Buffer.from(data);
      const offset = this.o.protocol === IPPROTO_ICMPV6 ? 2 : this.o.checksumOffset;
      if (offset !== undefined && offset >= 0 && offset + 2 <= payload.length) {
        payload.writeUInt16BE(0, offset);
        payload.writeUInt16BE(pseudoHeaderChecksum(src, d, this.o.protocol, payload), offset);
      }
      const hopLimit = options.hopLimit ?? (multicast ? (this.o.multicastHops ?? 1) : (this.o.unicastHops ?? 64));
      p = { src, dst: d, nextHeader: this.o.protocol, hopLimit, payload };
    }
    this.counters.sent++;
    this.hub.routePacket(this.netns, p, options.ifindex ?? this.device?.ifindex);
    return true;
  }
  sendTunnelled(
    outer: Buffer | Buffer[],
    packets: Buffer[],
    vnetHeaders?: (Buffer | undefined)[],
  ): N.TunnelledSendResult {
    this.check('sendmmsg');
    if (!this.headerIncluded) throw errnoError('EINVAL', 'sendmmsg (not a header-included socket)');
    let sent = 0;
    let dropped = 0;
    let lastError: string | undefined;
    packets.forEach((inner, i) => {
      const o = Array.isArray(outer) ? outer[i] : outer;
      const v = vnetHeaders?.[i];
      if (o?.length !== 40) throw new TypeError('outer header must be a 40-byte Buffer');
      // The fake's TUNs have no offloads: a header that asks for GSO or checksum completion is refused.
      if ((v && (v[0] !== 0 || v[1] !== 0)) || inner.length < 40 || inner.length > 65_575) {
        dropped++;
        lastError = 'EINVAL';
        return;
      }
      const pkt = Buffer.concat([o, inner]);
      pkt.writeUInt16BE(inner.length, 4);
      this.send(pkt, bytesToIpv6(o, 24));
      sent++;
    });
    return lastError ? { sent, dropped, lastError } : { sent, dropped };
  }
  offer(
    p: { src: string; dst: string; nextHeader: number; hopLimit: number; payload: Buffer },
    iface: FakeInterface,
  ): void {
    if (!this.queue || this.closed || this.o.protocol === IPPROTO_RAW) return; // send-only, as in raw(7)
    if (p.nextHeader !== this.o.protocol) return;
    if (this.device && this.device !== iface) return;
    if (this.bindAddress && this.bindAddress !== p.dst) return;
    if (
      p.dst.startsWith('ff') &&
      p.dst !== 'ff02::1' &&
      !this.groups.some((g) => g.group === p.dst && (g.ifindex === 0 || g.ifindex === iface.ifindex))
    )
      return;
    if (this.o.icmp6Types && (p.payload.length < 1 || !this.o.icmp6Types.includes(p.payload[0]!))) return;
    const offset = this.o.protocol === IPPROTO_ICMPV6 ? 2 : this.o.checksumOffset;
    if (
      offset !== undefined &&
      offset >= 0 &&
      (offset + 2 > p.payload.length || pseudoHeaderChecksum(p.src, p.dst, p.nextHeader, p.payload) !== 0)
    ) {
      this.counters.errors++; // the kernel drops it silently; counted here for tests
      return;
    }
    this.counters.received++;
    this.counters.receivedBytes += p.payload.length;
    this.queue.push({
      data: Buffer.from(p.payload),
      src: p.src,
      dst: p.dst,
      ifindex: iface.ifindex,
      hopLimit: p.hopLimit,
      timestampNs: this.hub.now(),
    });
  }
}

class FakeTunDevice extends FakeHandle implements N.TunDevice {
  queue?: Queue<Buffer>;
  constructor(
    hub: FakeHub,
    readonly iface: FakeInterface,
    readonly vnet = false,
  ) {
    super(hub);
  }
  get name(): string {
    return this.iface.name;
  }
  get ifindex(): number {
    return this.iface.ifindex;
  }
  start(
    onPackets: (packets: Buffer[], vnetHeaders?: Buffer[]) => void,
    onError?: (err: NodeJS.ErrnoException) => void,
  ): void {
    this.check('start');
    // With vnetHeader, every packet comes with an all-zero header: the fake has no offloads.
    this.queue = new Queue((p) => !this.closed && onPackets(p, this.vnet ? p.map(() => Buffer.alloc(10)) : undefined));
    this.onError = onError;
  }
  writeMany(packets: Buffer[]): number {
    let n = 0;
    for (const p of packets) if (this.write(p)) n++;
    return n;
  }
  write(packet: Buffer, _vnetHeader?: Buffer): boolean {
    if (this.closed) throw errnoError('EBADF', 'write (TUN device is closed)');
    this.counters.sent++;
    this.hub.tunWrites.push({ tun: this.iface.name, netns: this.iface.netns, packet: Buffer.from(packet) });
    if (packet.length >= 40 && packet[0]! >> 4 === 6) {
      // As if the kernel received it on the TUN: deliver to the host owning the destination.
      this.hub.routePacket(this.iface.netns, {
        src: bytesToIpv6(packet, 8),
        dst: bytesToIpv6(packet, 24),
        nextHeader: packet[6]!,
        hopLimit: packet[7]!,
        payload: Buffer.from(packet.subarray(40, 40 + packet.readUInt16BE(4))),
      });
    }
    return true;
  }
  offer(packet: Buffer): void {
    if (!this.queue || this.closed) return;
    this.counters.received++;
    this.counters.receivedBytes += packet.length;
    this.queue.push(Buffer.from(packet));
  }
}

/** The fake network: namespaces (by netns path; '' is the caller's own), interfaces on named links. */
export class FakeHub {
  private readonly namespaces = new Set<string>(['']);
  private readonly interfaces: FakeInterface[] = [];
  private readonly handles = new Set<FakeHandle>();
  private nextIfindex = 2; // 1 is lo
  /** Every packet written into a fake TUN, in order. */
  readonly tunWrites: { tun: string; netns: string; packet: Buffer }[] = [];
  /** Raw IPv6 packets that no fake host owned (unroutable), for assertions. */
  readonly unrouted: { netns: string; src: string; dst: string; nextHeader: number }[] = [];

  constructor(readonly now: () => bigint = () => BigInt(Date.now()) * 1_000_000n) {}

  addNamespace(netns: string): void {
    this.namespaces.add(netns);
  }

  /** Adds an interface to a namespace, on a named link (every interface on a link hears the others). */
  addInterface(o: { name: string; netns?: string; link: string; mac?: string; addresses?: string[] }): number {
    const netns = o.netns ?? '';
    this.namespaces.add(netns);
    if (this.interfaces.some((i) => i.netns === netns && i.name === o.name))
      throw errnoError('EEXIST', 'addInterface', o.name);
    const ifindex = this.nextIfindex++;
    const mac = o.mac
      ? Buffer.from(o.mac.split(':').map((x) => parseInt(x, 16)))
      : Buffer.from([0x02, 0, 0, 0, ifindex >> 8, ifindex & 0xff]);
    this.interfaces.push({
      name: o.name,
      ifindex,
      netns,
      link: o.link,
      mac,
      addresses: (o.addresses ?? []).map(canon),
    });
    return ifindex;
  }

  addAddress(ifname: string, address: string, netns = ''): void {
    this.iface(netns, ifname, 'addAddress').addresses.push(canon(address));
  }

  /** Hands a packet to a fake TUN's reader, as if the kernel had routed it into the device. */
  deliverToTun(name: string, packet: Buffer, netns = ''): void {
    for (const h of this.handles)
      if (h instanceof FakeTunDevice && h.iface.name === name && h.iface.netns === netns) h.offer(packet);
  }

  /** The binding agents receive instead of src/native/index.ts's `native`. */
  binding(): N.NativeBinding {
    return {
      openPacketSocket: (o: N.PacketSocketOptions) => {
        const iface = this.iface(this.ns(o.netns), o.ifname, 'if_nametoindex');
        return this.track(
          new FakePacketSocket(
            this,
            iface,
            o.protocol ?? ETH_P_ALL,
            !!o.promiscuous,
            o.ignoreOutgoing ?? true,
            !!o.vnetHeader,
            o.filter,
          ),
        );
      },
      openRaw6Socket: (o: N.Raw6SocketOptions) => {
        const netns = this.ns(o.netns);
        if (!Number.isInteger(o.protocol) || o.protocol < 0 || o.protocol > 255)
          throw new RangeError('option protocol must be 0..255');
        if (o.protocol === IPPROTO_ICMPV6 && o.checksumOffset !== undefined)
          throw errnoError('EINVAL', 'setsockopt IPV6_CHECKSUM');
        const device = o.bindDevice ? this.iface(netns, o.bindDevice, 'setsockopt SO_BINDTODEVICE') : undefined;
        if (
          o.bindAddress &&
          !this.interfaces.some((i) => i.netns === netns && i.addresses.includes(canon(o.bindAddress!)))
        )
          throw errnoError('EADDRNOTAVAIL', 'bind');
        return this.track(new FakeRaw6Socket(this, netns, o, device));
      },
      openTun: (o: N.TunOptions = {}) => {
        const netns = this.ns(o.netns);
        let name = o.name;
        for (let n = 0; !name; n++)
          if (!this.interfaces.some((i) => i.netns === netns && i.name === `tun${n}`)) name = `tun${n}`;
        if (this.interfaces.some((i) => i.netns === netns && i.name === name))
          throw errnoError('EBUSY', 'ioctl TUNSETIFF', name);
        this.addInterface({ name, netns, link: `tun:${netns}:${name}` });
        return this.track(new FakeTunDevice(this, this.iface(netns, name, 'if_nametoindex'), !!o.vnetHeader));
      },
      ifNameToIndex: (name: string, netns?: string) => this.iface(this.ns(netns), name, 'if_nametoindex').ifindex,
    };
  }

  /** Open fake sockets and TUN devices (to check that code under test closes what it opens). */
  get openHandles(): number {
    return this.handles.size;
  }

  // ---- used by the fake sockets ----

  detach(h: FakeHandle): void {
    this.handles.delete(h);
    if (h instanceof FakeTunDevice) this.interfaces.splice(this.interfaces.indexOf(h.iface), 1);
  }

  transmitFrame(from: FakeInterface, frame: Buffer): void {
    for (const h of this.handles) {
      if (!(h instanceof FakePacketSocket)) continue;
      if (h.iface === from) h.offer(frame, PACKET_OUTGOING);
      else if (h.iface.link === from.link) h.offer(frame, packetType(frame, h.iface.mac));
    }
  }

  sourceFor(netns: string, ifindex?: number): string {
    const candidates = this.interfaces.filter(
      (i) => i.netns === netns && (ifindex === undefined || i.ifindex === ifindex),
    );
    for (const i of candidates) if (i.addresses[0]) return i.addresses[0];
    throw errnoError('EADDRNOTAVAIL', 'sendmsg (no source address)');
  }

  /** Unicast: to the interface owning dst on a link this namespace reaches (or in this namespace).
   *  Multicast: to every other interface on the links of the outgoing interface. */
  routePacket(
    fromNs: string,
    p: { src: string; dst: string; nextHeader: number; hopLimit: number; payload: Buffer },
    outIfindex?: number,
  ): void {
    const own = this.interfaces.filter(
      (i) => i.netns === fromNs && (outIfindex === undefined || i.ifindex === outIfindex),
    );
    const links = new Set(own.map((i) => i.link));
    let targets: FakeInterface[];
    if (p.dst.startsWith('ff')) {
      targets = this.interfaces.filter((i) => links.has(i.link) && i.netns !== fromNs);
    } else {
      const local = this.interfaces.filter((i) => i.netns === fromNs && i.addresses.includes(p.dst));
      targets = local.length ? local : this.interfaces.filter((i) => links.has(i.link) && i.addresses.includes(p.dst));
      // A destination behind a TUN of the receiving namespace: hand the whole packet to the TUN reader.
      if (!targets.length) {
        const tun = [...this.handles].find(
          (h): h is FakeTunDevice => h instanceof FakeTunDevice && h.iface.netns === fromNs,
        );
        if (tun && !(outIfindex && outIfindex !== tun.ifindex)) {
          tun.offer(buildIpv6(p));
          return;
        }
      }
    }
    if (!targets.length) {
      this.unrouted.push({ netns: fromNs, src: p.src, dst: p.dst, nextHeader: p.nextHeader });
      return;
    }
    for (const iface of targets)
      for (const h of this.handles) if (h instanceof FakeRaw6Socket && h.netns === iface.netns) h.offer(p, iface);
  }

  private track<T extends FakeHandle>(h: T): T {
    this.handles.add(h);
    return h;
  }

  private ns(netns: string | undefined): string {
    const key = netns ?? '';
    if (!this.namespaces.has(key)) throw errnoError('ENOENT', 'open', key);
    return key;
  }

  private iface(netns: string, name: string, syscall: string): FakeInterface {
    const i = this.interfaces.find((x) => x.netns === netns && x.name === name);
    if (!i) throw errnoError('ENODEV', syscall, name);
    return i;
  }
}

function packetType(frame: Buffer, mac: Buffer): number {
  if (frame.length < 6) return PACKET_OTHERHOST;
  if (frame.subarray(0, 6).every((b) => b === 0xff)) return PACKET_BROADCAST;
  if (frame[0]! & 1) return PACKET_MULTICAST;
  return frame.subarray(0, 6).equals(mac) ? PACKET_HOST : PACKET_OTHERHOST;
}

function buildIpv6(p: { src: string; dst: string; nextHeader: number; hopLimit: number; payload: Buffer }): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(6 << 28, 0);
  h.writeUInt16BE(p.payload.length, 4);
  h[6] = p.nextHeader;
  h[7] = p.hopLimit;
  ipv6ToBytes(p.src).copy(h, 8);
  ipv6ToBytes(p.dst).copy(h, 24);
  return Buffer.concat([h, p.payload]);
}

/** A hub and its binding in one call, for tests. */
export function createFakeNative(now?: () => bigint): { hub: FakeHub; native: N.NativeBinding } {
  const hub = new FakeHub(now);
  return { hub, native: hub.binding() };
}
