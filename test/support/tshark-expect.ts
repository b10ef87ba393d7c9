// What tshark 4.0 should show for each message we encode (field names checked with `tshark -G fields`).
// Wireshark 4.0's quirks are encoded here, each with its note (docs/wire.md lists them).

import type { Icmpv6Message } from '../../src/wire/icmpv6/header.js';
import { encode as encodeNdOption, type NdOption } from '../../src/wire/icmpv6/nd-options.js';
import { mhTypeOf, type MobilityMessage } from '../../src/wire/mh/header.js';
import { encode as encodeMobilityOption } from '../../src/wire/mh/options/codec.js';
import type { MobilityOption } from '../../src/wire/mh/options/types.js';
import type { FieldExpectations, Expected } from './tshark.js';

class Fields {
  readonly f: FieldExpectations = {};
  add(name: string, ...v: Expected[]): this {
    this.f[name] ??= [];
    this.f[name]!.push(...v);
    return this;
  }
}

const u64 = (b: Buffer): bigint => b.readBigUInt64BE(0);
const hex = (b: Buffer): string => b.toString('hex');

/** Wireshark's protocol filter name for each decoded mobility option (`tshark -G protocols`). */
const OPTION_PROTOCOL: Partial<Record<MobilityOption['type'], string>> = {
  BindingRefreshAdvice: 'bra',
  AlternateCareOfAddress: 'acoa',
  NonceIndices: 'ni',
  BindingAuthorizationData: 'bad_auth',
  MobilityHeaderLinkLayerAddress: 'mhlla',
  MobileNodeIdentifier: 'mnid',
  MobilityMessageAuthentication: 'auth',
  MobilityMessageReplayProtection: 'mseg_id',
  BindingAuthorizationDataForFmipv6: 'badff',
  HomeNetworkPrefix: 'hnp',
  HandoffIndicator: 'hi',
  AccessTechnologyType: 'att',
  MobileNodeLinkLayerIdentifier: 'mnlli',
  LinkLocalAddress: 'lla',
  Timestamp: 'ts',
  MobilityHeaderIpv6AddressPrefix: 'mhipv6ap',
  ContextRequest: 'cr',
  LocalMobilityAnchorAddress: 'lmaa',
};

function mobilityOption(x: Fields, o: MobilityOption): void {
  const proto = OPTION_PROTOCOL[o.type];
  // Known options show as a protocol item whose value is the option's raw bytes (Wireshark 4.0).
  if (proto) x.add(`mip6.options.${proto}`, hex(encodeMobilityOption(o)));
  switch (o.type) {
    case 'BindingRefreshAdvice':
      x.add('mip6.bra.interval', o.refreshInterval);
      break;
    case 'AlternateCareOfAddress':
      x.add('mip6.acoa.acoa', o.alternateCareOfAddress);
      break;
    case 'NonceIndices':
      x.add('mip6.ni.hni', o.homeNonceIndex).add('mip6.ni.cni', o.careOfNonceIndex);
      break;
    case 'BindingAuthorizationData':
      x.add('mip6.bad.auth', hex(o.authenticator));
      break;
    case 'MobilityHeaderLinkLayerAddress':
      x.add('mip6.lla.optcode', o.optionCode).add('mip6.lla', hex(o.linkLayerAddress));
      break;
    case 'MobileNodeIdentifier':
      x.add('mip6.mnid.subtype', o.subtype).add('mip6.mnid.identifier', o.identifier.toString('utf8'));
      break;
    case 'MobilityMessageAuthentication':
      // Wireshark 4.0 shows Authentication Data 2 bytes short.
      x.add('mip6.auth.subtype', o.subtype)
        .add('mip6.auth.mobility_spi', o.mobilitySpi)
        .add('mip6.auth.auth_data', hex(o.authenticationData.subarray(0, -2)));
      break;
    case 'BindingAuthorizationDataForFmipv6':
      // Observed with tshark 4.0.17 (as for AUTH): the authenticator is shown 2 bytes short,
      // while the option's raw bytes (mip6.options.badff) cover the whole option.
      x.add('mip6.badff.spi', o.spi).add('mip6.badff.auth', hex(o.authenticator.subarray(0, -2)));
      break;
    case 'HomeNetworkPrefix':
      // Wireshark 4.0 shows it with the NEMO Mobile Network Prefix field names.
      x.add('mip6.nemo.mnp.pfl', o.prefixLength).add('mip6.nemo.mnp.mnp', o.prefix);
      break;
    case 'HandoffIndicator':
      x.add('mip6.hi', o.handoffIndicator);
      break;
    case 'AccessTechnologyType':
      x.add('mip6.att', o.accessTechnologyType);
      break;
    case 'MobileNodeLinkLayerIdentifier':
      x.add('mip6.mnlli.lli', hex(o.linkLayerIdentifier));
      break;
    case 'LinkLocalAddress':
      x.add('mip6.lila_lla', o.linkLocalAddress);
      break;
    case 'MobilityHeaderIpv6AddressPrefix':
      x.add('mip6.mhipv6ap.opt_code', o.optionCode)
        .add('mip6.mhipv6ap.len', o.prefixLength)
        .add('mip6.mhipv6ap.ipv6_address', o.address);
      break;
    case 'ContextRequest':
      for (const r of o.requests)
        x.add('mip6.cr.req_type', r.requestType).add('mip6.cr.req_length', r.requestOption.length);
      break;
    case 'LocalMobilityAnchorAddress':
      x.add('mip6.lmaa.opt_code', o.optionCode).add(
        o.optionCode === 1 ? 'mip6.lmaa.ipv6' : 'mip6.lmaa.ipv4',
        o.address,
      );
      break;
    case 'MobileNodeLinkLocalAddressInterfaceIdentifier':
    case 'TransientBinding':
    case 'Unknown':
      // Options Wireshark 4.0 cannot decode show only their type in mip6.mobility_opt.
      x.add('mip6.mobility_opt', o.type === 'Unknown' ? o.optionType : o.type === 'TransientBinding' ? 43 : 42);
      break;
  }
}

