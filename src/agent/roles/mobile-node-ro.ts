// Route optimisation for the mobile-node role (RFC 6275 §11.6, §11.7.2, §11.3): the pure
// RouteOptimisation machine (src/protocols/mipv6/route-optimisation.ts) run beside the MobileNode
// machine, told of its home registrations, moves and the return home, and bound to the data plane:
//   HoTI ─► the reverse tunnel (from the home address, through the home agent, §11.6.1)
//   CoTI, BU (Home Address option) ─► the radio, from the care-of address
//   HoT (tunnelled to the home address) / CoT / BA / BRR / BE from a listed correspondent ─► machine
//   route-optimise: application packets to that correspondent leave from the care-of address with a
//     Home Address option (divert, before the reverse tunnel); packets with a type 2 routing header for
//     our home address go to the home address's TUN (§11.3.3)
// With a MAP (HMIPv6, RFC 5380 §6.1.1) the care-of address is the RCoA: the CoTI, the BU and the
// route-optimised data leave from it through the MN-MAP tunnel (sendThroughMap, home-address.ts
// sendViaAnchor), the HoTI through [MAP [home agent]], and what the correspondent sends to the RCoA
// comes back tunnelled by the MAP (mobile-node-map.ts: MH to `input`, data to `onAnchoredData`).
// Settings: agent.mobile-node.routeOptimisation (addresses; the lab resolves node names).
import { randomBytes } from 'node:crypto';
import type { SendMobilityHeader } from '../../protocols/core/index.js';
import type { MobileNodeAction } from '../../protocols/mipv6/mobile-node.js';
import {
  RouteOptimisation,
  type RouteOptimisationAction,
  type RouteOptimisationInput,
} from '../../protocols/mipv6/route-optimisation.js';
import type { MobilityHeaderInput } from '../../protocols/core/index.js';
import { canonical, ipv6ToBytes } from '../../wire/address.js';
import { toMobilityHeaderToSend } from '../dataplane/actions.js';
import type { HomeAddress } from '../dataplane/home-address.js';
import {
  buildMobilityPacket,
  type MobilityHeaderIo,
  type ReceivedWithMobilityHeaders,
} from '../dataplane/mobility-header-io.js';
import { countSent } from '../dataplane/mobility-io.js';
import { insertHomeAddressOption, removeRoutingType2 } from '../dataplane/route-optimised-packets.js';
import { finishOffloadedPacket } from '../dataplane/vnet-header.js';
import type { RoleContext } from './role.js';

export interface MobileNodeRouteOptimisation {
  /** For openHomeAddress's `divert`: sends a packet to a route-optimised correspondent directly. */
  divert(packet: Buffer, vnetHeader: Buffer | undefined): boolean;
  /** Whether a received Mobility Header is the route optimisation's (from a listed correspondent). */
  takes(input: MobilityHeaderInput): boolean;
  input(input: MobilityHeaderInput): void;
  /** For the mobility receiver's onOtherPacket: data with a type 2 routing header for our home address. */
  onOtherPacket(p: ReceivedWithMobilityHeaders): void;
  /** HMIPv6: a packet with a type 2 routing header the MAP tunnelled to us (delivered or counted). */
  onAnchoredData(packet: Buffer): void;
  /** Every action of the MobileNode machine, to learn of registrations, moves and the return home. */
  observe(action: MobileNodeAction): void;
  state(): unknown;
}

