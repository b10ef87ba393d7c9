// What the FMIPv6 access routers (PAR and NAR, RFC 5568) need from the node, shared by both machines:
//   - ICMPv6 on each AP interface: RtSolPr in (type 154) and PrRtAdv out; UNAs in (type 136);
//   - Mobility Headers: HI/HAck/FBU/FBack over raw 135, and a reactive FBU with its Home Address
//     option from AF_PACKET (mobility-header-io.ts; the nft rule keeps the kernel quiet about the HAO);
//   - a TUN (`fmip0`) and routing table 4242: a /128 route there diverts the packets for a PCoA (the
//     PAR's tunnel, §3.1 step 6) or an NCoA (the NAR's buffer, §6.2.1 U flag) into the agent. A rule
//     `iif lo lookup main` ahead of the table keeps the router's own messages (FBack to the PCoA) out
//     of the diversion; forwarded traffic meets the table;
//   - delivery onto an AP cell with AF_PACKET to the MN's link-layer address (from its UNA), so the
//     buffer goes out in order without waiting for neighbour discovery;
//   - the neighbour cache of the AP interfaces (`ip monitor neigh`): the PAR's "served" nodes (§7)
//     and the NAR's "address in use" check (§6.2.2).
// Route changes go through one long-running `ip -batch -` so a diversion takes effect in well under a
// millisecond (a spawned `ip` costs several): the PAR must start tunnelling as soon as the HAck is in.
import { spawn, type ChildProcess } from 'node:child_process';
import type { PacketSocket, Raw6Socket, TunDevice } from '../../native/types.js';
import * as icmpv6 from '../../wire/icmpv6/header.js';
import type { Icmpv6Message } from '../../wire/icmpv6/header.js';
import { bytesToIpv6, canonical, inPrefix, macToBytes } from '../../wire/address.js';
import type { Icmpv6Input, MobilityHeaderInput, SendIcmpv6, SendMobilityHeader } from '../../protocols/core/index.js';
import type { AgentAccessPoint } from '../config.js';
import { ipBatchForceSync, run } from '../dataplane/kernel.js';
import { onLines } from '../dataplane/lines.js';
import { filterTableName, openMobilityHeaderIo, type MobilityHeaderIo } from '../dataplane/mobility-header-io.js';
import { countSent, mobilityHeaderInputs, receiveIcmpv6, sendMobilityHeader } from '../dataplane/mobility-io.js';
import type { MachineIo } from '../loop.js';
import type { RoleContext } from './role.js';

export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
export const ICMPV6_FMIPV6 = 154;
export const ND_HOP_LIMIT = 255;
export const DIVERT_TUN = 'fmip0';
export const DEFAULT_DIVERT_TABLE = 4242;
const RULE_LOCAL_PRIORITY = 1000;
const RULE_DIVERT_PRIORITY = 1001;
/** Cached Ethernet headers for deliveries (one per cell and mobile node). */
const MAX_ETHERNET_HEADERS = 4096;

/** A long-running `ip -6 -force -batch -`: each line applied as it is written (no process per change). */
export interface IpStream {
  write(line: string): void;
  /** Writes `line` and settles once ip has applied it (a marker command answers behind it). */
  apply(line: string): Promise<void>;
  close(): void;
}