/** Fields tshark should show for a Mobility Header we encoded with checksum `checksum` and `length` bytes. */
export function mobilityHeaderFields(m: MobilityMessage, checksum: number, length: number): FieldExpectations {
  const x = new Fields()
    .add('mip6.proto', 59)
    .add('mip6.hlen', length / 8 - 1)
    .add('mip6.mhtype', mhTypeOf(m))
    .add('mip6.csum', checksum);
  switch (m.type) {
    case 'HomeTestInit':
      x.add('mip6.hoti.cookie', u64(m.homeInitCookie));
      break;
    case 'CareOfTestInit':
      x.add('mip6.coti.cookie', u64(m.careOfInitCookie));
      break;
    case 'HomeTest':
      x.add('mip6.hot.nindex', m.homeNonceIndex)
        .add('mip6.hot.cookie', u64(m.homeInitCookie))
        .add('mip6.hot.token', u64(m.homeKeygenToken));
      break;
    case 'CareOfTest':
      // Wireshark 4.0 shows the CoT keygen token is shown under mip6.hot.token.
      x.add('mip6.cot.nindex', m.careOfNonceIndex)
        .add('mip6.cot.cookie', u64(m.careOfInitCookie))
        .add('mip6.hot.token', u64(m.careOfKeygenToken));
      break;
    case 'BindingUpdate':
      x.add('mip6.bu.seqnr', m.sequenceNumber)
        .add('mip6.bu.a_flag', m.acknowledge)
        .add('mip6.bu.h_flag', m.homeRegistration)
        .add('mip6.bu.l_flag', m.linkLocalCompatibility)
        .add('mip6.bu.k_flag', m.keyManagementCompatibility)
        .add('mip6.bu.m_flag', m.mapRegistration)
        .add('mip6.nemo.bu.r_flag', m.mobileRouter)
        .add('mip6.bu.p_flag', m.proxyRegistration)
        .add('mip6.bu.f_flag', m.forceUdpEncapsulation)
        .add('mip6.bu.t_flag', m.tlvHeaderFormat)
        .add('mip6.bu.b_flag', m.bulkBindingUpdate)
        .add('mip6.bu.lifetime', m.lifetime);
      break;
    case 'BindingAcknowledgement':
      x.add('mip6.ba.status', m.status)
        .add('mip6.ba.k_flag', m.keyManagementCompatibility)
        .add('mip6.nemo.ba.r_flag', m.mobileRouter)
        .add('mip6.ba.p_flag', m.proxyRegistration)
        .add('mip6.ba.t_flag', m.tlvHeaderFormat)
        .add('mip6.ba.b_flag', m.bulkBindingUpdate)
        .add('mip6.ba.seqnr', m.sequenceNumber)
        .add('mip6.ba.lifetime', m.lifetime);
      break;
    case 'BindingError':
      x.add('mip6.be.status', m.status).add('mip6.be.haddr', m.homeAddress);
      break;
    case 'FastBindingUpdate':
      x.add('mip6.fbu.seqnr', m.sequenceNumber)
        .add('mip6.fbu.a_flag', m.acknowledge)
        .add('mip6.fbu.h_flag', m.homeRegistration)
        .add('mip6.fbu.l_flag', m.linkLocalCompatibility)
        .add('mip6.fbu.k_flag', m.keyManagementCompatibility)
        .add('mip6.fbu.lifetime', m.lifetime);
      break;
    case 'FastBindingAcknowledgement':
      x.add('mip6.fback.status', m.status)
        .add('mip6.fback.k_flag', m.keyManagementCompatibility)
        .add('mip6.fback.seqnr', m.sequenceNumber)
        .add('mip6.fback.lifetime', m.lifetime);
      break;
    case 'HandoverInitiate':
      // Wireshark 4.0 decodes only S and U are decoded; RFC 5949 P/F are not shown.
      x.add('mip6.hi.seqnr', m.sequenceNumber)
        .add('mip6.hi.s_flag', m.assignedAddressConfiguration)
        .add('mip6.hi.u_flag', m.buffer)
        .add('mip6.hi.code', m.code);
      break;
    case 'HandoverAcknowledge':
      x.add('mip6.hack.seqnr', m.sequenceNumber).add('mip6.hack.code', m.code);
      break;
  }
  if (m.type !== 'Unknown') for (const o of m.options) mobilityOption(x, o);
  return x.f;
}

