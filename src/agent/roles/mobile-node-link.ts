// What the mobile node's machine needs from its radio, in the agent's own namespace:
// - carrier on/off (RFC 6275 §11.5.1 movement hints) and address state, from one long-running
//   `ip -o monitor link address` (netlink events, no polling);
// - Router Advertisements (a raw ICMPv6 socket passing type 134 only) and Router Solicitations
//   (RFC 4861 §6.3.7: to all-routers, hop limit 255, with our link-layer address);
// - SLAAC care-of addresses added with `ip` (optimistic, RFC 4429, when asked).
import { spawn, type ChildProcess } from 'node:child_process';
import type { NativeBinding, PacketSocket, Raw6Packet, Raw6Socket } from '../../native/types.js';
import type { MapOptionInfo } from '../../protocols/hmipv6/map-selection.js';
import type { PrefixInformation } from '../../protocols/mipv6/mobile-node.js';
import { bytesToMac, canonical, inPrefix, macToBytes } from '../../wire/address.js';
import { decode as decodeIcmpv6, encode as encodeIcmpv6 } from '../../wire/icmpv6/header.js';
import type { DecodeError } from '../../wire/result.js';
import { ipBatch, run } from '../dataplane/kernel.js';
import { onLines } from '../dataplane/lines.js';

/** MAP options kept per RA (an RA of 1500 bytes holds at most ~60; a domain has a handful of MAPs). */
export const MAX_MAP_OPTIONS = 8;

export const ICMPV6_ROUTER_ADVERTISEMENT = 134;
export const ALL_ROUTERS = 'ff02::2';

/** Modified EUI-64 interface identifier of a MAC (RFC 4291 App. A), as an address "::x:xff:fex:x". */
export function eui64InterfaceId(mac: string): string {
  const m = macToBytes(mac);
  const b = [m[0]! ^ 0x02, m[1]!, m[2]!, 0xff, 0xfe, m[3]!, m[4]!, m[5]!];
  const w = (i: number) => ((b[i]! << 8) | b[i + 1]!).toString(16);
  return `::${w(0)}:${w(2)}:${w(4)}:${w(6)}`;
}

/** Parses one `ip -o monitor link` line for `iface`: carrier up, down, or not about it (null). */
export function carrierFromMonitorLine(line: string, iface: string): boolean | null {
  const m = /^(?:Deleted )?\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>/.exec(line);
  if (!m || m[1] !== iface) return null;
  const flags = m[2]!.split(',');
  return flags.includes('LOWER_UP') && !flags.includes('NO-CARRIER');
}

export interface ReceivedRouterAdvertisement {
  router: string;
  /** The Source Link-Layer Address option's MAC, when present. */
  routerMac?: string;
  prefixes: PrefixInformation[];
  homeAgent: boolean;
  /** HMIPv6 MAP options (RFC 5380 §5), in the order received. */
  maps: MapOptionInfo[];
}

export interface RadioOptions {
  native: NativeBinding;
  iface: string;
  mac: string;
  onCarrier(up: boolean): void;
  onRouterAdvertisement(ra: ReceivedRouterAdvertisement): void;
  onMalformed(error: DecodeError | string): void;
}

export interface Radio {
  readonly ifindex: number;
  /** Current carrier, read once at open and then from the monitor. */
  readonly carrier: boolean;
  sendRouterSolicitation(): boolean;
  /**
   * Sends a whole IPv6 packet in an Ethernet frame to `router`'s MAC (learnt from its RA), without the
   * kernel's routing: right after a move the BU need not wait for the new default route. False when
   * the MAC is unknown or the send failed (the caller sends the routed way).
   */
  sendToRouter(router: string, packet: Buffer): boolean;
  /** Adds `address/len` (optimistic when asked); an address the kernel's own SLAAC made already is fine. */
  configureAddress(address: string, prefixLength: number, optimistic: boolean): Promise<void>;
  removeAddress(address: string, prefixLength: number): Promise<void>;
  /** Default route through the router of the link we are on (ahead of the kernel's RA routes, metric 1024). */
  setDefaultRouter(router: string): Promise<void>;
  /**
   * The fast part of a move, in one `ip -batch`: default route through the new router, and the old
   * link's prefix route, default route and SLAAC address gone (RFC 6275 §11.5.1: after movement the
   * old prefixes are not on-link), so the BU does not go looking for the home agent on a link we left.
   */
  enterLink(
    router: string,
    leaving: { prefix: string; prefixLength: number; router: string; address: string } | null,
  ): Promise<void>;
  /**
   * After a move (RFC 6275 §11.5.1): the old link's prefixes are no longer on-link and its router is
   * gone. Removes global addresses outside `prefix` (except `keep`) and routes learned on the radio
   * for other prefixes or through other routers, so nothing is sent to a link we left.
   */
  forgetOtherLinks(prefix: string, prefixLength: number, router: string, keep: readonly string[]): Promise<void>;
  close(): void;
}

