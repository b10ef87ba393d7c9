// Fast handovers for Proxy Mobile IPv6 (RFC 5949): the HI / HAck a MAG exchanges with another MAG,
// and the node's context they carry (§5: MN-ID, MN link-layer identifier, home network prefix, LMA
// address, the node's link-local interface identifier; §6.2 options). What the machine keeps per
// node is in mag.ts (one record per node of its policy); this file builds and reads the messages.
import { canonical, ipv6ToBytes, macToBytes } from '../../wire/address.js';
import {
  findOption,
  type HandoverAcknowledge,
  HandoverAcknowledgeFlag as HF,
  type HandoverInitiate,
  HandoverInitiateCode,
  type MobilityOption,
  MobilityOptionType,
  naiIdentifier,
} from '../../wire/mh/index.js';

export type FastHandoverMode = 'predictive' | 'reactive';

export interface FastHandoverConfig {
  /** The other MAGs (their Proxy-CoAs) this MAG exchanges HI / HAck with; a reactive HI goes to each. */
  peers: readonly string[];
  /** How long the previous MAG forwards, and the new MAG accepts, after the move (ms). Default 3000. */
  forwardingMs?: number;
  /** How long a MAG keeps a node's traffic waiting for the other side (HAck, attach, HI) (ms). Default 1000. */
  holdMs?: number;
  /** HI retransmission after this many ms without HAck (RFC 5568 §6.2.1's timer), at most `hiRetries`. */
  hiTimeoutMs?: number;
  hiRetries?: number;
  /**
   * false: the HI only carries the node's context (U and F clear, §6.1.1): no forwarding or
   * buffering between the MAGs; the previous MAG de-registers at the detach (RFC 5213). Default true.
   */
  forwarding?: boolean;
}

/** The node's context an HI (predictive) or HAck (reactive) carries, RFC 5949 §5.1 / §6. */
export interface NodeContext {
  mnId: string;
  station: string;
  prefix: string;
  prefixLength: number;
  lma: string;
  /** The node's link-local interface identifier (8 bytes, hex) when known. */
  linkLocalIid?: string;
}

function contextOptions(c: NodeContext): MobilityOption[] {
  const o: MobilityOption[] = [
    naiIdentifier(c.mnId),
    { type: 'MobileNodeLinkLayerIdentifier', linkLayerIdentifier: macToBytes(c.station) },
    { type: 'HomeNetworkPrefix', prefix: c.prefix, prefixLength: c.prefixLength },
    { type: 'LocalMobilityAnchorAddress', optionCode: 1, address: c.lma },
  ];
  if (c.linkLocalIid)
    o.push({
      type: 'MobileNodeLinkLocalAddressInterfaceIdentifier',
      interfaceIdentifier: Buffer.from(c.linkLocalIid, 'hex'),
    });
  return o;
}

/** The interface identifier of a link-local address (its last 8 bytes), hex. */
export function linkLocalIid(address: string): string {
  return ipv6ToBytes(address).subarray(8, 16).toString('hex');
}

/**
 * Predictive HI, previous MAG -> new MAG (§4.1 and §6.1.1): P set, U (buffer at the new MAG) and F
 * (forwarding requested) unless `forwarding` is false (the context alone), code 0, with the node's context.
 */
export function predictiveHi(sequenceNumber: number, c: NodeContext, forwarding = true): HandoverInitiate {
  return {
    type: 'HandoverInitiate',
    sequenceNumber,
    assignedAddressConfiguration: false,
    buffer: forwarding,
    proxy: true,
    forwarding,
    code: HandoverInitiateCode.FbuFromPcoa,
    options: contextOptions(c),
  };
}

/**
 * Reactive HI, new MAG -> previous MAG (§4.2): P and F set, code 1 (the handover was not prepared
 * from the old link), the node named by MN-ID and link-layer identifier, and a Context Request for
 * the home network prefix and the LMA address (§6.2.1).
 */
export function reactiveHi(sequenceNumber: number, mnId: string, station: string): HandoverInitiate {
  return {
    type: 'HandoverInitiate',
    sequenceNumber,
    assignedAddressConfiguration: false,
    buffer: false,
    proxy: true,
    forwarding: true,
    code: HandoverInitiateCode.FbuNotFromPcoa,
    options: [
      naiIdentifier(mnId),
      { type: 'MobileNodeLinkLayerIdentifier', linkLayerIdentifier: macToBytes(station) },
      {
        type: 'ContextRequest',
        requests: [
          { requestType: MobilityOptionType.HomeNetworkPrefix, requestOption: Buffer.alloc(0) },
          { requestType: MobilityOptionType.LocalMobilityAnchorAddress, requestOption: Buffer.alloc(0) },
        ],
      },
    ],
  };
}

/** HAck with P (and F when forwarding is set up); the context when the peer asked for it (§6.1.2). */
export function proxyHack(
  sequenceNumber: number,
  code: number,
  o: { forwarding: boolean; buffer: boolean; context?: NodeContext },
): HandoverAcknowledge {
  return {
    type: 'HandoverAcknowledge',
    sequenceNumber,
    flags: HF.Proxy | (o.forwarding ? HF.Forwarding : 0) | (o.buffer ? HF.Buffer : 0),
    code,
    options: o.context ? contextOptions(o.context) : [],
  };
}

export function mnIdOf(options: MobilityOption[]): string | undefined {
  return findOption(options, 'MobileNodeIdentifier')?.identifier.toString('utf8');
}

/** The context an HI or HAck carries: the prefix and the LMA address are required. */
export function contextOf(options: MobilityOption[]): Pick<NodeContext, 'prefix' | 'prefixLength' | 'lma'> | null {
  const hnp = findOption(options, 'HomeNetworkPrefix');
  const lmaa = findOption(options, 'LocalMobilityAnchorAddress');
  if (!hnp || hnp.prefixLength === 0 || !lmaa || lmaa.optionCode !== 1) return null;
  return { prefix: canonical(hnp.prefix), prefixLength: hnp.prefixLength, lma: canonical(lmaa.address) };
}
