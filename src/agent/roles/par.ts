// The PAR's binding (RFC 5568 §3.1, §6.1-6.3): the pure PreviousAccessRouter machine
// (src/protocols/fmipv6/par.ts) on the router's FMIPv6 I/O (fmipv6-router-io.ts).
//   RtSolPr in -> PrRtAdv out (from the neighbour map the lab gives: every other AP and its router)
//   FBU in (raw 135, or AF_PACKET when it carries the PCoA in a Home Address option, reactive §3.2)
//   HI out / HAck in; FBack out to the PCoA and the NCoA
//   tunnel-start: a /128 route sends what arrives for the PCoA into the TUN; each packet goes
//   IPv6-in-IPv6 (RFC 2473) from the PAR to the NCoA (tunnel.ts), until tunnel-stop.
//   hold-start: the same route, but the packets go to the machine (delivered on the old link, or
//   buffered once the AP reported station-left); deliver-local / forward send what it returns.
//   station-left / station-joined (the lab's AP reports, RFC 4260 §4) are fed to the machine, with
//   the AP's time of the (dis)association turned into the machine's clock.
// Served nodes (§7): the neighbour cache of the AP interfaces; an FBU from any other source is
// refused by the machine and counted (`fbu-unauthorised`), nothing else happens.
import {
  NeighbourMap,
  PreviousAccessRouter,
  type NeighbourAccessPoint,
  type ParAction,
  type ParInput,
} from '../../protocols/fmipv6/index.js';
import { openTunnelEndpoint } from '../dataplane/tunnel.js';
import type { RunningMachine } from '../loop.js';
import type { Fmipv6RouterSettings } from './fmipv6-settings.js';
import { type RouterIo, routerMachineIo } from './fmipv6-router-io.js';
import type { L2TriggerEvent, RoleContext } from './role.js';

export interface BoundPar {
  machine: PreviousAccessRouter;
  running: RunningMachine<ParInput>;
  /**
   * A packet the diversion table handed over: true when it was for one of our tunnels or holds. Held
   * packets reach the machine at `divertedBatchEnd`, all of a TUN batch in one step.
   */
  diverted(dst: string, packet: Buffer): boolean;
  divertedBatchEnd(): void;
  /** An AP's station-left / station-joined report (RFC 4260 §4). */
  station(e: L2TriggerEvent): void;
  state(): unknown;
}

/** The neighbour map (RFC 5568 §6.1.2 [AP-ID, AR-Info]) from the lab's APs: every AP of another router. */
export function neighbourMapFromLab(ctx: RoleContext, s: Fmipv6RouterSettings): NeighbourMap {
  const aps = ctx.config.aps ?? [];
  const neighbours: NeighbourAccessPoint[] = aps
    // Other routers' APs whose router is a NAR (a lab written before routerRoles existed: all of them).
    .filter((a) => a.router !== ctx.config.node && (!a.routerRoles || a.routerRoles.includes('nar')))
    .map((a) => {
      const [prefix, len] = a.prefix.split('/');
      return {
        apId: a.bssid,
        apName: a.name,
        narAddress: a.routerAddress,
        narPrefix: prefix!,
        narPrefixLength: Number(len ?? 64),
        narLinkLayerAddress: a.routerMac,
        ...(s.pointToPoint ? { pointToPoint: true } : {}),
      };
    });
  const own = aps.filter((a) => a.router === ctx.config.node).map((a) => a.bssid);
  return new NeighbourMap(neighbours, own);
}

