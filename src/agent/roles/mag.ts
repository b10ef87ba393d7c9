// The mag role (RFC 5213 §6): the MobileAccessGateway machine (src/protocols/pmipv6/mag.ts) bound to
//   attach / detach     the AP's station reports (onL2Trigger station-joined / station-left), the
//                       stations on its APs when the lab comes up, and RSs on the access links (§6.9.1.1)
//   PBU out / PBA in    raw 135, sealed and checked with the LMA's pair key (pmipv6-io.ts)
//   forward-up/down     the prefix tunnel to the LMA (dataplane/prefix-tunnel.ts): the node's /64 routed
//                       onto its access link, its packets from that link (rule from HNP iif link)
//                       into the TUN and through the tunnel (§6.10)
//   RAs                 unicast to the node, only its prefix (§6.7)
//   fast handovers      RFC 5949 with `fastHandover.peers`: HI / HAck with those MAGs (their pair keys),
//                       the AP's link-going-down report as the predictive trigger, fh-* actions on the
//                       prefix tunnel (forwarding between the MAGs, buffering at the new one)
// Every access link gets the one link-local and link-layer address all MAGs share (§6.8, §6.9.3),
// so the node sees the same default router on every MAG.
import type { Raw6Packet, Raw6Socket } from '../../native/types.js';
import {
  type MagAction,
  type MagInput,
  MobileAccessGateway,
  type MobileAccessGatewayConfig,
} from '../../protocols/pmipv6/mag.js';
import { bytesToMac, canonicalMac, macToBytes } from '../../wire/address.js';
import { decode as decodeIcmpv6, encode as encodeIcmpv6 } from '../../wire/icmpv6/header.js';
import { ETH_P_IPV6, ETHERNET_HEADER_LENGTH } from '../dataplane/mobility-header-io.js';
import { openPrefixTunnel, type PrefixTunnelLink } from '../dataplane/prefix-tunnel.js';
import { ipBatch } from '../dataplane/kernel.js';
import { Inbox, type MachineIo } from '../loop.js';
import { openIpStream } from './fmipv6-router-io.js';
import { openProxyMobilityIo, signallingAddress } from './pmipv6-io.js';
import { magSettingsSchema } from './pmipv6-settings.js';
import { type L2TriggerEvent, type Role, roleOfNode } from './role.js';

export const MAG_TUN = 'pmipmag0';
export const DEFAULT_MAG_TABLE = 4243;
const RULE_PRIORITY = 1100;
/** RFC 6543's reserved link-layer address for PMIPv6 MAGs, and the link-local address made from it (RFC 4291 App. A). */
export const MAG_LINK_LAYER_ADDRESS = '00:00:5e:00:52:13';
export const MAG_LINK_LOCAL_ADDRESS = 'fe80::200:5eff:fe00:5213';
const ALL_ROUTERS = 'ff02::2';
const ICMPV6_ROUTER_SOLICITATION = 133;
const ND_HOP_LIMIT = 255;
/** Router lifetime of the RAs (RFC 4861 §6.2.1 AdvDefaultLifetime upper range), s. */
const ROUTER_LIFETIME_S = 1800;

