// Dynamic Home Agent Address Discovery, RFC 6275 §6.5–6.6 (ICMPv6 144/145). NEMO (RFC 3963 §7.1–7.2)
// uses the first reserved bit as R (mobile router support).

import { bytesToIpv6, writeIpv6 } from '../address.js';
import { decodeFail, decodeOk } from '../result.js';
import { icmpBodyCodec } from './body.js';

export interface HomeAgentAddressDiscoveryRequest {
  type: 'HomeAgentAddressDiscoveryRequest';
  identifier: number;
  mobileRouterSupport: boolean;
}

export interface HomeAgentAddressDiscoveryReply {
  type: 'HomeAgentAddressDiscoveryReply';
  identifier: number;
  mobileRouterSupport: boolean;
  /** In order of preference (RFC 6275 §10.5.1). */
  homeAgentAddresses: string[];
}

export const homeAgentAddressDiscoveryRequestCodec = icmpBodyCodec<HomeAgentAddressDiscoveryRequest>({
  type: 'HomeAgentAddressDiscoveryRequest',
  icmpType: 144,
  code: () => 0,
  length: () => 4,
  write(m, b, o) {
    b.writeUInt16BE(m.identifier, o);
    b.writeUInt16BE(m.mobileRouterSupport ? 0x8000 : 0, o + 2);
  },
  read(b, o, end) {
    if (end - o < 4) return decodeFail('truncated', o, 'HAAD Request needs 8 bytes');
    return decodeOk(
      {
        type: 'HomeAgentAddressDiscoveryRequest',
        identifier: b.readUInt16BE(o),
        mobileRouterSupport: (b[o + 2]! & 0x80) !== 0,
      },
      end - o,
    );
  },
});

export const homeAgentAddressDiscoveryReplyCodec = icmpBodyCodec<HomeAgentAddressDiscoveryReply>({
  type: 'HomeAgentAddressDiscoveryReply',
  icmpType: 145,
  code: () => 0,
  length: (m) => 4 + 16 * m.homeAgentAddresses.length,
  write(m, b, o) {
    b.writeUInt16BE(m.identifier, o);
    b.writeUInt16BE(m.mobileRouterSupport ? 0x8000 : 0, o + 2);
    m.homeAgentAddresses.forEach((a, i) => {
      writeIpv6(a, b, o + 4 + 16 * i);
    });
  },
  read(b, o, end) {
    if (end - o < 4) return decodeFail('truncated', o, 'HAAD Reply needs 8 bytes');
    if ((end - o - 4) % 16 !== 0)
      return decodeFail('bad-length', o + 4, 'HAAD Reply addresses are not a multiple of 16 bytes');
    const homeAgentAddresses: string[] = [];
    for (let p = o + 4; p < end; p += 16) homeAgentAddresses.push(bytesToIpv6(b, p));
    return decodeOk(
      {
        type: 'HomeAgentAddressDiscoveryReply',
        identifier: b.readUInt16BE(o),
        mobileRouterSupport: (b[o + 2]! & 0x80) !== 0,
        homeAgentAddresses,
      },
      end - o,
    );
  },
});
