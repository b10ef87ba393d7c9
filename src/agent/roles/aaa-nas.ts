// The access router as RADIUS NAS (RFC 2865) for the lab's network-access authentication
// (src/wire/aaa/access-auth.ts): a mobile node's Start gets a fresh CHAP challenge; its Response goes to
// the RADIUS server in an Access-Request (User-Name, CHAP-Password, CHAP-Challenge, NAS-IPv6-Address,
// NAS-Identifier, Message-Authenticator: RFC 2865 §5, RFC 3162 §2.1, RFC 3579 §3.2), retransmitted as
// RFC 5080 §2.2.1 says. An Access-Accept counts only with a valid Response Authenticator (else it is
// dropped as forged and the wait goes on); its MS-MPPE-Recv-Key (RFC 2548 §2.4.3) is the node's
// handover key, kept under a fresh SPI for the FBU's BADF (RFC 5568 §6.4.5). The node hears only the
// outcome and the SPI. Bounded: pending starts, requests in flight (256 identifiers), associations.
import { randomBytes, randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import radius from 'radius';
import { HandoverKeys, interfaceIdentifier } from '../../protocols/aaa/associations.js';
import { RetransmitSchedule, RFC5080_DEFAULTS, type RetransmitParameters } from '../../protocols/aaa/retransmit.js';
import { ipv6ToBytes } from '../../wire/address.js';
import * as accessAuth from '../../wire/aaa/access-auth.js';
import { mppeRecvKey, responseAuthenticatorValid } from '../../wire/aaa/radius-crypto.js';
import type { AaaRouterSettings } from './fmipv6-settings.js';
import type { RoleContext } from './role.js';

const MAX_PENDING = 256;
const DEFAULT_LIFETIME_S = 3600;
const EXCHANGES_KEPT = 64;

export interface AuthExchange {
  nai: string;
  node: string;
  startedAt: string;
  /** Access-Request sent -> verified answer, ms; absent when none came. */
  latencyMs?: number;
  result: 'accept' | 'reject' | 'timeout';
  /** First Access-Request -> outcome (the answer, or giving up at MRC / MRD), ms. */
  durationMs?: number;
  transmissions: number;
  forgedDropped: number;
}

export interface Nas {
  readonly keys: HandoverKeys;
  state(): unknown;
}

interface InFlight {
  identifier: number;
  packet: Buffer;
  requestAuthenticator: Buffer;
  node: string;
  nai: string;
  sentMs: number;
  schedule: RetransmitSchedule;
  timer: ReturnType<typeof setTimeout> | null;
  exchange: AuthExchange;
}

export function startNas(ctx: RoleContext, s: AaaRouterSettings, onRefused: (node: string) => void): Nas {
  const { counters, log } = ctx;
  if (!s.server || !s.secret)
    throw new Error(
      `${ctx.configFile}: agent.fmipv6.aaa: no RADIUS server (services.radius-server lists this router as a client)`,
    );
  const server = s.server;
  const secret = s.secret;
  const port = s.port ?? 1812;
  const params: RetransmitParameters = { ...RFC5080_DEFAULTS, ...s.retransmit };
  const keys = new HandoverKeys();
  const pending = new Map<string, { identifier: number; challenge: Buffer }>();
  const inFlight = new Map<number, InFlight>();
  const exchanges: AuthExchange[] = [];
  let nextId = randomInt(256);

  const access = ctx.own(closeable(dgram.createSocket({ type: 'udp6', ipv6Only: true })));
  const rad = ctx.own(closeable(dgram.createSocket({ type: 'udp6', ipv6Only: true })));
  access.sock.on('error', (e) => ctx.bug(e, 'aaa.access-socket'));
  rad.sock.on('error', (e) => ctx.bug(e, 'aaa.radius-socket'));
  access.sock.bind(accessAuth.ACCESS_AUTH_PORT, '::');
  rad.sock.bind(0, s.nasAddress ?? '::');

  const reply = (m: accessAuth.AccessAuthMessage, to: string, toPort: number) => {
    access.sock.send(accessAuth.encode(m), toPort, to);
    counters.add(`aaa.sent.${m.type}`);
  };

  const finish = (f: InFlight, result: AuthExchange['result'], key?: Buffer) => {
    if (f.timer) clearTimeout(f.timer);
    inFlight.delete(f.identifier);
    f.exchange.result = result;
    f.exchange.durationMs = Math.round((ctx.clock.now() - f.sentMs) * 100) / 100;
    exchanges.push(f.exchange);
    if (exchanges.length > EXCHANGES_KEPT) exchanges.shift();
    const [addr, p] = splitNode(f.node);
    if (result === 'accept' && key) {
      let spi = 0;
      while (spi === 0 || keys.get(spi, ctx.clock.now())) spi = randomInt(1, 0xffffffff);
      keys.add({
        spi,
        key,
        nai: f.nai,
        iid: interfaceIdentifier(addr.split('%')[0]!),
        createdMs: ctx.clock.now(),
        lifetimeS: DEFAULT_LIFETIME_S,
      });
      reply(
        { type: 'Result', status: accessAuth.AccessAuthStatus.Success, spi, lifetimeS: DEFAULT_LIFETIME_S },
        addr,
        p,
      );
      log.info('aaa.accept', { nai: f.nai, spi, latencyMs: f.exchange.latencyMs, node: addr });
      return;
    }
    const status = result === 'reject' ? accessAuth.AccessAuthStatus.Rejected : accessAuth.AccessAuthStatus.Unavailable;
    reply({ type: 'Result', status, spi: 0, lifetimeS: 0 }, addr, p);
    log.info(`aaa.${result}`, { nai: f.nai, node: addr, transmissions: f.exchange.transmissions });
    if (s.withoutKey === 'refuse') onRefused(addr);
  };

  const arm = (f: InFlight) => {
    const now = ctx.clock.now();
    const at = f.schedule.nextTimeout(now);
    f.timer = setTimeout(
      () => {
        f.timer = null;
        if (!f.schedule.retransmit(ctx.clock.now())) {
          counters.add('aaa.radius-timeout');
          finish(f, 'timeout');
          return;
        }
        counters.add('aaa.radius-retransmit');
        send(f);
      },
      Math.max(0, at - now),
    );
  };

  const send = (f: InFlight) => {
    // RFC 5080 §2.2.1: a retransmission keeps the Identifier and Request Authenticator.
    rad.sock.send(f.packet, port, server);
    f.exchange.transmissions++;
    counters.add('aaa.access-request');
    arm(f);
  };

  access.sock.on('message', (buf, rinfo) => {
    const d = accessAuth.decode(buf);
    if (!d.ok) {
      counters.malformed('aaa.access', d.error);
      return;
    }
    const m = d.value;
    const node = `${rinfo.address}#${rinfo.port}`;
    if (m.type === 'Start') {
      if (!pending.has(node) && pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value as string);
      const p = { identifier: randomInt(256), challenge: randomBytes(16) };
      pending.set(node, p);
      counters.add('aaa.start');
      reply({ type: 'Challenge', identifier: p.identifier, challenge: p.challenge }, rinfo.address, rinfo.port);
      return;
    }
    if (m.type !== 'Response') {
      counters.add(`aaa.unexpected.${m.type}`);
      return;
    }
    const p = pending.get(node);
    if (!p || p.identifier !== m.identifier) {
      counters.add('aaa.response-unmatched');
      return;
    }
    pending.delete(node);
    if (inFlight.size >= 256) {
      counters.add('aaa.too-many-in-flight');
      return;
    }
    while (inFlight.has(nextId)) nextId = (nextId + 1) & 0xff;
    const identifier = nextId;
    nextId = (nextId + 1) & 0xff;
    const attributes: [string, unknown][] = [
      ['User-Name', m.nai],
      ['CHAP-Password', Buffer.concat([Buffer.from([m.identifier]), m.response])],
      ['CHAP-Challenge', p.challenge],
      ['NAS-Identifier', ctx.config.node],
      ['Calling-Station-Id', rinfo.address],
    ];
    // RFC 3162 §2.1; the codec takes the 16 octets.
    if (s.nasAddress) attributes.push(['NAS-IPv6-Address', ipv6ToBytes(s.nasAddress)]);
    const packet = radius.encode({
      code: 'Access-Request',
      secret,
      identifier,
      attributes,
      add_message_authenticator: true,
    } as radius.EncodeArgs);
    const f: InFlight = {
      identifier,
      packet,
      requestAuthenticator: Buffer.from(packet.subarray(4, 20)),
      node,
      nai: m.nai,
      sentMs: ctx.clock.now(),
      schedule: new RetransmitSchedule(params, ctx.clock.now(), ctx.random),
      timer: null,
      exchange: {
        nai: m.nai,
        node: rinfo.address,
        startedAt: new Date().toISOString(),
        result: 'timeout',
        transmissions: 0,
        forgedDropped: 0,
      },
    };
    inFlight.set(identifier, f);
    send(f);
  });

  rad.sock.on('message', (buf, rinfo) => {
    if (buf.length < 20) {
      counters.add('aaa.radius-malformed');
      return;
    }
    const f = inFlight.get(buf[1]!);
    if (!f) {
      counters.add('aaa.radius-unmatched');
      return;
    }
    // RFC 2865 §3: the Response Authenticator proves the server knows our secret and saw this request.
    if (rinfo.port !== port || !responseAuthenticatorValid(buf, f.requestAuthenticator, secret)) {
      counters.add('aaa.radius-forged');
      f.exchange.forgedDropped++;
      log.info('aaa.forged-dropped', { from: rinfo.address, identifier: buf[1] });
      return;
    }
    f.exchange.latencyMs = Math.round((ctx.clock.now() - f.sentMs) * 100) / 100;
    if (buf[0] === 2) {
      const key = mppeRecvKey(buf, secret, f.requestAuthenticator);
      if (!key) {
        counters.add('aaa.accept-without-key');
        finish(f, 'reject');
        return;
      }
      counters.add('aaa.access-accept');
      finish(f, 'accept', key);
    } else if (buf[0] === 3) {
      counters.add('aaa.access-reject');
      finish(f, 'reject');
    } else counters.add(`aaa.radius-code.${buf[0]}`);
  });

  log.info('aaa.nas-started', { server, port, nasAddress: s.nasAddress, withoutKey: s.withoutKey ?? 'fallback' });
  return {
    keys,
    state: () => ({ server, associations: keys.list(), exchanges, inFlight: inFlight.size, pending: pending.size }),
  };
}

function splitNode(node: string): [string, number] {
  const i = node.lastIndexOf('#');
  return [node.slice(0, i), Number(node.slice(i + 1))];
}

function closeable(sock: dgram.Socket): { sock: dgram.Socket; close(): void } {
  return {
    sock,
    close: () => {
      try {
        sock.close();
      } catch {
        // already closed
      }
    },
  };
}
