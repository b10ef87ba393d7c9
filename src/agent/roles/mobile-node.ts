// The mobile-node role (RFC 6275 §11): the pure MobileNode machine (src/protocols/mipv6/mobile-node.ts)
// bound to the radio and the data plane (docs/dataplane.md):
//   carrier + RAs (mobile-node-link.ts) ─► machine ─► RS, SLAAC care-of address, default router
//   BU out: header-included with a Home Address option (§6.3); BA in: AF_PACKET (type 2 routing
//   header, nft keeps the kernel quiet) or raw 135 at home
//   home address on a TUN (home-address.ts): reverse tunnel through the home agent away from home,
//   on the radio at home (§11.5.4)
// Settings: agent["mobile-node"] (mipv6-settings.ts).
import { MobileNode, type MobileNodeAction, type MobileNodeInput } from '../../protocols/mipv6/mobile-node.js';
import { canonical, slaacAddress } from '../../wire/address.js';
import { toMobilityHeaderToSend } from '../dataplane/actions.js';
import { openCarrierProbe } from '../dataplane/carrier-probe.js';
import { kernelHasOptimisticDad } from '../dataplane/kernel.js';
import { installRadioRoutingHeaderFilter } from '../dataplane/radio-routing-header-filter.js';
import { openHomeAddress, type HomeAddress } from '../dataplane/home-address.js';
import { buildMobilityPacket, filterTableName, openMobilityHeaderIo } from '../dataplane/mobility-header-io.js';
import { countSent, mobilityHeaderInputs, sendMobilityHeader } from '../dataplane/mobility-io.js';
import { openUnsolicitedAdvertiser, type UnsolicitedAdvertiser } from '../dataplane/neighbor-advertisement.js';
import { Inbox, type MachineIo } from '../loop.js';
import { splitAddress } from './home-agent.js';
import { eui64InterfaceId, openRadio, type ReceivedRouterAdvertisement } from './mobile-node-link.js';
import { openMobileNodeHmipv6, type MobileNodeHmipv6 } from './mobile-node-map.js';
import { mobileNodeSettingsSchema } from './mipv6-settings.js';
import { type MobileNodeRouteOptimisation, startMobileNodeRouteOptimisation } from './mobile-node-ro.js';
import { type Role, type RoleDefinition, roleInterface, roleOfNode } from './role.js';
import { SerialQueue } from './serial-queue.js';

