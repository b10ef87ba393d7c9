// The mobile node's side of the lab's network-access authentication (src/wire/aaa/access-auth.ts): at
// its first attach, and at each attach to a router it holds no key for, it asks the access router
// (all-routers, ff02::2, on the radio) for a challenge, answers it with CHAP (RFC 1994 §4.1) and, when
// the router reports success with an SPI, derives the handover key the RADIUS server gave the router
// from its own password and that challenge (src/protocols/aaa/keys.ts). Retries Start every
// `intervalMs`, `tries` times; without an answer it goes on without a key (plain Mobile IPv6).
import dgram from 'node:dgram';
import { chapResponse, handoverKey } from '../../protocols/aaa/keys.js';
import type { HandoverSecurityAssociation } from '../../protocols/fmipv6/badf.js';
import * as accessAuth from '../../wire/aaa/access-auth.js';
import type { RoleContext } from './role.js';

export interface AccessAttempt {
  router: string;
  startedAt: string;
  /** Start sent -> Result, ms. */
  latencyMs?: number;
  status: 'success' | 'rejected' | 'unavailable' | 'no-answer';
  starts: number;
}

export interface AccessClient {
  authenticate(router: string): void;
  attempts(): AccessAttempt[];
}

export function startAccessClient(
  ctx: RoleContext,
  o: { iface: string; nai: string; password: string; tries: number; intervalMs: number },
  onKey: (router: string, sa: HandoverSecurityAssociation) => void,
): AccessClient {
  const { counters, log } = ctx;
  const sock = dgram.createSocket({ type: 'udp6', ipv6Only: true });
  sock.on('error', (e) => ctx.bug(e, 'aaa.access-client-socket'));
  sock.bind(0, '::');
  ctx.own({
    close: () => {
      try {
        sock.close();
      } catch {
        // already closed
      }
    },
  });
  const attempts: AccessAttempt[] = [];
  let current: {
    router: string;
    attempt: AccessAttempt;
    startMs: number;
    challenge?: Buffer;
    timer: ReturnType<typeof setTimeout> | null;
  } | null = null;

  const end = (status: AccessAttempt['status']) => {
    if (!current) return;
    if (current.timer) clearTimeout(current.timer);
    current.attempt.status = status;
    if (status !== 'no-answer') current.attempt.latencyMs = Math.round((ctx.clock.now() - current.startMs) * 100) / 100;
    log.info('aaa.access-result', { ...current.attempt });
    current = null;
  };

  const sendStart = () => {
    if (!current) return;
    if (current.attempt.starts >= o.tries) {
      counters.add('aaa.no-answer');
      end('no-answer');
      return;
    }
    current.attempt.starts++;
    sock.send(accessAuth.encode({ type: 'Start', nai: o.nai }), accessAuth.ACCESS_AUTH_PORT, `ff02::2%${o.iface}`);
    counters.add('aaa.sent.Start');
    current.timer = setTimeout(sendStart, o.intervalMs);
  };

  sock.on('message', (buf, rinfo) => {
    const d = accessAuth.decode(buf);
    if (!d.ok) {
      counters.malformed('aaa.access', d.error);
      return;
    }
    const m = d.value;
    if (!current || rinfo.port !== accessAuth.ACCESS_AUTH_PORT) {
      counters.add(`aaa.unexpected.${m.type}`);
      return;
    }
    if (m.type === 'Challenge') {
      if (current.timer) clearTimeout(current.timer);
      current.challenge = m.challenge;
      const response = chapResponse(m.identifier, o.password, m.challenge);
      sock.send(
        accessAuth.encode({ type: 'Response', identifier: m.identifier, response, nai: o.nai }),
        rinfo.port,
        rinfo.address,
      );
      counters.add('aaa.sent.Response');
      // The router may wait for RADIUS's retransmissions (RFC 5080): give it up to a minute.
      current.timer = setTimeout(() => end('no-answer'), 60_000);
      return;
    }
    if (m.type === 'Result' && current.challenge) {
      if (m.status === accessAuth.AccessAuthStatus.Success && m.spi !== 0) {
        onKey(current.router, { spi: m.spi, key: handoverKey(o.password, current.challenge) });
        counters.add('aaa.key');
        end('success');
      } else {
        counters.add(`aaa.result.${m.status}`);
        end(m.status === accessAuth.AccessAuthStatus.Rejected ? 'rejected' : 'unavailable');
      }
      return;
    }
    counters.add(`aaa.unexpected.${m.type}`);
  });

  return {
    authenticate(router) {
      if (current) end('no-answer');
      const attempt: AccessAttempt = { router, startedAt: new Date().toISOString(), status: 'no-answer', starts: 0 };
      attempts.push(attempt);
      if (attempts.length > 16) attempts.shift();
      current = { router, attempt, startMs: ctx.clock.now(), timer: null };
      sendStart();
    },
    attempts: () => attempts.slice(),
  };
}
