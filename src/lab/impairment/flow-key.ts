// Draws keyed on the data packet, so the relay gives the same flow packet the same fate in every run
// and under every protocol (`compare`, docs/compare.md): the loss, duplication and jitter draws of a
// frame carrying flow packet (flow, seq) on link L, direction d come from a generator seeded with a
// hash of (L, d, flow, seq), whatever signalling each protocol adds around it. Frames that carry no
// flow packet (signalling, ND, TCP) draw from the relay's running generator as before.
import { FLOW_HEADER_LENGTH, FLOW_MAGIC } from '../../wire/flow.js';
import { type Random, xorshift32 } from './relay-queue.js';

const ETHERTYPE_IPV6 = 0x86dd;
const ETHERNET_HEADER = 14;
const IPV6_HEADER = 40;
const UDP_HEADER = 8;
// Next-header numbers (IANA): extension headers skipped on the way to UDP, IPv6-in-IPv6 followed.
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const DESTINATION = 60;
const MOBILITY = 135;
const IPV6_IN_IPV6 = 41;
const UDP = 17;
/** Headers followed at most (tunnels inside tunnels, extension headers): bounds the work per frame. */
const MAX_HEADERS = 8;

export interface FlowKey {
  flowId: number;
  seq: number;
}

/**
 * The flow packet an Ethernet frame carries (also inside IPv6-in-IPv6 tunnels, behind extension
 * headers), or null. Never throws: a short or odd frame is simply not a flow packet.
 */
export function flowKeyOf(frame: Buffer): FlowKey | null {
  if (frame.length < ETHERNET_HEADER + IPV6_HEADER || frame.readUInt16BE(12) !== ETHERTYPE_IPV6) return null;
  let ip = ETHERNET_HEADER;
  let at = ip + IPV6_HEADER;
  let next = frame[ip + 6] as number;
  for (let n = 0; n < MAX_HEADERS; n++) {
    if ((frame[ip] as number) >>> 4 !== 6) return null;
    if (next === UDP) {
      const payload = at + UDP_HEADER;
      if (payload + FLOW_HEADER_LENGTH > frame.length || frame.readUInt32BE(payload) !== FLOW_MAGIC) return null;
      return { flowId: frame.readUInt32BE(payload + 8), seq: frame.readUInt32BE(payload + 12) };
    }
    if (next === IPV6_IN_IPV6) {
      if (at + IPV6_HEADER > frame.length) return null;
      ip = at;
      next = frame[ip + 6] as number;
      at = ip + IPV6_HEADER;
      continue;
    }
    if (next === HOP_BY_HOP || next === ROUTING || next === DESTINATION || next === MOBILITY || next === FRAGMENT) {
      if (next === MOBILITY || next === FRAGMENT || at + 2 > frame.length) return null; // no UDP behind these here
      next = frame[at] as number;
      at += ((frame[at + 1] as number) + 1) * 8;
      continue;
    }
    return null;
  }
  return null;
}

/** FNV-1a over the text, then murmur3's finaliser for a well-mixed 32-bit seed. */
export function keyHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The generator for one flow packet on one direction of one link; its first draw decides the loss. */
export function keyedRandom(direction: string, key: FlowKey): Random {
  return xorshift32(keyHash(`${direction}|${key.flowId}|${key.seq}`));
}