export const mobileNodeRole: RoleDefinition = roleOfNode(
  'mobile-node',
  mobileNodeSettingsSchema,
  async (ctx, s): Promise<Role> => {
    const { config, counters, log } = ctx;
    // RFC 4429 needs the kernel's support: without it a care-of address is usable only after DAD.
    const optimisticDad = (s.optimisticDad ?? true) && kernelHasOptimisticDad();
    if ((s.optimisticDad ?? true) && !optimisticDad)
      log.warn('mn.optimistic-dad-unavailable', {
        reason: 'kernel without CONFIG_IPV6_OPTIMISTIC_DAD: care-of addresses wait for DAD',
      });
    const radioIface = roleInterface(config, s.iface, 'radio');
    if (!radioIface)
      throw new Error(`${ctx.configFile}: agent.mobile-node.iface: no radio interface ${s.iface ?? ''} on this node`);
    const homePrefixLength = s.homePrefixLength ?? 64;
    const homeAddress = canonical(s.homeAddress);
    const homeAgent = canonical(s.homeAgent);
    const home = splitAddress(`${homeAddress}/${homePrefixLength}`);
    const machine = new MobileNode({
      homeAddress,
      homePrefix: home.prefix,
      homePrefixLength,
      homeAgent,
      nai: s.nai,
      spi: s.spi,
      key: Buffer.from(s.key, 'hex'),
      // The kernel's SLAAC uses the modified EUI-64 identifier (addr_gen_mode 0); we form the same address.
      interfaceId: eui64InterfaceId(radioIface.mac),
      epochOffsetMs: Date.now() - ctx.clock.now(),
      optimisticDad,
      // RFC 6275 §11.7.1 leaves the first sequence number to the node; random so that a restarted agent
      // is not refused as out of window for long (the HA answers 135 and the node resynchronises anyway).
      initialSequence: Math.floor(ctx.random() * 0x10000),
      // RFC 5380 §6.1: with a MAP, the home binding never outlives the local one asked for.
      ...(s.lifetimeS !== undefined || s.hmipv6
        ? { lifetimeS: Math.min(s.lifetimeS ?? 600, s.hmipv6 ? (s.hmipv6.lifetimeS ?? 120) : Number.POSITIVE_INFINITY) }
        : {}),
      ...(s.refreshFraction !== undefined ? { refreshFraction: s.refreshFraction } : {}),
      ...(s.initialBindackTimeoutFirstRegMs !== undefined
        ? { initialBindackTimeoutFirstRegMs: s.initialBindackTimeoutFirstRegMs }
        : {}),
    });

    const inbox = new Inbox<MobileNodeInput>();
    const input = (i: MobileNodeInput) => inbox.push(i);
    const queue = new SerialQueue((label, err) => {
      counters.add(`action-error.${label}`);
      log.warn('mn.action-failed', { action: label, err });
    });

    // Declared before the radio opens: its callbacks use them.
    /** The link we are on: its prefix, router and our SLAAC address there (the kernel forms it too). */
    let link: { prefix: string; prefixLength: number; router: string; address: string } | null = null;
    let hoa: HomeAddress | null = null;
    // HMIPv6 (RFC 5380), when agent["mobile-node"].hmipv6 is set: RAs heard before it exists wait.
    let hmip: MobileNodeHmipv6 | null = null;
    const earlyRas: ReceivedRouterAdvertisement[] = [];
    const onRouterAdvertisement = (ra: ReceivedRouterAdvertisement) => {
      counters.add('ra.received');
      if (s.hmipv6 && !hmip) {
        if (earlyRas.length < 8) earlyRas.push(ra);
        return;
      }
      const view = hmip ? hmip.onRouterAdvertisement(ra) : ra;
      // The router of the registered care-of address's link again (a carrier flap, no move): the
      // binding holds, the held uplink may go (a new router's RA leads to a BU and the BA instead).
      // With a MAP, its local binding decides (mobile-node-map.ts).
      if (!hmip?.active && link && canonical(ra.router) === canonical(link.router)) hoa?.resume();
      input({ kind: 'router-advertisement', iface: radioIface.name, router: view.router, prefixes: view.prefixes });
    };
    const radio = ctx.own(
      await openRadio({
        native: ctx.native,
        iface: radioIface.name,
        mac: radioIface.mac,
        onCarrier: (up) => {
          // At once, not through the machine: packets sent with no carrier are lost on the radio.
          hoa?.setCarrier(up);
          hmip?.onCarrier(up);
          input({ kind: up ? 'link-up' : 'link-down', iface: radioIface.name });
        },
        onRouterAdvertisement,
        onMalformed: (e) => counters.malformed('ra', e),
      }),
    );

    const carrierProbe = ctx.own(openCarrierProbe(radioIface.name));
    // Route optimisation (mobile-node-ro.ts) takes what its correspondents send; started once mhIo exists.
    let ro: MobileNodeRouteOptimisation | null = null;
    const onMessage = mobilityHeaderInputs({
      counters,
      onInput: (i, received) => {
        if (hmip?.takeMobilityHeader(i.src, i.dst, received.routingHomeAddress, i.bytes, i.message)) return;
        if (ro?.takes(i)) ro.input(i);
        else input(i);
      },
    });
    const mhIo = ctx.own(
      await openMobilityHeaderIo({
        onFilterUnavailable: (reason) => log.warn('mh.filter-unavailable', { reason }),
        native: ctx.native,
        table: filterTableName(`${config.node}_mn`),
        interfaces: [radioIface.name],
        addresses: [],
        onMessage,
        onBug: (err) => ctx.bug(err, 'mh-receiver'),
        onOtherPacket: (p) => ro?.onOtherPacket(p),
      }),
    );

    if (s.routeOptimisation?.length)
      ro = startMobileNodeRouteOptimisation({
        ctx,
        homeAddress,
        correspondents: s.routeOptimisation,
        ...(s.routeOptimisationLifetimeS !== undefined ? { lifetimeS: s.routeOptimisationLifetimeS } : {}),
        mhIo,
        homeAddressPlane: () => hoa,
        kernelIdle: () => queue.idle(),
        linkReady: () => linkReady,
        // RFC 5380 §6.1.1: with a MAP the care-of address is the RCoA, reached only through the MAP.
        sendThroughMap: (a, prefix) => hmip?.takeSendMobilityHeader(a, prefix) ?? false,
      });

    const interfaceId = eui64InterfaceId(radioIface.mac);
    let linkReady: Promise<void> = Promise.resolve();
    // The home agent starts tunnelling to the care-of address as it sends the BA; without a
    // protocol-41 socket the kernel answers such packets with Parameter Problem (mobility-anchors.md
    // §D.3). This receive-only socket absorbs them until the home address plane exists, whose tunnel
    // endpoint then stays open for the role's lifetime (home-address.ts).
    let tunnelGuard: { close(): void } | null = ctx.native.openRaw6Socket({ protocol: 41, receiveBuffer: 1 << 16 });
    (tunnelGuard as ReturnType<typeof ctx.native.openRaw6Socket>).start(
      () => counters.add('tunnel.before-registration'),
      () => {},
    );
    ctx.own({ close: () => tunnelGuard?.close() });
    let advertiser: UnsolicitedAdvertiser | null = null;
    /** at-home steps queued and not yet started (the home address is about to leave the TUN). */
    let atHomePending = 0;
    // The nft set of our addresses (HAO/RH2 read from AF_PACKET) changes on its own chain: in order (a
    // late flush must not undo the next care-of address), and off the queue the BU may wait on.
    let filterChain: Promise<void> = Promise.resolve();
    const setFilterAddresses = (addresses: string[]): Promise<void> => {
      const p = filterChain.then(() => mhIo.setAddresses(addresses));
      filterChain = p.catch(() => undefined);
      return p;
    };
    const send = (a: Extract<MobileNodeAction, { kind: 'send-mh' }>) => void sendMobilityHeader(mhIo, counters, a);
    const leaveHome = async () => {
      if (hoa?.atHome) await hoa.setAtHome(false);
    };
    const io: MachineIo<MobileNodeInput, MobileNodeAction> = {
      // `start` first (the home address goes on the TUN before anything may move it), then the
      // carrier as it is now, then whatever the radio heard while the role was starting.
      start: (f) =>
        inbox.start(f, [
          { kind: 'start' },
          ...(radio.carrier ? [{ kind: 'link-up' as const, iface: radioIface.name }] : []),
        ]),
      perform(a) {
        ro?.observe(a);
        switch (a.kind) {
          case 'home-address-on-tun':
            queue.push('home-address-on-tun', async () => {
              hoa = ctx.own(
                await openHomeAddress({
                  native: ctx.native,
                  homeAddress: a.homeAddress,
                  homeAgent,
                  homeLink: radioIface.name,
                  homePrefixLength,
                  ...(s.uplinkHold ? { hold: s.uplinkHold } : {}),
                  carrierProbe: () => carrierProbe.carrier(),
                  // Through a MAP every packet is wrapped once more: no TCP super-packets (home-address.ts).
                  ...(s.hmipv6 ? { offload: false, onAnchoredPacket: (p: Buffer) => hmip?.onAnchoredPacket(p) } : {}),
                  ...(ro ? { divert: ro.divert } : {}),
                }),
              );
              hoa.setCarrier(radio.carrier);
              tunnelGuard?.close();
              tunnelGuard = null;
            });
            return;
          case 'send-router-solicitation':
            counters.add(radio.sendRouterSolicitation() ? 'rs.sent' : 'rs.send-failed');
            return;
          case 'configure-address': {
            if (hmip?.takeConfigureAddress(a.iface, a.address)) return; // the RCoA: the MAP's BA answers it
            // The BA to this address carries a type 2 routing header: the nft rule must cover it before
            // the BA arrives, one round trip to the home agent after the BU at the earliest.
            let ready: Promise<unknown> = Promise.resolve();
            queue.push('configure-address', async () => {
              await ready;
            });
            // RFC 4429: an optimistic address may be used at once (the kernel's SLAAC made it from the same
            // RA with optimistic_dad); otherwise wait for DAD. Fed before the `ip`/`nft` processes are
            // spawned: each spawn holds the event loop for a few ms, and the BU (sent straight to the
            // router's MAC) needs none of them.
            if (a.optimistic) input({ kind: 'address-configured', iface: a.iface, address: a.address });
            ready = Promise.all([
              setFilterAddresses([a.address]),
              radio.configureAddress(a.address, a.prefixLength, a.optimistic),
            ]);
            if (!a.optimistic)
              void ready.then(
                () => input({ kind: 'address-configured', iface: a.iface, address: a.address }),
                () => undefined,
              );
            return;
          }
          case 'remove-address':
            return; // enterLink removes the old care-of address with the old link's routes, in one batch

          case 'send-mh':
            if (hmip?.takeSendMobilityHeader(a)) return; // from the RCoA: through the MAP (RFC 5380 §6.1)
            // From a care-of address: only the routes of the new link must be in place (enterLink).
            // From home: after the kernel changes still queued (the home address moving onto the radio
            // before the deregistration, whose BA comes back to it).
            if (a.homeAddressOption !== undefined) {
              // Straight to the new router's MAC when we know it: no wait for the routes of the new link.
              const packet = buildMobilityPacket(toMobilityHeaderToSend(a));
              if (link && radio.sendToRouter(link.router, packet)) countSent(counters, a.message.type, true);
              else void linkReady.then(() => send(a));
            } else if (queue.pending > 0) queue.push('send-mh', () => send(a));
            else send(a);
            return;
          case 'reverse-tunnel':
            // Away from home already (no home address move pending): the endpoint takes the new care-of
            // address now, not behind the queue's `ip`/`nft` steps, since the home agent tunnels to it
            // from the BA on and the endpoint drops packets to any other address (seen: ~20 ms of the
            // flow lost per move as "notLocal").
            if (hoa && !hoa.atHome && atHomePending === 0) {
              hoa.setCareOf(a.careOfAddress, a.homeAgent);
              return;
            }
            queue.push('reverse-tunnel', async () => {
              await leaveHome();
              hoa?.setCareOf(a.careOfAddress, a.homeAgent);
            });
            return;
          case 'reverse-tunnel-off':
            // Away already: at once, so the uplink is held before anything (an RA of the new link, a
            // late BA of the old one) could release it toward the old care-of address.
            if (hoa && !hoa.atHome && atHomePending === 0) {
              hoa.reverseTunnelOff();
              return;
            }
            queue.push('reverse-tunnel-off', async () => {
              await leaveHome();
              hoa?.reverseTunnelOff();
            });
            return;
          case 'at-home':
            // The deregistration BU waits for this (its BA comes back to the home address, which must be
            // on the radio to answer the HA's Neighbor Solicitation), so only the home address move is on
            // its path; the nft set (for HAO/RH2 to a care-of address, unused at home) is emptied after,
            // on its own chain, not holding the BU queued behind this step.
            atHomePending++;
            {
              // The home link's router: the movement-detected event came before this action.
              const homeRouter = link?.router;
              queue.push('at-home', async () => {
                atHomePending--;
                await hoa?.setAtHome(true, a.iface, homeRouter);
                // What the uplink held for a tunnel goes natively once the home link's routes are in (enterLink).
                void linkReady.then(() => hoa?.sendHeldAtHome());
                void setFilterAddresses([]).catch((err) => {
                  counters.add('action-error.filter-addresses');
                  log.warn('mn.action-failed', { action: 'filter-addresses', err });
                });
              });
            }
            return;
          case 'advertise-home-address':
            // RFC 6275 §11.5.4 / §11.5.5: neighbours (the HA) switch back to our link-layer address.
            advertiser ??= ctx.own(
              openUnsolicitedAdvertiser({ native: ctx.native, ifname: a.iface, linkLayerAddress: radioIface.mac }),
            );
            advertiser.announce(a.homeAddress);
            return;
          case 'event':
            counters.add(`event.${a.event.name}`);
            log.info(`mn.${a.event.name}`, { ...a.event });
            // With a MAP the access links are mobile-node-map.ts's; this machine's "link" is the MAP domain.
            if (hmip?.active) return;
            if (a.event.name === 'movement-detected') {
              const { router, prefix } = a.event;
              const leaving = link;
              link = { prefix, prefixLength: 64, router, address: slaacAddress(prefix, 64, interfaceId) };
              // Not behind the queue: leaving home (the home address back onto the TUN) need not delay the BU.
              // On the next turn of the event loop: its `ip` spawn then comes after this batch of actions
              // and after the queue's first step (at home: the home address onto the radio, which the
              // deregistration BU waits for), so neither the BU nor that step is held behind the fork.
              linkReady = new Promise<void>((resolve) => setImmediate(resolve))
                .then(() => radio.enterLink(router, leaving && leaving.prefix !== prefix ? leaving : null))
                .catch((err) => {
                  counters.add('action-error.enter-link');
                  log.warn('mn.action-failed', { action: 'enter-link', err });
                });
            }
            if (a.event.name === 'registered' || a.event.name === 'deregistered') {
              // Off the critical path: sweep anything else the old links left (addresses, routes).
              const l = link;
              if (l)
                queue.push('forget-other-links', () =>
                  radio.forgetOtherLinks(l.prefix, l.prefixLength, l.router, [homeAddress]),
                );
            }
            return;
        }
      },
    };
    const running = ctx.run(machine, io);
    if (s.hmipv6) {
      ctx.own(
        await installRadioRoutingHeaderFilter({
          table: filterTableName(`${config.node}_rh2`),
          iface: radioIface.name,
          onUnavailable: (reason) => log.warn('mh.filter-unavailable', { reason }),
        }),
      );
      hmip = openMobileNodeHmipv6({
        ctx,
        settings: s.hmipv6,
        nai: s.nai,
        iface: radioIface.name,
        interfaceId,
        radio,
        mhIo,
        homeAddress: () => hoa,
        setFilterAddresses,
        // What the MAP tunnelled from a correspondent (CoT, BA) is route optimisation's (§6.1.1).
        feedMobileNode: (i) => {
          if (i.kind === 'mh' && ro?.takes(i)) ro.input(i);
          else input(i);
        },
        ...(ro ? { onAnchoredData: (p: Buffer) => ro?.onAnchoredData(p) } : {}),
        keep: [homeAddress],
      });
      if (radio.carrier) hmip.onCarrier(true);
      for (const ra of earlyRas.splice(0)) onRouterAdvertisement(ra);
    }
    log.info('mn.started', { homeAddress, homeAgent, iface: radioIface.name, carrier: radio.carrier });

    return {
      name: 'mobile-node',
      onL2Trigger: (e) => running.feed([{ kind: 'l2-trigger', trigger: e.event, detail: { ...e } }]),
      state: () => {
        const st = machine.state;
        return {
          homeAddress,
          homeAgent,
          ...st,
          machine: { ...machine.counters },
          mobilityHeaders: mhIo.stats(),
          homeAddressPlane: hoa
            ? { tun: hoa.tunName, atHome: hoa.atHome, careOfAddress: hoa.careOfAddress, ...hoa.stats() }
            : null,
          pendingKernelActions: queue.pending,
          hmipv6: hmip?.state() ?? null,
          ...(ro ? { routeOptimisation: ro.state() } : {}),
        };
      },
    };
  },
);