export function openIpStream(onError: (text: string) => void): IpStream {
  let child: ChildProcess | null = spawn('ip', ['-6', '-force', '-batch', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting: (() => void)[] = [];
  onLines(child.stdout!, (line) => {
    // The marker: `link show dev lo` prints "1: lo: <...>" once per call, in order.
    if (/^\d+: lo:/.test(line)) waiting.shift()?.();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (t: string) => onError(t.trim()));
  child.on('error', (err) => onError(String(err)));
  child.on('exit', () => {
    for (const w of waiting.splice(0)) w();
  });
  child.stdin!.on('error', () => {});
  return {
    write(line) {
      if (child) child.stdin!.write(`${line}\n`);
    },
    apply(line) {
      if (!child) return Promise.resolve();
      const c = child;
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        c.stdin!.write(`${line}\nlink show dev lo\n`);
      });
    },
    close() {
      if (child) child.stdin!.end();
      child = null;
    },
  };
}

/** One AP interface of this router. */
export interface AccessCell {
  iface: string;
  ifindex: number;
  mac: string;
  address: string;
  prefix: string;
  prefixLength: number;
  ap: AgentAccessPoint | undefined;
}

export interface RouterIoHandlers {
  /** A Mobility Header to one of the routers' addresses, with its arrival interface (`ifindex`). */
  onMobilityHeader(input: MobilityHeaderInput & { bytes: Buffer }): void;
  onIcmp(input: Icmpv6Input, cell: AccessCell): void;
  /** A packet that the diversion table sent to the TUN, by destination. */
  onDiverted(dst: string, packet: Buffer): void;
  /** After each batch of onDiverted calls (one TUN read batch): where the machines get their packets. */
  onDivertedBatchEnd?(): void;
  /** Neighbour cache change on an AP interface (global addresses only). */
  onNeighbour(address: string, linkLayerAddress: string | null, present: boolean, cell: AccessCell): void;
}

export interface RouterIo {
  readonly cells: readonly AccessCell[];
  /** The router's address: the first AP cell's (PAR and NAR messages leave from it). */
  readonly address: string;
  sendIcmp(
    cell: AccessCell | undefined,
    src: string | undefined,
    dst: string,
    hopLimit: number,
    message: Icmpv6Message,
  ): boolean;
  /** Performs a machine's send action, counted `sent.<Type>` or `send-failed.<Type>`. */
  send(a: SendIcmpv6 | SendMobilityHeader): boolean;
  /** Route `address` into the TUN (true) or normally again (false); settles once the kernel has it. */
  divert(address: string, on: boolean): Promise<void>;
  /**
   * Sends whole IPv6 packets onto the cell holding `dst` to `mac` (hop limit decremented: we forward
   * them). Queued in order per cell and sent with one sendmmsg when the current job ends (a microtask),
   * so a TUN batch's deliveries cost one system call; returns how many were queued.
   */
  deliver(dst: string, mac: string, packets: Buffer[]): number;
  /** Re-injects packets into the kernel (routed as if forwarded), when the MN's MAC is unknown. */
  reinject(packets: Buffer[]): number;
  /** Adds or refreshes a neighbour entry (the MN announced itself with a UNA). */
  neighbour(address: string, mac: string, cell: AccessCell): void;
  /** A route for a point-to-point prefix onto a cell. */
  route(prefix: string, cell: AccessCell): void;
  cellOf(address: string): AccessCell | undefined;
  stats(): Record<string, unknown>;
}

function splitPrefix(p: string): { prefix: string; length: number } {
  const [a, l] = p.split('/');
  return { prefix: canonical(a!), length: Number(l ?? 128) };
}

export async function openRouterIo(ctx: RoleContext, handlers: RouterIoHandlers, table: number): Promise<RouterIo> {
  const { config, counters, log, native } = ctx;
  const apIfaces = config.interfaces.filter((i) => i.kind === 'ap');
  if (apIfaces.length === 0)
    throw new Error(`${ctx.configFile}: roles par/nar need an AP interface on this node (aps.<name>.router)`);
  const cells: AccessCell[] = apIfaces.map((i) => {
    const addr = i.addresses[0];
    if (!addr) throw new Error(`${ctx.configFile}: interface ${i.name} has no address`);
    const a = splitPrefix(addr);
    const ap = config.aps?.find((x) => x.router === config.node && x.routerIface === i.name);
    const pfx = ap ? splitPrefix(ap.prefix) : { prefix: a.prefix, length: a.length };
    return {
      iface: i.name,
      ifindex: native.ifNameToIndex(i.name),
      mac: i.mac,
      address: a.prefix,
      prefix: pfx.prefix,
      prefixLength: pfx.length,
      ap,
    };
  });
  const address = cells[0]!.address;
  const ip = ctx.own(
    openIpStream((t) => {
      counters.add('ip.error');
      log.warn('fmip.ip-error', { text: t });
    }),
  );

  // ICMPv6: one socket per cell, RtSolPr/PrRtAdv and NAs only (ICMP6_FILTER).
  const icmpSockets = new Map<string, Raw6Socket>();
  for (const cell of cells) {
    const sock = ctx.own(
      native.openRaw6Socket({
        protocol: 58,
        bindDevice: cell.iface,
        icmp6Types: [ICMPV6_FMIPV6, ICMPV6_NEIGHBOR_ADVERTISEMENT],
        unicastHops: ND_HOP_LIMIT,
        multicastHops: ND_HOP_LIMIT,
      }),
    );
    icmpSockets.set(cell.iface, sock);
    receiveIcmpv6(sock, { counters, onInput: (input) => handlers.onIcmp(input, cell) });
  }

  // Off-cell ICMPv6 (Echo Requests toward the other routers): a socket bound to no device, receiving nothing.
  const offCell = ctx.own(native.openRaw6Socket({ protocol: 58, icmp6Types: [] }));

  const mhIo: MobilityHeaderIo = ctx.own(
    await openMobilityHeaderIo({
      onFilterUnavailable: (reason) => log.warn('mh.filter-unavailable', { reason }),
      native,
      table: filterTableName(`${config.node}_fmip`),
      // Every interface: a reactive FBU (HAO) comes from the NAR over a core link (RFC 5568 §3.2).
      interfaces: config.interfaces.filter((i) => i.kind !== 'radio').map((i) => i.name),
      addresses: cells.map((c) => c.address),
      onBug: (err) => ctx.bug(err, 'mh-receiver'),
      onMessage: mobilityHeaderInputs({
        counters,
        countBy: 'type',
        // The raw-135 socket sees every MH to this node, not only to the routers' addresses.
        screen: (i) => (cells.some((c) => c.address === i.dst) ? null : 'address'),
        onInput: (i, received) => handlers.onMobilityHeader({ ...i, ifindex: received.ifindex }),
      }),
    }),
  );

  // The diversion: TUN + table + rules (a stale set from a killed run goes first).
  const rules = [
    `rule del priority ${RULE_LOCAL_PRIORITY}`,
    `rule del priority ${RULE_DIVERT_PRIORITY}`,
    `route flush table ${table}`,
  ];
  ipBatchForceSync(undefined, rules);
  const tun: TunDevice = native.openTun({ name: DIVERT_TUN });
  ctx.own({ close: () => ipBatchForceSync(undefined, rules) });
  ctx.own(tun);
  await run(
    undefined,
    'ip',
    ['-6', '-batch', '-'],
    `${[
      `link set dev ${tun.name} addrgenmode none`,
      `link set dev ${tun.name} up`,
      `rule add iif lo lookup main priority ${RULE_LOCAL_PRIORITY}`,
      `rule add lookup ${table} priority ${RULE_DIVERT_PRIORITY}`,
    ].join('\n')}\n`,
  );
  // Forwarded packets that still carry the PAR's own source must not loop: nothing else to do, the
  // TUN only gets what table `table` routes to it.
  tun.start(
    (packets) => {
      for (const p of packets) {
        if (p.length < 40 || p[0]! >>> 4 !== 6) {
          counters.add('divert.not-ipv6');
          continue;
        }
        const dst = bytesToIpv6(p, 24);
        handlers.onDiverted(dst, Buffer.from(p));
      }
      handlers.onDivertedBatchEnd?.();
    },
    () => counters.add('divert.tun-error'),
  );

  // Delivery onto the cells; protocol 0: send only (no frame is queued for us).
  const packetSockets = new Map<string, PacketSocket>();
  for (const cell of cells)
    packetSockets.set(cell.iface, ctx.own(native.openPacketSocket({ ifname: cell.iface, protocol: 0 })));
  const headerIncluded = ctx.own(native.openRaw6Socket({ protocol: 255, headerIncluded: true }));

  // Neighbour cache of the AP interfaces.
  const cellByIface = new Map(cells.map((c) => [c.iface, c]));
  const onNeighLine = (line: string) => {
    const m = /^(Deleted )?([0-9a-f:]+) dev (\S+)(?: lladdr ([0-9a-f:]+))?.*?(\S+)$/i.exec(line.trim());
    if (!m) return;
    const cell = cellByIface.get(m[3]!);
    const addr = m[2]!;
    if (!cell || addr.startsWith('fe80')) return;
    const deleted = !!m[1];
    const state = m[5]!;
    if (deleted) handlers.onNeighbour(canonical(addr), null, false, cell);
    else if (m[4] && state !== 'FAILED' && state !== 'INCOMPLETE')
      handlers.onNeighbour(canonical(addr), m[4], true, cell);
  };
  const monitor = spawn('ip', ['-6', '-o', 'monitor', 'neigh'], { stdio: ['ignore', 'pipe', 'ignore'] });
  monitor.on('error', () => counters.add('neigh.monitor-error'));
  onLines(monitor.stdout!, onNeighLine);
  ctx.own({ close: () => monitor.kill() });
  for (const cell of cells) {
    const text = await run(undefined, 'ip', ['-6', 'neigh', 'show', 'dev', cell.iface]).catch(() => '');
    for (const l of text.split('\n')) if (l.trim()) onNeighLine(l.replace(/^(\S+) /, `$1 dev ${cell.iface} `));
  }

  const cellOf = (a: string) => cells.find((c) => inPrefix(a, c.prefix, c.prefixLength));
  const sendIcmp: RouterIo['sendIcmp'] = (cell, src, dst, hopLimit, message) => {
    const c = cell ?? cellOf(dst) ?? (dst.startsWith('ff') ? cells[0] : undefined);
    try {
      // The kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets (RFC 3542 §3.1).
      if (!c) return offCell.send(icmpv6.encode(message), dst, { hopLimit, ...(src ? { src } : {}) });
      const sock = icmpSockets.get(c.iface)!;
      return sock.send(icmpv6.encode(message), dst, { ifindex: c.ifindex, hopLimit, ...(src ? { src } : {}) });
    } catch (err) {
      counters.add(`icmp.send-error.${(err as NodeJS.ErrnoException).code ?? 'unknown'}`);
      return false;
    }
  };
  const st = { delivered: 0, deliverFailed: 0, reinjected: 0, diversions: 0, deliveryBatches: 0 };
  // Deliveries wait here, per cell in order, until the job that made them ends.
  const pending = new Map<string, Buffer[]>();
  let flushQueued = false;
  const flush = () => {
    flushQueued = false;
    for (const [iface, frames] of pending) {
      if (!frames.length) continue;
      pending.set(iface, []);
      let n = 0;
      try {
        n = packetSockets.get(iface)!.sendMany(frames);
      } catch (err) {
        counters.add(`deliver.send-error.${(err as NodeJS.ErrnoException).code ?? 'unknown'}`);
      }
      st.deliveryBatches++;
      st.delivered += n;
      st.deliverFailed += frames.length - n;
    }
  };
  // Destination MAC + the cell's MAC + IPv6 ethertype, per (cell, MN); bounded like the neighbour tables.
  const headers = new Map<string, Buffer>();
  const ethernetHeader = (cell: AccessCell, mac: string): Buffer => {
    const key = `${cell.iface} ${mac}`;
    let eth = headers.get(key);
    if (!eth) {
      if (headers.size >= MAX_ETHERNET_HEADERS) headers.clear();
      eth = Buffer.alloc(14);
      macToBytes(mac).copy(eth, 0);
      macToBytes(cell.mac).copy(eth, 6);
      eth.writeUInt16BE(0x86dd, 12);
      headers.set(key, eth);
    }
    return eth;
  };
  return {
    cells,
    address,
    cellOf,
    sendIcmp,
    send(a) {
      if (a.kind === 'send-mh') return sendMobilityHeader(mhIo, counters, a);
      return countSent(counters, a.message.type, sendIcmp(undefined, a.src, a.dst, a.hopLimit, a.message));
    },
    divert(a, on) {
      st.diversions++;
      return ip.apply(
        on
          ? `route replace ${a}/128 dev ${tun.name} table ${table}`
          : `route del ${a}/128 dev ${tun.name} table ${table}`,
      );
    },
    deliver(dst, mac, packets) {
      const cell = cellOf(dst) ?? cells[0]!;
      const eth = ethernetHeader(cell, mac);
      let out = pending.get(cell.iface);
      if (!out) {
        out = [];
        pending.set(cell.iface, out);
      }
      let n = 0;
      for (const p of packets) {
        if (p[7]! <= 1) continue; // RFC 8200: a router does not forward a packet whose hop limit runs out
        const f = Buffer.allocUnsafe(14 + p.length);
        eth.copy(f, 0);
        p.copy(f, 14);
        f[14 + 7] = p[7]! - 1;
        out.push(f);
        n++;
      }
      st.deliverFailed += packets.length - n;
      if (n && !flushQueued) {
        flushQueued = true;
        queueMicrotask(flush);
      }
      return n;
    },
    reinject(packets) {
      let n = 0;
      for (const p of packets) {
        try {
          if (headerIncluded.send(p, bytesToIpv6(p, 24))) n++;
        } catch {
          // counted below
        }
      }
      st.reinjected += n;
      st.deliverFailed += packets.length - n;
      return n;
    },
    neighbour(a, mac, cell) {
      ip.write(`neigh replace ${a} lladdr ${mac} dev ${cell.iface} nud stale`);
    },
    route(prefix, cell) {
      ip.write(`route replace ${prefix} dev ${cell.iface}`);
    },
    stats: () => ({ ...st, mobilityHeaders: mhIo.stats(), tun: tun.stats() }),
  };
}

type RouterSend = SendIcmpv6 | SendMobilityHeader;

/** The loop's side of a PAR or NAR machine: its send actions go out here (counted), the rest to `other`. */
export function routerMachineIo<I, A extends { kind: string }>(
  io: Pick<RouterIo, 'send'>,
  other: (a: Exclude<A, RouterSend>) => void,
): MachineIo<I, A> {
  return {
    perform(a) {
      if (a.kind === 'send-icmp' || a.kind === 'send-mh') io.send(a as unknown as RouterSend);
      else other(a as Exclude<A, RouterSend>);
    },
  };
}
