// Test fixtures shared by the mipv6 machine tests: addresses of a small lab, security associations,
// and a Binding Update built the way a mobile node sends it.

import * as mh from '../../../wire/mh/index.js';
import { naiIdentifier } from '../../../wire/mh/options/types.js';
import type { MobilityOption } from '../../../wire/mh/options/types.js';
import { ntpTimestampFromUnixMs, sealWithMnHa, type MnHaSecurityAssociation } from '../auth.js';
import type { AuthenticatedMobilityHeaderInput } from '../../core/index.js';
import type { HomeAgentConfig } from '../home-agent.js';

export const HA = '2001:db8:1::1';
export const HOME_PREFIX = '2001:db8:1::';
export const HOA1 = '2001:db8:1::100';
export const HOA2 = '2001:db8:1::200';
export const COA_AR1 = '2001:db8:a1::10';
export const COA_AR2 = '2001:db8:a2::10';
/** Wall clock at monotonic 0, as an agent would compute Date.now() - performance.now(). */
export const EPOCH = 1_700_000_000_000;

export const MN1: MnHaSecurityAssociation = {
  nai: 'mn1@lab',
  homeAddress: HOA1,
  spi: 300,
  key: Buffer.from('00112233445566778899aabbccddeeff', 'hex'),
};
export const MN2: MnHaSecurityAssociation = {
  nai: 'mn2@lab',
  homeAddress: HOA2,
  spi: 301,
  key: Buffer.from('ffeeddccbbaa99887766554433221100', 'hex'),
};

export function haConfig(over: Partial<HomeAgentConfig> = {}): HomeAgentConfig {
  return {
    address: HA,
    homePrefix: HOME_PREFIX,
    homePrefixLength: 64,
    mobileNodes: [MN1, MN2],
    epochOffsetMs: EPOCH,
    performDad: false,
    ...over,
  };
}

export interface BuSpec {
  sequenceNumber: number;
  /** Seconds (converted to 4-second units). */
  lifetimeS: number;
  /** Monotonic ms at which the MN stamps it; the wall clock is EPOCH + this. */
  at: number;
  coa?: string;
  hoa?: string;
  sa?: MnHaSecurityAssociation;
  /** NAI sent in the MN-ID option; default sa.nai; null omits the option. */
  nai?: string | null;
  /** Key used to compute the authenticator (default sa.key): a wrong one forges. */
  key?: Buffer;
  /** Omit the replay-protection option. */
  noTimestamp?: boolean;
  /** Send from home: source = HoA, no Home Address option. */
  fromHome?: boolean;
  acknowledge?: boolean;
}

/** A BU as the wire layer hands it to the home agent (RFC 6275 §11.7.1, RFC 4285 §5–6). */
export function buInput(s: BuSpec): AuthenticatedMobilityHeaderInput {
  const sa = s.sa ?? MN1;
  const hoa = s.hoa ?? sa.homeAddress;
  const coa = s.fromHome ? hoa : (s.coa ?? COA_AR1);
  const options: MobilityOption[] = [];
  const nai = s.nai === undefined ? sa.nai : s.nai;
  if (nai !== null) options.push(naiIdentifier(nai));
  if (!s.noTimestamp)
    options.push({ type: 'MobilityMessageReplayProtection', timestamp: ntpTimestampFromUnixMs(EPOCH + s.at) });
  const bu = mh.bindingUpdate({
    sequenceNumber: s.sequenceNumber,
    lifetime: Math.floor(s.lifetimeS / 4),
    acknowledge: s.acknowledge ?? true,
    homeRegistration: true,
    options,
  });
  const sealed = sealWithMnHa(bu, { spi: sa.spi, key: s.key ?? sa.key }, coa, hoa, { src: hoa, dst: HA });
  // Through the codec, as the agent would: decode what goes on the wire.
  const decoded = mh.decode(sealed.bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return {
    kind: 'mh',
    src: coa,
    dst: HA,
    homeAddressOption: s.fromHome ? undefined : hoa,
    message: decoded.value,
    bytes: sealed.bytes,
  };
}
