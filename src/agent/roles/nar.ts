// The NAR's binding (RFC 5568 §3.1, §6.2, §6.4): the pure NewAccessRouter machine
// (src/protocols/fmipv6/nar.ts) on the router's FMIPv6 I/O (fmipv6-router-io.ts).
//   HI in -> HAck out (NCoA checked against the cell's prefix and the neighbour cache, or assigned)
//   buffer-start: a /128 route diverts the packets for the NCoA (the PAR's tunnel, the FBack copy)
//   into the TUN and the machine's bounded buffer (overflow dropped and counted by the machine)
//   UNA in (NA, S=0 O=1, to all-nodes) -> deliver: the buffer goes onto the cell in arrival order,
//   framed to the Target Link-Layer Address of the UNA (no neighbour discovery in between)
//   advertise-prefix (point-to-point links): a Router Advertisement with the MN's own prefix.
import {
  DEFAULT_NAR_LIMITS,
  NewAccessRouter,
  type NarAction,
  type NarInput,
  type NarLimits,
} from '../../protocols/fmipv6/index.js';
import { bytesToMac, prefixOf } from '../../wire/address.js';
import type { RunningMachine } from '../loop.js';
import { toRouterAdvertisement } from './router-discovery-wire.js';
import type { Fmipv6RouterSettings } from './fmipv6-settings.js';
import { type AccessCell, type RouterIo, routerMachineIo } from './fmipv6-router-io.js';
import type { RoleContext } from './role.js';

export interface BoundNar {
  machine: NewAccessRouter;
  running: RunningMachine<NarInput>;
  diverted(dst: string, packet: Buffer): boolean;
  /** Feeds the buffered packets of the current TUN batch to the machine, in one step. */
  divertedBatchEnd(): void;
  /** A Neighbor Advertisement heard on a cell: an unsolicited one is fed to the machine (UNA, §6.4). */
  neighborAdvertisement(input: Extract<NarInput, { kind: 'icmp' }>, cell: AccessCell): void;
  /** A neighbour's link-layer address (for delivery when no UNA carried it). */
  learn(address: string, mac: string): void;
  /** Whether `address` announced itself with a UNA here: its neighbour entry is the arriving MN's own. */
  announced(address: string): boolean;
  state(): unknown;
}

