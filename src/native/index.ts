// The real binding: loads build/Release/mipshop_native.node and wraps its flat functions in the
// interfaces of types.ts (address strings in and out, bigint timestamps). The addon hands each batch
// over as one Buffer plus a reused Float64Array of per-item numbers (native/poll.c, mh_pack); the
// wrappers below slice views, so a batch costs one Buffer allocation, not one per packet.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type {
  Frame,
  NativeBinding,
  PacketSocket,
  PacketSocketOptions,
  Raw6Packet,
  Raw6SendOptions,
  Raw6Socket,
  Raw6SocketOptions,
  SocketStats,
  TunDevice,
  TunnelledSendResult,
  TunOptions,
} from './types.js';
import { getSystemErrorName } from 'node:util';

export type * from './types.js';

declare const handleBrand: unique symbol;
/** An opaque napi_external owned by the addon. */
type Handle = { readonly [handleBrand]: true };
type OnError = (err: NodeJS.ErrnoException) => void;

/** The addon's exports (native/addon.c and friends). */
interface Addon {
  packetOpen(options: object): [Handle, number];
  raw6Open(options: object): Handle;
  tunOpen(options: object): [Handle, string, number];
  ifNameToIndex(name: string, netns?: string): number;
  start(h: Handle, onBatch: (...args: never[]) => void, onError?: OnError): void;
  close(h: Handle): void;
  ref(h: Handle): void;
  unref(h: Handle): void;
  send(h: Handle, data: Buffer, vnetHeader?: Buffer): boolean;
  sendMany(h: Handle, frames: Buffer[], vnetHeaders?: (Buffer | undefined)[]): number;
  raw6Send(h: Handle, data: Buffer, dst: string, ifindex?: number, src?: string, hopLimit?: number): boolean;
  raw6SendTunnelled(
    h: Handle,
    outer: Buffer | Buffer[],
    packets: Buffer[],
    vnetHeaders?: (Buffer | undefined)[],
  ): [number, number, number];
  tunWriteMany(h: Handle, packets: Buffer[]): number;
  stats(h: Handle): SocketStats;
}

/** Per-item stride of the meta Float64Array (MH_META_STRIDE in native/check.h). */
const STRIDE = 8;
/** TP_STATUS_CSUMNOTREADY (linux/if_packet.h). */
const TP_STATUS_CSUMNOTREADY = 1 << 3;
const NS_PER_S = 1_000_000_000n;
/** sizeof(struct virtio_net_hdr) (MH_VNET_HDR_LEN). */
const VNET_HDR_LEN = 10;

/** Where the addon is, from src/native/ and from dist/native/ alike. */
export const ADDON_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../build/Release/mipshop_native.node',
);

let addon: Addon | undefined;

