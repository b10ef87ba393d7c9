// Maps the RouterAdvertiser's content to and from the Router Discovery codec (src/wire/icmpv6/
// router-discovery.ts, RFC 4861 §4.1-4.2; options in nd-options.ts, RFC 6275 §7.3). No message
// layout here: only the ICMPv6 header's Type and Code bytes around the codec's body. The checksum
// stays 0: on a raw ICMPv6 socket the kernel fills it in and verifies it on receipt (RFC 3542 §3.1).
import type { RouterAdvertisementContent } from '../../protocols/nd/router-advertiser.js';
import { macToBytes } from '../../wire/address.js';
import type { NdOption } from '../../wire/icmpv6/nd-options.js';
import { routerAdvertisementCodec, routerSolicitationCodec, type RouterAdvertisement } from '../../wire/icmpv6/router-discovery.js';
import { decodeFail, decodeOk, type Decoded } from '../../wire/result.js';

const ICMPV6_HEADER = 4;

/** What the RouterAdvertiser needs of a received Router Solicitation. */
export interface SolicitationFields {
  code: number;
  hasSourceLinkLayerAddress: boolean;
}

export function toRouterAdvertisement(ra: RouterAdvertisementContent): RouterAdvertisement {
  const p = ra.prefixInformation;
  const options: NdOption[] = [
    { type: 'SourceLinkLayerAddress', linkLayerAddress: macToBytes(ra.sourceLinkLayerAddress) },
    {
      type: 'PrefixInformation',
      prefixLength: p.prefixLength,
      onLink: p.onLink,
      autonomous: p.autonomous,
      routerAddress: false,
      validLifetime: p.validLifetimeS,
      preferredLifetime: p.preferredLifetimeS,
      prefix: p.prefix,
    },
    { type: 'AdvertisementInterval', advertisementInterval: ra.advertisementIntervalMs },
  ];
  if (ra.mtu !== undefined) options.push({ type: 'Mtu', mtu: ra.mtu });
  return {
    type: 'RouterAdvertisement',
    curHopLimit: ra.curHopLimit,
    managedAddressConfiguration: ra.managed,
    otherConfiguration: ra.other,
    homeAgent: ra.homeAgent,
    routerPreference: 0, // medium (RFC 4191 §2.2)
    proxy: false,
    routerLifetime: ra.routerLifetimeS,
    reachableTime: ra.reachableTimeMs,
    retransTimer: ra.retransTimerMs,
    options,
  };
}

/** The ICMPv6 message (header with a zero checksum, then the body) of a Router Advertisement. */
export function encodeRouterAdvertisement(ra: RouterAdvertisementContent): Buffer {
  const m = toRouterAdvertisement(ra);
  const c = routerAdvertisementCodec;
  const buf = Buffer.alloc(ICMPV6_HEADER + c.length(m));
  buf[0] = c.icmpType;
  buf[1] = c.code(m);
  c.write(m, buf, ICMPV6_HEADER);
  return buf;
}

/** Decodes an ICMPv6 message that should be a Router Solicitation; never throws. */
export function decodeRouterSolicitation(data: Buffer): Decoded<SolicitationFields> {
  if (data.length < ICMPV6_HEADER) return decodeFail('truncated', 0, 'ICMPv6 header needs 4 bytes');
  if (data[0] !== routerSolicitationCodec.icmpType) return decodeFail('bad-value', 0, `ICMPv6 type ${data[0]} is not a Router Solicitation`);
  const code = data[1]!;
  const r = routerSolicitationCodec.read(data, ICMPV6_HEADER, data.length, code);
  if (!r.ok) return r;
  return decodeOk({ code, hasSourceLinkLayerAddress: r.value.options.some((o) => o.type === 'SourceLinkLayerAddress') }, data.length);
}
