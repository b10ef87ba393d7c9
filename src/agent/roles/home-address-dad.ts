// Duplicate Address Detection for a home address on the home link before its first binding
// (RFC 6275 §10.3.1, RFC 4862 §5.4). The home agent solicits the home address and waits one
// RetransTimer for a Neighbor Advertisement of it: any NA whose target is the home address means
// another node uses it (duplicate). Deviation: the NS goes from the home agent's link-local address
// (the kernel chooses it on a raw ICMPv6 socket), not from ::, so an answer is unicast to us; for the
// home agent, whose only question is "does anyone on the link hold this address", that is the same.
import type { NativeBinding, Raw6Packet, Raw6Socket } from '../../native/types.js';
import { bytesToIpv6, ipv6ToBytes, macToBytes } from '../../wire/address.js';
import { decode as decodeIcmpv6, encode as encodeIcmpv6 } from '../../wire/icmpv6/header.js';

export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
/** RFC 4861 §10 RETRANS_TIMER. */
export const DEFAULT_DAD_TIMEOUT_MS = 1000;

/** ff02::1:ffXX:XXXX for `address` (RFC 4291 §2.7.1). */
export function solicitedNodeMulticast(address: string): string {
  const b = ipv6ToBytes(address);
  const m = ipv6ToBytes('ff02::1:ff00:0');
  b.copy(m, 13, 13, 16);
  return bytesToIpv6(m);
}

export interface HomeAddressDad {
  /** Resolves true when an NA for `homeAddress` arrived within the timeout. */
  probe(homeAddress: string): Promise<boolean>;
  readonly stats: { probes: number; duplicates: number; malformed: number };
  close(): void;
}

export function openHomeAddressDad(o: {
  native: NativeBinding;
  netns?: string;
  ifname: string;
  mac: string;
  timeoutMs?: number;
}): HomeAddressDad {
  const ifindex = o.native.ifNameToIndex(o.ifname, o.netns);
  const timeoutMs = o.timeoutMs ?? DEFAULT_DAD_TIMEOUT_MS;
  const sock: Raw6Socket = o.native.openRaw6Socket({
    protocol: 58,
    netns: o.netns,
    bindDevice: o.ifname,
    icmp6Types: [ICMPV6_NEIGHBOR_ADVERTISEMENT],
    unicastHops: 255,
    multicastHops: 255,
  });
  const stats = { probes: 0, duplicates: 0, malformed: 0 };
  const waiting = new Map<string, (duplicate: boolean) => void>();
  sock.start(
    (packets: Raw6Packet[]) => {
      for (const p of packets) {
        const r = decodeIcmpv6(p.data);
        if (!r.ok || r.value.type !== 'NeighborAdvertisement') {
          stats.malformed++;
          continue;
        }
        // RFC 4861 §7.1.2: ND messages with a hop limit other than 255 come from off-link; ignore.
        if (p.hopLimit !== 255) continue;
        waiting.get(bytesToIpv6(ipv6ToBytes(r.value.targetAddress)))?.(true);
      }
    },
    () => {},
  );
  return {
    stats,
    probe(homeAddress: string): Promise<boolean> {
      const target = bytesToIpv6(ipv6ToBytes(homeAddress));
      stats.probes++;
      return new Promise((resolve) => {
        const done = (duplicate: boolean) => {
          clearTimeout(timer);
          waiting.delete(target);
          if (duplicate) stats.duplicates++;
          resolve(duplicate);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        waiting.set(target, done);
        const ns = encodeIcmpv6({
          type: 'NeighborSolicitation',
          targetAddress: target,
          options: [{ type: 'SourceLinkLayerAddress', linkLayerAddress: macToBytes(o.mac) }],
        });
        try {
          sock.send(ns, solicitedNodeMulticast(target), { ifindex, hopLimit: 255 });
        } catch {
          // Link down: nobody can answer; the timeout decides (no duplicate seen).
        }
      });
    },
    close(): void {
      for (const done of [...waiting.values()]) done(false);
      sock.close();
    },
  };
}
