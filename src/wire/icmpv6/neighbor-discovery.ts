// Neighbor Solicitation and Advertisement, RFC 4861 §4.3–4.4. FMIPv6's Unsolicited NA (UNA, RFC 5568
// §6.5) is an NA with O = 1, S = 0 and the NCoA as target.

import { bytesToIpv6, writeIpv6 } from '../address.js';
import { decodeFail, decodeOk } from '../result.js';
import { icmpBodyCodec } from './body.js';
import { optionsLength, readOptions, writeOptions, type NdOption } from './nd-options.js';

export interface NeighborSolicitation {
  type: 'NeighborSolicitation';
  targetAddress: string;
  options: NdOption[];
}

export interface NeighborAdvertisement {
  type: 'NeighborAdvertisement';
  /** R */
  router: boolean;
  /** S */
  solicited: boolean;
  /** O */
  override: boolean;
  targetAddress: string;
  options: NdOption[];
}

export const neighborSolicitationCodec = icmpBodyCodec<NeighborSolicitation>({
  type: 'NeighborSolicitation',
  icmpType: 135,
  code: () => 0,
  length: (m) => 20 + optionsLength(m.options),
  write(m, b, o) {
    b.writeUInt32BE(0, o);
    writeIpv6(m.targetAddress, b, o + 4);
    writeOptions(m.options, b, o + 20);
  },
  read(b, o, end, code) {
    if (code !== 0)
      return decodeFail('bad-value', o - 3, `Neighbor Solicitation code ${code} (RFC 4861 §7.1.1 requires 0)`);
    if (end - o < 20) return decodeFail('truncated', o, 'Neighbor Solicitation needs 24 bytes');
    const r = readOptions(b, o + 20, end);
    return r.ok
      ? decodeOk({ type: 'NeighborSolicitation', targetAddress: bytesToIpv6(b, o + 4), options: r.value }, end - o)
      : r;
  },
});

export const neighborAdvertisementCodec = icmpBodyCodec<NeighborAdvertisement>({
  type: 'NeighborAdvertisement',
  icmpType: 136,
  code: () => 0,
  length: (m) => 20 + optionsLength(m.options),
  write(m, b, o) {
    b.writeUInt32BE(0, o);
    b[o] = (m.router ? 0x80 : 0) | (m.solicited ? 0x40 : 0) | (m.override ? 0x20 : 0);
    writeIpv6(m.targetAddress, b, o + 4);
    writeOptions(m.options, b, o + 20);
  },
  read(b, o, end, code) {
    if (code !== 0)
      return decodeFail('bad-value', o - 3, `Neighbor Advertisement code ${code} (RFC 4861 §7.1.2 requires 0)`);
    if (end - o < 20) return decodeFail('truncated', o, 'Neighbor Advertisement needs 24 bytes');
    const r = readOptions(b, o + 20, end);
    if (!r.ok) return r;
    const f = b[o]!;
    return decodeOk(
      {
        type: 'NeighborAdvertisement',
        router: (f & 0x80) !== 0,
        solicited: (f & 0x40) !== 0,
        override: (f & 0x20) !== 0,
        targetAddress: bytesToIpv6(b, o + 4),
        options: r.value,
      },
      end - o,
    );
  },
});
