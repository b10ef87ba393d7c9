// The FMIPv6 access router role (RFC 5568): a node with the role `par`, `nar` or both runs the
// PreviousAccessRouter and/or NewAccessRouter machine (par.ts, nar.ts) on one shared I/O
// (fmipv6-router-io.ts). In the shipped labs both access routers hold [par, nar]: each is the PAR
// for the MNs on its own APs and the NAR for MNs arriving from the others.
// Settings: agent.fmipv6 (fmipv6-settings.ts).
import { interfaceIdentifier } from '../../protocols/aaa/associations.js';
import { DEFAULT_PAR_LIMITS } from '../../protocols/fmipv6/index.js';
import { roleSettings, type AgentConfig } from '../config.js';
import { run } from '../dataplane/kernel.js';
import type { HandoverInitiate } from '../../wire/mh/fmipv6.js';
import { acceptKeyContext, withKeyContext } from './aaa-context.js';
import { checkFbuBadf } from './aaa-fbu.js';
import { type Nas, startNas } from './aaa-nas.js';
import { routerPeerAuthenticator, sealToPeers } from './fmipv6-peers.js';
import { bindNar, type BoundNar } from './nar.js';
import { bindPar, type BoundPar } from './par.js';
import { DEFAULT_DIVERT_TABLE, openRouterIo, type RouterIoHandlers } from './fmipv6-router-io.js';
import { fmipv6RouterSettingsSchema } from './fmipv6-settings.js';
import type { Role, RoleContext, RoleDefinition } from './role.js';

export const fmipv6RouterRole: RoleDefinition = {
  name: 'fmipv6-router',
  wanted: (config: AgentConfig) => config.roles.includes('par') || config.roles.includes('nar'),
  async start(ctx: RoleContext): Promise<Role> {
    const { config, counters } = ctx;
    const s = roleSettings(config, 'fmipv6', fmipv6RouterSettingsSchema, ctx.configFile);
    let par: BoundPar | null = null;
    let nar: BoundNar | null = null;
    const early: Parameters<RouterIoHandlers['onNeighbour']>[] = [];
    /** Global addresses on our AP cells (the served nodes, RFC 5568 §7), bounded like the PAR's table. */
    const served = new Set<string>();
    const maxServed = s.limits?.maxServedNodes ?? DEFAULT_PAR_LIMITS.maxServedNodes;
    // RFC 5568 §7: HI and HAck only from a neighbour router we share a key with (fmipv6-peers.ts).
    const peers = routerPeerAuthenticator(config, s);
    // AAA-keyed FBUs (RFC 5568 §6.4.5 with keys from RADIUS): the router is a NAS.
    const nas: Nas | null = s.aaa ? startNas(ctx, s.aaa, (node) => refuseNode(ctx, node)) : null;
    const handlers: RouterIoHandlers = {
      onMobilityHeader(input) {
        const t = input.message.type;
        if (t === 'HandoverInitiate' || t === 'HandoverAcknowledge') {
          const refused = peers.check({ src: input.src, dst: input.dst }, input.bytes, Date.now());
          if (refused) {
            counters.add(`peer-auth.${refused}.${t}`);
            ctx.log.debug('fmip.peer-refused', { type: t, src: input.src, reason: refused });
            return;
          }
        }
        if (t === 'FastBindingUpdate' && nas) {
          const refused = checkFbuBadf(nas.keys, input, ctx.clock.now());
          if (refused) {
            counters.add(`aaa.fbu-refused.${refused}`);
            ctx.log.info('aaa.fbu-refused', { src: input.src, reason: refused });
            return;
          }
          counters.add('aaa.fbu-accepted');
        }
        if (t === 'FastBindingUpdate' || t === 'HandoverAcknowledge') {
          if (par) par.running.feed([input]);
          else counters.add(`mh.no-par.${t}`);
        } else if (t === 'HandoverInitiate') {
          if (nas)
            acceptKeyContext(nas.keys, input.message as HandoverInitiate, input.src, config, ctx.clock.now(), counters);
          if (nar) nar.running.feed([input]);
          else counters.add('mh.no-nar.HandoverInitiate');
        } else counters.add(`mh.ignored.${t}`);
      },
      onIcmp(input, cell) {
        const t = input.message.type;
        if (t === 'RouterSolicitationForProxyAdvertisement') {
          if (par) par.running.feed([input]);
        } else if (t === 'NeighborAdvertisement') {
          nar?.neighborAdvertisement(input, cell);
        }
      },
      onDiverted(dst, packet) {
        if (par?.diverted(dst, packet)) return;
        if (nar?.diverted(dst, packet)) return;
        // Multicast the kernel sends on the TUN itself (MLD) is not ours to forward.
        counters.add(dst.startsWith('ff') ? 'divert.multicast' : 'divert.unclaimed');
        ctx.log.debug('fmip.divert-unclaimed', { dst, bytes: packet.length });
      },
      onDivertedBatchEnd() {
        par?.divertedBatchEnd();
        nar?.divertedBatchEnd();
      },
      onNeighbour(address, mac, present, cell) {
        if (!present) served.delete(address);
        else if (served.size < maxServed || served.has(address)) served.add(address);
        if (!par && !nar) {
          early.push([address, mac, present, cell]); // the cache dump comes before the machines exist
          return;
        }
        // RFC 5568 §7: the PAR's served nodes are the ones its access links know.
        par?.running.feed([
          present
            ? { kind: 'served-node', address, ifindex: cell.ifindex, ...(mac ? { linkLayerAddress: mac } : {}) }
            : { kind: 'served-node-gone', address },
        ]);
        // The entry a UNA created is the arriving MN's own (reactive: the UNA comes before the HI), not
        // another node holding its NCoA (RFC 5568 §6.2.2's duplicate check).
        if (!(present && nar?.announced(address)))
          nar?.running.feed([{ kind: 'neighbour', address, present, ...(mac ? { linkLayerAddress: mac } : {}) }]);
        if (mac) nar?.learn(address, mac);
      },
    };
    const sealed = sealToPeers(await openRouterIo(ctx, handlers, s.table ?? DEFAULT_DIVERT_TABLE), peers, counters);
    // The HI takes the node's key for the NAR along (aaa-context.ts), inside what the peer option covers.
    const io = nas ? withKeyContext(sealed, nas.keys, config, counters) : sealed;
    if (config.roles.includes('par')) par = bindPar(ctx, io, s, await narLinks(config));
    // A node arriving at our NAR with an address our PAR tunnels away is back: the tunnel stops.
    if (config.roles.includes('nar'))
      nar = bindNar(ctx, io, s, (ncoa) => par?.running.feed([{ kind: 'node-arrived', address: ncoa }]));
    for (const e of early.splice(0)) handlers.onNeighbour(...e);
    ctx.log.info('fmip.router-started', {
      address: io.address,
      par: !!par,
      nar: !!nar,
      cells: io.cells.map((c) => ({ iface: c.iface, prefix: `${c.prefix}/${c.prefixLength}`, ap: c.ap?.name })),
    });
    return {
      name: 'fmipv6-router',
      // A network-side handover decision (RFC 5568 §3.3), e.g. `lab.l2.trigger('ar1', 'link-going-down', 'ap2')`:
      // an unsolicited PrRtAdv (code 1) naming that AP to every node this PAR serves.
      onL2Trigger(e) {
        // Our APs' station reports (RFC 4260 §4): the PAR's cue that a node has left or come back.
        if ((e.event === 'station-left' || e.event === 'station-joined') && par) {
          par.station(e);
          return;
        }
        if (!par || e.event !== 'link-going-down' || !e.bssid) {
          counters.add(`l2.ignored.${e.event}`);
          return;
        }
        for (const mobileNode of served)
          par.running.feed([{ kind: 'network-initiated-handover', mobileNode, apId: e.bssid }]);
      },
      state: () => ({
        address: io.address,
        peers: peers.peers,
        aaa: nas?.state() ?? null,
        par: par?.state() ?? null,
        nar: nar?.state() ?? null,
        io: io.stats(),
      }),
    };
  },
};

