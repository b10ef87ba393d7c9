// What the native addon (native/*.c) offers, as TypeScript sees it. Nothing protocol-specific.
// src/native/index.ts loads the real binding; src/native/testing/fake.ts implements the same interfaces
// over an in-memory hub so agents can be tested without root.

/** A frame read from an AF_PACKET socket. */
export interface Frame {
  data: Buffer;
  /** Kernel receive timestamp (SO_TIMESTAMPNS), nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  ifindex: number;
  /** PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING (linux/if_packet.h). */
  packetType: number;
  /** TP_STATUS_CSUMNOTREADY: sent by this host with the L4 checksum left to offload (not yet filled in). */
  checksumNotReady?: boolean;
  /**
   * With PacketSocketOptions.vnetHeader: the frame's struct virtio_net_hdr (10 bytes: flags,
   * gso_type, hdr_len, gso_size, csum_start, csum_offset, host order). Hand it back to send().
   */
  vnetHeader?: Buffer;
}

/** Options every open function takes. */
export interface NamespaceOption {
  /**
   * Network namespace to open in: a path such as /run/netns/NAME or /proc/PID/ns/net. The addon
   * setns()es the calling thread into it, creates the fd and returns; the fd stays in that namespace.
   */
  netns?: string;
}

/** Receive tuning shared by every socket kind. */
export interface ReceiveTuning {
  /** Items read per recvmmsg/read batch (1..1024, default 64). */
  batch?: number;
  /** Largest item accepted; longer ones are counted as truncated and dropped (default 65600 / 65575 / 65536). */
  maxPacketSize?: number;
  /** SO_RCVBUF(FORCE) in bytes; kernel default when absent. */
  receiveBuffer?: number;
}

/** Counters of one socket or TUN device. */
export interface SocketStats {
  received: number;
  receivedBytes: number;
  /** Items longer than maxPacketSize: dropped. */
  truncated: number;
  /** Receive errors reported (or counted when no onError was given). */
  errors: number;
  sent: number;
  /** Sends refused with EAGAIN/ENOBUFS. */
  sendDropped: number;
  /** Packet sockets: frames the kernel dropped for a full receive buffer (PACKET_STATISTICS). */
  kernelDrops: number;
}

/** Whether a started socket keeps the event loop alive (default yes); like net.Socket#ref/unref. */
export interface Refable {
  ref(): void;
  unref(): void;
  stats(): SocketStats;
  readonly closed: boolean;
}

export interface PacketSocketOptions extends NamespaceOption, ReceiveTuning {
  /** Interface to bind to, in the calling process's network namespace. */
  ifname: string;
  /** Ethertype in host order; default ETH_P_ALL (0x0003). 0x86dd for IPv6 only. */
  protocol?: number;
  promiscuous?: boolean;
  /** Drop frames this host sent itself (PACKET_IGNORE_OUTGOING). Default true. */
  ignoreOutgoing?: boolean;
  /**
   * PACKET_VNET_HDR. Frames this host's stack sends over veth are often GSO super-frames (up to 64 KiB)
   * with their L4 checksum left to offload; forwarded as plain frames they fail (EMSGSIZE, bad
   * checksum). With this on, each frame carries its virtio_net_hdr (Frame.vnetHeader) and send()
   * takes it back, so a relay forwards them unchanged and the kernel segments and checksums.
   */
  vnetHeader?: boolean;
  /**
   * A classic BPF program (SO_ATTACH_FILTER, filter.h) run by the kernel on every frame before it is
   * queued: frames it returns 0 for never reach the socket, so a socket that wants a few frames among
   * many costs no wake-up, copy or JS call for the others. Offsets count from the Ethernet header.
   */
  filter?: readonly BpfInstruction[];
}

/** One classic BPF instruction (struct sock_filter): opcode, jump if true, jump if false, constant. */
export type BpfInstruction = readonly [code: number, jt: number, jf: number, k: number];

export interface PacketSocket extends Refable {
  readonly ifindex: number;
  /** Starts libuv polling; onFrames gets each batch read until EAGAIN. */
  start(onFrames: (frames: Frame[]) => void, onError?: (err: NodeJS.ErrnoException) => void): void;
  /** Sends one whole frame (with its Ethernet header). Returns false on EAGAIN/ENOBUFS (dropped). */
  send(frame: Buffer, vnetHeader?: Buffer): boolean;
  /** Sends several frames with one sendmmsg; returns how many went (the rest hit EAGAIN/ENOBUFS). */
  sendMany(frames: Buffer[], vnetHeaders?: (Buffer | undefined)[]): number;
  /** Idempotent. */
  close(): void;
}

