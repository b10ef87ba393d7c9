// The mobile node's uplink hold (docs/dataplane.md §2, "Uplink hold"): packets the applications send
// from the home address while the node has no usable reverse tunnel wait here, in order, and leave
// as soon as it has one. Pure: no sockets, no clock; home-address.ts owns one.
//
// Release rule. The home agent accepts a reverse-tunnelled packet only from the care-of address it
// has registered (RFC 6275 §10.4.5), so the uplink has a path exactly when
//   - the carrier is up and has not gone down since the path was confirmed (a packet sent with no
//     carrier is lost on the radio), and
//   - the reverse tunnel has a care-of address the home agent registered: set on the BA that
//     accepted it (the machine's `reverse-tunnel`), cleared when the node moves (`reverse-tunnel-off`).
// Carrier up alone does not open the path: on a new link the old care-of address is not usable
// (RFC 6275 §11.5.1); only a BA for the new one (`setCareOf`) or a Router Advertisement from the same
// router as before (`resume`: the binding still holds) opens it.
//
// Bounded in packets and bytes; when either is full the arriving packet is dropped (tail drop, as the
// NAR's buffer, RFC 5568 §5.1): what is held stays a gap-free run of the oldest packets.

export interface UplinkHoldLimits {
  maxPackets: number;
  maxBytes: number;
}

/** 0.5 s of a 200 packets/s flow is 100: 512 packets cover several seconds of such a gap. */
export const DEFAULT_UPLINK_HOLD: UplinkHoldLimits = { maxPackets: 512, maxBytes: 1 << 20 };

export type UplinkClosedBy = 'carrier-down' | 'no-care-of-address';

export interface UplinkHoldStats {
  /** Packets that entered the hold. */
  held: number;
  /** Packets handed back for sending, in order (by the release rule, or takeAll). */
  released: number;
  /** Packets waiting now, and their bytes. */
  waiting: number;
  waitingBytes: number;
  /** Arriving packets dropped because the hold had maxPackets (`packets`) or would pass maxBytes (`bytes`). */
  overflow: { packets: number; bytes: number };
  /** Held packets discarded without sending (`discard`: at home, closed), by reason. */
  discarded: Record<string, number>;
  /** Why the path is closed now (null: open). */
  closedBy: UplinkClosedBy | null;
}

export interface HeldPacket {
  packet: Buffer;
  /** The TUN's virtio_net_hdr of the packet, when the TUN has offloads. */
  header?: Buffer;
}

export class UplinkHold {
  readonly #limits: UplinkHoldLimits;
  #queue: HeldPacket[] = [];
  #bytes = 0;
  #carrier = true;
  /** Carrier went down since the path was last confirmed. */
  #carrierLost = false;
  #careOf = false;
  readonly #st = { held: 0, released: 0, overflow: { packets: 0, bytes: 0 }, discarded: {} as Record<string, number> };

  constructor(limits: UplinkHoldLimits = DEFAULT_UPLINK_HOLD) {
    if (limits.maxPackets < 0 || limits.maxBytes < 0) throw new RangeError('uplink hold limits must be >= 0');
    this.#limits = { ...limits };
  }

  /** Whether a packet may go into the reverse tunnel now (the release rule above). */
  get open(): boolean {
    return this.closedBy === null;
  }

  get closedBy(): UplinkClosedBy | null {
    if (!this.#carrier || this.#carrierLost) return 'carrier-down';
    if (!this.#careOf) return 'no-care-of-address';
    return null;
  }

  /** Carrier from the radio. Down closes the path; up only records it (see the release rule). */
  setCarrier(up: boolean): void {
    this.#carrier = up;
    if (!up) this.#carrierLost = true;
  }

  /**
   * The home agent registered a care-of address (its BA), or null: the node left the registered one.
   * A BA came over a working link, so it confirms the carrier too. Returns what to send now, in order.
   */
  setCareOf(registered: boolean): HeldPacket[] {
    this.#careOf = registered;
    if (registered && this.#carrier) this.#carrierLost = false;
    return this.#releaseIfOpen();
  }

  /** Same link as before the carrier loss (an RA from the same router): the binding holds. */
  resume(): HeldPacket[] {
    if (this.#carrier) this.#carrierLost = false;
    return this.#releaseIfOpen();
  }

  /**
   * A packet from the applications while the path is closed: true when held (a copy is kept), false
   * when dropped for overflow (counted). Callers send directly while `open`.
   */
  hold(packet: Buffer, header?: Buffer): boolean {
    if (this.#queue.length >= this.#limits.maxPackets) {
      this.#st.overflow.packets++;
      return false;
    }
    if (this.#bytes + packet.length > this.#limits.maxBytes) {
      this.#st.overflow.bytes++;
      return false;
    }
    // Copies: the TUN's receive batch is reused after the callback.
    this.#queue.push(
      header ? { packet: Buffer.from(packet), header: Buffer.from(header) } : { packet: Buffer.from(packet) },
    );
    this.#bytes += packet.length;
    this.#st.held++;
    return true;
  }

  /** Everything held, in order, for the caller to send another way (at home, natively); counted as released. */
  takeAll(): HeldPacket[] {
    const out = this.#queue;
    this.#queue = [];
    this.#bytes = 0;
    this.#st.released += out.length;
    return out;
  }

  /** Puts back, ahead of anything held since, packets the caller took and could not send yet. */
  restore(packets: HeldPacket[]): void {
    if (packets.length === 0) return;
    this.#queue = [...packets, ...this.#queue];
    for (const h of packets) this.#bytes += h.packet.length;
    this.#st.released -= packets.length;
  }

  /** Counts packets the caller took (takeAll, so already in `released`) and could not send, by reason. */
  countDiscarded(reason: string, n: number): void {
    this.#st.discarded[reason] = (this.#st.discarded[reason] ?? 0) + n;
  }

  /** Drops everything held (the home address moved to the home link, or the plane closes), counted by `reason`. */
  discard(reason: string): number {
    const n = this.#queue.length;
    if (n > 0) this.#st.discarded[reason] = (this.#st.discarded[reason] ?? 0) + n;
    this.#queue = [];
    this.#bytes = 0;
    return n;
  }

  stats(): UplinkHoldStats {
    return {
      held: this.#st.held,
      released: this.#st.released,
      waiting: this.#queue.length,
      waitingBytes: this.#bytes,
      overflow: { ...this.#st.overflow },
      discarded: { ...this.#st.discarded },
      closedBy: this.closedBy,
    };
  }

  #releaseIfOpen(): HeldPacket[] {
    if (!this.open || this.#queue.length === 0) return [];
    const out = this.#queue;
    this.#queue = [];
    this.#bytes = 0;
    this.#st.released += out.length;
    return out;
  }
}
