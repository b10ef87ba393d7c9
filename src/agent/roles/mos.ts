// The Mobility Server (RFC 5677 §2): an MIHF answering MIH services on port 4551. TCP carries TLS with
// mutual certificate authentication against the run's CA (docs/mih.md, "Security": RFC 5677 defines
// no mechanism; this is the lab's choice); a peer without a valid certificate is refused at the
// handshake, counted, and the others are served on. The Source MIHF ID of every message on a TLS
// connection must be the one the peer's certificate names. Plain UDP (§6.5) only where the lab marks
// the path trusted (`agent.mos.trustedUdp`). Bad frames are counted and dropped; connections and their
// buffers are bounded. One MIH message per write with Nagle off (§6.1).
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer, type TLSSocket } from 'node:tls';
import { MobilityServer, type MihTransportName } from '../../protocols/mih/mobility-server.js';
import { decode, encode } from '../../wire/mih/message.js';
import { MIH_PORT } from '../../wire/mih/port.js';
import type { IsNetwork } from '../../wire/mih/information.js';
import { type AgentAccessPoint, mihfIdOf } from '../config.js';
import { keyLogger, MAX_MIH_FRAME, MihFramer, peerMihfId, tlsOptions } from './mih-stream.js';
import { mihSettingsSchema } from './mih-settings.js';
import { type Role, type RoleDefinition, roleOfNode } from './role.js';

export { mihfIdOf };

/**
 * The Information Service's data from the lab topology (the agent config's APs): one network per
 * access router, named after it, with its APs as points of attachment (BSSID, the cell's prefix, the
 * router's address there). FMIPv6 is listed as its mobility protocol when the router is a PAR or NAR.
 */
export function labNetworks(aps: readonly AgentAccessPoint[]): IsNetwork[] {
  const byRouter = new Map<string, IsNetwork>();
  for (const ap of [...aps].sort((a, b) => a.name.localeCompare(b.name))) {
    let n = byRouter.get(ap.router);
    if (!n) {
      const fmip = ap.routerRoles?.some((r) => r === 'par' || r === 'nar');
      n = { networkId: ap.router, poas: [], ...(fmip ? { mobilityManagement: 1 << MOBILITY_FMIPV6_BIT } : {}) };
      byRouter.set(ap.router, n);
    }
    n.poas.push({ linkAddress: { kind: 'mac', mac: ap.bssid }, prefix: ap.prefix, routerAddress: ap.routerAddress });
  }
  return [...byRouter.values()];
}

/** IP_MOB_MGMT bit 5: Mobile IPv6 Fast Handovers (the bit Wireshark's packet-mih.c names "fmip6"). */
const MOBILITY_FMIPV6_BIT = 5;

const MAX_CONNECTIONS = 32;
const REGISTRATION_S = 3600;