export const magRole = roleOfNode('mag', magSettingsSchema, async (ctx, s): Promise<Role> => {
  const { config, counters, log } = ctx;
  const address = signallingAddress(ctx, s.address, 'mag');
  const lma = config.routerPeers?.find((p) => p.node === s.lma);
  if (!lma) throw new Error(`${ctx.configFile}: agent.mag.lma: ${s.lma} is no LMA of this lab`);
  const stations = config.stations ?? [];
  const policy = s.mobileNodes.map((m) => {
    const st = stations.find((x) => x.node === m.node);
    if (!st) throw new Error(`${ctx.configFile}: agent.mag.mobileNodes: ${m.node} has no radio`);
    return { id: m.id, linkLayerAddress: canonicalMac(st.mac) };
  });
  const linkLocal = s.linkLocalAddress ?? MAG_LINK_LOCAL_ADDRESS;
  const linkLayer = s.linkLayerAddress ?? MAG_LINK_LAYER_ADDRESS;
  const table = s.table ?? DEFAULT_MAG_TABLE;
  const peerMags = (s.fastHandover?.peers ?? []).map((name) => {
    const p = config.routerPeers?.find((x) => x.node === name);
    if (!p) throw new Error(`${ctx.configFile}: agent.mag.fastHandover.peers: ${name} is no MAG of this lab`);
    return p;
  });
  const bufferPackets = s.fastHandover?.bufferPackets ?? 1000;
  const cells = config.interfaces.filter((i) => i.kind === 'ap');
  if (cells.length === 0) throw new Error(`${ctx.configFile}: role mag needs an AP (aps.<name>.router)`);

  // §6.8/§6.9.3: the shared addresses on every access link (the veth takes a new MAC while up).
  await ipBatch(
    undefined,
    cells.flatMap((c) => [
      `link set dev ${c.name} address ${linkLayer}`,
      `address replace ${linkLocal}/64 dev ${c.name} nodad`,
    ]),
  );
  // Downlink onto the access link with AF_PACKET, to the station's MAC from the shared one (§6.9.3).
  const packetSockets = new Map(
    cells.map((c) => [c.name, ctx.own(ctx.native.openPacketSocket({ ifname: c.name, protocol: 0 }))]),
  );
  const deliver = (packets: Buffer[], link: PrefixTunnelLink): number => {
    const sock = packetSockets.get(link.iface);
    if (!sock) return 0;
    const frames: Buffer[] = [];
    for (const p of packets) {
      if (p[7]! <= 1) continue; // RFC 8200 §3: the hop limit would run out here
      const f = Buffer.allocUnsafe(ETHERNET_HEADER_LENGTH + p.length);
      macToBytes(link.station).copy(f, 0);
      macToBytes(linkLayer).copy(f, 6);
      f.writeUInt16BE(ETH_P_IPV6, 12);
      p.copy(f, ETHERNET_HEADER_LENGTH);
      f[ETHERNET_HEADER_LENGTH + 7] = p[7]! - 1;
      frames.push(f);
    }
    return frames.length ? sock.sendMany(frames) : 0;
  };
  const tunnel = ctx.own(
    await openPrefixTunnel({
      native: ctx.native,
      side: 'mag',
      local: address,
      tunName: MAG_TUN,
      deliver,
      // Forwarding and buffering between MAGs (RFC 5949); a context-only exchange keeps nothing.
      ...(s.fastHandover && s.fastHandover.forwarding !== false
        ? {
            handover: {
              maxPackets: bufferPackets,
              maxBytes: bufferPackets * 1500,
              maxAgeMs: s.fastHandover.holdMs ?? 1000,
              replayWindowMs: 500,
            },
          }
        : {}),
    }),
  );
  const ip = ctx.own(
    openIpStream((t) => {
      counters.add('ip.error');
      log.warn('mag.ip-error', { text: t });
    }),
  );
  await ip.apply(`route replace default dev ${MAG_TUN} table ${table}`);

  const machineConfig: MobileAccessGatewayConfig = {
    address,
    lma: lma.address,
    mobileNodes: policy,
    linkLocalAddress: linkLocal,
    epochOffsetMs: Date.now() - ctx.clock.now(),
    ...(s.lifetimeS !== undefined ? { lifetimeS: s.lifetimeS } : {}),
    ...(s.raIntervalMs !== undefined ? { raIntervalMs: s.raIntervalMs } : {}),
    ...(s.fastHandover
      ? {
          fastHandover: {
            peers: peerMags.map((p) => p.address),
            ...(s.fastHandover.forwardingMs !== undefined ? { forwardingMs: s.fastHandover.forwardingMs } : {}),
            ...(s.fastHandover.holdMs !== undefined ? { holdMs: s.fastHandover.holdMs } : {}),
            ...(s.fastHandover.forwarding !== undefined ? { forwarding: s.fastHandover.forwarding } : {}),
          },
        }
      : {}),
    ...(s.transientBinding
      ? {
          transientBinding: {
            lifetimeMs: s.transientBinding.lifetimeMs,
            latePathSwitch: s.transientBinding.latePathSwitch ?? true,
          },
        }
      : {}),
  };
  const machine = new MobileAccessGateway(machineConfig);
  // A station's arrival is on the new MAG's delivery path (RFC 5949 §4.1: it delivers what it buffered,
  // then sends its PBU), and the first one runs code the process has never run: 2.3 ms for the
  // machine's handling cold, 0.2-0.6 ms warm, on this machine. Once at start, on a throwaway machine
  // of the same configuration (the digest's first use is warmed the same way, pmipv6-io.ts).
  const first = policy[0];
  if (first && cells[0])
    new MobileAccessGateway(machineConfig).handle(ctx.clock.now(), {
      kind: 'station-joined',
      station: first.linkLayerAddress,
      iface: cells[0].name,
    });
  const inbox = new Inbox<MagInput>();
  const io = await openProxyMobilityIo(ctx, {
    warmUp: true,
    role: 'mag',
    address,
    ...(s.peerAuthWindowMs !== undefined ? { peerAuthWindowMs: s.peerAuthWindowMs } : {}),
    onInput: (i) => inbox.push(i),
  });

  // Router Solicitations on each access link: an attachment trigger (§6.9.1.1) and the RA's destination.
  const sockets = new Map<string, { sock: Raw6Socket; ifindex: number }>();
  for (const c of cells) {
    const ifindex = ctx.native.ifNameToIndex(c.name);
    const sock = ctx.own(
      ctx.native.openRaw6Socket({
        protocol: 58,
        bindDevice: c.name,
        icmp6Types: [ICMPV6_ROUTER_SOLICITATION],
        unicastHops: ND_HOP_LIMIT,
        multicastHops: ND_HOP_LIMIT,
        joinGroups: [{ group: ALL_ROUTERS, ifindex }],
      }),
    );
    sockets.set(c.name, { sock, ifindex });
    sock.start(
      (packets: Raw6Packet[]) => {
        for (const p of packets) {
          const r = decodeIcmpv6(p.data);
          if (!r.ok || r.value.type !== 'RouterSolicitation' || p.hopLimit !== ND_HOP_LIMIT) {
            counters.add('rs.malformed');
            continue;
          }
          counters.add('rs.received');
          const slla = r.value.options.find((o) => o.type === 'SourceLinkLayerAddress');
          inbox.push({
            kind: 'router-solicitation',
            iface: c.name,
            src: p.src,
            ...(slla && slla.linkLayerAddress.length === 6 ? { station: bytesToMac(slla.linkLayerAddress) } : {}),
          });
        }
      },
      (err) => counters.add(`rs.socket-error.${err.code ?? 'unknown'}`),
    );
  }

  const sendRa = (a: Extract<MagAction, { kind: 'send-router-advertisement' }>) => {
    const s = sockets.get(a.iface);
    if (!s) return;
    const lifetime = Math.min(a.validLifetimeS, 0xffffffff);
    const bytes = encodeIcmpv6({
      type: 'RouterAdvertisement',
      curHopLimit: 64,
      managedAddressConfiguration: false,
      otherConfiguration: false,
      homeAgent: false,
      routerPreference: 0,
      proxy: false,
      routerLifetime: ROUTER_LIFETIME_S,
      reachableTime: 0,
      retransTimer: 0,
      options: [
        { type: 'SourceLinkLayerAddress', linkLayerAddress: macToBytes(linkLayer) },
        {
          type: 'PrefixInformation',
          prefixLength: a.prefixLength,
          onLink: true,
          autonomous: true,
          routerAddress: false,
          validLifetime: lifetime,
          preferredLifetime: lifetime,
          prefix: a.prefix,
        },
      ],
    });
    try {
      if (s.sock.send(bytes, a.dst, { ifindex: s.ifindex, src: a.src, hopLimit: ND_HOP_LIMIT }))
        counters.add('ra.sent');
      else counters.add('ra.send-dropped');
    } catch (err) {
      counters.add(`ra.send-error.${(err as NodeJS.ErrnoException).code ?? 'unknown'}`);
    }
  };

  // The node's prefix routed onto its link and its uplink rule: once per prefix (forward-up and an
  // RFC 5949 fh-deliver may both ask).
  // The node holds its uplink while it has no neighbour entry for the router and sends it all when
  // the MAG's first packet (the RA, or the NS the RA's send needs) names the router's link-layer
  // address: an RA sent before the rule is in lets that burst into the kernel before the tunnel does
  // (21 packets lost at 200/s in pmipv6-transient.yaml). The prefix's RA waits for the rule.
  const routed = new Set<string>();
  const routing = new Map<string, Promise<void>>();
  const routeUp = (p: string, iface: string) => {
    if (routed.has(p)) return;
    routed.add(p);
    ip.write(`route replace ${p} dev ${iface}`);
    const done = ip.apply(`rule add from ${p} iif ${iface} lookup ${table} priority ${RULE_PRIORITY}`);
    routing.set(p, done);
    void done.then(() => {
      if (routing.get(p) === done) routing.delete(p);
    });
  };
  const machineIo: MachineIo<MagInput, MagAction> = {
    start: (f) => inbox.start(f),
    perform(a) {
      switch (a.kind) {
        case 'send-mh':
          io.send(a);
          break;
        case 'forward-up': {
          const p = `${a.prefix}/${a.prefixLength}`;
          tunnel.bind(a.prefix, lma.address, { iface: a.iface, station: a.station });
          // The node's prefix onto its link; what it sends from there into the tunnel (no local routing, §6.10.3).
          routeUp(p, a.iface);
          break;
        }
        case 'forward-down': {
          const p = `${a.prefix}/${a.prefixLength}`;
          tunnel.unbind(a.prefix);
          if (!routed.delete(p)) break;
          ip.write(`rule del from ${p} iif ${a.iface} lookup ${table} priority ${RULE_PRIORITY}`);
          ip.write(`route del ${p} dev ${a.iface}`);
          break;
        }
        case 'fh-switch':
          tunnel.switchTo(a.prefix, a.to, {
            ...(a.atNs ? { leftAtMs: Number(BigInt(a.atNs) / 1000n) / 1000 } : {}),
            ...(a.lastFrame ? { lastFrame: Buffer.from(a.lastFrame, 'hex') } : {}),
          });
          break;
        case 'fh-buffer':
          tunnel.hold(a.prefix, a.from);
          break;
        case 'fh-deliver':
          tunnel.accept(a.prefix, a.from, { iface: a.iface, station: a.station }, a.uplink);
          routeUp(`${a.prefix}/${a.prefixLength}`, a.iface);
          break;
        case 'fh-end':
          tunnel.endPeer(a.prefix);
          break;
        case 'send-router-advertisement': {
          const pending = routing.get(`${a.prefix}/${a.prefixLength}`);
          if (pending === undefined) sendRa(a);
          else void pending.then(() => sendRa(a));
          break;
        }
        case 'event':
          counters.add(`event.${a.event.name}`);
          log.info(`mag.${a.event.name}`, { ...a.event });
          break;
      }
    },
  };
  ctx.run(machine, machineIo);

  const cellOfAp = (ap: string | undefined) =>
    config.aps?.find((x) => x.name === ap && x.router === config.node)?.routerIface;
  // The AP's association table when the lab comes up: stations already on our cells.
  for (const st of stations) {
    const iface = cellOfAp(st.ap);
    if (iface && policy.some((p) => p.linkLayerAddress === canonicalMac(st.mac)))
      inbox.push({ kind: 'station-joined', station: st.mac, iface });
  }
  log.info('mag.started', { address, lma: lma.address, linkLocal, linkLayer, cells: cells.map((c) => c.name) });

  return {
    name: 'mag',
    onL2Trigger(e: L2TriggerEvent) {
      if (!e.station) return;
      if (e.event === 'station-joined') {
        const iface = cellOfAp(e.ap);
        if (!iface) {
          counters.add('station-report.unknown-ap');
          return;
        }
        inbox.push({ kind: 'station-joined', station: e.station, iface });
      } else if (e.event === 'station-left')
        inbox.push({
          kind: 'station-left',
          station: e.station,
          ...(e.atNs ? { atNs: e.atNs } : {}),
          ...(e.lastFrame ? { lastFrame: e.lastFrame } : {}),
        });
      else if (e.event === 'link-going-down') {
        // RFC 5949 §4.1: the serving AP reports the node's link going down toward `ap`: its MAG is the peer.
        const router = config.aps?.find((x) => x.name === e.ap)?.router;
        const peer = peerMags.find((p) => p.node === router);
        if (!peer) {
          counters.add('link-going-down.no-peer-mag');
          return;
        }
        inbox.push({ kind: 'handover-imminent', station: e.station, peer: peer.address });
      }
    },
    state: () => ({
      address,
      lma: lma.address,
      linkLocal,
      bindings: machine.bindings.map((b) => ({
        mnId: b.mnId,
        station: b.station,
        iface: b.iface,
        state: b.state,
        prefix: b.prefix === undefined ? null : `${b.prefix}/${b.prefixLength}`,
        forwarding: b.forwarding,
      })),
      fastHandovers: machine.fastHandovers,
      machine: { ...machine.counters },
      tunnel: tunnel.stats(),
      mobilityHeaders: io.stats(),
    }),
  };
});
