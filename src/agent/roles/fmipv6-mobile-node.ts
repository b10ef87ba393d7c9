// The FMIPv6 mobile node role (RFC 5568 §3, RFC 4260): the pure FmipMobileNode machine beside the
// Mobile IPv6 mobile-node role in the same agent. That role owns the home address (TUN), the reverse
// tunnel and the BU to the home agent; this one speaks FMIPv6 only:
//   L2 triggers from the control channel (RFC 4260 over 802.11, docs/fmipv6.md):
//     new-ap-detected {ap}  (a scan found the AP)         -> RtSolPr to the PAR
//     link-going-down {ap}  (the handover decision)       -> FBU from the PCoA (predictive)
//   carrier off / on of the radio (disassociation / (re)association) -> link-down / link-up:
//     UNA on the new link, and the FBU from there when no FBack came before the detach (reactive)
//   RtSolPr, FBU and UNA leave as whole frames on the radio (AF_PACKET): they need neither the NCoA
//   on the interface nor a route through the new router yet.
//   The NCoA goes on the radio when the FBack confirms it (before the detach), so the buffered packets
//   the NAR delivers right after the UNA are accepted by the kernel.
//   The PAR's tunnel (outer source a previous router, destination the NCoA) is decapsulated here: the
//   packets inside (the home agent's tunnel to the PCoA, or plain ones) are unwrapped and handed to
//   the stack with a header-included send, so applications on the home address get them.
// Settings: agent.fmipv6 (fmipv6-settings.ts); `enabled: false` leaves the node to plain Mobile IPv6.
import { spawn } from 'node:child_process';
import { FmipMobileNode, type FmipMobileNodeAction, type FmipMobileNodeInput } from '../../protocols/fmipv6/index.js';
import { bytesToIpv6, canonical, eui64Address, inPrefix, ipv6ToBytes, macToBytes } from '../../wire/address.js';
import * as icmpv6 from '../../wire/icmpv6/header.js';
import { buildIpv6Packet } from '../../wire/packet.js';
import { roleSettings, type AgentAccessPoint, type AgentConfig } from '../config.js';
import { toMobilityHeaderToSend } from '../dataplane/actions.js';
import { run } from '../dataplane/kernel.js';
import { onLines } from '../dataplane/lines.js';
import {
  buildMobilityPacket,
  filterTableName,
  installMobilityFilters,
  openMobilityReceiver,
} from '../dataplane/mobility-header-io.js';
import { countSent, mobilityHeaderInputs, receiveIcmpv6 } from '../dataplane/mobility-io.js';
import { openTunnelEndpoint } from '../dataplane/tunnel.js';
import { Inbox, type MachineIo } from '../loop.js';
import { sealFbu, type HandoverSecurityAssociation } from '../../protocols/fmipv6/badf.js';
import type { FastBindingUpdate } from '../../wire/mh/fmipv6.js';
import { narKey } from '../../protocols/aaa/keys.js';
import { type AccessClient, startAccessClient } from './aaa-access-client.js';
import { fmipv6MobileNodeSettingsSchema } from './fmipv6-settings.js';
import { carrierFromMonitorLine } from './mobile-node-link.js';
import { type Role, type RoleContext, type RoleDefinition, roleInterface } from './role.js';

const ICMPV6_FMIPV6 = 154;
const IPPROTO_IPV6 = 41;
/** Nested tunnels unwrapped at most (PAR -> NCoA around HA -> PCoA around the packet). */
const MAX_UNWRAP = 3;

/** Whether this node runs the FMIPv6 machine: a mobile node with `agent.fmipv6` not disabled. */
export function fmipv6Enabled(config: AgentConfig): boolean {
  const s = config.agent.fmipv6;
  return (
    config.roles.includes('mobile-node') &&
    typeof s === 'object' &&
    s !== null &&
    (s as { enabled?: unknown }).enabled !== false
  );
}

