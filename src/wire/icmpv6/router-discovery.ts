// Router Solicitation and Router Advertisement, RFC 4861 §4.1–4.2, with the Home Agent (H) flag of
// RFC 6275 §7.1 and the Default Router Preference of RFC 4191 §2.2.

import { decodeFail, decodeOk } from '../result.js';
import { icmpBodyCodec } from './body.js';
import { optionsLength, readOptions, writeOptions, type NdOption } from './nd-options.js';

export interface RouterSolicitation {
  type: 'RouterSolicitation';
  options: NdOption[];
}

export interface RouterAdvertisement {
  type: 'RouterAdvertisement';
  curHopLimit: number;
  /** M */
  managedAddressConfiguration: boolean;
  /** O */
  otherConfiguration: boolean;
  /** H (RFC 6275 §7.1): the router is a home agent on this link. */
  homeAgent: boolean;
  /** Prf (RFC 4191 §2.2), 2 bits. */
  routerPreference: number;
  /** P (RFC 4389 §4.1.3.3): ND proxy. */
  proxy: boolean;
  /** Seconds; 0 = not a default router. */
  routerLifetime: number;
  reachableTime: number;
  retransTimer: number;
  options: NdOption[];
}

export const routerSolicitationCodec = icmpBodyCodec<RouterSolicitation>({
  type: 'RouterSolicitation',
  icmpType: 133,
  code: () => 0,
  length: (m) => 4 + optionsLength(m.options),
  write(m, b, o) {
    b.writeUInt32BE(0, o);
    writeOptions(m.options, b, o + 4);
  },
  read(b, o, end, code) {
    if (code !== 0)
      return decodeFail('bad-value', o - 3, `Router Solicitation code ${code} (RFC 4861 §6.1.1 requires 0)`);
    if (end - o < 4) return decodeFail('truncated', o, 'Router Solicitation needs 8 bytes');
    const r = readOptions(b, o + 4, end);
    return r.ok ? decodeOk({ type: 'RouterSolicitation', options: r.value }, end - o) : r;
  },
});

export const routerAdvertisementCodec = icmpBodyCodec<RouterAdvertisement>({
  type: 'RouterAdvertisement',
  icmpType: 134,
  code: () => 0,
  length: (m) => 12 + optionsLength(m.options),
  write(m, b, o) {
    b[o] = m.curHopLimit;
    b[o + 1] =
      (m.managedAddressConfiguration ? 0x80 : 0) |
      (m.otherConfiguration ? 0x40 : 0) |
      (m.homeAgent ? 0x20 : 0) |
      ((m.routerPreference & 3) << 3) |
      (m.proxy ? 0x04 : 0);
    b.writeUInt16BE(m.routerLifetime, o + 2);
    b.writeUInt32BE(m.reachableTime >>> 0, o + 4);
    b.writeUInt32BE(m.retransTimer >>> 0, o + 8);
    writeOptions(m.options, b, o + 12);
  },
  read(b, o, end, code) {
    if (code !== 0)
      return decodeFail('bad-value', o - 3, `Router Advertisement code ${code} (RFC 4861 §6.1.2 requires 0)`);
    if (end - o < 12) return decodeFail('truncated', o, 'Router Advertisement needs 16 bytes');
    const r = readOptions(b, o + 12, end);
    if (!r.ok) return r;
    const f = b[o + 1]!;
    return decodeOk(
      {
        type: 'RouterAdvertisement',
        curHopLimit: b[o]!,
        managedAddressConfiguration: (f & 0x80) !== 0,
        otherConfiguration: (f & 0x40) !== 0,
        homeAgent: (f & 0x20) !== 0,
        routerPreference: (f >> 3) & 3,
        proxy: (f & 0x04) !== 0,
        routerLifetime: b.readUInt16BE(o + 2),
        reachableTime: b.readUInt32BE(o + 4),
        retransTimer: b.readUInt32BE(o + 8),
        options: r.value,
      },
      end - o,
    );
  },
});
