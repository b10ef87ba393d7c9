// What the PAR keeps for one PCoA while it cannot yet tunnel (docs/fmipv6.md, "The PAR waits for
// the station to leave"). Two phases:
//   - on the old link (`leftAt` null): each packet is delivered there and a copy kept for
//     `replayWindowMs`, so the ones that reached the link after the station had gone (between the
//     disassociation and the AP's report of it) can still be sent to the NCoA;
//   - left: packets are buffered (RFC 5568 §3.2 allows the PAR to buffer) up to `maxPackets` /
//     `maxBytes`. A packet that does not fit is dropped and counted: tail drop, as at the NAR, since
//     the oldest are the ones the MN needs first and in order. The buffer lives `maxAgeMs` from the
//     leave; unclaimed by then (no FBU, no return), it is dropped and counted.
// Pure data structure: times are the machine's `now` (ms).
import { ipv6ToBytes } from '../../wire/address.js';
import { NextHeader } from '../../wire/ipv6.js';

export interface HoldLimits {
  maxPackets: number;
  maxBytes: number;
  /** How long after the leave a buffer waits for the FBU from the new link (or the MN's return). */
  maxAgeMs: number;
  /** How long a copy of a packet delivered on the old link is kept for replay. */
  replayWindowMs: number;
}

export interface HoldDrops {
  overflow: number;
  overflowBytes: number;
}

export class PacketHold {
  /** The station's link-layer address on the old link (where delivery goes while it is there). */
  readonly linkLayerAddress: string;
  #leftAt: number | null = null;
  #items: { at: number; packet: Buffer }[] = [];
  /** The last Mobility Header we sent the station on the old link (the FBack): when, and from where. */
  #own: { at: number; src: Buffer } | null = null;
  #bytes = 0;

  constructor(
    readonly pcoa: string,
    linkLayerAddress: string,
    private readonly limits: HoldLimits,
  ) {
    this.linkLayerAddress = linkLayerAddress;
  }

  get leftAt(): number | null {
    return this.#leftAt;
  }

  get size(): number {
    return this.#items.length;
  }

  /** When the buffer is dropped unclaimed; null while the station is on the old link. */
  get expiresAt(): number | null {
    return this.#leftAt === null ? null : this.#leftAt + this.limits.maxAgeMs;
  }

  /**
   * A packet for the PCoA at `now`. Returns 'deliver' (still on the old link: send it there),
   * 'buffered', or 'dropped' (buffer full, counted in `drops`).
   */
  add(now: number, packet: Buffer, drops: HoldDrops): 'deliver' | 'buffered' | 'dropped' {
    if (this.#leftAt === null) {
      this.#push(now, packet);
      this.#trimReplay(now);
      return 'deliver';
    }
    if (this.#items.length >= this.limits.maxPackets || this.#bytes + packet.length > this.limits.maxBytes) {
      drops.overflow++;
      drops.overflowBytes += packet.length;
      return 'dropped';
    }
    this.#push(now, packet);
    return 'buffered';
  }

  /**
   * The station left at `leftAt`: copies of packets delivered before then reached it and are
   * forgotten; the later ones (sent onto a link it had left) become the start of the buffer. When
   * the AP names the last frame the station got (`lastFrame`: its first bytes, hop limit 0) and it
   * is one of ours, that frame decides instead of the clock: everything after it was lost.
   */
  left(leftAt: number, lastFrame?: Buffer): void {
    if (this.#leftAt !== null) return;
    this.#leftAt = leftAt;
    let last = -1;
    if (lastFrame && lastFrame.length >= 40)
      for (let i = this.#items.length - 1; i >= 0 && last < 0; i--)
        if (sameHead(this.#items[i]!.packet, lastFrame)) last = i;
    // The station's last frame was our own FBack, not a copy: no copy handed to the link after it
    // reached the station, whatever the leave's time says (a copy the agent wrote a little before the
    // leave time can leave the port after it went down).
    const own = this.#own;
    const cut =
      last < 0 && own && lastFrame && lastFrame.length >= 40 && isOwnMobilityHeader(lastFrame, own.src, this.pcoa)
        ? own.at
        : leftAt;
    this.#items = last >= 0 ? this.#items.slice(last + 1) : this.#items.filter((x) => x.at >= cut);
    this.#bytes = this.#items.reduce((n, x) => n + x.packet.length, 0);
  }

  /** We sent the station a Mobility Header (an FBack) on the old link at `at`, from `src`. */
  ownFrameSent(at: number, src: string): void {
    if (this.#leftAt === null) this.#own = { at, src: ipv6ToBytes(src) };
  }

  /** Everything buffered, in arrival order; the hold is empty afterwards. */
  take(): Buffer[] {
    const out = this.#items.map((x) => x.packet);
    this.#items = [];
    this.#bytes = 0;
    return out;
  }

  #push(at: number, packet: Buffer): void {
    this.#items.push({ at, packet });
    this.#bytes += packet.length;
  }

  // Replay copies are bounded by age and by the same packet/byte limits (oldest copies go first:
  // they were delivered, only the newest can be needed again).
  #trimReplay(now: number): void {
    let drop = 0;
    let bytes = this.#bytes;
    while (
      drop < this.#items.length &&
      (this.#items[drop]!.at < now - this.limits.replayWindowMs ||
        this.#items.length - drop > this.limits.maxPackets ||
        bytes > this.limits.maxBytes)
    ) {
      bytes -= this.#items[drop]!.packet.length;
      drop++;
    }
    if (drop) {
      this.#items = this.#items.slice(drop);
      this.#bytes = bytes;
    }
  }
}

/** An IPv6 header (hop limit zeroed) of a Mobility Header from `src` to `dst`, no extension header. */
function isOwnMobilityHeader(head: Buffer, src: Buffer, dst: string): boolean {
  return (
    head[6] === NextHeader.MobilityHeader &&
    head.subarray(8, 24).equals(src) &&
    head.subarray(24, 40).equals(ipv6ToBytes(dst))
  );
}

/** Whether `packet` starts with `head`, the hop limit (byte 7, changed by every router) aside. */
function sameHead(packet: Buffer, head: Buffer): boolean {
  if (packet.length < head.length) return false;
  for (let i = 0; i < head.length; i++) if (i !== 7 && packet[i] !== head[i]) return false;
  return true;
}