export function bindNar(
  ctx: RoleContext,
  io: RouterIo,
  s: Fmipv6RouterSettings,
  /** A mobile node arrived on our link with `ncoa` (told to the co-located PAR). */
  onArrived: (ncoa: string) => void = () => undefined,
): BoundNar {
  const { counters, log } = ctx;
  const cell = io.cells[0]!;
  const machine = new NewAccessRouter({
    address: io.address,
    prefix: cell.prefix,
    prefixLength: cell.prefixLength,
    ...(s.invalidNcoa ? { invalidNcoa: s.invalidNcoa } : {}),
    ...(s.buffer ? { buffer: s.buffer } : {}),
    ...(s.recordLifetimeMs !== undefined ? { recordLifetimeMs: s.recordLifetimeMs } : {}),
    ...(s.acceptHandovers !== undefined ? { acceptHandovers: s.acceptHandovers } : {}),
    ...(s.pointToPoint ? { pointToPoint: s.pointToPoint } : {}),
    limits: narLimits(s),
  });
  // The binding's own tables follow the machine's bound on access-link addresses.
  const cap = s.limits?.maxNeighbours ?? DEFAULT_NAR_LIMITS.maxNeighbours;
  const diverting = new Set<string>();
  /** NCoAs whose MN arrived: a packet the diversion still caught after buffer-stop goes straight to it. */
  const arrived = new Set<string>();
  const macs = new Map<string, string>();
  /** Targets of the UNAs heard (RFC 5568 §6.4): MNs that arrived, not other users of their address. */
  const announcedBy = new Map<string, string>();
  const st = { delivered: 0, reinjected: 0, routerAdvertisements: 0, late: 0 };
  let running!: RunningMachine<NarInput>;
  /** Packets of the current TUN batch for the machine's buffers (at most one batch: 64). */
  const buffered: NarInput[] = [];
  // The HAck does not wait for the diversion route (that would put the `ip` process's scheduling into
  // the handover's round trip). A packet for the NCoA that beats the route is forwarded onto the cell,
  // where it waits in the kernel's neighbour queue (the MN is not there yet) and goes out when the UNA
  // fills in the MN's link-layer address. For that, per-MN prefixes must be routed onto the cell too:
  // the whole pool is, from the start.
  if (s.pointToPoint) io.route(`${s.pointToPoint.pool}/${s.pointToPoint.poolLength}`, cell);
  const io2 = routerMachineIo<NarInput, NarAction>(io, (a) => {
    switch (a.kind) {
      case 'buffer-start':
        diverting.add(a.ncoa);
        void io.divert(a.ncoa, true);
        log.info('nar.buffer-start', { ncoa: a.ncoa, pcoa: a.pcoa });
        return;
      case 'buffer-stop':
        if (diverting.delete(a.ncoa)) void io.divert(a.ncoa, false);
        capped(arrived, cap).add(a.ncoa);
        log.info('nar.buffer-stop', { ncoa: a.ncoa });
        return;
      case 'deliver': {
        const mac = macs.get(a.ncoa);
        if (mac) {
          st.delivered += io.deliver(a.ncoa, mac, a.packets);
        } else {
          // No link-layer address known: route normally (the diversion goes first, or they would loop).
          const packets = a.packets;
          const off = diverting.delete(a.ncoa) ? io.divert(a.ncoa, false) : Promise.resolve();
          void off.then(() => (st.reinjected += io.reinject(packets)));
        }
        log.info('nar.deliver', { ncoa: a.ncoa, packets: a.packets.length, via: mac ? 'packet-socket' : 'kernel' });
        return;
      }
      case 'advertise-prefix': {
        // MIPSHOP point-to-point prefixes: route the MN's prefix onto its cell and advertise it to it.
        const c = io.cellOf(a.ncoa) ?? cell;
        io.route(`${a.prefix}/${a.prefixLength}`, c);
        const ra = toRouterAdvertisement({
          curHopLimit: 64,
          managed: false,
          other: false,
          homeAgent: false,
          routerLifetimeS: 1800,
          reachableTimeMs: 0,
          retransTimerMs: 0,
          sourceLinkLayerAddress: c.mac,
          prefixInformation: {
            prefix: a.prefix,
            prefixLength: a.prefixLength,
            onLink: true,
            autonomous: true,
            validLifetimeS: 86400,
            preferredLifetimeS: 14400,
          },
          advertisementIntervalMs: 1000,
        });
        // To all-nodes from the link-local address the kernel picks (RFC 4861 §6.1.2 wants one).
        const ok = io.sendIcmp(c, undefined, 'ff02::1', 255, ra);
        if (ok) st.routerAdvertisements++;
        log.info('nar.advertise-prefix', { ncoa: a.ncoa, prefix: a.prefix, prefixLength: a.prefixLength, sent: ok });
        return;
      }
      case 'event':
        counters.add(`event.${a.event.name}`);
        log.info(`nar.${a.event.name}`, { ...a.event });
        if (a.event.name === 'mn-arrived') onArrived(a.event.ncoa);
        // Point-to-point: route the MN's reserved prefix onto the cell as soon as it is reserved, so
        // the packets the diversion no longer catches after the UNA find the way (advertised on arrival).
        if (a.event.name === 'handover-accepted' && s.pointToPoint) {
          const len = s.pointToPoint.prefixLength;
          io.route(`${prefixOf(a.event.ncoa, len)}/${len}`, io.cellOf(a.event.ncoa) ?? cell);
        }
        return;
    }
  });
  running = ctx.run(machine, io2);
  return {
    machine,
    running,
    diverted(dst, packet) {
      if (!diverting.has(dst)) {
        // Caught by the route between the UNA and its removal (the `ip` stream is asynchronous).
        const mac = arrived.has(dst) ? macs.get(dst) : undefined;
        if (!mac) return false;
        st.late += io.deliver(dst, mac, [packet]);
        return true;
      }
      buffered.push({ kind: 'packet', dst, packet });
      return true;
    },
    divertedBatchEnd() {
      if (buffered.length) running.feed(buffered.splice(0));
    },
    neighborAdvertisement(input, c) {
      const m = input.message;
      if (m.type !== 'NeighborAdvertisement' || m.solicited) return;
      const tlla = m.options.find((o) => o.type === 'TargetLinkLayerAddress') as
        | { linkLayerAddress?: Buffer }
        | undefined;
      if (tlla?.linkLayerAddress) {
        const mac = bytesToMac(tlla.linkLayerAddress);
        capped(macs, cap).set(m.targetAddress, mac);
        capped(announcedBy, cap).set(m.targetAddress, mac);
        io.neighbour(m.targetAddress, mac, c);
      }
      running.feed([input]);
    },
    learn(address, mac) {
      capped(macs, cap).set(address, mac);
    },
    announced: (address) => announcedBy.has(address),
    state: () => ({
      address: io.address,
      prefix: `${cell.prefix}/${cell.prefixLength}`,
      counters: { ...machine.counters },
      records: machine.records.slice(0, 32),
      recordCount: machine.records.length,
      buffered: machine.buffered,
      ...st,
    }),
  };
}

/** A map or set with room for one more: the oldest entry goes when it is full. */
function capped<T extends Map<string, unknown> | Set<string>>(m: T, max: number): T {
  if (m.size >= max) {
    const oldest = m.keys().next().value;
    if (oldest !== undefined) m.delete(oldest);
  }
  return m;
}

function narLimits(s: Fmipv6RouterSettings): Partial<NarLimits> {
  const l = s.limits ?? {};
  const out: Partial<NarLimits> = {};
  if (l.maxRecords !== undefined) out.maxRecords = l.maxRecords;
  if (l.totalBuffer) out.totalBuffer = l.totalBuffer;
  if (l.hiPerSecond !== undefined) out.hiPerSecond = l.hiPerSecond;
  if (l.hiBurst !== undefined) out.hiBurst = l.hiBurst;
  if (l.maxNeighbourRouters !== undefined) out.maxNeighbourRouters = l.maxNeighbourRouters;
  if (l.maxNeighbours !== undefined) out.maxNeighbours = l.maxNeighbours;
  return out;
}
