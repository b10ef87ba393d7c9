// Maps the RouterAdvertiser's content to and from the ICMPv6 codec (src/wire/icmpv6/, Router
// Discovery RFC 4861 §4.1-4.2; options RFC 4861 §4.6, RFC 6275 §7.3). No message layout here. The
// checksum stays 0: on a raw ICMPv6 socket the kernel fills it in and verifies it on receipt
// (RFC 3542 §3.1), so the agent never needs the source address the kernel will choose.
import type { RouterAdvertisementContent } from '../../protocols/nd/router-advertiser.js';
import { macToBytes } from '../../wire/address.js';
import type { NdOption } from '../../wire/icmpv6/nd-options.js';
import { decode as decodeIcmpv6, encode as encodeIcmpv6 } from '../../wire/icmpv6/header.js';
import type { RouterAdvertisement } from '../../wire/icmpv6/router-discovery.js';
import { decodeFail, decodeOk, type Decoded } from '../../wire/result.js';

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
  // RFC 5380 §5: one MAP option per MAP of the domain, each as configured on this router (§7).
  for (const m of ra.maps ?? [])
    options.push({
      type: 'Map',
      distance: m.distance,
      preference: m.preference,
      rcoa: m.rcoa ?? false,
      validLifetime: m.validLifetimeS,
      globalAddress: m.address,
    });
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

/** The ICMPv6 message of a Router Advertisement, checksum 0 (the kernel's job). */
export function encodeRouterAdvertisement(ra: RouterAdvertisementContent): Buffer {
  return encodeIcmpv6(toRouterAdvertisement(ra));
}

/** Decodes an ICMPv6 message that should be a Router Solicitation; never throws. */
export function decodeRouterSolicitation(data: Buffer): Decoded<SolicitationFields> {
  const r = decodeIcmpv6(data);
  if (!r.ok) return r;
  if (r.value.type !== 'RouterSolicitation')
    return decodeFail('bad-value', 0, `ICMPv6 type ${data[0]} is not a Router Solicitation`);
  // The codec refuses a non-zero code (RFC 4861 §6.1.1), so a decoded RS has code 0.
  return decodeOk(
    { code: data[1]!, hasSourceLinkLayerAddress: r.value.options.some((o) => o.type === 'SourceLinkLayerAddress') },
    r.bytes,
  );
}
