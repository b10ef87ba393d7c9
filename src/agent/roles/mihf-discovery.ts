// The mobile node's MoS discovery I/O: a DHCPv6 Information-request for options 54, 55 and 23 on the
// radio (RFC 5678 §6.2.1; RFC 8415 §18.2.6), and DNS queries NAPTR -> SRV -> AAAA (RFC 5679 §2). The
// choices are protocols/mih/discovery.ts's.
import { createSocket, type Socket } from 'node:dgram';
import { macToBytes } from '../../wire/address.js';
import {
  ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
  DHCPV6_CLIENT_PORT,
  DHCPV6_SERVER_PORT,
  decode as decodeDhcpv6,
  Dhcpv6MessageType,
  encode as encodeDhcpv6,
  oro,
} from '../../wire/dhcpv6/message.js';
import { DNS_PORT, DnsType, type DnsRecord, decodeResponse, encodeQuery } from '../../wire/dns/message.js';
import {
  type DhcpMosInfo,
  type MihServiceTag,
  mosFromReply,
  orderNaptr,
  pickSrv,
  type Transport,
} from '../../protocols/mih/discovery.js';
import type { Counters } from '../counters.js';

function elapsed(start: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(Math.min(0xffff, Math.round((performance.now() - start) / 10)));
  return b;
}

/** Sends `request` until `accept` takes an answer or the tries run out. */
async function exchange<T>(
  sock: Socket,
  send: () => void,
  accept: (msg: Buffer) => T | undefined,
  tries: number,
  intervalMs: number,
): Promise<T | undefined> {
  return new Promise((resolve) => {
    let n = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (v: T | undefined) => {
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(v);
    };
    const onMessage = (msg: Buffer) => {
      const v = accept(msg);
      if (v !== undefined) done(v);
    };
    const again = () => {
      if (n++ >= tries) return done(undefined);
      send();
      timer = setTimeout(again, intervalMs);
    };
    sock.on('message', onMessage);
    again();
  });
}

function bound(port: number, address = '::'): Promise<Socket> {
  const s = createSocket({ type: 'udp6', ipv6Only: true });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, address, () => resolve(s));
  });
}

/** DHCPv6 Information-request on `iface` (DUID-LL client id from `mac`), resent every second (IRT 1 s). */
export async function dhcpv6Discover(
  iface: string,
  mac: string,
  counters: Counters,
  random: () => number,
): Promise<DhcpMosInfo | undefined> {
  const sock = await bound(DHCPV6_CLIENT_PORT);
  try {
    const xid = Math.floor(random() * 0xffffff);
    // DUID-LL (RFC 8415 §11.4): type 3, hardware type 1 (Ethernet), the link-layer address.
    const duid = Buffer.concat([Buffer.from('00030001', 'hex'), macToBytes(mac)]);
    const start = performance.now();
    const request = () =>
      encodeDhcpv6({
        msgType: Dhcpv6MessageType.InformationRequest,
        transactionId: xid,
        options: [
          { code: 1, data: duid },
          oro([23, 54, 55]),
          // Elapsed Time in hundredths of a second (RFC 8415 §21.9).
          { code: 8, data: elapsed(start) },
        ],
      });
    return await exchange(
      sock,
      () => sock.send(request(), DHCPV6_SERVER_PORT, `${ALL_DHCP_RELAY_AGENTS_AND_SERVERS}%${iface}`),
      (msg) => {
        const d = decodeDhcpv6(msg);
        if (!d.ok) {
          counters.malformed('dhcpv6', d.error);
          return undefined;
        }
        if (d.value.msgType !== Dhcpv6MessageType.Reply || d.value.transactionId !== xid) return undefined;
        counters.add('dhcpv6.reply');
        return mosFromReply(d.value);
      },
      10,
      1000,
    );
  } finally {
    sock.close();
  }
}

export interface DnsMos {
  address: string;
  port: number;
  transport: Transport;
  naptr: string;
  srv: string;
  target: string;
}

/** RFC 5679 §2: NAPTR for `domain`, the best SRV of the best transport, the target's AAAA. */
export async function dnsDiscover(
  server: string,
  domain: string,
  service: MihServiceTag,
  counters: Counters,
  random: () => number,
): Promise<DnsMos | undefined> {
  const sock = await bound(0);
  try {
    const query = async (name: string, type: number) => {
      const id = Math.floor(random() * 0xffff);
      return exchange(
        sock,
        () => sock.send(encodeQuery({ id, name, type }), DNS_PORT, server),
        (msg) => {
          const d = decodeResponse(msg);
          if (!d.ok) {
            counters.malformed('dns', d.error);
            return undefined;
          }
          if (d.value.id !== id) return undefined;
          counters.add(`dns.answer.${type}`);
          return d.value;
        },
        3,
        1000,
      );
    };
    const naptr = await query(domain, DnsType.NAPTR);
    const choices = orderNaptr(
      (naptr?.answers ?? []).flatMap((r) =>
        r.type === DnsType.NAPTR ? [r.data as Extract<DnsRecord, { type: 35 }>['data']] : [],
      ),
      service,
      ['tcp', 'udp'],
    );
    for (const c of choices) {
      const srv = await query(c.srvName, DnsType.SRV);
      const pick = pickSrv(
        (srv?.answers ?? []).flatMap((r) =>
          r.type === DnsType.SRV ? [r.data as Extract<DnsRecord, { type: 33 }>['data']] : [],
        ),
        random,
      );
      if (!pick) continue;
      const glue = srv?.additionals.find(
        (r) => r.type === DnsType.AAAA && r.name.toLowerCase() === pick.target.toLowerCase(),
      );
      const aaaa = glue ? undefined : await query(pick.target, DnsType.AAAA);
      const rec = glue ?? aaaa?.answers.find((r) => r.type === DnsType.AAAA);
      if (!rec) continue;
      return {
        address: rec.data as string,
        port: pick.port,
        transport: c.transport,
        naptr: domain,
        srv: c.srvName,
        target: pick.target,
      };
    }
    return undefined;
  } finally {
    sock.close();
  }
}
