// The lma role (RFC 5213 §5): the LocalMobilityAnchor machine (src/protocols/pmipv6/lma.ts) bound to
//   PBU in / PBA out   raw 135, sealed and checked with the MAG's pair key (pmipv6-io.ts)
//   tunnel-up/down     the prefix tunnel (dataplane/prefix-tunnel.ts): route HNP/64 into the TUN,
//                      IPv6-in-IPv6 to the serving MAG's Proxy-CoA, and back (§5.6)
// Settings: agent.lma (pmipv6-settings.ts); the MAGs' addresses and keys: the config's routerPeers.
import { LocalMobilityAnchor, type LmaAction, type LmaInput } from '../../protocols/pmipv6/lma.js';
import { inPrefix } from '../../wire/address.js';
import { openPrefixTunnel } from '../dataplane/prefix-tunnel.js';
import { Inbox, type MachineIo } from '../loop.js';
import { openIpStream } from './fmipv6-router-io.js';
import { openProxyMobilityIo, signallingAddress } from './pmipv6-io.js';
import { lmaSettingsSchema } from './pmipv6-settings.js';
import { type Role, roleOfNode } from './role.js';

export const LMA_TUN = 'pmiplma0';

function poolOf(pool: string): [string, number] {
  const [a, l] = pool.split('/');
  return [a!, Number(l)];
}

export const lmaRole = roleOfNode('lma', lmaSettingsSchema, async (ctx, s): Promise<Role> => {
  const { config, counters, log } = ctx;
  const address = signallingAddress(ctx, s.address, 'lma');
  const peerAddress = (node: string) => {
    const p = config.routerPeers?.find((x) => x.node === node);
    if (!p) throw new Error(`${ctx.configFile}: agent.lma.mags: ${node} is no MAG of this lab`);
    return p.address;
  };
  const machine = new LocalMobilityAnchor({
    address,
    mobileNodes: s.mobileNodes.map((m) =>
      m.prefix ? { id: m.id, prefix: m.prefix.split('/')[0]!, prefixLength: 64 } : { id: m.id },
    ),
    ...(s.pool ? { pool: s.pool } : {}),
    ...(s.mags ? { mags: s.mags.map(peerAddress) } : {}),
    epochOffsetMs: Date.now() - ctx.clock.now(),
    ...(s.maxLifetimeS !== undefined ? { maxLifetimeS: s.maxLifetimeS } : {}),
    ...(s.minDelayBeforeBceDeleteMs !== undefined ? { minDelayBeforeBceDeleteMs: s.minDelayBeforeBceDeleteMs } : {}),
    ...(s.timestampValidityWindowMs !== undefined ? { timestampValidityWindowMs: s.timestampValidityWindowMs } : {}),
    ...(s.maxTransientMs !== undefined ? { maxTransientMs: s.maxTransientMs } : {}),
  });
  const tunnel = ctx.own(await openPrefixTunnel({ native: ctx.native, side: 'lma', local: address, tunName: LMA_TUN }));
  const ip = ctx.own(
    openIpStream((t) => {
      counters.add('ip.error');
      log.warn('lma.ip-error', { text: t });
    }),
  );
  const anchored = [
    ...(s.pool ? [s.pool] : []),
    ...s.mobileNodes.flatMap((m) =>
      m.prefix && !(s.pool && inPrefix(m.prefix.split('/')[0]!, ...poolOf(s.pool))) ? [m.prefix] : [],
    ),
  ];
  for (const p of anchored) await ip.apply(`route replace ${p} dev ${LMA_TUN}`);
  const inbox = new Inbox<LmaInput>();
  const io = await openProxyMobilityIo(ctx, {
    warmUp: true,
    role: 'lma',
    address,
    ...(s.peerAuthWindowMs !== undefined ? { peerAuthWindowMs: s.peerAuthWindowMs } : {}),
    onInput: (i) => inbox.push(i),
  });

  const machineIo: MachineIo<LmaInput, LmaAction> = {
    start: (f) => inbox.start(f),
    perform(a) {
      switch (a.kind) {
        case 'send-mh':
          io.send(a);
          break;
        // The anchored prefixes are routed into the TUN from the start: a binding change is a table
        // update, and packets for a node with no binding (de-registered, §5.3.5) are dropped there
        // silently (`noBinding`) instead of drawing unreachables.
        case 'tunnel-up':
          tunnel.bind(a.prefix, a.proxyCoa);
          break;
        case 'tunnel-down':
          tunnel.unbind(a.prefix);
          break;
        case 'tunnel-accept':
          tunnel.acceptAlso(a.prefix, a.from, a.forMs);
          break;
        case 'event':
          counters.add(`event.${a.event.name}`);
          log.info(`lma.${a.event.name}`, { ...a.event });
          break;
      }
    },
  };
  ctx.run(machine, machineIo);
  log.info('lma.started', { address, mobileNodes: s.mobileNodes.map((m) => m.id), mags: io.peers.peers });

  return {
    name: 'lma',
    state: () => {
      const now = ctx.clock.now();
      return {
        address,
        bindingCache: machine.cache.map((e) => ({
          mnId: e.mnId,
          prefix: `${e.prefix}/${e.prefixLength}`,
          proxyCoa: e.proxyCoa,
          accessTechnologyType: e.accessTechnologyType,
          handoffIndicator: e.handoffIndicator,
          lifetimeS: e.lifetimeS,
          remainingS: Math.max(0, Math.round((e.expiresAt - now) / 100) / 10),
          deregistered: e.deleteAt !== undefined,
          ...(e.transient
            ? {
                transient: {
                  previousCoa: e.transient.previousCoa,
                  latePathSwitch: e.transient.late,
                  remainingMs: Math.max(0, e.transient.until - now),
                },
              }
            : {}),
        })),
        machine: { ...machine.counters },
        tunnel: tunnel.stats(),
        mobilityHeaders: io.stats(),
      };
    },
  };
});