export const mosRole: RoleDefinition = roleOfNode('mos', mihSettingsSchema, async (ctx, settings): Promise<Role> => {
  const tlsFiles = ctx.config.mihTls;
  if (!tlsFiles) throw new Error(`${ctx.configFile}: the mos role needs the lab's MIH TLS files (mihTls)`);
  const mihfId = mihfIdOf(ctx.config);
  const server = new MobilityServer({
    mihfId,
    validTimeS: REGISTRATION_S,
    maxRegistrations: 1024,
    maxAnswered: 256,
    information: labNetworks(ctx.config.aps ?? []),
  });
  const c = ctx.counters;
  /** `authenticated`: the TLS peer's certificate names this MIHF ID. */
  const handle = (
    bytes: Buffer,
    peer: string,
    transport: MihTransportName,
    reply: (b: Buffer) => void,
    authenticated?: string,
  ) => {
    const d = decode(bytes);
    if (!d.ok) {
      c.malformed(`mih.${transport}`, d.error);
      return;
    }
    if (authenticated !== undefined && d.value.source !== authenticated) {
      // Another node's MIHF ID on this peer's connection: not the identity its certificate proves.
      c.add('mih.tls.identity-mismatch');
      ctx.log.warn('mih.identity-mismatch', { peer, certificate: authenticated, source: d.value.source });
      return;
    }
    c.add(`mih.${transport}.received.${d.value.body.kind}`);
    for (const a of server.handle(ctx.clock.now(), { frame: d.value, peer, transport })) {
      if (a.kind === 'drop') c.add(`mih.dropped.${a.reason}`);
      else if (a.kind === 'too-large') {
        c.add('mih.udp.information-too-large');
        ctx.log.info('mih.information-too-large', { peer, octets: a.octets });
      } else {
        reply(encode(a.frame));
        c.add(`mih.${transport}.sent.${a.frame.body.kind}`);
        ctx.log.info('mih.sent', {
          transport,
          peer,
          to: a.frame.destination,
          kind: a.frame.body.kind,
          tid: a.frame.transactionId,
        });
      }
    }
  };

  if (settings.trustedUdp) {
    const udp = createSocket({ type: 'udp6', ipv6Only: true });
    udp.on('message', (msg: Buffer, r: RemoteInfo) => {
      try {
        handle(msg, `[${r.address}]:${r.port}`, 'udp', (b) => udp.send(b, r.port, r.address));
      } catch (err) {
        ctx.bug(err, 'mos.udp');
      }
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(MIH_PORT, '::', () => resolve());
    });
    ctx.own({ close: () => udp.close() });
  }

  const conns = new Set<TLSSocket>();
  const refused: { peer: string; code: string; at: number }[] = [];
  const refuse = (sock: TLSSocket, code: string, reason: string) => {
    c.add(`mih.tls.refused.${code}`);
    const peer = `[${sock.remoteAddress}]:${sock.remotePort}`;
    if (refused.length >= 16) refused.shift();
    refused.push({ peer, code, at: ctx.clock.now() });
    ctx.log.warn('mih.tls.refused', { peer, code, reason });
  };
  // The client's certificate is checked here rather than by rejectUnauthorized, which would drop the
  // connection with "socket hang up" and lose the reason; the socket is closed before it is read.
  const tcp = createServer({ ...tlsOptions(tlsFiles), requestCert: true, rejectUnauthorized: false }, (sock) => {
    if (!sock.authorized) {
      const none = Object.keys(sock.getPeerCertificate()).length === 0;
      const code = none ? 'no-certificate' : String(sock.authorizationError ?? 'unauthorized');
      refuse(sock, code, none ? 'no client certificate' : `client certificate: ${code}`);
      sock.destroy();
      return;
    }
    conns.add(sock);
    sock.setNoDelay(true);
    const peer = `[${sock.remoteAddress}]:${sock.remotePort}`;
    const id = peerMihfId(sock) ?? '';
    c.add('mih.tls.accepted');
    const framer = new MihFramer();
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const f of framer.push(chunk)) handle(f, peer, 'tcp', (b) => sock.write(b), id);
        if (framer.pending > MAX_MIH_FRAME) {
          c.add('mih.tcp.overflow');
          sock.destroy();
        }
      } catch (err) {
        ctx.bug(err, 'mos.tcp');
      }
    });
    sock.on('error', () => c.add('mih.tcp.error'));
    sock.on('close', () => {
      conns.delete(sock);
      // A frame the peer never finished is dropped with the connection.
      if (framer.pending > 0) c.malformed('mih.tcp', 'truncated');
    });
  });
  // Bounded before the handshake: a connection beyond the limit costs no TLS work.
  tcp.maxConnections = MAX_CONNECTIONS;
  tcp.on('drop', () => c.add('mih.tcp.refused'));
  tcp.on('keylog', keyLogger(tlsFiles));
  // A handshake that fails (not TLS at all, no common cipher): refused too.
  tcp.on('tlsClientError', (err: Error & { code?: string }, sock: TLSSocket) =>
    refuse(sock, err.code ?? 'handshake', err.message),
  );
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen({ port: MIH_PORT, host: '::', ipv6Only: true }, () => resolve());
  });
  ctx.own({
    close: () => {
      for (const s of conns) s.destroy();
      tcp.close();
    },
  });
  ctx.log.info('mos.started', { mihfId, port: MIH_PORT, tls: true, trustedUdp: settings.trustedUdp ?? false });
  return {
    name: 'mos',
    state: () => ({
      mihfId,
      registrations: server
        .registrations(ctx.clock.now())
        .map((r) => ({ mihfId: r.mihfId, peer: r.peer, count: r.count })),
      connections: conns.size,
      refused,
    }),
  };
});
