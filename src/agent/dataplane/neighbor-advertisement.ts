// Unsolicited Neighbor Advertisements on behalf of a home address. RFC 6275 §10.4.1: when the home
// agent starts to intercept for a home address it multicasts NAs to all-nodes on the home link with
// the Target = home address, its own link-layer address, Override set and Solicited/Router clear, so
// neighbours that cached the mobile node's link-layer address switch to the home agent's. The mobile
// node does the same on return home (§11.5.5). Sent from a raw ICMPv6 socket with hop limit 255
// (RFC 4861 §7.1.2: receivers drop ND messages with any other hop limit).
import type { NativeBinding, Raw6Socket } from '../../native/types.js';
import { macToBytes } from '../../wire/address.js';
import { encode as encodeIcmpv6 } from '../../wire/icmpv6/header.js';

export const ALL_NODES = 'ff02::1';
export const ND_HOP_LIMIT = 255;
/** RFC 4861 §10: MAX_NEIGHBOR_ADVERTISEMENT. */
export const MAX_NEIGHBOR_ADVERTISEMENT = 3;
/** RFC 4861 §10 RETRANS_TIMER, the spacing we use between the repeats. */
export const RETRANS_TIMER_MS = 1000;

export interface UnsolicitedAdvertiserOptions {
  native: NativeBinding;
  netns?: string;
  /** The link to advertise on. */
  ifname: string;
  /** Link-layer address advertised for the targets (the home agent's, or the mobile node's own). */
  linkLayerAddress: string;
  /** How many NAs per announce (default MAX_NEIGHBOR_ADVERTISEMENT) and their spacing. */
  count?: number;
  intervalMs?: number;
  /** Router flag (RFC 4861 §4.4): false for a host's home address. */
  router?: boolean;
}

export interface UnsolicitedAdvertiser {
  /** Sends `count` unsolicited NAs for `target` (the first one now). Replaces a pending series for it. */
  announce(target: string): void;
  /** Stops the pending repeats for `target`. */
  cancel(target: string): void;
  readonly sent: number;
  close(): void;
}

export function neighborAdvertisementBytes(target: string, linkLayerAddress: string, router = false): Buffer {
  return encodeIcmpv6({
    type: 'NeighborAdvertisement',
    router,
    solicited: false,
    override: true,
    targetAddress: target,
    options: [{ type: 'TargetLinkLayerAddress', linkLayerAddress: macToBytes(linkLayerAddress) }],
  });
  // Checksum left 0: the kernel always computes ICMPv6 checksums on raw sockets (RFC 3542 §3.1).
}

export function openUnsolicitedAdvertiser(o: UnsolicitedAdvertiserOptions): UnsolicitedAdvertiser {
  const ifindex = o.native.ifNameToIndex(o.ifname, o.netns);
  const sock: Raw6Socket = o.native.openRaw6Socket({
    protocol: 58,
    netns: o.netns,
    multicastHops: ND_HOP_LIMIT,
    unicastHops: ND_HOP_LIMIT,
    icmp6Types: [], // send-only: pass nothing up
  });
  const count = o.count ?? MAX_NEIGHBOR_ADVERTISEMENT;
  const interval = o.intervalMs ?? RETRANS_TIMER_MS;
  const pending = new Map<string, NodeJS.Timeout>();
  let sent = 0;
  const sendOne = (target: string) => {
    try {
      if (
        sock.send(neighborAdvertisementBytes(target, o.linkLayerAddress, o.router), ALL_NODES, {
          ifindex,
          hopLimit: ND_HOP_LIMIT,
        })
      )
        sent++;
    } catch {
      // The link may be down right now (ENETDOWN); the next repeat or the NS/NA exchange recovers.
    }
  };
  const cancel = (target: string) => {
    const t = pending.get(target);
    if (t) clearInterval(t);
    pending.delete(target);
  };
  return {
    announce(target: string): void {
      cancel(target);
      sendOne(target);
      let left = count - 1;
      if (left <= 0) return;
      const t = setInterval(() => {
        sendOne(target);
        if (--left <= 0) cancel(target);
      }, interval);
      t.unref();
      pending.set(target, t);
    },
    cancel,
    get sent() {
      return sent;
    },
    close(): void {
      for (const t of pending.keys()) cancel(t);
      sock.close();
    },
  };
}
