// HMIPv6 for the mobile-node role (RFC 5380 §6.1): the MobileNodeMap machine
// (src/protocols/hmipv6/mobile-node-map.ts) bound to the radio and to the home address plane, and the
// view of the links the Mobile IPv6 machine gets while a MAP is in use:
//
//   RA with a MAP option ─► MobileNodeMap: MAP, RCoA, LCoA, local BU / BA with the MAP
//                        └► MobileNode sees one "link" per MAP domain, whose prefix is the MAP's: its
//                           care-of address is the RCoA, so a move between access routers of one
//                           domain is no move for it (no BU to the home agent, §6.1), and a new MAP is
//   MobileNode's configure-address(RCoA) ─► answered once the MAP accepted the local BU (§6.1 "SHOULD
//                           wait for the binding acknowledgement from the MAP")
//   MobileNode's BU from the RCoA ─► through the MN-MAP tunnel (LCoA -> MAP), as every packet (§6.1)
//   the home agent's BA, tunnelled by the MAP ─► decoded (checksum verified) ─► MobileNode
//   route optimisation through the RCoA (§6.1.1): the CoT and the correspondent's BA, tunnelled by
//   the MAP, go the same way (mobile-node.ts hands them to its route optimisation); its data (type 2
//   routing header to the RCoA) goes to onAnchoredData
//
// An RA without a usable MAP option is handed on unchanged: plain Mobile IPv6 (§7.1).
import {
  MobileNodeMap,
  type MobileNodeMapAction,
  type MobileNodeMapInput,
} from '../../protocols/hmipv6/mobile-node-map.js';
import type { MobileNodeInput, PrefixInformation } from '../../protocols/mipv6/mobile-node.js';
import type { SendMobilityHeader } from '../../protocols/core/index.js';
import { canonical, ipv6ToBytes } from '../../wire/address.js';
import { parseIpv6Packet } from '../../wire/parse.js';
import { toMobilityHeaderToSend } from '../dataplane/actions.js';
import type { HomeAddress } from '../dataplane/home-address.js';
import { encapsulate, IPV6_HEADER_LENGTH } from '../dataplane/tunnel.js';
import { buildMobilityPacket, type MobilityHeaderIo } from '../dataplane/mobility-header-io.js';
import { countSent, sendMobilityHeader } from '../dataplane/mobility-io.js';
import { Inbox, type MachineIo } from '../loop.js';
import type { MobileNodeHmipv6Settings } from './hmipv6-settings.js';
import type { Radio, ReceivedRouterAdvertisement } from './mobile-node-link.js';
import type { RoleContext } from './role.js';

export interface MobileNodeHmipv6 {
  /** Whether a MAP is in use (its domain's view is what the Mobile IPv6 machine gets). */
  readonly active: boolean;
  /** The RA as the Mobile IPv6 machine should see it. */
  onRouterAdvertisement(ra: ReceivedRouterAdvertisement): { router: string; prefixes: PrefixInformation[] };
  onCarrier(up: boolean): void;
  /** A Mobility Header from the radio: true when it was the MAP's and is taken. */
  takeMobilityHeader(
    src: string,
    dst: string,
    routingHomeAddress: string | undefined,
    mh: Buffer,
    message: unknown,
  ): boolean;
  /** The Mobile IPv6 machine's configure-address: true when it is the RCoA (answered after the MAP's BA). */
  takeConfigureAddress(iface: string, address: string): boolean;
  /**
   * A message from the RCoA (the Mobile IPv6 machine's BU, route optimisation's CoTI and BU): true when
   * sent through the MAP. `counterPrefix` names the sender in the counters.
   */
  takeSendMobilityHeader(a: SendMobilityHeader, counterPrefix?: string): boolean;
  /** The home agent's messages the MAP tunnelled to us (home-address.ts onAnchoredPacket). */
  onAnchoredPacket(packet: Buffer): void;
  state(): unknown;
}

