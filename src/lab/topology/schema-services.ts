// `nodes.<n>.services`: real server daemons a node runs (docs/topology.md, "Services"), with the data
// they serve. One key per service; the lab writes each daemon's configuration from it.
import { z } from 'zod';
import { isIPv6Address } from './ipv6.js';

const NODE_OR_ADDRESS_RE = /^[a-z][a-z0-9]{0,13}$/;
/** A node of the lab (its first static address) or an IPv6 address. */
const hostRef = z.string().refine((s) => NODE_OR_ADDRESS_RE.test(s) || isIPv6Address(s), {
  error: 'expected a node name or an IPv6 address',
});
const DOMAIN_RE =
  /^(?=.{1,253}\.?$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.?$/;
const domainName = z.string().regex(DOMAIN_RE, { error: 'expected a domain name like "mih.example"' });
const LABEL_RE = /^(?:@|[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)$/;
const label = z.string().regex(LABEL_RE, { error: 'expected one DNS label like "mos1" (or "@" for the zone itself)' });

/** Per IEEE 802.21 service type (RFC 5678 §4: IS 1, CS 2, ES 3), in order of preference. */
const perService = <T extends z.ZodType>(item: T) =>
  z.strictObject({ is: z.array(item).optional(), cs: z.array(item).optional(), es: z.array(item).optional() });

export const dhcpv6ServerSchema = z.strictObject({
  interfaces: z
    .array(z.string())
    .min(1)
    .optional()
    .meta({ description: 'Interfaces Kea listens on; default every link and AP interface of the node.' }),
  mosAddresses: perService(hostRef)
    .optional()
    .meta({ description: 'OPTION_MOS_ADDRESSES (RFC 5678 §4): MoS per service type, node names or IPv6 addresses.' }),
  dnsServers: z
    .array(hostRef)
    .optional()
    .meta({ description: 'OPTION_DNS_SERVERS (RFC 3646 §3): node names or IPv6 addresses, for RFC 5679 lookups.' }),
  mosDomains: perService(domainName)
    .optional()
    .meta({ description: 'OPTION_MOS_DOMAINS (RFC 5678 §5): domains to resolve by RFC 5679, per service type.' }),
});

export const MIH_SERVICE_TAGS = ['MIHIS', 'MIHES', 'MIHCS'] as const;

const mosRecordSchema = z.strictObject({
  host: label.meta({ description: 'The label (in this zone) of the MoS; it needs an entry in hosts.' }),
  services: z.array(z.enum(MIH_SERVICE_TAGS)).min(1),
  transports: z
    .array(z.enum(['tcp', 'udp']))
    .min(1)
    .default(['tcp', 'udp']),
  port: z.number().int().min(1).max(65535).default(4551),
});

const zoneSchema = z.strictObject({
  hosts: z
    .record(label, hostRef)
    .default({})
    .meta({ description: 'AAAA records: label -> node name or IPv6 address. "ns" defaults to the DNS node.' }),
  mos: z
    .array(mosRecordSchema)
    .default([])
    .meta({ description: 'NAPTR and SRV records of MoS (RFC 5679 §2.2), one NAPTR per service and transport.' }),
});

export const dnsServerSchema = z.strictObject({
  zones: z
    .record(domainName, zoneSchema)
    .refine((z) => Object.keys(z).length > 0, { error: 'expected at least one zone' }),
});

const NODE_RE = /^[a-z][a-z0-9]{0,13}$/;
const nodeName = z.string().regex(NODE_RE, { error: 'expected a node name' });

/** FreeRADIUS (docs/security.md "AAA-keyed FMIPv6"): its clients and users are lab nodes. */
export const radiusServerSchema = z.strictObject({
  clients: z
    .array(nodeName)
    .min(1)
    .meta({ description: 'Access routers (RADIUS NAS, RFC 2865 §1), each with a secret the lab makes per run.' }),
  users: z.array(nodeName).min(1).meta({
    description: "Mobile nodes, with the NAI and password of their agent's fmipv6.aaa settings (CHAP, RFC 1994).",
  }),
});

export const servicesSchema = z
  .strictObject({
    'dhcpv6-server': dhcpv6ServerSchema
      .optional()
      .meta({ description: 'Kea DHCPv6 (kea-dhcp6), stateless: answers Information-request (RFC 8415 §18.2.6).' }),
    'dns-server': dnsServerSchema.optional().meta({ description: 'BIND 9 (named), authoritative for its zones.' }),
    'radius-server': radiusServerSchema
      .optional()
      .meta({ description: 'FreeRADIUS: network-access authentication and the FMIPv6 handover key.' }),
  })
  .meta({ description: 'Server daemons this node runs (netns runtime only); configured from this data.' });

export type ServicesSpec = z.output<typeof servicesSchema>;
