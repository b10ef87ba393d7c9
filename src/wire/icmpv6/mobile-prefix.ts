// Mobile Prefix Solicitation / Advertisement, RFC 6275 §6.7–6.8 (ICMPv6 146/147).

import { decodeFail, decodeOk } from '../result.js';
import { icmpBodyCodec } from './body.js';
import { optionsLength, readOptions, writeOptions, type NdOption } from './nd-options.js';

export interface MobilePrefixSolicitation {
  type: 'MobilePrefixSolicitation';
  identifier: number;
}

export interface MobilePrefixAdvertisement {
  type: 'MobilePrefixAdvertisement';
  identifier: number;
  /** M: managed address configuration. */
  managedAddressConfiguration: boolean;
  /** O: other stateful configuration. */
  otherConfiguration: boolean;
  /** Prefix Information options. */
  options: NdOption[];
}

export const mobilePrefixSolicitationCodec = icmpBodyCodec<MobilePrefixSolicitation>({
  type: 'MobilePrefixSolicitation',
  icmpType: 146,
  code: () => 0,
  length: () => 4,
  write(m, b, o) {
    b.writeUInt16BE(m.identifier, o);
    b.writeUInt16BE(0, o + 2);
  },
  read(b, o, end) {
    if (end - o < 4) return decodeFail('truncated', o, 'Mobile Prefix Solicitation needs 8 bytes');
    return decodeOk({ type: 'MobilePrefixSolicitation', identifier: b.readUInt16BE(o) }, end - o);
  },
});

export const mobilePrefixAdvertisementCodec = icmpBodyCodec<MobilePrefixAdvertisement>({
  type: 'MobilePrefixAdvertisement',
  icmpType: 147,
  code: () => 0,
  length: (m) => 4 + optionsLength(m.options),
  write(m, b, o) {
    b.writeUInt16BE(m.identifier, o);
    b.writeUInt16BE((m.managedAddressConfiguration ? 0x8000 : 0) | (m.otherConfiguration ? 0x4000 : 0), o + 2);
    writeOptions(m.options, b, o + 4);
  },
  read(b, o, end) {
    if (end - o < 4) return decodeFail('truncated', o, 'Mobile Prefix Advertisement needs 8 bytes');
    const r = readOptions(b, o + 4, end);
    if (!r.ok) return r;
    const f = b.readUInt16BE(o + 2);
    return decodeOk(
      {
        type: 'MobilePrefixAdvertisement',
        identifier: b.readUInt16BE(o),
        managedAddressConfiguration: (f & 0x8000) !== 0,
        otherConfiguration: (f & 0x4000) !== 0,
        options: r.value,
      },
      end - o,
    );
  },
});