/** Loads the addon on first use, so importing this module never needs the build. */
export function loadAddon(): Addon {
  if (!addon) {
    try {
      addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    } catch (err) {
      throw new Error(
        `mipshop native addon not built (${ADDON_PATH}): run "npm install" or "npx node-gyp rebuild": ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  return addon;
}

function timestamp(meta: Float64Array, row: number): bigint {
  return BigInt(meta[row + 2]!) * NS_PER_S + BigInt(meta[row + 3]!);
}

/** Common part: lifecycle, ref/unref, stats. */
abstract class NativeHandle {
  #closed = false;
  protected constructor(
    protected readonly addon: Addon,
    protected readonly handle: Handle,
  ) {}
  get closed(): boolean {
    return this.#closed;
  }
  ref(): void {
    this.addon.ref(this.handle);
  }
  unref(): void {
    this.addon.unref(this.handle);
  }
  stats(): SocketStats {
    return this.addon.stats(this.handle);
  }
  close(): void {
    this.#closed = true;
    this.addon.close(this.handle);
  }
}

class NativePacketSocket extends NativeHandle implements PacketSocket {
  constructor(
    addon: Addon,
    handle: Handle,
    readonly ifindex: number,
    private readonly vnet: boolean,
  ) {
    super(addon, handle);
  }
  start(onFrames: (frames: Frame[]) => void, onError?: OnError): void {
    const hdr = this.vnet ? VNET_HDR_LEN : 0;
    const onBatch = (count: number, data: Buffer, meta: Float64Array) => {
      const frames: Frame[] = new Array(count);
      for (let i = 0, row = 0; i < count; i++, row += STRIDE) {
        const off = meta[row]!;
        const frame: Frame = {
          data: data.subarray(off + hdr, off + meta[row + 1]!),
          timestampNs: timestamp(meta, row),
          ifindex: meta[row + 4]!,
          packetType: meta[row + 5]!,
          checksumNotReady: (meta[row + 6]! & TP_STATUS_CSUMNOTREADY) !== 0,
        };
        if (hdr) frame.vnetHeader = data.subarray(off, off + hdr);
        frames[i] = frame;
      }
      onFrames(frames);
    };
    this.addon.start(this.handle, onBatch, onError);
  }
  send(frame: Buffer, vnetHeader?: Buffer): boolean {
    return this.addon.send(this.handle, frame, vnetHeader);
  }
  sendMany(frames: Buffer[], vnetHeaders?: (Buffer | undefined)[]): number {
    return this.addon.sendMany(this.handle, frames, vnetHeaders);
  }
}

class NativeRaw6Socket extends NativeHandle implements Raw6Socket {
  constructor(addon: Addon, handle: Handle) {
    super(addon, handle);
  }
  start(onPackets: (packets: Raw6Packet[]) => void, onError?: OnError): void {
    const onBatch = (count: number, data: Buffer, meta: Float64Array, addrs: string[]) => {
      const packets: Raw6Packet[] = new Array(count);
      for (let i = 0, row = 0; i < count; i++, row += STRIDE) {
        const off = meta[row]!;
        packets[i] = {
          data: data.subarray(off, off + meta[row + 1]!),
          src: addrs[2 * i]!,
          dst: addrs[2 * i + 1]!,
          ifindex: meta[row + 4]!,
          hopLimit: meta[row + 5]!,
          timestampNs: timestamp(meta, row),
        };
      }
      onPackets(packets);
    };
    this.addon.start(this.handle, onBatch, onError);
  }
  send(data: Buffer, dst: string, options?: Raw6SendOptions): boolean {
    return this.addon.raw6Send(this.handle, data, dst, options?.ifindex, options?.src, options?.hopLimit);
  }
  sendTunnelled(
    outer: Buffer | Buffer[],
    packets: Buffer[],
    vnetHeaders?: (Buffer | undefined)[],
  ): TunnelledSendResult {
    const [sent, dropped, errno] = this.addon.raw6SendTunnelled(this.handle, outer, packets, vnetHeaders);
    return errno ? { sent, dropped, lastError: getSystemErrorName(errno) } : { sent, dropped };
  }
}

class NativeTunDevice extends NativeHandle implements TunDevice {
  constructor(
    addon: Addon,
    handle: Handle,
    readonly name: string,
    readonly ifindex: number,
    private readonly vnet: boolean,
  ) {
    super(addon, handle);
  }
  start(onPackets: (packets: Buffer[], vnetHeaders?: Buffer[]) => void, onError?: OnError): void {
    const hdr = this.vnet ? VNET_HDR_LEN : 0;
    const onBatch = (count: number, data: Buffer, meta: Float64Array) => {
      const packets: Buffer[] = new Array(count);
      const headers: Buffer[] | undefined = hdr ? new Array(count) : undefined;
      for (let i = 0, row = 0; i < count; i++, row += STRIDE) {
        const off = meta[row]!;
        packets[i] = data.subarray(off + hdr, off + meta[row + 1]!);
        if (headers) headers[i] = data.subarray(off, off + hdr);
      }
      onPackets(packets, headers);
    };
    this.addon.start(this.handle, onBatch, onError);
  }
  write(packet: Buffer, vnetHeader?: Buffer): boolean {
    return this.addon.send(this.handle, packet, vnetHeader);
  }
  writeMany(packets: Buffer[]): number {
    return this.addon.tunWriteMany(this.handle, packets);
  }
}

/** The real sockets. Every method throws Node-style errno errors (code, errno, syscall). */
export const native: NativeBinding = {
  openPacketSocket(options: PacketSocketOptions): PacketSocket {
    const a = loadAddon();
    const { filter, ...rest } = options;
    const [handle, ifindex] = a.packetOpen(filter ? { ...rest, filter: filter.flat() } : rest);
    return new NativePacketSocket(a, handle, ifindex, !!options.vnetHeader);
  },
  openRaw6Socket(options: Raw6SocketOptions): Raw6Socket {
    const a = loadAddon();
    return new NativeRaw6Socket(a, a.raw6Open(options));
  },
  openTun(options: TunOptions = {}): TunDevice {
    const a = loadAddon();
    const [handle, name, ifindex] = a.tunOpen(options);
    return new NativeTunDevice(a, handle, name, ifindex, !!options.vnetHeader);
  },
  ifNameToIndex(name: string, netns?: string): number {
    return loadAddon().ifNameToIndex(name, netns);
  },
};
