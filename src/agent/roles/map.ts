// The MAP role (RFC 5380 §6.2): the pure MobilityAnchorPoint machine (src/protocols/hmipv6/map.ts)
// on the same userspace data plane as the home agent (docs/dataplane.md), the MAP being "a local home
// agent" for the RCoA:
//   local BU in  ─ AF_PACKET (HAO; nft keeps the kernel quiet) ─► machine
//   BA out       ─ header-included send with a type 2 routing header holding the RCoA (§6.2)
//   tunnel-up/down, proxy-nd-start/stop ─► home-agent-forwarding: RCoA intercepted on the MAP's link by
//                  proxy ND, tunnelled to the LCoA; what the LCoA tunnels back is forwarded (§6.1)
//   dad-start    ─► one NS probe on the MAP's link (home-address-dad.ts) ─► dad-result
// Settings: agent.map (hmipv6-settings.ts). The MAP's address is the first address of its RCoA link.
import { MobilityAnchorPoint, type MapAction, type MapInput } from '../../protocols/hmipv6/map.js';
import { canonical } from '../../wire/address.js';
import { openHomeAgentForwarding } from '../dataplane/home-agent-forwarding.js';
import { filterTableName, openMobilityHeaderIo } from '../dataplane/mobility-header-io.js';
import { mobilityHeaderInputs, sendMobilityHeader } from '../dataplane/mobility-io.js';
import { Inbox, type MachineIo } from '../loop.js';
import { splitAddress } from './home-agent.js';
import { openHomeAddressDad, type HomeAddressDad } from './home-address-dad.js';
import { mapSettingsSchema } from './hmipv6-settings.js';
import { type Role, roleInterface, roleOfNode } from './role.js';
import { SerialQueue } from './serial-queue.js';

/** The MAP's TUN (the home agent's is mipha0): packets for registered RCoAs are routed into it. */
export const MAP_TUN = 'map0';

export const mapRole = roleOfNode('map', mapSettingsSchema, async (ctx, s): Promise<Role> => {
  const { config, counters, log } = ctx;
  const link = roleInterface(config, s.link, 'link');
  if (!link || link.addresses.length === 0)
    throw new Error(
      `${ctx.configFile}: agent.map.link: no interface ${s.link ?? '(a link interface)'} with an address on this node`,
    );
  const own = splitAddress(link.addresses[0]!);
  const machine = new MobilityAnchorPoint({
    address: own.address,
    rcoaPrefix: own.prefix,
    rcoaPrefixLength: own.prefixLength,
    mobileNodes: s.mobileNodes.map((m) => ({ nai: m.nai, spi: m.spi, key: Buffer.from(m.key, 'hex') })),
    epochOffsetMs: Date.now() - ctx.clock.now(),
    ...(s.maxLifetimeS !== undefined ? { maxLifetimeS: s.maxLifetimeS } : {}),
    ...(s.replayWindowMs !== undefined ? { replayWindowMs: s.replayWindowMs } : {}),
    ...(s.performDad !== undefined ? { performDad: s.performDad } : {}),
    ...(s.onLinkPrefixes
      ? {
          onLinkPrefixes: s.onLinkPrefixes.map((p) => {
            const x = splitAddress(p);
            return { prefix: x.prefix, prefixLength: x.prefixLength };
          }),
        }
      : {}),
  });

  const forwarding = ctx.own(
    await openHomeAgentForwarding({
      native: ctx.native,
      homeAgentAddress: own.address,
      homeLink: link.name,
      linkLayerAddress: link.mac,
      tunName: MAP_TUN,
      // No node on the MAP's link ever holds an RCoA (it lives at the LCoA): nothing to wait for
      // before answering for it (RFC 4861 §7.2.8's delay; docs/hmipv6.md, deviations).
      immediateProxyAnswers: true,
    }),
  );
  const dad: HomeAddressDad | null =
    s.performDad === false
      ? null
      : ctx.own(
          openHomeAddressDad({ native: ctx.native, ifname: link.name, mac: link.mac, timeoutMs: s.dadTimeoutMs }),
        );

  const inbox = new Inbox<MapInput>();
  const input = (i: MapInput) => inbox.push(i);
  const mhIo = ctx.own(
    await openMobilityHeaderIo({
      onFilterUnavailable: (reason) => log.warn('mh.filter-unavailable', { reason }),
      native: ctx.native,
      table: filterTableName(`${config.node}_map`),
      // Local BUs come up from the access routers' side, on any interface.
      interfaces: config.interfaces.map((i) => i.name),
      addresses: [own.address],
      onMessage: mobilityHeaderInputs({ counters, onInput: input }),
      onBug: (err) => ctx.bug(err, 'mh-receiver'),
    }),
  );
  const queue = new SerialQueue((label, err) => {
    counters.add(`action-error.${label}`);
    log.warn('map.action-failed', { action: label, err });
  });

  // As the home agent role does: the route into the tunnel before the BA, so the first packet for the
  // RCoA after the BA already goes to the new LCoA.
  const io: MachineIo<MapInput, MapAction> = {
    start: (f) => inbox.start(f),
    perform(a) {
      switch (a.kind) {
        case 'send-mh':
          sendMobilityHeader(mhIo, counters, a);
          return;
        case 'tunnel-up':
          queue.push('tunnel-up', () => forwarding.tunnelUp(a.regionalCareOfAddress, a.onLinkCareOfAddress));
          return;
        case 'tunnel-down':
          queue.push('tunnel-down', () => forwarding.tunnelDown(a.regionalCareOfAddress));
          return;
        case 'proxy-nd-start':
          queue.push('proxy-nd-start', () => forwarding.proxyNdStart(a.regionalCareOfAddress));
          return;
        case 'proxy-nd-stop':
          queue.push('proxy-nd-stop', () => forwarding.proxyNdStop(a.regionalCareOfAddress));
          return;
        case 'dad-start':
          if (!dad) input({ kind: 'dad-result', regionalCareOfAddress: a.regionalCareOfAddress, duplicate: false });
          else
            void dad
              .probe(a.regionalCareOfAddress)
              .then((duplicate) =>
                input({ kind: 'dad-result', regionalCareOfAddress: a.regionalCareOfAddress, duplicate }),
              );
          return;
        case 'event':
          counters.add(`event.${a.event.name}`);
          log.info(`map.${a.event.name}`, { ...a.event });
          return;
      }
    },
  };
  ctx.run(machine, io);
  log.info('map.started', { address: own.address, rcoaPrefix: `${own.prefix}/${own.prefixLength}`, link: link.name });

  return {
    name: 'map',
    state: () => {
      const now = ctx.clock.now();
      return {
        address: canonical(own.address),
        rcoaPrefix: `${own.prefix}/${own.prefixLength}`,
        link: link.name,
        bindingCache: machine.cache.entries().map((e) => ({
          rcoa: e.homeAddress,
          lcoa: e.careOfAddress,
          nai: e.nai,
          sequenceNumber: e.sequenceNumber,
          lifetimeS: e.lifetimeS,
          remainingS: Math.max(0, Math.round((e.expiresAt - now) / 100) / 10),
        })),
        machine: { ...machine.counters },
        mobilityHeaders: mhIo.stats(),
        forwarding: forwarding.stats(),
        dad: dad ? { ...dad.stats } : null,
        pendingKernelActions: queue.pending,
      };
    },
  };
});
