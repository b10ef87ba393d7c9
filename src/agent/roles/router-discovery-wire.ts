// Maps the RouterAdvertiser's content to and from the wire codec of Router Discovery messages
// (src/wire/icmpv6/, RFC 4861 §4.1-4.2, RFC 6275 §7.3). No bytes are laid out here.
import type { RouterAdvertisementContent } from '../../protocols/nd/router-advertiser.js';
import { decodeFail, type Decoded } from '../../wire/result.js';

/** What the RouterAdvertiser needs of a received Router Solicitation. */
export interface SolicitationFields {
  code: number;
  hasSourceLinkLayerAddress: boolean;
}

export function encodeRouterAdvertisement(_ra: RouterAdvertisementContent): Buffer {
  throw new Error('RA codec (src/wire/icmpv6) not landed yet');
}

export function decodeRouterSolicitation(_data: Buffer): Decoded<SolicitationFields> {
  return decodeFail('unsupported', 0, 'RS codec not landed yet');
}
