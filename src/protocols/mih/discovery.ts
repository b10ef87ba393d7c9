// MoS discovery, the choices of it: what a DHCPv6 Reply says (RFC 5678 §4-6) and which NAPTR and SRV
// records lead to the MoS (RFC 5679 §2.2, RFC 3403 §4.1 order then preference, RFC 2782 priority then
// weight). Pure: the agent sends the queries.
import type { Dhcpv6Message } from '../../wire/dhcpv6/message.js';
import { addresses, domains, type MosService, MosServiceType } from '../../wire/dhcpv6/mos.js';
import type { NaptrData, SrvData } from '../../wire/dns/message.js';
import { bytesToIpv6 } from '../../wire/address.js';

export type MihServiceTag = 'MIHIS' | 'MIHES' | 'MIHCS';
export type Transport = 'tcp' | 'udp';

export interface DhcpMosInfo {
  addresses: Partial<Record<MosService, string[]>>;
  domains: Partial<Record<MosService, string[]>>;
  /** OPTION_DNS_SERVERS (RFC 3646 §3). */
  dnsServers: string[];
  problems: string[];
}

const NAME: Record<number, MosService> = {
  [MosServiceType.IS]: 'IS',
  [MosServiceType.CS]: 'CS',
  [MosServiceType.ES]: 'ES',
};

/** What a Reply's options 54, 55 and 23 say; a malformed option is a problem, the others still count. */
export function mosFromReply(reply: Dhcpv6Message): DhcpMosInfo {
  const out: DhcpMosInfo = { addresses: {}, domains: {}, dnsServers: [], problems: [] };
  for (const o of reply.options) {
    if (o.code === 54 || o.code === 55) {
      const d = o.code === 54 ? addresses.decode(o.data) : domains.decode(o.data);
      if (!d.ok) {
        out.problems.push(`option ${o.code}: ${d.error.message}`);
        continue;
      }
      for (const s of d.value) {
        const name = NAME[s.code];
        if (name) (o.code === 54 ? out.addresses : out.domains)[name] = s.values;
      }
    } else if (o.code === 23) {
      if (o.data.length % 16 !== 0) out.problems.push('option 23: length is not a multiple of 16');
      else for (let i = 0; i < o.data.length; i += 16) out.dnsServers.push(bytesToIpv6(o.data, i));
    }
  }
  return out;
}

/** NAPTR records for `service`, over the transports the client has, best first (RFC 5679 §2.2). */
export function orderNaptr(
  records: readonly NaptrData[],
  service: MihServiceTag,
  transports: readonly Transport[],
): { transport: Transport; srvName: string }[] {
  const ok: { r: NaptrData; transport: Transport }[] = [];
  for (const r of records) {
    const t =
      r.services.toUpperCase() === `${service}+M2T`
        ? 'tcp'
        : r.services.toUpperCase() === `${service}+M2U`
          ? 'udp'
          : undefined;
    // RFC 5679 §2.2: flag "s" (an SRV lookup follows) and no regexp.
    if (!t || !transports.includes(t) || r.flags.toLowerCase() !== 's' || r.regexp !== '') continue;
    ok.push({ r, transport: t });
  }
  ok.sort((a, b) => a.r.order - b.r.order || a.r.preference - b.r.preference);
  return ok.map(({ r, transport }) => ({ transport, srvName: r.replacement }));
}

/** The SRV target to try first: lowest priority, then by weight (RFC 2782's weighted pick, `random` in [0, 1)). */
export function pickSrv(records: readonly SrvData[], random: () => number): SrvData | undefined {
  if (records.length === 0) return undefined;
  const best = Math.min(...records.map((r) => r.priority));
  const group = records.filter((r) => r.priority === best);
  const total = group.reduce((n, r) => n + r.weight, 0);
  if (total === 0) return group[0];
  let x = random() * total;
  for (const r of group) {
    x -= r.weight;
    if (x < 0) return r;
  }
  return group.at(-1);
}
