// Kea DHCPv6 (kea-dhcp6) configuration from a node's `dhcpv6-server` service: stateless service
// (RFC 8415 §6.1) on the node's links, with the RFC 5678 MoS options as global option data. Kea 2.2
// has no definition for codes 54/55, so their data goes as hex (csv-format false), encoded by our
// RFC 5678 codec.
import { mos } from '../../wire/dhcpv6/index.js';
import type { Dhcpv6ServerService, MosServiceKey } from '../topology/types.js';

const CODE: Record<MosServiceKey, number> = {
  is: mos.MosServiceType.IS,
  cs: mos.MosServiceType.CS,
  es: mos.MosServiceType.ES,
};
const ORDER: readonly MosServiceKey[] = ['is', 'cs', 'es'];

/** Option data of codes 54 and 55, hex, or undefined when the service lists no such data. */
export function mosOptionData(s: Dhcpv6ServerService): { addresses?: string; domains?: string } {
  const addrs = ORDER.filter((k) => s.mosAddresses[k] !== undefined).map((k) => ({
    code: CODE[k],
    values: s.mosAddresses[k]!,
  }));
  const doms = ORDER.filter((k) => s.mosDomains[k] !== undefined).map((k) => ({
    code: CODE[k],
    values: s.mosDomains[k]!,
  }));
  return {
    ...(addrs.length ? { addresses: mos.addresses.encode(addrs).toString('hex') } : {}),
    ...(doms.length ? { domains: mos.domains.encode(doms).toString('hex') } : {}),
  };
}

/** The whole kea-dhcp6 configuration. `dataDir` holds its server id file; logs go to stdout. */
export function keaConfig(s: Dhcpv6ServerService, dataDir: string): object {
  const data = mosOptionData(s);
  const optionData = [
    // Kea knows option 23 (dns-servers): a comma-separated list.
    ...(s.dnsServers.length ? [{ name: 'dns-servers', data: s.dnsServers.join(', ') }] : []),
    ...(data.addresses !== undefined ? [{ code: 54, space: 'dhcp6', 'csv-format': false, data: data.addresses }] : []),
    ...(data.domains !== undefined ? [{ code: 55, space: 'dhcp6', 'csv-format': false, data: data.domains }] : []),
  ];
  return {
    Dhcp6: {
      'interfaces-config': { interfaces: s.interfaces.map((i) => i.name) },
      'data-directory': dataDir,
      // A DUID-LLT made at start and not stored: nothing of the lab outlives it.
      'server-id': { type: 'LLT', persist: false },
      'lease-database': { type: 'memfile', persist: false },
      // Stateless: subnets without pools, so Kea knows the link and answers Information-request.
      subnet6: s.interfaces.map((i, n) => ({ id: n + 1, subnet: i.prefix, interface: i.name })),
      'option-data': optionData,
      loggers: [
        { name: 'kea-dhcp6', output_options: [{ output: 'stdout' }], severity: 'INFO' },
        // Each packet received and sent, so the log shows the queries it answered.
        { name: 'kea-dhcp6.packets', output_options: [{ output: 'stdout' }], severity: 'DEBUG', debuglevel: 40 },
      ],
    },
  };
}

/** Kea's log says it serves. */
export const KEA_READY = /DHCP6_STARTED/;
/** Kea's own error lines. */
export const KEA_ERROR = /\b(?:ERROR|FATAL)\b/;
