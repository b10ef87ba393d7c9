// BIND 9 (named) configuration from a node's `dns-server` service: authoritative only, no recursion,
// every query logged (querylog), the zone files written from the lab. NAPTR and SRV records follow
// RFC 5679 §2.2: service "<ID>+M2T"/"+M2U", flags "s", empty regexp, replacement _<ID>._tcp/_udp.
import type { DnsZone } from '../topology/types.js';

/** named.conf; `workDir` is named's directory (managed keys), `zoneFile` names each zone's file. */
export function namedConf(zones: DnsZone[], workDir: string, zoneFile: (zone: string) => string): string {
  const lines = [
    'options {',
    `  directory "${workDir}";`,
    '  pid-file none;',
    '  session-keyfile none;',
    `  managed-keys-directory "${workDir}";`,
    '  listen-on { none; };',
    '  listen-on-v6 { any; };',
    '  recursion no;',
    '  dnssec-validation no;',
    '  querylog yes;',
    '};',
    'controls { };',
    ...zones.map((z) => `zone "${z.name}" { type primary; file "${zoneFile(z.name)}"; };`),
  ];
  return `${lines.join('\n')}\n`;
}

/** NAPTR order: TCP before UDP as listed (RFC 5679 §2.2 example), then by record. */
export function zoneFile(z: DnsZone): string {
  const origin = `${z.name}.`;
  const lines = [
    `$ORIGIN ${origin}`,
    '$TTL 60',
    `@ SOA ns.${origin} hostmaster.${origin} 1 3600 600 86400 60`,
    `@ NS ns.${origin}`,
  ];
  for (const h of z.hosts) lines.push(`${h.label} AAAA ${h.address}`);
  let order = 10;
  for (const m of z.mos) {
    const target = m.host === '@' ? origin : `${m.host}.${origin}`;
    for (const service of m.services)
      for (const t of m.transports) {
        const srv = `_${service}._${t}.${origin}`;
        lines.push(`@ NAPTR ${order} 50 "s" "${service}+M2${t === 'tcp' ? 'T' : 'U'}" "" ${srv}`);
        lines.push(`${srv} SRV 0 1 ${m.port} ${target}`);
        order += 10;
      }
  }
  return `${lines.join('\n')}\n`;
}

/** named's log says it serves ("running" after "all zones loaded"). */
export const NAMED_READY = /\brunning\s*$/m;
/** A zone named could not load: it keeps running without it, which for a lab is a failure. */
export const NAMED_ZONE_FAILED = /not loaded due to errors/;
export const NAMED_ERROR = /error|failed|not loaded|unknown|expected|exiting/i;
