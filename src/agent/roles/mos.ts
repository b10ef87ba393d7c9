// The Mobility Server (RFC 5677 §2): an MIHF answering MIH service management on UDP and TCP port 4551
// (§6.5: a MoS supports both). Bad frames are counted and dropped; TCP connections and their buffers
// are bounded. One MIH message per TCP write with Nagle off (§6.1: TCP_NODELAY for ES/CS).
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { MobilityServer, type MihTransportName } from '../../protocols/mih/mobility-server.js';
import { MIH_HEADER_LENGTH } from '../../wire/mih/header.js';
import { decode, encode } from '../../wire/mih/message.js';
import { MIH_PORT } from '../../wire/mih/port.js';
import type { Role, RoleContext, RoleDefinition } from './role.js';

/** Largest MIH frame: 8 octets of header and a 16-bit payload length. */
const MAX_FRAME = MIH_HEADER_LENGTH + 0xffff;
const MAX_CONNECTIONS = 32;
const REGISTRATION_S = 3600;

export function mihfIdOf(config: { node: string; lab: string }): string {
  return `${config.node}.${config.lab}.mih`;
}

export const mosRole: RoleDefinition = {
  name: 'mos',
  wanted: (c) => c.roles.includes('mos'),
  async start(ctx: RoleContext): Promise<Role> {
    const mihfId = mihfIdOf(ctx.config);
    const server = new MobilityServer({ mihfId, validTimeS: REGISTRATION_S, maxRegistrations: 1024, maxAnswered: 256 });
    const c = ctx.counters;
    const handle = (bytes: Buffer, peer: string, transport: MihTransportName, reply: (b: Buffer) => void) => {
      const d = decode(bytes);
      if (!d.ok) {
        c.malformed(`mih.${transport}`, d.error);
        return;
      }
      c.add(`mih.${transport}.received.${d.value.body.kind}`);
      for (const a of server.handle(ctx.clock.now(), { frame: d.value, peer, transport })) {
        if (a.kind === 'drop') c.add(`mih.dropped.${a.reason}`);
        else {
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

    const conns = new Set<Socket>();
    const tcp = createServer((sock) => {
      if (conns.size >= MAX_CONNECTIONS) {
        c.add('mih.tcp.refused');
        sock.destroy();
        return;
      }
      conns.add(sock);
      sock.setNoDelay(true);
      const peer = `[${sock.remoteAddress}]:${sock.remotePort}`;
      let buf = Buffer.alloc(0);
      sock.on('data', (chunk: Buffer) => {
        try {
          buf = Buffer.concat([buf, chunk]);
          // The payload length frames MIH messages on the stream (RFC 5677 §4).
          while (buf.length >= MIH_HEADER_LENGTH) {
            const len = MIH_HEADER_LENGTH + buf.readUInt16BE(6);
            if (buf.length < len) break;
            handle(buf.subarray(0, len), peer, 'tcp', (b) => sock.write(b));
            buf = buf.subarray(len);
          }
          if (buf.length > MAX_FRAME) {
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
        if (buf.length > 0) c.malformed('mih.tcp', 'truncated');
      });
    });
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
    ctx.log.info('mos.started', { mihfId, port: MIH_PORT });
    return {
      name: 'mos',
      state: () => ({
        mihfId,
        registrations: server
          .registrations(ctx.clock.now())
          .map((r) => ({ mihfId: r.mihfId, peer: r.peer, count: r.count })),
        connections: conns.size,
      }),
    };
  },
};