/**
 * `aaa.withoutKey: refuse`: a node whose authentication failed sends nothing through this router; its
 * MAC (from the EUI-64 interface identifier of its link-local address, RFC 4291 App. A) is dropped in
 * the forward hook.
 */
function refuseNode(ctx: RoleContext, address: string): void {
  const iid = Buffer.from(interfaceIdentifier(address.split('%')[0]!), 'hex');
  if (iid[3] !== 0xff || iid[4] !== 0xfe) {
    ctx.counters.add('aaa.refuse-not-eui64');
    return;
  }
  const mac = [iid[0]! ^ 0x02, iid[1]!, iid[2]!, iid[5]!, iid[6]!, iid[7]!]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
  const table = `mipshop_aaa_${ctx.config.node}`;
  const script = [
    `add table inet ${table}`,
    `add chain inet ${table} forward { type filter hook forward priority -10; }`,
    `add rule inet ${table} forward ether saddr ${mac} counter drop`,
  ].join('\n');
  run(undefined, 'nft', ['-f', '-'], script).then(
    () => ctx.counters.add('aaa.refused-node'),
    () => ctx.counters.add('aaa.refuse-nft-error'),
  );
}

/** The interface toward each NAR's cell (`ip route get`): a reactive FBU through that NAR comes in on it. */
async function narLinks(config: AgentConfig): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const ap of config.aps ?? []) {
    if (ap.router === config.node || out[ap.routerAddress] !== undefined) continue;
    const text = await run(undefined, 'ip', ['-6', '-o', 'route', 'get', ap.routerAddress]).catch(() => '');
    const dev = /\bdev (\S+)/.exec(text)?.[1];
    const index = dev
      ? /^(\d+):/.exec(await run(undefined, 'ip', ['-o', 'link', 'show', 'dev', dev]).catch(() => ''))
      : null;
    if (index) out[ap.routerAddress] = Number(index[1]);
  }
  return out;
}
