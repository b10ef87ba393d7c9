// The FMIPv6 routers' pair keys (RFC 5568 §7: a security association between PAR and NAR; the lab's
// stand-in for IPsec, src/protocols/core/peer-auth.ts): HI and HAck leave sealed for the neighbour
// they go to, and only those a configured neighbour sealed are let in (fmipv6-router.ts).
import { PeerAuthenticator, type SendIcmpv6, type SendMobilityHeader } from '../../protocols/core/index.js';
import type { AgentConfig } from '../config.js';
import type { Counters } from '../counters.js';
import type { Fmipv6RouterSettings } from './fmipv6-settings.js';
import type { RouterIo } from './fmipv6-router-io.js';

export function routerPeerAuthenticator(config: AgentConfig, s: Fmipv6RouterSettings): PeerAuthenticator {
  return new PeerAuthenticator(
    (config.routerPeers ?? []).map((p) => ({ peer: p.address, spi: p.spi, key: Buffer.from(p.key, 'hex') })),
    s.peerAuthWindowMs,
  );
}

const SEALED = new Set(['HandoverInitiate', 'HandoverAcknowledge']);

/** `io` whose HI/HAck sends carry the peer option; one to a router that is no peer is not sent. */
export function sealToPeers(io: RouterIo, peers: PeerAuthenticator, counters: Counters): RouterIo {
  return {
    ...io,
    send(a: SendIcmpv6 | SendMobilityHeader): boolean {
      if (a.kind !== 'send-mh' || !SEALED.has(a.message.type)) return io.send(a);
      const bytes = peers.seal(a.message, { src: a.src, dst: a.dst }, Date.now());
      if (!bytes) {
        counters.add(`peer-auth.no-key.${a.message.type}`);
        return false;
      }
      return io.send({ ...a, bytes });
    },
  };
}
