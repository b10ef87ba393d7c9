// Context transfer of the handover key (RFC 5568 §6 leaves the HI's context open to options): with its
// HI the PAR gives the NAR the node's key for the NAR, HK' = narKey(HK, NAR address)
// (src/protocols/aaa/keys.ts), never HK itself, under the same SPI; the node derives HK' too, so its
// next FBU, sent to the NAR once that is its router, verifies there with no RADIUS round trip.
// Carried in a Vendor-Specific Mobility Option (type 19, RFC 5094 §3) with the documentation
// enterprise number 32473 (RFC 5612), sub-type 1: | SPI (32) | HK' xor First(160, HMAC-SHA256(pair
// key, "FMIPv6 HI key wrap" | HI Sequence Number | SPI)) |. The HI's peer option (peer-auth.ts) covers
// it; the wrap keeps HK' off the PAR-NAR link in clear.
import { createHmac } from 'node:crypto';
import type { HandoverKeys } from '../../protocols/aaa/associations.js';
import { interfaceIdentifier } from '../../protocols/aaa/associations.js';
import { narKey } from '../../protocols/aaa/keys.js';
import type { SendIcmpv6, SendMobilityHeader } from '../../protocols/core/index.js';
import { AddressOptionCode } from '../../protocols/fmipv6/constants.js';
import { findMhAddress } from '../../protocols/fmipv6/options.js';
import { canonical } from '../../wire/address.js';
import type { HandoverInitiate } from '../../wire/mh/fmipv6.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import type { AgentConfig } from '../config.js';
import type { Counters } from '../counters.js';
import type { RouterIo } from './fmipv6-router-io.js';

const VENDOR_SPECIFIC = 19;
const DOCUMENTATION_PEN = 32473;
const SUBTYPE_HANDOVER_KEY = 1;
const LABEL = Buffer.from('FMIPv6 HI key wrap', 'ascii');

function pairKey(config: AgentConfig, peer: string): Buffer | null {
  const p = (config.routerPeers ?? []).find((x) => canonical(x.address) === canonical(peer));
  return p ? Buffer.from(p.key, 'hex') : null;
}

function wrap(pair: Buffer, sequence: number, spi: number, key: Buffer): Buffer {
  const info = Buffer.alloc(6);
  info.writeUInt16BE(sequence & 0xffff, 0);
  info.writeUInt32BE(spi >>> 0, 2);
  const pad = createHmac('sha256', pair).update(LABEL).update(info).digest();
  return Buffer.from(key.map((b, i) => b ^ pad[i]!));
}

/** `io` whose HIs carry the node's key for the NAR when this PAR holds one for the PCoA's node. */
export function withKeyContext(io: RouterIo, keys: HandoverKeys, config: AgentConfig, counters: Counters): RouterIo {
  return {
    ...io,
    send(a: SendIcmpv6 | SendMobilityHeader): boolean {
      if (a.kind !== 'send-mh' || a.message.type !== 'HandoverInitiate') return io.send(a);
      const hi = a.message as HandoverInitiate;
      const pcoa = findMhAddress(hi.options, AddressOptionCode.OldCareOfAddress)?.address;
      const sa = pcoa ? keys.byNode(pcoa) : undefined;
      const pair = pairKey(config, a.dst);
      if (!sa || !pair) return io.send(a);
      const data = Buffer.alloc(4 + 1 + 4 + 20);
      data.writeUInt32BE(DOCUMENTATION_PEN, 0);
      data[4] = SUBTYPE_HANDOVER_KEY;
      data.writeUInt32BE(sa.spi, 5);
      wrap(pair, hi.sequenceNumber, sa.spi, narKey(sa.key, a.dst)).copy(data, 9);
      const option: MobilityOption = { type: 'Unknown', optionType: VENDOR_SPECIFIC, data };
      counters.add('aaa.context-sent');
      return io.send({ ...a, message: { ...hi, options: [...hi.options, option] } });
    },
  };
}

/** At the NAR, after the HI's peer check: the key context it carries, if any, kept for the PCoA's node. */
export function acceptKeyContext(
  keys: HandoverKeys,
  hi: HandoverInitiate,
  src: string,
  config: AgentConfig,
  nowMs: number,
  counters: Counters,
): void {
  const o = hi.options.find(
    (x) =>
      x.type === 'Unknown' &&
      x.optionType === VENDOR_SPECIFIC &&
      x.data.length === 29 &&
      x.data.readUInt32BE(0) === DOCUMENTATION_PEN &&
      x.data[4] === SUBTYPE_HANDOVER_KEY,
  ) as { data: Buffer } | undefined;
  if (!o) return;
  const pcoa = findMhAddress(hi.options, AddressOptionCode.OldCareOfAddress)?.address;
  const pair = pairKey(config, src);
  if (!pcoa || !pair) {
    counters.add('aaa.context-unusable');
    return;
  }
  const spi = o.data.readUInt32BE(5);
  const iid = interfaceIdentifier(pcoa);
  const held = keys.get(spi, nowMs);
  if (spi === 0 || (held && held.iid !== iid)) {
    counters.add('aaa.context-spi-taken');
    return;
  }
  keys.add({
    spi,
    key: wrap(pair, hi.sequenceNumber, spi, o.data.subarray(9, 29)),
    nai: '(context transfer)',
    iid,
    createdMs: nowMs,
    lifetimeS: 3600,
  });
  counters.add('aaa.context-received');
}