/** Destination MAC of a frame we send: multicast mapping (RFC 2464 §7), else the router of the link our source is on. */
export function nextHopMac(src: string, dst: string, aps: readonly AgentAccessPoint[]): string | null {
  const d = ipv6ToBytes(dst);
  if (d[0] === 0xff) return `33:33:${[...d.subarray(12)].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
  const ap = aps.find((a) => {
    const [p, l] = a.prefix.split('/');
    return inPrefix(src, p!, Number(l ?? 64));
  });
  return ap?.routerMac ?? null;
}

/**
 * Unwraps IPv6-in-IPv6 headers (no extension headers in between) until the packet is not a tunnel:
 * the PAR's tunnel to the NCoA around the home agent's tunnel to the PCoA around the flow packet.
 */
export function unwrapTunnels(packet: Buffer, max = MAX_UNWRAP): Buffer | null {
  let p = packet;
  for (let i = 0; i < max && p.length >= 40 && p[0]! >>> 4 === 6 && p[6] === IPPROTO_IPV6; i++) {
    const inner = p.subarray(40, 40 + p.readUInt16BE(4));
    if (inner.length < 40 || inner[0]! >>> 4 !== 6 || 40 + inner.readUInt16BE(4) > inner.length) return null;
    p = inner.subarray(0, 40 + inner.readUInt16BE(4));
  }
  return p;
}

export const fmipv6MobileNodeRole: RoleDefinition = {
  name: 'fmipv6-mobile-node',
  wanted: fmipv6Enabled,
  async start(ctx: RoleContext): Promise<Role> {
    const { config, counters, log, native } = ctx;
    const s = roleSettings(config, 'fmipv6', fmipv6MobileNodeSettingsSchema, ctx.configFile);
    const mnSettings = (config.agent['mobile-node'] ?? {}) as { iface?: string };
    const radio = roleInterface(config, mnSettings.iface, 'radio');
    if (!radio) throw new Error(`${ctx.configFile}: agent.fmipv6: no radio interface on this node`);
    const aps = config.aps ?? [];
    const first = aps.find((a) => a.name === radio.ap);
    if (!first)
      throw new Error(
        `${ctx.configFile}: agent.fmipv6: the radio must start on an AP the lab lists (radio.ap), got ${radio.ap ?? 'none'}`,
      );
    const firstPrefix = first.prefix.split('/')[0]!;
    const machine = new FmipMobileNode({
      linkLayerAddress: radio.mac,
      iface: radio.name,
      router: first.routerAddress,
      careOfAddress: eui64Address(firstPrefix, radio.mac),
      apId: first.bssid,
      initialIdentifier: Math.floor(ctx.random() * 0x10000),
      initialSequence: Math.floor(ctx.random() * 0x10000),
      ...(s.fbuLifetimeS !== undefined ? { fbuLifetimeS: s.fbuLifetimeS } : {}),
      ...(s.rtSolPrTimeoutMs !== undefined ? { rtSolPrTimeoutMs: s.rtSolPrTimeoutMs } : {}),
      ...(s.rtSolPrRetries !== undefined ? { rtSolPrRetries: s.rtSolPrRetries } : {}),
      ...(s.fbuTimeoutMs !== undefined ? { fbuTimeoutMs: s.fbuTimeoutMs } : {}),
      ...(s.fbuRetries !== undefined ? { fbuRetries: s.fbuRetries } : {}),
    });
    // Access routers that may tunnel to us as PAR: every AP's router but our home agent (its tunnel is
    // the Mobile IPv6 role's business; taking its packets here too would deliver them twice).
    const homeAgent = (config.agent['mobile-node'] as { homeAgent?: string } | undefined)?.homeAgent;
    const routers = new Set(
      aps.map((a) => canonical(a.routerAddress)).filter((r) => !homeAgent || r !== canonical(homeAgent)),
    );

    const inbox = new Inbox<FmipMobileNodeInput>();

    // AAA (docs/security.md "AAA-keyed FMIPv6"): a handover key per access router, from the
    // network-access authentication at each attach; FBUs to that router carry BADF (RFC 5568 §6.4.5).
    const handoverKeys = new Map<string, HandoverSecurityAssociation>();
    let currentAp = first;
    const access: AccessClient | null = s.aaa
      ? startAccessClient(
          ctx,
          {
            iface: radio.name,
            nai: s.aaa.nai,
            password: s.aaa.password,
            tries: s.aaa.tries ?? 10,
            intervalMs: s.aaa.intervalMs ?? 300,
          },
          (router, sa) => {
            handoverKeys.set(canonical(router), sa);
            log.info('fmn.handover-key', { router, spi: sa.spi });
          },
        )
      : null;
    access?.authenticate(first.routerAddress);

    // Frames out on the radio (protocol 0: send only).
    const frames = ctx.own(native.openPacketSocket({ ifname: radio.name, protocol: 0 }));
    /** Addresses whose `ip addr add` has not returned yet (configure below). */
    const adding = new Map<string, Promise<void>>();
    const sendFrame = (packet: Buffer, src: string, dst: string, what: string): void => {
      // A frame from an address the kernel does not have yet waits for it: the UNA from the NCoA makes
      // the NAR deliver its buffer at once (RFC 5568 §6.4), and the kernel drops packets for an address
      // it does not have (docs/fmipv6.md, "Fallback from predictive").
      const pending = adding.get(canonical(src));
      if (pending !== undefined) {
        counters.add(`send-deferred.${what}`);
        void pending.then(() => sendFrame(packet, src, dst, what));
        return;
      }
      const mac = nextHopMac(src, dst, aps);
      if (!mac) {
        counters.add(`send-failed.no-next-hop.${what}`);
        return;
      }
      const eth = Buffer.alloc(14);
      macToBytes(mac).copy(eth, 0);
      macToBytes(radio.mac).copy(eth, 6);
      eth.writeUInt16BE(0x86dd, 12);
      countSent(counters, what, frames.send(Buffer.concat([eth, packet])));
    };

    // PrRtAdv in.
    const icmp = ctx.own(native.openRaw6Socket({ protocol: 58, bindDevice: radio.name, icmp6Types: [ICMPV6_FMIPV6] }));
    receiveIcmpv6(icmp, { counters, onInput: (i) => inbox.push(i) });
    // FBack in (plain MH to the PCoA on the old link, to the NCoA through the NAR's buffer): the raw-135
    // socket only; HAO/RH2 messages are the Mobile IPv6 role's.
    const mhIn = ctx.own(
      openMobilityReceiver({
        native,
        interfaces: [],
        addresses: [],
        onMessage: mobilityHeaderInputs({
          counters,
          countBy: 'type',
          // Mobile IPv6's messages: the other role's.
          screen: (i) => (i.message.type === 'FastBindingAcknowledgement' ? null : i.message.type),
          onInput: (i) => inbox.push(i),
        }),
      }),
    );

    // The PAR's tunnel to the NCoA: unwrap and hand to the stack (header-included, routed locally).
    const toStack = ctx.own(native.openRaw6Socket({ protocol: 255, headerIncluded: true }));
    const st = { decapsulated: 0, delivered: 0, rejected: 0, deliverFailed: 0 };
    const tunnel = ctx.own(
      openTunnelEndpoint({
        native,
        local: eui64Address(firstPrefix, radio.mac),
        onPacket: (inner, outerSrc) => {
          if (s.decapsulate === false) return;
          // Only a previous access router tunnels to the NCoA (RFC 5568 §3.1 step 6); the home agent's
          // tunnel is the Mobile IPv6 role's.
          if (!routers.has(outerSrc)) return;
          st.decapsulated++;
          const p = unwrapTunnels(inner);
          if (!p) {
            st.rejected++;
            return;
          }
          try {
            if (toStack.send(Buffer.from(p), bytesToIpv6(p, 24))) st.delivered++;
            else st.deliverFailed++;
          } catch {
            st.deliverFailed++;
          }
        },
      }),
    );

    // The home agent's BA to the NCoA carries a type 2 routing header, which this kernel answers with a
    // Parameter Problem unless nft drops it first (docs/dataplane.md); the Mobile IPv6 role covers its
    // care-of address once it configures it, which can be after the BA when the move was fast. We know
    // the NCoA from the FBack already: cover it from then on (the AF_PACKET receivers still see the BA).
    const filters = await installMobilityFilters({
      table: filterTableName(`${config.node}_fmn`),
      addresses: [],
      onUnavailable: (reason) => log.warn('mh.filter-unavailable', { reason }),
    });
    ctx.own({ close: () => filters.remove() });
    const configured = new Set<string>();
    const configure = (address: string, why: string) => {
      tunnel.setLocal(address);
      if (configured.has(address)) return;
      configured.add(address);
      void filters.setAddresses([address]).catch(() => counters.add('nft.error'));
      // nodad: the NAR vouched for it (HAck) or chose it; noprefixroute: the new link's routes come
      // from its RAs (the Mobile IPv6 role). An address the kernel's SLAAC formed already is fine.
      const key = canonical(address);
      const added = run(undefined, 'ip', [
        '-6',
        'addr',
        'add',
        `${address}/128`,
        'dev',
        radio.name,
        'nodad',
        'noprefixroute',
      ]).then(
        () => counters.add(`address.${why}`),
        () => counters.add(`address.exists.${why}`),
      );
      adding.set(key, added);
      void added.then(() => adding.delete(key));
    };

    let lastTarget: AgentAccessPoint | undefined;
    /** The key of the last FBU we sealed: the FBack it brings lets us derive the NAR's. */
    let lastSealed: HandoverSecurityAssociation | undefined;
    const events: unknown[] = [];
    const io: MachineIo<FmipMobileNodeInput, FmipMobileNodeAction> = {
      start: (f) => inbox.start(f),
      perform(a) {
        switch (a.kind) {
          case 'send-icmp': {
            const pkt = buildIpv6Packet({
              src: a.src,
              dst: a.dst,
              hopLimit: a.hopLimit,
              upper: { nextHeader: 58, encode: () => icmpv6.encode(a.message) },
            });
            sendFrame(pkt, a.src, a.dst, a.message.type);
            return;
          }
          case 'send-mh': {
            const sa =
              access && a.message.type === 'FastBindingUpdate' ? handoverKeys.get(canonical(a.dst)) : undefined;
            const bytes = sa ? sealFbu(a.message as FastBindingUpdate, { src: a.src, dst: a.dst }, sa) : a.bytes;
            if (sa) {
              counters.add('aaa.fbu-sealed');
              lastSealed = sa;
            }
            const pkt = buildMobilityPacket(toMobilityHeaderToSend({ ...a, bytes }));
            sendFrame(pkt, a.src, a.dst, a.message.type);
            return;
          }
          case 'configure-address':
            configure(a.address, 'attach');
            return;
          case 'mipv6-handover':
            // The Mobile IPv6 role finds the new link by its RA (solicited at carrier on) and registers
            // its SLAAC care-of address, the same EUI-64 NCoA when the NAR accepted ours.
            counters.add('mipv6-handover');
            log.info('fmn.mipv6-handover', { careOfAddress: a.careOfAddress, router: a.router, prefix: a.prefix });
            return;
          case 'event':
            counters.add(`event.${a.event.name}`);
            events.push(a.event);
            if (events.length > 50) events.shift();
            log.info(`fmn.${a.event.name}`, { ...a.event });
            // The PAR passed our key for the NAR along with its HI (aaa-context.ts): derive the same.
            if (access && a.event.name === 'fback-received' && a.event.status < 128 && lastTarget) {
              const sa = lastSealed;
              if (sa) {
                const nar = canonical(lastTarget.routerAddress);
                handoverKeys.set(nar, { spi: sa.spi, key: narKey(sa.key, nar) });
                counters.add('aaa.nar-key');
              }
            }
            // Predictive: the NCoA is confirmed before the detach; put it on the radio now.
            if (a.event.name === 'fback-received' && a.event.status < 128 && a.event.ncoa && !a.event.onNewLink)
              configure(a.event.ncoa, 'fback');
            return;
        }
      },
    };
    const running = ctx.run(machine, io);

    // Carrier: disassociation / (re)association (RFC 4260).
    const monitor = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
    monitor.on('error', () => counters.add('carrier.monitor-error'));
    ctx.own({ close: () => monitor.kill() });
    let carrier: boolean | null = null;
    onLines(monitor.stdout!, (l) => {
      const up = carrierFromMonitorLine(l, radio.name);
      if (up === null || up === carrier) return;
      carrier = up;
      counters.add(up ? 'carrier.up' : 'carrier.down');
      // A new router: authenticate there when the fast handover gave us no key for it (the FBack may
      // still come through the NAR after the attach: wait a second; the move itself is done).
      if (up && access && lastTarget && canonical(lastTarget.routerAddress) !== canonical(currentAp.routerAddress)) {
        currentAp = lastTarget;
        const router = currentAp.routerAddress;
        const t = setTimeout(() => {
          if (!handoverKeys.has(canonical(router)) && canonical(currentAp.routerAddress) === canonical(router))
            access.authenticate(router);
        }, 1000);
        ctx.own({ close: () => clearTimeout(t) });
      }
      running.feed([up ? { kind: 'link-up' } : { kind: 'link-down' }]);
      if (
        up &&
        machine.state.handover === null &&
        lastTarget &&
        canonical(machine.state.router) !== canonical(lastTarget.routerAddress)
      ) {
        // FMIPv6 had no part in this move (fallback): Mobile IPv6 handles it; tell the machine where we are.
        const t = lastTarget;
        running.feed([
          {
            kind: 'attached',
            router: t.routerAddress,
            careOfAddress: eui64Address(t.prefix.split('/')[0]!, radio.mac),
            apId: t.bssid,
          },
        ]);
      }
    });
    log.info('fmn.started', {
      iface: radio.name,
      router: first.routerAddress,
      careOfAddress: machine.state.careOfAddress,
      ap: first.name,
    });

    return {
      name: 'fmipv6-mobile-node',
      onL2Trigger(e) {
        const ap = e.ap ? aps.find((x) => x.name === e.ap) : e.bssid ? aps.find((x) => x.bssid === e.bssid) : undefined;
        const bssid = e.bssid ?? ap?.bssid;
        if (ap) lastTarget = ap;
        // Without a key for our router it would refuse the FBU: no fast handover, Mobile IPv6 moves us.
        if (
          access &&
          (e.event === 'new-ap-detected' || e.event === 'link-going-down') &&
          !handoverKeys.has(canonical(currentAp.routerAddress))
        ) {
          counters.add(`aaa.no-key.${e.event}`);
          return;
        }
        switch (e.event) {
          case 'new-ap-detected':
            if (bssid) running.feed([{ kind: 'new-ap-detected', bssid }]);
            else counters.add('l2.new-ap-detected-without-ap');
            return;
          case 'link-going-down':
            if (s.mode === 'reactive') {
              counters.add('l2.link-going-down-ignored-reactive');
              return;
            }
            running.feed([{ kind: 'link-going-down', ...(bssid ? { target: bssid } : {}) }]);
            return;
          default:
            // link-up / link-down come from the radio's carrier itself (the lab's attach / detach).
            counters.add(`l2.carrier-trigger-ignored.${e.event}`);
        }
      },
      state: () => ({
        ...machine.state,
        counters: { ...machine.counters },
        tunnel: { local: tunnel.local, ...st },
        mobilityHeaders: mhIn.stats(),
        events: events.slice(-12),
        ...(access
          ? {
              aaa: {
                attempts: access.attempts(),
                keys: [...handoverKeys].map(([router, k]) => ({ router, spi: k.spi })),
              },
            }
          : {}),
      }),
    };
  },
};