export const MH_FIELDS = [
  'mip6.proto',
  'mip6.hlen',
  'mip6.mhtype',
  'mip6.csum',
  'mip6.hoti.cookie',
  'mip6.coti.cookie',
  'mip6.hot.nindex',
  'mip6.hot.cookie',
  'mip6.hot.token',
  'mip6.cot.nindex',
  'mip6.cot.cookie',
  'mip6.bu.seqnr',
  'mip6.bu.a_flag',
  'mip6.bu.h_flag',
  'mip6.bu.l_flag',
  'mip6.bu.k_flag',
  'mip6.bu.m_flag',
  'mip6.nemo.bu.r_flag',
  'mip6.bu.p_flag',
  'mip6.bu.f_flag',
  'mip6.bu.t_flag',
  'mip6.bu.b_flag',
  'mip6.bu.lifetime',
  'mip6.ba.status',
  'mip6.ba.k_flag',
  'mip6.nemo.ba.r_flag',
  'mip6.ba.p_flag',
  'mip6.ba.t_flag',
  'mip6.ba.b_flag',
  'mip6.ba.seqnr',
  'mip6.ba.lifetime',
  'mip6.be.status',
  'mip6.be.haddr',
  'mip6.fbu.seqnr',
  'mip6.fbu.a_flag',
  'mip6.fbu.h_flag',
  'mip6.fbu.l_flag',
  'mip6.fbu.k_flag',
  'mip6.fbu.lifetime',
  'mip6.fback.status',
  'mip6.fback.k_flag',
  'mip6.fback.seqnr',
  'mip6.fback.lifetime',
  'mip6.hi.seqnr',
  'mip6.hi.s_flag',
  'mip6.hi.u_flag',
  'mip6.hi.code',
  'mip6.hack.seqnr',
  'mip6.hack.code',
  ...Object.values(OPTION_PROTOCOL).map((p) => `mip6.options.${p}`),
  'mip6.bra.interval',
  'mip6.acoa.acoa',
  'mip6.ni.hni',
  'mip6.ni.cni',
  'mip6.bad.auth',
  'mip6.lla.optcode',
  'mip6.lla',
  'mip6.mnid.subtype',
  'mip6.mnid.identifier',
  'mip6.auth.subtype',
  'mip6.auth.mobility_spi',
  'mip6.auth.auth_data',
  'mip6.badff.spi',
  'mip6.badff.auth',
  'mip6.nemo.mnp.pfl',
  'mip6.nemo.mnp.mnp',
  'mip6.hi',
  'mip6.att',
  'mip6.mnlli.lli',
  'mip6.lila_lla',
  'mip6.mhipv6ap.opt_code',
  'mip6.mhipv6ap.len',
  'mip6.mhipv6ap.ipv6_address',
  'mip6.cr.req_type',
  'mip6.cr.req_length',
  'mip6.lmaa.opt_code',
  'mip6.lmaa.ipv6',
  'mip6.lmaa.ipv4',
  'mip6.mobility_opt',
];