export function startMobileNodeRouteOptimisation(o: {
  ctx: RoleContext;
  homeAddress: string;
  correspondents: readonly string[];
  lifetimeS?: number;
  mhIo: MobilityHeaderIo;
  homeAddressPlane: () => HomeAddress | null;
  /** Settles when the role's queued kernel changes are done (the home address on the radio, at home). */
  kernelIdle: () => Promise<void>;
  /** Settles when the routes of the link we are on are in (a CoTI right after a move needs them). */
  linkReady: () => Promise<void>;
  /**
   * HMIPv6 (RFC 5380 §6.1.1): sends a message from the RCoA through the MN-MAP tunnel; false when the
   * source is no RCoA of ours (plain Mobile IPv6: from the care-of address on the radio).
   */
  sendThroughMap?: (a: SendMobilityHeader, counterPrefix: string) => boolean;
}): MobileNodeRouteOptimisation {
  const { ctx, mhIo } = o;
  const { counters, log } = ctx;
  const correspondents = o.correspondents.map((c, i) => {
    try {
      return canonical(c);
    } catch {
      // A node name the lab did not resolve (an agent config written by hand).
      throw new Error(
        `${ctx.configFile}: agent.mobile-node.routeOptimisation[${i}]: expected a correspondent's IPv6 address, got "${c}"`,
      );
    }
  });
  const hoaBytes = ipv6ToBytes(o.homeAddress);
  const machine = new RouteOptimisation({
    homeAddress: o.homeAddress,
    correspondents,
    randomBytes: (n) => randomBytes(n),
    // RFC 6275 §11.7.2 leaves the first number to the node; random as for the home registration.
    initialSequence: Math.floor(ctx.random() * 0x10000),
    ...(o.lifetimeS !== undefined ? { lifetimeS: o.lifetimeS } : {}),
  });
  /** Correspondent (its 16 bytes as hex) → its address and our care-of address for the direct path. */
  const direct = new Map<string, { cn: string; coa: Buffer }>();
  const raw = ctx.own(ctx.native.openRaw6Socket({ protocol: 255, headerIncluded: true }));
  let atHome = false;

  const sendMh = (a: Extract<RouteOptimisationAction, { kind: 'send-mh' }>) => {
    const m = toMobilityHeaderToSend(a);
    if (a.src === canonical(o.homeAddress) && a.homeAddressOption === undefined && !atHome) {
      // §11.6.1: the HoTI goes through the home agent, reverse-tunnelled like any packet from the home address.
      const ok = o.homeAddressPlane()?.sendThroughTunnel(buildMobilityPacket(m)) ?? false;
      countSent(counters, `ro.${a.message.type}`, ok);
      return;
    }
    if (a.src === canonical(o.homeAddress)) {
      // At home: from the home address on the radio, once the role's kernel changes put it there.
      void o.kernelIdle().then(() => countSent(counters, `ro.${a.message.type}`, mhIo.send(m)));
      return;
    }
    // From the RCoA (RFC 5380 §6.1.1: "the RCoA ... as the care-of address"): through the MAP.
    if (o.sendThroughMap?.(a, 'ro.')) return;
    // From the care-of address: once the new link's routes are in (at once, but for a CoTI right after a move).
    void o.linkReady().then(() => countSent(counters, `ro.${a.message.type}`, mhIo.send(m)));
  };

  const io = {
    perform(a: RouteOptimisationAction) {
      switch (a.kind) {
        case 'send-mh':
          sendMh(a);
          return;
        case 'route-optimise':
          direct.set(ipv6ToBytes(a.correspondent).toString('hex'), {
            cn: a.correspondent,
            coa: ipv6ToBytes(a.careOfAddress),
          });
          counters.add('ro.route-optimise');
          return;
        case 'route-optimise-off':
          direct.delete(ipv6ToBytes(a.correspondent).toString('hex'));
          counters.add('ro.route-optimise-off');
          return;
        case 'event':
          counters.add(`ro.event.${a.event.name}`);
          log.info(`mn.ro.${a.event.name}`, { ...a.event });
          return;
      }
    },
  };
  const running = ctx.run(machine, io);
  const feed = (i: Exclude<RouteOptimisationInput, { kind: 'tick' }>) => running.feed([i]);
  log.info('mn.ro.started', { correspondents });

  /** §11.3.3: a type 2 routing header holding our home address: the packet is the home address's. */
  const deliverRouted = (packet: Buffer) => {
    const r = removeRoutingType2(packet);
    if (!r?.homeAddress.equals(hoaBytes)) {
      counters.add('ro.data.refused');
      return;
    }
    counters.add(o.homeAddressPlane()?.deliver(r.packet) ? 'ro.data.delivered' : 'ro.data.not-delivered');
  };

  return {
    divert(p, header) {
      if (direct.size === 0 || p.length < 40 || p[6] === 0) return false;
      const d = direct.get(p.toString('hex', 24, 40));
      if (!d) return false;
      // The stack may have left the checksum to the TUN's offload; a GSO super-packet stays on the tunnel.
      const q = header ? finishOffloadedPacket(p, header) : p;
      if (q === null) {
        counters.add('ro.data.gso-tunnelled');
        return false;
      }
      const out = insertHomeAddressOption(q, d.coa);
      if (!out) return false;
      let ok = false;
      const plane = o.homeAddressPlane();
      if (plane?.anchored) {
        // RFC 5380 §6.1: every packet from the RCoA goes through the MAP, [LCoA -> MAP [RCoA -> CN, HAO]].
        ok = plane.sendViaAnchor(out);
      } else {
        try {
          ok = raw.send(out, d.cn);
        } catch {
          ok = false;
        }
      }
      counters.add(ok ? 'ro.data.sent' : 'ro.data.send-failed');
      return true;
    },
    takes: (i) => {
      try {
        return correspondents.includes(canonical(i.src));
      } catch {
        return false;
      }
    },
    input: (i) => feed(i),
    onOtherPacket(p) {
      if (p.routingHomeAddress === undefined) return;
      deliverRouted(p.packet);
    },
    onAnchoredData(packet) {
      // The correspondent's [CN -> RCoA, RH2 = HoA] the MAP tunnelled to the LCoA (RFC 5380 §6.1.1).
      // Also after a move (no direct path any more): the packet was sent for our home address.
      deliverRouted(packet);
    },
    observe(a) {
      if (a.kind === 'at-home') {
        atHome = true;
        // After the role has queued its own at-home steps.
        queueMicrotask(() => feed({ kind: 'at-home' }));
      } else if (a.kind === 'event' && a.event.name === 'movement-detected') {
        feed({ kind: 'moved' });
      } else if (a.kind === 'event' && a.event.name === 'care-of-address-ready') {
        // §11.6.1: the CoTI need not wait for the home registration.
        const coa = a.event.careOfAddress;
        queueMicrotask(() => feed({ kind: 'care-of-address', careOfAddress: coa }));
      } else if (a.kind === 'event' && a.event.name === 'registered') {
        atHome = false;
        const coa = a.event.careOfAddress;
        // The machine reports `registered` before its `reverse-tunnel` action: the HoTI needs that tunnel.
        queueMicrotask(() => feed({ kind: 'home-registered', careOfAddress: coa }));
      }
    },
    state: () => ({ correspondents: machine.state, machine: { ...machine.counters } }),
  };
}