export async function openRadio(o: RadioOptions): Promise<Radio> {
  const ifindex = o.native.ifNameToIndex(o.iface);
  const linkJson = JSON.parse(await run(undefined, 'ip', ['-j', 'link', 'show', 'dev', o.iface])) as {
    flags?: string[];
  }[];
  const flags = linkJson[0]?.flags ?? [];
  let carrier = flags.includes('LOWER_UP') && !flags.includes('NO-CARRIER');

  const sock: Raw6Socket = o.native.openRaw6Socket({
    protocol: 58,
    bindDevice: o.iface,
    icmp6Types: [ICMPV6_ROUTER_ADVERTISEMENT],
    unicastHops: 255,
    multicastHops: 255,
  });
  const routerMacs = new Map<string, string>();
  // Send-only (protocol 0 receives nothing): frames straight to the router's MAC, see sendToRouter.
  const frames: PacketSocket = o.native.openPacketSocket({ ifname: o.iface, protocol: 0 });
  sock.start(
    (packets: Raw6Packet[]) => {
      for (const p of packets) {
        // RFC 4861 §6.1.2: an RA must come from a link-local address with hop limit 255.
        if (p.hopLimit !== 255 || !p.src.startsWith('fe80:')) {
          o.onMalformed('not-on-link');
          continue;
        }
        const r = decodeIcmpv6(p.data);
        if (!r.ok) {
          o.onMalformed(r.error);
          continue;
        }
        if (r.value.type !== 'RouterAdvertisement') continue;
        const prefixes: PrefixInformation[] = [];
        let routerMac: string | undefined;
        const maps: MapOptionInfo[] = [];
        for (const opt of r.value.options) {
          if (opt.type === 'Map') {
            const { type: _, ...map } = opt;
            if (maps.length < MAX_MAP_OPTIONS) maps.push(map);
          }
          if (opt.type === 'PrefixInformation')
            prefixes.push({ prefix: opt.prefix, prefixLength: opt.prefixLength, autonomous: opt.autonomous });
          else if (opt.type === 'SourceLinkLayerAddress' && opt.linkLayerAddress.length === 6)
            routerMac = bytesToMac(opt.linkLayerAddress);
        }
        if (routerMac) routerMacs.set(p.src, routerMac);
        o.onRouterAdvertisement({
          router: p.src,
          prefixes,
          homeAgent: r.value.homeAgent,
          maps,
          ...(routerMac ? { routerMac } : {}),
        });
      }
    },
    () => {},
  );

  // Carrier changes from netlink, through iproute2 (the addon has no netlink socket).
  const monitor: ChildProcess = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
  onLines(monitor.stdout!, (line) => {
    const up = carrierFromMonitorLine(line, o.iface);
    if (up === null || up === carrier) return;
    carrier = up;
    o.onCarrier(up);
  });
  monitor.on('error', () => {});

  const rs = encodeIcmpv6({
    type: 'RouterSolicitation',
    options: [{ type: 'SourceLinkLayerAddress', linkLayerAddress: macToBytes(o.mac) }],
  });
  let defaultRouter: string | null = null;
  return {
    ifindex,
    get carrier() {
      return carrier;
    },
    sendRouterSolicitation(): boolean {
      try {
        return sock.send(rs, ALL_ROUTERS, { ifindex, hopLimit: 255 });
      } catch {
        return false; // e.g. ENETDOWN in the instant the carrier flaps; the next RA still comes
      }
    },
    sendToRouter(router, packet) {
      const mac = routerMacs.get(router);
      if (!mac) return false;
      const frame = Buffer.allocUnsafe(14 + packet.length);
      macToBytes(mac).copy(frame, 0);
      macToBytes(o.mac).copy(frame, 6);
      frame.writeUInt16BE(0x86dd, 12);
      packet.copy(frame, 14);
      try {
        return frames.send(frame);
      } catch {
        return false;
      }
    },
    async configureAddress(address, prefixLength, optimistic) {
      try {
        // Through the agent's long-lived `ip -batch` (kernel.ts): no process start on a move.
        await ipBatch(undefined, [
          `addr add ${address}/${prefixLength} dev ${o.iface}${optimistic ? ' optimistic' : ''}`,
        ]);
      } catch (err) {
        // The kernel's SLAAC (accept_ra, autoconf) may have formed the same EUI-64 address first.
        if (!/File exists|already assigned/.test(String((err as Error).message))) throw err;
      }
      if (optimistic) return;
      // RFC 4862 §5.4: usable when DAD is over (no longer tentative).
      for (let i = 0; i < 100; i++) {
        const out = JSON.parse(await run(undefined, 'ip', ['-j', '-6', 'addr', 'show', 'dev', o.iface])) as {
          addr_info?: { local: string; tentative?: boolean; dadfailed?: boolean }[];
        }[];
        const a = out[0]?.addr_info?.find((x) => x.local === address);
        if (a && !a.tentative) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${address}: still tentative after 5 s`);
    },
    async removeAddress(address, prefixLength) {
      await run(undefined, 'ip', ['-6', 'addr', 'del', `${address}/${prefixLength}`, 'dev', o.iface]).catch(
        () => undefined,
      );
    },
    async setDefaultRouter(router) {
      if (router === defaultRouter) return;
      defaultRouter = router;
      await run(undefined, 'ip', ['-6', 'route', 'replace', 'default', 'via', router, 'dev', o.iface, 'metric', '1']);
    },
    async enterLink(router, leaving) {
      defaultRouter = router;
      const lines = [`route replace default via ${router} dev ${o.iface} metric 1`];
      if (leaving) {
        lines.push(`route del ${leaving.prefix}/${leaving.prefixLength} dev ${o.iface}`);
        if (leaving.router !== router) lines.push(`route del default via ${leaving.router} dev ${o.iface} proto ra`);
        lines.push(`addr del ${leaving.address}/${leaving.prefixLength} dev ${o.iface}`);
      }
      // The agent's long-lived `ip -6 -force -batch` (kernel.ts): no process start on a move; what the
      // kernel already dropped (an expired RA route) is not an error worth stopping for.
      await ipBatch(undefined, lines).catch(() => undefined);
    },
    async forgetOtherLinks(prefix, prefixLength, router, keep) {
      const lines: string[] = [];
      const addrs = JSON.parse(
        await run(undefined, 'ip', ['-j', '-6', 'addr', 'show', 'dev', o.iface, 'scope', 'global']),
      ) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
      for (const a of addrs[0]?.addr_info ?? []) {
        // addr_info also holds entries without an address (lifetimes of the previous one, per iproute2 version).
        if (typeof a.local !== 'string' || keep.includes(canonical(a.local)) || inPrefix(a.local, prefix, prefixLength))
          continue;
        lines.push(`addr del ${a.local}/${a.prefixlen} dev ${o.iface}`);
      }
      const routes = JSON.parse(await run(undefined, 'ip', ['-j', '-6', 'route', 'show', 'dev', o.iface])) as {
        dst: string;
        gateway?: string;
        metric?: number;
      }[];
      for (const r of routes) {
        if (r.dst === 'default') {
          if (r.gateway && r.gateway !== router)
            lines.push(
              `route del default via ${r.gateway} dev ${o.iface}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`,
            );
          continue;
        }
        const [p, l] = r.dst.split('/');
        if (
          !p ||
          p.startsWith('fe80:') ||
          p.startsWith('ff') ||
          (Number(l) === prefixLength && inPrefix(p, prefix, prefixLength))
        )
          continue;
        if (keep.some((k) => r.dst === k || r.dst === `${k}/128`)) continue;
        lines.push(`route del ${r.dst} dev ${o.iface}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`);
      }
      if (lines.length)
        await run(undefined, 'ip', ['-6', '-force', '-batch', '-'], `${lines.join('\n')}\n`).catch(() => undefined);
    },
    close(): void {
      monitor.kill();
      sock.close();
      frames.close();
      try {
        // The route would outlive us otherwise (the address and RA routes belong to the kernel's SLAAC).
        if (defaultRouter)
          void run(undefined, 'ip', [
            '-6',
            'route',
            'del',
            'default',
            'via',
            defaultRouter,
            'dev',
            o.iface,
            'metric',
            '1',
          ]).catch(() => undefined);
      } catch {
        // teardown
      }
    },
  };
}