function ndOption(x: Fields, o: NdOption): void {
  const bytes = encodeNdOption(o);
  x.add('icmpv6.opt.type', bytes[0]!).add('icmpv6.opt.length', bytes[1]!);
  switch (o.type) {
    case 'SourceLinkLayerAddress':
      if (o.linkLayerAddress.length === 6) x.add('icmpv6.opt.src_linkaddr', hex(o.linkLayerAddress));
      break;
    case 'TargetLinkLayerAddress':
      if (o.linkLayerAddress.length === 6) x.add('icmpv6.opt.target_linkaddr', hex(o.linkLayerAddress));
      break;
    case 'PrefixInformation':
      x.add('icmpv6.opt.prefix.length', o.prefixLength)
        .add('icmpv6.opt.prefix.flag.l', o.onLink)
        .add('icmpv6.opt.prefix.flag.a', o.autonomous)
        .add('icmpv6.opt.prefix.flag.r', o.routerAddress)
        .add('icmpv6.opt.prefix.valid_lifetime', o.validLifetime)
        .add('icmpv6.opt.prefix.preferred_lifetime', o.preferredLifetime)
        .add('icmpv6.opt.prefix', o.prefix);
      break;
    case 'Mtu':
      x.add('icmpv6.opt.mtu', o.mtu);
      break;
    case 'AdvertisementInterval':
      x.add('icmpv6.opt.advertisement_interval', o.advertisementInterval);
      break;
    case 'HomeAgentInformation':
      x.add('icmpv6.opt.home_agent_preference', o.homeAgentPreference).add(
        'icmpv6.opt.home_agent_lifetime',
        o.homeAgentLifetime,
      );
      break;
    case 'IpAddressPrefix':
      x.add('icmpv6.opt.ipa.option_code', o.optionCode)
        .add('icmpv6.opt.ipa.prefix_len', o.prefixLength)
        .add('icmpv6.opt.ipa.ipv6_address', o.address);
      break;
    case 'LinkLayerAddress':
      // Wireshark 4.0's lla.bytes includes the trailing padding.
      x.add('icmpv6.opt.lla.option_code', o.optionCode).add('icmpv6.opt.lla.bytes', hex(bytes.subarray(3)));
      break;
    case 'Map':
      x.add('icmpv6.opt.map.distance', o.distance)
        .add('icmpv6.opt.map.preference', o.preference)
        .add('icmpv6.opt.map.flag.r', o.rcoa)
        .add('icmpv6.opt.map.valid_lifetime', o.validLifetime)
        .add('icmpv6.opt.map.global_address', o.globalAddress);
      break;
    case 'HandoverKeyRequest':
      x.add('icmpv6.opt.hkr.at', o.algorithmType).add('icmpv6.opt.hkr.encryption_public_key', hex(o.publicKey));
      break;
    default:
      break;
  }
}