export function bindPar(
  ctx: RoleContext,
  io: RouterIo,
  s: Fmipv6RouterSettings,
  narLinks: Record<string, number> = {},
): BoundPar {
  const { counters, log } = ctx;
  const neighbours = neighbourMapFromLab(ctx, s);
  const ownAps = (ctx.config.aps ?? []).filter((a) => a.router === ctx.config.node);
  const machine = new PreviousAccessRouter({
    address: io.address,
    neighbours,
    ...(s.bufferAtNar !== undefined ? { bufferAtNar: s.bufferAtNar } : {}),
    ...(s.maxLifetimeS !== undefined ? { maxLifetimeS: s.maxLifetimeS } : {}),
    ...(s.hiTimeoutMs !== undefined ? { hiTimeoutMs: s.hiTimeoutMs } : {}),
    ...(s.hiRetries !== undefined ? { hiRetries: s.hiRetries } : {}),
    ...(s.leaveTimeoutMs !== undefined ? { leaveTimeoutMs: s.leaveTimeoutMs } : {}),
    // Our APs report their stations (the lab sets notifyLatency): wait for the leave to tunnel.
    awaitStationLeft: ownAps.length > 0 && ownAps.every((a) => a.notifyLatencyMs !== undefined),
    hold: {
      ...(s.buffer ? { maxPackets: s.buffer.maxPackets, maxBytes: s.buffer.maxBytes } : {}),
      ...(s.bufferAgeMs !== undefined ? { maxAgeMs: s.bufferAgeMs } : {}),
    },
    limits: parLimits(s),
    // Where an FBU may arrive from (RFC 5568 §6, §3.2): our AP cells, the links toward the NARs.
    accessLinks: io.cells.map((c) => c.ifindex),
    narLinks,
  });
  /** PCoAs whose packets go to the machine (hold-start until hold-stop or tunnel-start). */
  const holds = new Set<string>();
  const st = { deliveredLocal: 0, forwarded: 0 };
  /** PCoA -> NCoA while the machine asks for the tunnel. */
  const tunnels = new Map<string, string>();
  /** PCoA -> the node's MAC: back on our link, its tunnel stopped, its diversion route not yet gone. */
  const onLink = new Map<string, string>();
  const tunnel = ctx.own(
    openTunnelEndpoint({
      native: ctx.native,
      local: io.address,
      onPacket: () => counters.add('tunnel.unexpected-inbound'),
    }),
  );
  let tunnelled = 0;
  /** Held packets of the current TUN batch, for the machine (at most one batch: 64). */
  const held: ParInput[] = [];
  const io2 = routerMachineIo<ParInput, ParAction>(io, (a) => {
    switch (a.kind) {
      case 'tunnel-start':
        // RFC 5568 §3.1 step 6: what reaches the PCoA goes to the NCoA (from the HAck, or the leave).
        holds.delete(a.pcoa);
        tunnels.set(a.pcoa, a.ncoa);
        void io.divert(a.pcoa, true);
        log.info('par.tunnel-start', { pcoa: a.pcoa, ncoa: a.ncoa, nar: a.nar, lifetimeMs: a.lifetimeMs });
        return;
      case 'tunnel-stop':
        tunnels.delete(a.pcoa);
        // The node is back here: until the diversion route is gone, what it catches goes onto the link.
        if (a.linkLayerAddress) onLink.set(a.pcoa, a.linkLayerAddress);
        void io.divert(a.pcoa, false).finally(() => onLink.delete(a.pcoa));
        log.info('par.tunnel-stop', { pcoa: a.pcoa, ncoa: a.ncoa });
        return;
      case 'hold-start':
        holds.add(a.pcoa);
        void io.divert(a.pcoa, true);
        log.info('par.hold-start', { pcoa: a.pcoa });
        return;
      case 'hold-stop':
        holds.delete(a.pcoa);
        if (!tunnels.has(a.pcoa)) void io.divert(a.pcoa, false);
        log.info('par.hold-stop', { pcoa: a.pcoa });
        return;
      case 'deliver-local':
        st.deliveredLocal += io.deliver(a.pcoa, a.linkLayerAddress, a.packets);
        return;
      case 'forward':
        // Ahead of anything the diversion hands over later: this runs before the next packet's turn.
        for (const p of a.packets) {
          if (tunnel.send(p, a.ncoa)) st.forwarded++;
          else counters.add('tunnel.send-dropped');
        }
        log.info('par.forward', { pcoa: a.pcoa, ncoa: a.ncoa, packets: a.packets.length });
        return;
      case 'event':
        counters.add(`event.${a.event.name}`);
        log.info(`par.${a.event.name}`, { ...a.event });
        return;
    }
  });
  const running = ctx.run(machine, io2);
  // Resolve the NARs' link-layer addresses now (an Echo Request each): otherwise the first HI and the
  // HAck back each wait for neighbour discovery on the PAR-NAR link, in the handover's critical path.
  const warm = () => {
    for (const n of neighbours.neighbours())
      io.sendIcmp(undefined, io.address, n.narAddress, 64, {
        type: 'Unknown',
        icmpType: 128,
        code: 0,
        body: Buffer.from([0, 0, 0, 1]),
      });
  };
  warm();
  const warmTimer = setInterval(warm, 1000);
  warmTimer.unref();
  ctx.own({ close: () => clearInterval(warmTimer) });
  return {
    machine,
    running,
    station(e) {
      if (!e.station) return;
      if (e.event === 'station-joined') {
        running.feed([{ kind: 'station-joined', station: e.station }]);
        return;
      }
      // The AP's wall-clock time of the leave, on the machine's monotonic clock.
      const nowMs = ctx.clock.now();
      const at = e.atNs ? nowMs - (performance.timeOrigin + performance.now() - Number(BigInt(e.atNs)) / 1e6) : nowMs;
      const lastFrame = e.lastFrame ? Buffer.from(e.lastFrame, 'hex') : undefined; // '' = none seen
      running.feed([{ kind: 'station-left', station: e.station, at, ...(lastFrame ? { lastFrame } : {}) }]);
    },
    divertedBatchEnd() {
      // One step for the batch: the machine handles each packet in arrival order, the timer is
      // re-armed once, and the deliveries leave together (RouterIo.deliver).
      if (held.length) running.feed(held.splice(0));
    },
    diverted(dst, packet) {
      if (holds.has(dst)) {
        held.push({ kind: 'packet', dst, packet });
        return true;
      }
      const ncoa = tunnels.get(dst);
      if (!ncoa) {
        const mac = onLink.get(dst);
        if (mac === undefined) return false;
        st.deliveredLocal += io.deliver(dst, mac, [packet]);
        return true;
      }
      if (tunnel.send(packet, ncoa)) tunnelled++;
      else counters.add('tunnel.send-dropped');
      return true;
    },
    state: () => ({
      address: io.address,
      counters: { ...machine.counters },
      handovers: machine.handovers,
      tunnels: Object.fromEntries(tunnels),
      tunnelled,
      holds: machine.holds,
      awaitStationLeft: ownAps.length > 0 && ownAps.every((a) => a.notifyLatencyMs !== undefined),
      ...st,
      neighbours: neighbours.neighbours().map((n) => ({ ap: n.apName, apId: n.apId, nar: n.narAddress })),
    }),
  };
}

function parLimits(s: Fmipv6RouterSettings) {
  const l = s.limits ?? {};
  return {
    ...(l.maxServedNodes !== undefined ? { maxServedNodes: l.maxServedNodes } : {}),
    ...(l.maxRtSolPrTargets !== undefined ? { maxRtSolPrTargets: l.maxRtSolPrTargets } : {}),
    ...(l.maxHolds !== undefined ? { maxHolds: l.maxHolds } : {}),
  };
}