/** A datagram read from a raw IPv6 socket, with its ancillary data. */
export interface Raw6Packet {
  /** Payload after the IPv6 header (and the extension headers the kernel consumed). */
  data: Buffer;
  src: string;
  dst: string;
  ifindex: number;
  hopLimit: number;
  timestampNs: bigint;
}

export interface Raw6SocketOptions extends NamespaceOption, ReceiveTuning {
  /** IPv6 next-header value: 58 (ICMPv6), 135 (Mobility Header), 41 (IPv6-in-IPv6), 17, ...; 255 (IPPROTO_RAW) is send-only, header included. */
  protocol: number;
  /** SO_BINDTODEVICE. */
  bindDevice?: string;
  /** Local address to bind ("fe80::1%eth0" zones resolve in the socket's namespace). */
  bindAddress?: string;
  /** IPV6_CHECKSUM offset: the kernel computes and verifies the checksum there (4 for the MH). */
  checksumOffset?: number;
  /** ICMP6_FILTER: only these ICMPv6 types are delivered (protocol 58 only). */
  icmp6Types?: number[];
  /** IPV6_HDRINCL: send() takes a whole IPv6 packet with its header (IPPROTO_RAW semantics). */
  headerIncluded?: boolean;
  /** Default hop limits for unicast and multicast sends (ND needs 255). */
  unicastHops?: number;
  multicastHops?: number;
  /** Multicast groups to join, e.g. ff02::2 on an interface. */
  joinGroups?: { group: string; ifindex: number }[];
}

export interface Raw6SendOptions {
  /** Outgoing interface (IPV6_PKTINFO). */
  ifindex?: number;
  /** Source address (IPV6_PKTINFO). */
  src?: string;
  hopLimit?: number;
}

export interface Raw6Socket extends Refable {
  start(onPackets: (packets: Raw6Packet[]) => void, onError?: (err: NodeJS.ErrnoException) => void): void;
  /** Sends data to dst. With headerIncluded, data is a whole IPv6 packet and dst its destination. */
  send(data: Buffer, dst: string, options?: Raw6SendOptions): boolean;
  /**
   * Header-included sockets: RFC 2473 encapsulation of a batch with one sendmmsg per 64 wire packets.
   * Each packet goes out as [outer][packet]; `outer` is a 40-byte IPv6 header (one for all, or one per
   * packet) whose Payload Length is filled in here and whose destination routes it. A packet with a
   * TUN's virtio_net_hdr is finished the way the kernel would: a partial checksum completed, a
   * GSO_TCPV6 super-packet cut into gso_size TCP segments (software GSO: seq, lengths, flags,
   * checksums). Counts wire packets; `lastError` is the code of the last refusal (EMSGSIZE ...).
   */
  sendTunnelled(outer: Buffer | Buffer[], packets: Buffer[], vnetHeaders?: (Buffer | undefined)[]): TunnelledSendResult;
  /** Idempotent. */
  close(): void;
}

export interface TunnelledSendResult {
  sent: number;
  dropped: number;
  lastError?: string;
}

export interface TunOptions extends NamespaceOption, Pick<ReceiveTuning, 'batch'> {
  /** Device name; the kernel picks tunN when absent. */
  name?: string;
  /**
   * IFF_VNET_HDR with TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO6): reads may be TCP/IPv6 super-packets of
   * up to 64 KiB with a partial checksum, described by their virtio_net_hdr (second argument of
   * onPackets); writeMany() coalesces TCP segments into such super-packets (software GRO).
   */
  vnetHeader?: boolean;
}

export interface TunDevice extends Refable {
  readonly name: string;
  readonly ifindex: number;
  /** Each packet is a whole IPv6 (or IPv4) packet, no packet-information header (IFF_NO_PI). */
  /** With `vnetHeader`, `vnetHeaders[i]` is packets[i]'s 10-byte virtio_net_hdr (a view: copy to keep). */
  start(
    onPackets: (packets: Buffer[], vnetHeaders?: Buffer[]) => void,
    onError?: (err: NodeJS.ErrnoException) => void,
  ): void;
  /** One packet; with `vnetHeader`, `vnetHeader` describes it (all zeros when absent). */
  write(packet: Buffer, vnetHeader?: Buffer): boolean;
  /**
   * A batch in one call; returns how many packets the device accepted. With `vnetHeader`, runs of
   * consecutive segments of one TCP flow (checksums verified) are written as one GSO super-packet.
   */
  writeMany(packets: Buffer[]): number;
  /** Idempotent; the device disappears with its fd (not persistent). */
  close(): void;
}

export interface NativeBinding {
  openPacketSocket(options: PacketSocketOptions): PacketSocket;
  openRaw6Socket(options: Raw6SocketOptions): Raw6Socket;
  openTun(options?: TunOptions): TunDevice;
  /** Throws ENODEV when there is no such interface (in netns, when given). */
  ifNameToIndex(name: string, netns?: string): number;
}