export function icmpv6Fields(m: Icmpv6Message, bytes: Buffer): FieldExpectations {
  const x = new Fields()
    .add('icmpv6.type', bytes[0]!)
    .add('icmpv6.code', bytes[1]!)
    .add('icmpv6.checksum', bytes.readUInt16BE(2))
    .add('icmpv6.checksum.status', 1);
  switch (m.type) {
    case 'ParameterProblem':
      x.add('icmpv6.pointer', m.pointer);
      break;
    case 'EchoRequest':
    case 'EchoReply':
      x.add('icmpv6.echo.identifier', m.identifier).add('icmpv6.echo.sequence_number', m.sequenceNumber);
      break;
    case 'RouterAdvertisement':
      x.add('icmpv6.nd.ra.cur_hop_limit', m.curHopLimit)
        .add('icmpv6.nd.ra.flag.m', m.managedAddressConfiguration)
        .add('icmpv6.nd.ra.flag.o', m.otherConfiguration)
        .add('icmpv6.nd.ra.flag.h', m.homeAgent)
        .add('icmpv6.nd.ra.flag.prf', m.routerPreference)
        .add('icmpv6.nd.ra.flag.p', m.proxy)
        .add('icmpv6.nd.ra.router_lifetime', m.routerLifetime)
        .add('icmpv6.nd.ra.reachable_time', m.reachableTime)
        .add('icmpv6.nd.ra.retrans_timer', m.retransTimer);
      break;
    case 'NeighborSolicitation':
      x.add('icmpv6.nd.ns.target_address', m.targetAddress);
      break;
    case 'NeighborAdvertisement':
      x.add('icmpv6.nd.na.flag.r', m.router)
        .add('icmpv6.nd.na.flag.s', m.solicited)
        .add('icmpv6.nd.na.flag.o', m.override)
        .add('icmpv6.nd.na.target_address', m.targetAddress);
      break;
    case 'HomeAgentAddressDiscoveryRequest':
      x.add('icmpv6.mip6.identifier', m.identifier);
      break;
    case 'HomeAgentAddressDiscoveryReply':
      x.add('icmpv6.mip6.identifier', m.identifier).add('icmpv6.mip6.home_agent_address', ...m.homeAgentAddresses);
      break;
    case 'MobilePrefixSolicitation':
      x.add('icmpv6.mip6.identifier', m.identifier);
      break;
    case 'MobilePrefixAdvertisement':
      x.add('icmpv6.mip6.identifier', m.identifier)
        .add('icmpv6.mip6.flag.m', m.managedAddressConfiguration)
        .add('icmpv6.mip6.flag.o', m.otherConfiguration);
      break;
    case 'RouterSolicitationForProxyAdvertisement':
      x.add('icmpv6.fmip6.subtype', 2).add('icmpv6.fmip6.identifier', m.identifier);
      break;
    case 'ProxyRouterAdvertisement':
      x.add('icmpv6.fmip6.subtype', 3).add('icmpv6.fmip6.identifier', m.identifier);
      break;
    default:
      break;
  }
  if ('options' in m) for (const o of m.options) ndOption(x, o);
  return x.f;
}

export const ICMPV6_FIELDS = [
  'icmpv6.type',
  'icmpv6.code',
  'icmpv6.checksum',
  'icmpv6.checksum.status',
  'icmpv6.pointer',
  'icmpv6.echo.identifier',
  'icmpv6.echo.sequence_number',
  'icmpv6.nd.ra.cur_hop_limit',
  'icmpv6.nd.ra.flag.m',
  'icmpv6.nd.ra.flag.o',
  'icmpv6.nd.ra.flag.h',
  'icmpv6.nd.ra.flag.prf',
  'icmpv6.nd.ra.flag.p',
  'icmpv6.nd.ra.router_lifetime',
  'icmpv6.nd.ra.reachable_time',
  'icmpv6.nd.ra.retrans_timer',
  'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.flag.r',
  'icmpv6.nd.na.flag.s',
  'icmpv6.nd.na.flag.o',
  'icmpv6.nd.na.target_address',
  'icmpv6.mip6.identifier',
  'icmpv6.mip6.home_agent_address',
  'icmpv6.mip6.flag.m',
  'icmpv6.mip6.flag.o',
  'icmpv6.fmip6.subtype',
  'icmpv6.fmip6.identifier',
  'icmpv6.opt.type',
  'icmpv6.opt.length',
  'icmpv6.opt.src_linkaddr',
  'icmpv6.opt.target_linkaddr',
  'icmpv6.opt.prefix.length',
  'icmpv6.opt.prefix.flag.l',
  'icmpv6.opt.prefix.flag.a',
  'icmpv6.opt.prefix.flag.r',
  'icmpv6.opt.prefix.valid_lifetime',
  'icmpv6.opt.prefix.preferred_lifetime',
  'icmpv6.opt.prefix',
  'icmpv6.opt.mtu',
  'icmpv6.opt.advertisement_interval',
  'icmpv6.opt.home_agent_preference',
  'icmpv6.opt.home_agent_lifetime',
  'icmpv6.opt.ipa.option_code',
  'icmpv6.opt.ipa.prefix_len',
  'icmpv6.opt.ipa.ipv6_address',
  'icmpv6.opt.lla.option_code',
  'icmpv6.opt.lla.bytes',
  'icmpv6.opt.map.distance',
  'icmpv6.opt.map.preference',
  'icmpv6.opt.map.flag.r',
  'icmpv6.opt.map.valid_lifetime',
  'icmpv6.opt.map.global_address',
  'icmpv6.opt.hkr.at',
  'icmpv6.opt.hkr.encryption_public_key',
];
