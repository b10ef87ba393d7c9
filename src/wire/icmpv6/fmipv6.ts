// FMIPv6 ICMPv6 messages (type 154, RFC 5568 §6.1): Router Solicitation for Proxy Advertisement
// (RtSolPr, subtype 2) and Proxy Router Advertisement (PrRtAdv, subtype 3).
//   | Type 154 | Code | Checksum | Subtype | Reserved | Identifier | options ...

import { decodeFail, decodeOk } from '../result.js';
import { icmpBodyCodec } from './body.js';
import { optionsLength, readOptions, writeOptions, type NdOption } from './nd-options.js';

export const ICMPV6_FMIPV6 = 154;

export interface RouterSolicitationForProxyAdvertisement {
  type: 'RouterSolicitationForProxyAdvertisement';
  identifier: number;
  options: NdOption[];
}

/** Code (RFC 5568 §6.1.2): 0 use the [AP-ID, AR-Info] tuple, 1 network-initiated, 2 no new router
 * information, 3 limited new router information, 4 unsolicited. */
export interface ProxyRouterAdvertisement {
  type: 'ProxyRouterAdvertisement';
  code: number;
  identifier: number;
  options: NdOption[];
}

export const routerSolicitationForProxyAdvertisementCodec = icmpBodyCodec<RouterSolicitationForProxyAdvertisement>({
  type: 'RouterSolicitationForProxyAdvertisement',
  icmpType: ICMPV6_FMIPV6,
  subtype: 2,
  code: () => 0,
  length: (m) => 4 + optionsLength(m.options),
  write(m, b, o) {
    b[o] = 2;
    b[o + 1] = 0;
    b.writeUInt16BE(m.identifier, o + 2);
    writeOptions(m.options, b, o + 4);
  },
  read(b, o, end) {
    if (end - o < 4) return decodeFail('truncated', o, 'RtSolPr needs 8 bytes');
    const r = readOptions(b, o + 4, end);
    return r.ok
      ? decodeOk(
          { type: 'RouterSolicitationForProxyAdvertisement', identifier: b.readUInt16BE(o + 2), options: r.value },
          end - o,
        )
      : r;
  },
});

export const proxyRouterAdvertisementCodec = icmpBodyCodec<ProxyRouterAdvertisement>({
  type: 'ProxyRouterAdvertisement',
  icmpType: ICMPV6_FMIPV6,
  subtype: 3,
  code: (m) => m.code,
  length: (m) => 4 + optionsLength(m.options),
  write(m, b, o) {
    b[o] = 3;
    b[o + 1] = 0;
    b.writeUInt16BE(m.identifier, o + 2);
    writeOptions(m.options, b, o + 4);
  },
  read(b, o, end, code) {
    if (end - o < 4) return decodeFail('truncated', o, 'PrRtAdv needs 8 bytes');
    const r = readOptions(b, o + 4, end);
    return r.ok
      ? decodeOk(
          { type: 'ProxyRouterAdvertisement', code, identifier: b.readUInt16BE(o + 2), options: r.value },
          end - o,
        )
      : r;
  },
});
