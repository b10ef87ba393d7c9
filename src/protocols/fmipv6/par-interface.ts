// What the PAR machine (par.ts) takes and gives: its configuration and bounds, inputs, actions,
// events and counters (RFC 5568 §6.1-6.3, RFC 4260 §4 station reports).
import type { Icmpv6Input, MobilityHeaderInput, SendIcmpv6, SendMobilityHeader, Tick } from '../core/index.js';
import type { NeighbourMap } from './neighbour-map.js';
import type { HoldLimits } from './par-hold.js';

export interface ParConfig {
  /** The PAR's address: RtSolPr and FBU come to it; PrRtAdv, HI and FBack leave from it. */
  address: string;
  neighbours: NeighbourMap;
  /** Set the HI's U flag so the NAR buffers for the NCoA (predictive mode only, RFC 5568 §6.2.1). Default true. */
  bufferAtNar?: boolean;
  /** Upper bound of the tunnel lifetime granted in FBack, seconds. Default 60. */
  maxLifetimeS?: number;
  /** First HI retransmission after this; doubles each time. Default 500 ms. */
  hiTimeoutMs?: number;
  /** HI retransmissions before giving up (HI_RETRIES). Default 3, a value of ours like the MN's retries. */
  hiRetries?: number;
  /**
   * The AP reports station-left: start the predictive tunnel then, not at the HAck. Default false
   * (no reports: the tunnel starts at the HAck, RFC 5568 §3.1 step 6).
   */
  awaitStationLeft?: boolean;
  /** Safety net: no station-left this long after the HAck, tunnel anyway. Default 1000 ms. */
  leaveTimeoutMs?: number;
  /** A hold started by RtSolPr/PrRtAdv (before any FBU) stops after this without FBU or leave. Default 5000 ms. */
  prepareHoldMs?: number;
  /** Bounds of what the PAR holds per PCoA (par-hold.ts). Defaults 1000 packets, 1.5 MB, 2000 ms, 500 ms. */
  hold?: Partial<HoldLimits>;
  /** Bounds on the PAR's tables (served nodes, RtSolPr targets, holds at once). */
  limits?: Partial<ParLimits>;
  /**
   * Where an FBU may arrive (the MH input's `ifindex`; unchecked when the input has none): a predictive
   * FBU on an access link, the one its PCoA is served on; a reactive one not on an access link, and
   * on the interface toward its NAR when `narLinks` names it (RFC 5568 §6, §3.2).
   */
  accessLinks?: readonly number[];
  narLinks?: Readonly<Record<string, number>>;
}

export interface ParLimits {
  /** Served nodes (RFC 5568 §7) remembered; one more is refused, counted `served-node-full`. */
  maxServedNodes: number;
  /** RtSolPr sources whose asked-for AP is remembered; the oldest is forgotten beyond. */
  maxRtSolPrTargets: number;
  /** PCoAs held at once (replay copies or a buffer); beyond, no hold: the tunnel starts at the HAck. */
  maxHolds: number;
}

export const DEFAULT_PAR_LIMITS: ParLimits = { maxServedNodes: 1024, maxRtSolPrTargets: 1024, maxHolds: 64 };

export type ParInput =
  | Icmpv6Input
  | MobilityHeaderInput
  /** A node on the PAR's access link (from the agent's neighbour cache): its address may send an FBU. */
  | { kind: 'served-node'; address: string; linkLayerAddress?: string; ifindex?: number }
  | { kind: 'served-node-gone'; address: string }
  /** The network decided to move `mobileNode` to `apId` (RFC 5568 §3.3): send an unsolicited PrRtAdv. */
  | { kind: 'network-initiated-handover'; mobileNode: string; apId: string }
  /** The AP reports the station left / joined (RFC 4260 §4); `at` is when the AP saw it (machine ms). */
  | { kind: 'station-left'; station: string; at?: number; lastFrame?: Buffer }
  | { kind: 'station-joined'; station: string }
  /** A node arrived on our access link with `address` (the co-located NAR took its UNA or reactive HI). */
  | { kind: 'node-arrived'; address: string }
  /** A packet for a PCoA this machine holds (after hold-start), whole IPv6 packet. */
  | { kind: 'packet'; dst: string; packet: Buffer }
  | Tick;

export type ParAction =
  | SendIcmpv6
  | SendMobilityHeader
  /** Packets for `pcoa` arriving at the PAR go IPv6-in-IPv6 to `ncoa` (reaching `nar`) until tunnel-stop. */
  | { kind: 'tunnel-start'; pcoa: string; ncoa: string; nar: string; lifetimeMs: number }
  /**
   * `linkLayerAddress`: the node is back on our link; what the diversion still hands over for the
   * PCoA until it is gone goes onto the link to it.
   */
  | { kind: 'tunnel-stop'; pcoa: string; ncoa: string; nar: string; linkLayerAddress?: string }
  /** Packets for `pcoa` come to the machine (`packet` inputs) until hold-stop or tunnel-start. */
  | { kind: 'hold-start'; pcoa: string }
  | { kind: 'hold-stop'; pcoa: string }
  /** Send these on the old link to the station's link-layer address. */
  | { kind: 'deliver-local'; pcoa: string; linkLayerAddress: string; packets: Buffer[] }
  /** Send these through the running tunnel to the NCoA, in order, before any later packet. */
  | { kind: 'forward'; pcoa: string; ncoa: string; packets: Buffer[] }
  | { kind: 'event'; event: ParEvent };

export type ParEvent =
  | { name: 'prrtadv-sent'; at: number; to: string; code: number; apId: string | null }
  | { name: 'fbu-refused'; at: number; src: string; reason: 'not-a-served-pcoa' | 'no-nar-for-ncoa' | 'wrong-link' }
  | { name: 'hi-sent'; at: number; pcoa: string; nar: string; code: number; transmission: number }
  | {
      name: 'handover-accepted';
      at: number;
      pcoa: string;
      ncoa: string;
      nar: string;
      mode: HandoverMode;
      lifetimeS: number;
    }
  | { name: 'handover-refused'; at: number; pcoa: string; nar: string; status: number; reason: 'hack' | 'hi-timeout' }
  | { name: 'tunnel-expired'; at: number; pcoa: string; ncoa: string }
  | { name: 'station-left'; at: number; pcoa: string; leftAt: number; held: number; handover: string }
  | { name: 'buffer-expired'; at: number; pcoa: string; packets: number }
  | { name: 'returned'; at: number; pcoa: string; packets: number }
  | { name: 'leave-timeout'; at: number; pcoa: string };

export type HandoverMode = 'predictive' | 'reactive';

export const PAR_COUNTERS = [
  'rtsolpr-received',
  'prrtadv-sent',
  'prrtadv-unknown-ap',
  'network-initiated',
  'fbu-received',
  'fbu-unauthorised',
  'fbu-wrong-link',
  'served-node-full',
  'rtsolpr-target-forgotten',
  'hold-refused',
  'fbu-duplicate',
  'fbu-no-nar',
  'hi-sent',
  'hi-retransmitted',
  'hi-timeout',
  'hack-received',
  'hack-unexpected',
  'hack-refused',
  'fback-sent',
  'tunnels-started',
  'tunnels-stopped',
  'icmp-unexpected',
  'mh-unexpected',
  'station-left',
  'station-joined',
  'station-unknown',
  'leave-timeout',
  'packets-delivered-local',
  'packets-replayed',
  'packets-forwarded',
  'packets-returned',
  'packet-unexpected',
  'buffer-overflow',
  'buffer-overflow-bytes',
  'buffer-expired',
] as const;
export type ParCounter = (typeof PAR_COUNTERS)[number];
