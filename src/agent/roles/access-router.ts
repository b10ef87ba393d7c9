// The access router's Router Advertisements: one RouterAdvertiser machine (protocols/nd) per
// RouterAdvertisementConfig, bound to a raw ICMPv6 socket on that interface. The socket's ICMPv6
// filter passes Router Solicitations only, it joins all-routers (ff02::2) where RSs are sent, and
// sends with hop limit 255 (RFC 4861 §6.1.2: receivers drop ND messages with any other value).
import { networkInterfaces } from 'node:os';
import type { Raw6Packet } from '../../native/types.js';
import {
  ALL_ROUTERS,
  configProblems,
  parsePrefix,
  RouterAdvertiser,
  type RouterAdvertiserAction,
  type RouterAdvertiserConfig,
  type RouterAdvertiserInput,
} from '../../protocols/nd/router-advertiser.js';
import { accessRouterSettingsSchema, roleSettings, type AgentConfig } from '../config.js';
import type { MachineIo, RunningMachine } from '../loop.js';
import { decodeRouterSolicitation, encodeRouterAdvertisement } from './router-discovery-wire.js';
import type { Role, RoleContext, RoleDefinition } from './role.js';

export const ICMPV6 = 58;
export const ICMPV6_ROUTER_SOLICITATION = 133;
export const ND_HOP_LIMIT = 255;

interface Advertising {
  iface: string;
  ifindex: number;
  prefix: string;
  machine: RouterAdvertiser;
  running: RunningMachine<RouterAdvertiserInput>;
  sent: number;
  lastSentAt: number | null;
}

export const accessRouter: RoleDefinition = {
  name: 'access-router',
  wanted: (config: AgentConfig) => config.routerAdvertisements.length > 0,
  start(ctx: RoleContext): Role {
    const settings = roleSettings(ctx.config, 'access-router', accessRouterSettingsSchema, ctx.configFile);
    const cells: Advertising[] = ctx.config.routerAdvertisements.map((ra) => {
      const iface = ctx.config.interfaces.find((i) => i.name === ra.iface);
      const mac = iface?.mac ?? networkInterfaces()[ra.iface]?.[0]?.mac;
      if (!mac)
        throw new Error(`${ctx.configFile}: routerAdvertisements: no interface ${ra.iface} (and no MAC for it)`);
      const cfg: RouterAdvertiserConfig = {
        ...parsePrefix(ra.prefix),
        minIntervalMs: ra.minIntervalMs,
        maxIntervalMs: ra.maxIntervalMs,
        routerLifetimeS: ra.routerLifetimeS,
        sourceLinkLayerAddress: mac,
        ...settings,
      };
      for (const problem of configProblems(cfg)) ctx.log.warn('ra.config', { iface: ra.iface, problem });
      const machine = new RouterAdvertiser(cfg, ctx.random);
      const ifindex = ctx.native.ifNameToIndex(ra.iface);
      const cell: Advertising = {
        iface: ra.iface,
        ifindex,
        prefix: ra.prefix,
        machine,
        running: null!,
        sent: 0,
        lastSentAt: null,
      };
      cell.running = ctx.run(machine, advertiserIo(ctx, cell));
      ctx.log.info('ra.started', {
        iface: ra.iface,
        ifindex,
        prefix: ra.prefix,
        minIntervalMs: ra.minIntervalMs,
        maxIntervalMs: ra.maxIntervalMs,
      });
      return cell;
    });
    return {
      name: 'access-router',
      state: () => ({
        interfaces: cells.map((c) => {
          const now = ctx.clock.now();
          const next = c.machine.nextDeadline();
          return {
            iface: c.iface,
            prefix: c.prefix,
            sent: c.sent,
            lastSentMsAgo: c.lastSentAt === null ? null : Math.round(now - c.lastSentAt),
            nextInMs: next === null ? null : Math.max(0, Math.round(next - now)),
          };
        }),
      }),
    };
  },
};

function advertiserIo(ctx: RoleContext, cell: Advertising): MachineIo<RouterAdvertiserInput, RouterAdvertiserAction> {
  const { counters, log } = ctx;
  const sock = ctx.own(
    ctx.native.openRaw6Socket({
      protocol: ICMPV6,
      bindDevice: cell.iface,
      icmp6Types: [ICMPV6_ROUTER_SOLICITATION],
      unicastHops: ND_HOP_LIMIT,
      multicastHops: ND_HOP_LIMIT,
      joinGroups: [{ group: ALL_ROUTERS, ifindex: cell.ifindex }],
    }),
  );
  let sendErrors = 0;
  return {
    start(feed) {
      sock.start(
        (packets: Raw6Packet[]) => {
          const inputs: RouterAdvertiserInput[] = [];
          for (const p of packets) {
            if (p.ifindex !== cell.ifindex) continue; // bound to the device; belt and braces
            const rs = decodeRouterSolicitation(p.data);
            if (!rs.ok) {
              counters.malformed('rs', rs.error);
              log.debug('rs.malformed', { iface: cell.iface, src: p.src, error: rs.error });
              continue;
            }
            counters.add('rs.received');
            inputs.push({ kind: 'router-solicitation', src: p.src, hopLimit: p.hopLimit, ...rs.value });
          }
          if (inputs.length) feed(inputs);
        },
        (err) => {
          counters.add(`socket.error.${err.code ?? 'unknown'}`);
          log.warn('ra.socket-error', { iface: cell.iface, err });
        },
      );
    },
    perform(action, now) {
      if (action.kind === 'discard-solicitation') {
        counters.add(`rs.discarded.${action.reason}`);
        return;
      }
      const bytes = encodeRouterAdvertisement(action.advertisement);
      try {
        // No source given: for a link-local destination the kernel picks the interface's link-local
        // address (RFC 6724 rule 2), which RFC 4861 §4.2 requires of an RA.
        if (!sock.send(bytes, action.dst, { ifindex: cell.ifindex, hopLimit: ND_HOP_LIMIT })) {
          counters.add('ra.send-dropped');
          return;
        }
      } catch (err) {
        // E.g. EADDRNOTAVAIL while the link-local address is still tentative (DAD): count, go on.
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
        counters.add(`ra.send-error.${code}`);
        if (sendErrors++ % 100 === 0)
          log.warn('ra.send-error', { iface: cell.iface, dst: action.dst, err, count: sendErrors });
        return;
      }
      cell.sent++;
      cell.lastSentAt = now;
      counters.add(`ra.sent.${action.cause}`);
      log.debug('ra.sent', { iface: cell.iface, dst: action.dst, cause: action.cause });
    },
  };
}
