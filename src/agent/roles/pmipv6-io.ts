// What the LMA and MAG roles share: Proxy Binding Updates and Acknowledgements over raw 135, sealed
// for and checked from the peer with the router-pair authenticator (RFC 5213 §4 asks for IPsec
// between MAG and LMA; the lab's stand-in is src/protocols/core/peer-auth.ts, docs/security.md).
// A message from an address that is no configured peer, with a bad authenticator or an old
// timestamp is dropped before the machine and counted `peer-auth.<reason>.<type>`.
import { PeerAuthenticator, type SendMobilityHeader } from '../../protocols/core/index.js';
import type { MobilityHeaderInput } from '../../protocols/core/inputs.js';
import { canonical } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import { filterTableName, openMobilityHeaderIo, type MobilityHeaderIo } from '../dataplane/mobility-header-io.js';
import { mobilityHeaderInputs, sendMobilityHeader } from '../dataplane/mobility-io.js';
import type { RoleContext } from './role.js';

export interface ProxyMobilityIo {
  readonly address: string;
  readonly peers: PeerAuthenticator;
  /** Seals and sends; a message to an address that is no peer is not sent (`peer-auth.no-key.<type>`). */
  send(a: SendMobilityHeader): boolean;
  stats(): unknown;
}

/** The node's address on its first link (no length), or the one the settings give. */
export function signallingAddress(ctx: RoleContext, given: string | undefined, role: string): string {
  const a = given ?? ctx.config.interfaces.find((i) => i.kind === 'link')?.addresses[0]?.split('/')[0];
  if (!a) throw new Error(`${ctx.configFile}: agent.${role}.address: this node has no link with an address`);
  return canonical(a);
}

export async function openProxyMobilityIo(
  ctx: RoleContext,
  o: {
    role: 'lma' | 'mag';
    address: string;
    peerAuthWindowMs?: number;
    onInput: (i: MobilityHeaderInput) => void;
    /** Seal and check one message at start: the process's first HMAC loads the digest (ms), not the first PBU's. */
    warmUp?: boolean;
  },
): Promise<ProxyMobilityIo> {
  const { config, counters, log } = ctx;
  const peers = new PeerAuthenticator(
    (config.routerPeers ?? []).map((p) => ({ peer: p.address, spi: p.spi, key: Buffer.from(p.key, 'hex') })),
    o.peerAuthWindowMs,
  );
  if (o.warmUp) {
    const trial = new PeerAuthenticator([{ peer: o.address, spi: 256, key: Buffer.alloc(32, 1) }]);
    const m = mh.proxyBindingUpdate({ sequenceNumber: 0, lifetime: 0, options: [mh.naiIdentifier('warm-up')] });
    const bytes = trial.seal(m, { src: o.address, dst: o.address }, Date.now());
    if (bytes) {
      trial.check({ src: o.address, dst: o.address }, bytes, Date.now());
      mh.decode(bytes, 0);
    }
  }
  const mhIo: MobilityHeaderIo = ctx.own(
    await openMobilityHeaderIo({
      onFilterUnavailable: (reason) => ctx.log.warn('mh.filter-unavailable', { reason }),
      native: ctx.native,
      table: filterTableName(`${config.node}_${o.role}`),
      interfaces: config.interfaces.filter((i) => i.kind !== 'radio').map((i) => i.name),
      addresses: [o.address],
      onBug: (err) => ctx.bug(err, 'mh-receiver'),
      onMessage: mobilityHeaderInputs({
        counters,
        countBy: 'type',
        screen: (i) => (canonical(i.dst) === o.address ? null : 'address'),
        onInput: (i) => {
          const refused = peers.check({ src: i.src, dst: i.dst }, i.bytes, Date.now());
          if (refused) {
            counters.add(`peer-auth.${refused}.${i.message.type}`);
            log.info(`${o.role}.peer-auth-refused`, { src: i.src, type: i.message.type, reason: refused });
            return;
          }
          o.onInput(i);
        },
      }),
    }),
  );
  return {
    address: o.address,
    peers,
    send(a) {
      const bytes = peers.seal(a.message, { src: a.src, dst: a.dst }, Date.now());
      if (!bytes) {
        counters.add(`peer-auth.no-key.${a.message.type}`);
        return false;
      }
      return sendMobilityHeader(mhIo, counters, { ...a, bytes });
    },
    stats: () => mhIo.stats(),
  };
}