export function openMobileNodeHmipv6(o: {
  ctx: RoleContext;
  settings: MobileNodeHmipv6Settings;
  nai: string;
  iface: string;
  interfaceId: string;
  radio: Radio;
  mhIo: MobilityHeaderIo;
  homeAddress: () => HomeAddress | null;
  setFilterAddresses: (addresses: string[]) => Promise<void>;
  /** Feeds the Mobile IPv6 machine. */
  feedMobileNode: (input: MobileNodeInput) => void;
  /** Route optimisation (RFC 5380 §6.1.1): a correspondent's packet with a type 2 routing header. */
  onAnchoredData?: (packet: Buffer) => void;
  keep: string[];
}): MobileNodeHmipv6 {
  const { ctx, radio } = o;
  const { counters, log } = ctx;
  const machine = new MobileNodeMap({
    nai: o.settings.nai ?? o.nai,
    spi: o.settings.spi,
    key: Buffer.from(o.settings.key, 'hex'),
    interfaceId: o.interfaceId,
    epochOffsetMs: Date.now() - ctx.clock.now(),
    initialSequence: Math.floor(ctx.random() * 0x10000),
    ...(o.settings.lifetimeS !== undefined ? { lifetimeS: o.settings.lifetimeS } : {}),
  });
  /** The RCoA the Mobile IPv6 machine asked for, waiting for the MAP's BA. */
  let rcoaWanted: string | null = null;
  let link: { router: string; prefix: string; lcoa: string } | null = null;
  let linkReady: Promise<void> = Promise.resolve();
  /** The LCoA whose registration last swept the other links (see 'local-binding'). */
  let swept: string | null = null;

  const sendLocal = (a: SendMobilityHeader) => {
    // Straight to the access router's MAC when we know it: no wait for the new link's routes.
    if (link && radio.sendToRouter(link.router, buildMobilityPacket(toMobilityHeaderToSend(a))))
      countSent(counters, `local.${a.message.type}`, true);
    else void linkReady.then(() => sendMobilityHeader(o.mhIo, counters, a));
  };

  const inbox = new Inbox<MobileNodeMapInput>();
  const io: MachineIo<MobileNodeMapInput, MobileNodeMapAction> = {
    start: (f) => inbox.start(f),
    perform(a) {
      switch (a.kind) {
        case 'send-mh':
          sendLocal(a);
          return;
        case 'enter-link': {
          const leaving = a.leaving;
          link = { router: a.router, prefix: a.prefix, lcoa: a.lcoa };
          const d = machine.domain;
          // The MN-MAP tunnel ends at the new LCoA from now on: nothing reaches the old one any more.
          if (d) o.homeAddress()?.setAnchor({ map: d.map, regionalCareOfAddress: d.rcoa, onLinkCareOfAddress: a.lcoa });
          linkReady = Promise.all([
            o.setFilterAddresses([a.lcoa]),
            radio.configureAddress(a.lcoa, 64, true),
            radio.enterLink(
              a.router,
              leaving
                ? { prefix: leaving.prefix, prefixLength: 64, router: leaving.router, address: leaving.lcoa }
                : null,
            ),
          ])
            .then(() => undefined)
            .catch((err) => {
              counters.add('action-error.hmipv6-enter-link');
              log.warn('mn.action-failed', { action: 'hmipv6-enter-link', err });
            });
          return;
        }
        case 'local-binding': {
          const hoa = o.homeAddress();
          hoa?.setAnchor({ map: a.map, regionalCareOfAddress: a.rcoa, onLinkCareOfAddress: a.lcoa });
          if (rcoaWanted === a.rcoa) {
            // §6.1: only now may the home agent hear of the RCoA.
            rcoaWanted = null;
            o.feedMobileNode({ kind: 'address-configured', iface: o.iface, address: a.rcoa });
          } else hoa?.resume(); // a move inside the domain: the held uplink goes through the MAP now
          // Sweep the other links' addresses and routes once per newly registered LCoA, not on each
          // RA that confirms the binding (every 30-70 ms): the sweep lists the radio's addresses, and
          // one run during a predictive FMIPv6 handover removed the NCoA the FBack had put there
          // (RFC 5568 §3.1), so the NAR's buffer reached an address the node no longer had.
          const l = link;
          if (l && swept !== l.lcoa) {
            swept = l.lcoa;
            void linkReady.then(() =>
              radio.forgetOtherLinks(l.prefix, 64, l.router, [...o.keep, l.lcoa]).catch(() => undefined),
            );
          }
          return;
        }
        case 'domain-left':
          o.homeAddress()?.setAnchor(null);
          rcoaWanted = null;
          link = null;
          swept = null;
          return;
        case 'event':
          counters.add(`hmipv6.event.${a.event.name}`);
          log.info(`mn.hmipv6.${a.event.name}`, { ...a.event });
          return;
      }
    },
  };
  ctx.run(machine, io);
  const push = (i: MobileNodeMapInput) => inbox.push(i);

  return {
    get active() {
      return machine.domain !== null;
    },
    onRouterAdvertisement(ra) {
      push({ kind: 'router-advertisement', router: ra.router, prefixes: ra.prefixes, maps: ra.maps });
      const d = machine.domain;
      if (!d) return { router: ra.router, prefixes: ra.prefixes };
      return { router: ra.router, prefixes: [{ prefix: d.prefix, prefixLength: 64, autonomous: true }] };
    },
    onCarrier(up) {
      push({ kind: up ? 'link-up' : 'link-down' });
    },
    takeMobilityHeader(src, dst, routingHomeAddress, mh, message) {
      const d = machine.domain;
      if (!d || canonical(src) !== d.map) return false;
      push({
        kind: 'mh',
        src,
        dst,
        ...(routingHomeAddress !== undefined ? { routingHomeAddress } : {}),
        message: message as Extract<MobileNodeMapInput, { kind: 'mh' }>['message'],
        bytes: mh,
      });
      return true;
    },
    takeConfigureAddress(_iface, address) {
      const d = machine.domain;
      if (!d || canonical(address) !== d.rcoa) return false;
      if (machine.registeredLcoa !== null)
        o.feedMobileNode({ kind: 'address-configured', iface: o.iface, address: d.rcoa });
      else rcoaWanted = d.rcoa;
      return true;
    },
    takeSendMobilityHeader(a, counterPrefix = '') {
      const d = machine.domain;
      const hoa = o.homeAddress();
      if (!d || !hoa || canonical(a.src) !== d.rcoa) return false;
      const inner = buildMobilityPacket(toMobilityHeaderToSend(a));
      // Straight to the access router's MAC, as the local BU: the kernel's routes of a new link may
      // lag behind (seen: ENETUNREACH for the home BU right after an inter-domain move).
      const l = link;
      let sent = false;
      if (l) {
        const outer = Buffer.allocUnsafe(IPV6_HEADER_LENGTH + inner.length);
        encapsulate(inner, Buffer.concat([ipv6ToBytes(l.lcoa), ipv6ToBytes(d.map)]), outer);
        sent = radio.sendToRouter(l.router, outer);
      }
      countSent(counters, `${counterPrefix}${a.message.type}`, sent || hoa.sendViaAnchor(inner));
      return true;
    },
    onAnchoredPacket(packet) {
      // A correspondent's route-optimised data to the RCoA: a type 2 routing header (43) not followed
      // by a Mobility Header (135); read without decoding the payload, once per packet of the flow.
      if (o.onAnchoredData && packet.length > 48 && packet[6] === 43 && packet[40] !== 135) {
        o.onAnchoredData(packet);
        return;
      }
      // The home agent's BA to the RCoA (RH2 = home address), tunnelled by the MAP, or a correspondent's
      // CoT or BA: checksum verified over the RFC 6275 §6.1.7 pseudo-header; anything else is counted
      // and dropped.
      const r = parseIpv6Packet(packet);
      if (!r.ok) {
        counters.malformed('anchored', r.error);
        return;
      }
      const { walk, upper } = r.value;
      if (upper.kind !== 'MobilityHeader') {
        counters.add('anchored.not-mh');
        return;
      }
      counters.add(`mh.received.via-map.${upper.message.type}`);
      o.feedMobileNode({
        kind: 'mh',
        src: walk.header.src,
        dst: walk.header.dst,
        message: upper.message,
        bytes: Buffer.from(packet.subarray(walk.upperOffset, walk.upperOffset + walk.upperLength)),
      });
    },
    state: () => ({
      domain: machine.domain,
      lcoa: machine.lcoa,
      registeredLcoa: machine.registeredLcoa,
      machine: { ...machine.counters },
    }),
  };
}
