// The mobile node's MIH function (RFC 5677): once its radio has an address (SLAAC) it discovers
// its MoS both ways, by DHCPv6 (RFC 5678) and by DNS (RFC 5679), then runs MIH service management
// with it: MIH_Capability_Discover over UDP with ACK-Req and retransmission (§6.3) where the lab marks
// the path trusted (`agent.mihf.trustedUdp`), else over TLS; MIH_Register over TLS on TCP (§6.5: TCP
// by default; no MIH ACKs on TCP; TLS: docs/mih.md, "Security"). Its state (what each way found and
// how the exchanges went) is the role's status.
import { createSocket, type RemoteInfo } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import {
  transactionKey,
  UdpTransactions,
  type UdpTransactionAction,
  type UdpTransactionInput,
} from '../../protocols/mih/udp-transactions.js';
import type { DhcpMosInfo } from '../../protocols/mih/discovery.js';
import { decodeIes, IeType, iesToNetworks } from '../../wire/mih/information.js';
import { decode, encode, type MihFrame, midOf } from '../../wire/mih/message.js';
import { MIH_PORT } from '../../wire/mih/port.js';
import { LinkType } from '../../wire/mih/types.js';
import { dhcpv6Discover, type DnsMos, dnsDiscover } from './mihf-discovery.js';
import { mihfIdOf } from '../config.js';
import { MihSession } from './mih-session.js';
import { mihSettingsSchema } from './mih-settings.js';
import { type L2TriggerEvent, type Role, type RoleDefinition, roleInterface, roleOfNode } from './role.js';

/** IE types the node asks the Information Service for (docs/mih.md, "Information Service"). */
const INFORMATION_TEMPLATE = [
  IeType.NetworkId,
  IeType.NetMobilityManagementProtocols,
  IeType.PoaLinkAddress,
  IeType.PoaSubnetInfo,
  IeType.PoaIpAddress,
];

interface MihfState {
  mihfId: string;
  phase: string;
  dhcp?: DhcpMosInfo;
  dns?: DnsMos;
  capability?: {
    mos: string;
    mosMihfId: string;
    status: number;
    transports: number[];
    events: number[];
    attempts: number;
    ackRsp: boolean;
    transport: 'udp' | 'tls';
  };
  /** The TLS connection to the MoS: the MIHF ID its certificate names. */
  tls?: { mos: string; port: number; peerMihfId: string };
  registration?: { mos: string; port: number; status: number; validTimeInterval?: number };
  /** The Information Service's answer: the networks it lists (PoA link addresses as MACs). */
  information?: {
    status: number;
    octets: number;
    networks: {
      networkId?: string;
      mobilityManagement?: number;
      poas: { linkAddress: string; prefix?: string; routerAddress?: string }[];
    }[];
  };
  /** Handovers the MIH function started (drivesHandover): the MIH messages of each, ms since the role started. */
  handovers: MihHandover[];
  error?: string;
}

/** Times: ms since the role started, and Unix ms (wall clock) for results.json (agents.<node>.mihHandovers). */
interface MihHandover {
  atMs: number;
  atUnixMs: number;
  from: string | null;
  target: string;
  messages: { message: string; to: 'local' | 'mos'; atMs: number; atUnixMs: number; tid?: number }[];
}

/** The interface's first global address, once it has one (polled: the agent has no netlink here). */
async function globalAddress(iface: string, stopped: () => boolean): Promise<string | undefined> {
  while (!stopped()) {
    const a = networkInterfaces()[iface]?.find((x) => x.family === 'IPv6' && !x.address.startsWith('fe80:'));
    if (a) return a.address;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

export const mihfRole: RoleDefinition = roleOfNode('mihf', mihSettingsSchema, async (ctx, settings): Promise<Role> => {
  const tlsFiles = ctx.config.mihTls;
  if (!tlsFiles) throw new Error(`${ctx.configFile}: the mihf role needs the lab's MIH TLS files (mihTls)`);
  const radio = roleInterface(ctx.config, undefined, 'radio') ?? roleInterface(ctx.config, undefined, 'link');
  if (!radio) throw new Error(`${ctx.configFile}: the mihf role needs a radio or a link`);
  const state: MihfState = { mihfId: mihfIdOf(ctx.config), phase: 'starting', handovers: [] };
  const c = ctx.counters;

  // UDP 4551 both ways, as RFC 5677 §9 assigns it.
  const udp = createSocket({ type: 'udp6', ipv6Only: true });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(MIH_PORT, '::', () => resolve());
  });
  let closed = false;
  ctx.own({
    close: () => {
      closed = true;
      udp.close();
    },
  });
  const waiting = new Map<string, (f: MihFrame, attempts: number) => void>();
  const attempts = new Map<string, number>();
  const failed = new Map<string, () => void>();
  const transactions = new UdpTransactions();
  const running = ctx.run<UdpTransactionInput, UdpTransactionAction>(transactions, {
    perform(a) {
      if (a.kind === 'transmit') {
        const [addr, port] = splitPeer(a.peer);
        attempts.set(a.key, a.attempt);
        udp.send(a.bytes, port, addr);
        c.add(a.attempt > 1 ? 'mih.udp.retransmitted' : 'mih.udp.sent');
      } else {
        c.add(`mih.udp.failed.${a.reason}`);
        failed.get(a.key)?.();
      }
    },
  });
  udp.on('message', (msg: Buffer, r: RemoteInfo) => {
    const d = decode(msg);
    if (!d.ok) {
      c.malformed('mih.udp', d.error);
      return;
    }
    const f = d.value;
    const [sid, , aid] = midOf(f.body);
    const key = transactionKey(sid, aid, f.transactionId, `[${r.address}]:${r.port}`);
    const w = waiting.get(key);
    if (!w) {
      c.add('mih.udp.unexpected');
      return;
    }
    running.feed([{ kind: 'answered', key }]);
    if (f.body.kind === 'ack') return; // the response follows
    waiting.delete(key);
    w(f, attempts.get(key) ?? 1);
  });

  /** A request over UDP with ACK-Req; the answer, or undefined when the transaction failed. */
  const udpRequest = (frame: MihFrame, address: string) =>
    new Promise<{ frame: MihFrame; attempts: number } | undefined>((resolve) => {
      const [sid, , aid] = midOf(frame.body);
      const peer = `[${address}]:${MIH_PORT}`;
      const key = transactionKey(sid, aid, frame.transactionId, peer);
      waiting.set(key, (f, n) => resolve({ frame: f, attempts: n }));
      failed.set(key, () => {
        waiting.delete(key);
        resolve(undefined);
      });
      running.feed([{ kind: 'send', key, bytes: encode(frame), peer }]);
    });

  let tid = Math.floor(ctx.random() * 0x800);
  const run = async () => {
    // RFC 5677 §4: with no MoS configured, discovery runs after the first IP address configuration.
    state.phase = 'waiting for an address';
    if (!(await globalAddress(radio.name, () => closed))) return;
    state.phase = 'dhcpv6';
    const dhcp = await dhcpv6Discover(radio.name, radio.mac, c, ctx.random);
    if (!dhcp) throw new Error('no DHCPv6 Reply');
    state.dhcp = dhcp;
    ctx.log.info('mihf.dhcpv6', { addresses: dhcp.addresses, domains: dhcp.domains, dnsServers: dhcp.dnsServers });
    const domain = dhcp.domains.ES?.[0];
    const dnsServer = dhcp.dnsServers[0];
    if (domain && dnsServer) {
      state.phase = 'dns';
      const dns = await dnsDiscover(dnsServer, domain, 'MIHES', c, ctx.random);
      if (dns) state.dns = dns;
      ctx.log.info('mihf.dns', { domain, server: dnsServer, result: dns ?? null });
    }
    // Service management is ES/CS traffic (RFC 5679 §1): the ES server.
    const esMos = dhcp.addresses.ES?.[0] ?? state.dns?.address;
    if (!esMos) throw new Error('neither DHCPv6 nor DNS named an ES MoS');
    // TCP (with TLS) to where DNS's SRV points, else to the DHCPv6 address (RFC 5677 §6.5: TCP by default).
    const tcpMos = state.dns?.transport === 'tcp' ? state.dns : { address: esMos, port: MIH_PORT };
    // Not yet the MoS's MIHF ID: the name DNS gave it, else its address (the response tells the ID).
    const provisional = state.dns?.address === esMos ? state.dns.target : esMos;
    const capabilityRequest = (transactionId: number): MihFrame => ({
      ackReq: settings.trustedUdp === true,
      ackRsp: false,
      transactionId,
      source: state.mihfId,
      destination: provisional,
      body: { kind: 'capability-discover-request' },
    });
    let cap: { frame: MihFrame; attempts: number; transport: 'udp' | 'tls' } | undefined;
    if (settings.trustedUdp) {
      state.phase = 'capability discover (udp)';
      const r = await udpRequest(capabilityRequest(++tid), esMos);
      if (r) cap = { ...r, transport: 'udp' };
    }
    state.phase = 'tls';
    const session = await MihSession.open(tcpMos.address, tcpMos.port, tlsFiles, {
      onProblem: (what) => c.add(`mih.tls.${what}`),
      onMessage: (f) => {
        c.add(`mih.tls.received.${f.body.kind}`);
        ctx.log.info('mih.received', { kind: f.body.kind, tid: f.transactionId });
      },
    });
    ctx.own(session);
    state.tls = { mos: tcpMos.address, port: tcpMos.port, peerMihfId: session.peerId };
    ctx.log.info('mihf.tls', state.tls);
    if (!settings.trustedUdp) {
      state.phase = 'capability discover (tls)';
      cap = { frame: await session.request(capabilityRequest(++tid)), attempts: 1, transport: 'tls' };
    }
    if (cap?.frame.body.kind !== 'capability-discover-response')
      throw new Error(`no capability discover response from ${esMos}`);
    state.capability = {
      mos: cap.transport === 'udp' ? esMos : tcpMos.address,
      mosMihfId: cap.frame.source,
      status: cap.frame.body.status,
      transports: cap.frame.body.transportList ?? [],
      events: cap.frame.body.eventList ?? [],
      attempts: cap.attempts,
      ackRsp: cap.frame.ackRsp,
      transport: cap.transport,
    };
    ctx.log.info('mihf.capability', state.capability);
    // Over UDP the MoS's ID is only claimed; the certificate proves it (docs/mih.md, "Security").
    if (cap.frame.source !== session.peerId)
      throw new Error(`the MoS answered as ${cap.frame.source} but its certificate names ${session.peerId}`);
    state.phase = 'register (tls)';
    const reg = await session.request({
      ackReq: false,
      ackRsp: false,
      transactionId: ++tid,
      source: state.mihfId,
      destination: session.peerId,
      body: {
        kind: 'register-request',
        linkIdentifiers: [{ linkType: LinkType.Ieee80211, address: { kind: 'mac', mac: radio.mac } }],
        requestCode: 0,
      },
    });
    if (reg.body.kind !== 'register-response') throw new Error(`unexpected answer to MIH_Register: ${reg.body.kind}`);
    state.registration = {
      mos: tcpMos.address,
      port: tcpMos.port,
      status: reg.body.status,
      ...(reg.body.validTimeInterval !== undefined ? { validTimeInterval: reg.body.validTimeInterval } : {}),
    };
    ctx.log.info('mihf.registered', state.registration);
    state.phase = 'registered';
    // The Information Service over TCP (RFC 5677 §6.5: IS answers may be large): the networks around,
    // their points of attachment, prefixes and routers, by IE type.
    const info = await session.request({
      ackReq: false,
      ackRsp: false,
      transactionId: ++tid,
      source: state.mihfId,
      destination: session.peerId,
      body: { kind: 'get-information-request', queries: [INFORMATION_TEMPLATE] },
    });
    if (info.body.kind !== 'get-information-response')
      throw new Error(`unexpected answer to MIH_Get_Information: ${info.body.kind}`);
    const ir = info.body.responses?.[0];
    const ies = ir ? decodeIes(ir) : undefined;
    if (ies && !ies.ok) c.add(`mih.information.malformed.${ies.error.code}`);
    const networks = ies?.ok ? iesToNetworks(ies.value) : undefined;
    state.information = {
      status: info.body.status,
      octets: ir?.length ?? 0,
      networks: networks?.ok
        ? networks.value.map((n) => ({
            ...n,
            poas: n.poas.map((p) => ({
              ...p,
              linkAddress: p.linkAddress.kind === 'mac' ? p.linkAddress.mac : 'other',
            })),
          }))
        : [],
    };
    ctx.log.info('mihf.information', state.information);
    state.phase = 'informed';
    mos = session;
  };

  // MIH drives FMIPv6 (docs/mih.md): the point of attachment the radio is on, by BSSID.
  const aps = ctx.config.aps ?? [];
  const bssidOf = (ap: string | undefined) => aps.find((a) => a.name === ap)?.bssid;
  let current = bssidOf(ctx.config.stations?.find((s) => s.node === ctx.config.node)?.ap);
  let mos: MihSession | undefined;
  const sinceStart = () => Math.round((ctx.clock.now() - started) * 1000) / 1000;
  const started = ctx.clock.now();
  const linkGoingDown = (e: L2TriggerEvent) => {
    const at = sinceStart();
    // The Information Service's points of attachment other than the current one; the first is the target.
    // Networks that list FMIPv6 (IP_MOB_MGMT bit 5) first: the handover this node can make.
    const nets = state.information?.networks ?? [];
    const fmip = nets.filter((n) => ((n.mobilityManagement ?? 0) & (1 << 5)) !== 0);
    const target = (fmip.length ? fmip : nets).flatMap((n) => n.poas).find((p) => p.linkAddress !== current);
    if (!target) {
      c.add('mih.handover.no-target');
      ctx.emitL2?.(e);
      return;
    }
    const atUnixMs = Date.now();
    const messages: MihHandover['messages'] = [
      { message: 'MIH_Link_Going_Down.indication', to: 'local', atMs: at, atUnixMs },
    ];
    // The local MIH user (FMIPv6) gets the indication with the target the IS gave.
    ctx.emitL2?.({ event: 'link-going-down', bssid: target.linkAddress });
    if (mos) {
      // And the MoS, as a remote event (reason 1: link parameters degrading).
      mos.send({
        ackReq: false,
        ackRsp: false,
        transactionId: ++tid,
        source: state.mihfId,
        destination: mos.peerId,
        body: {
          kind: 'link-going-down-indication',
          linkIdentifier: {
            linkType: LinkType.Ieee80211,
            address: { kind: 'mac', mac: radio.mac },
            ...(current ? { poa: { kind: 'mac' as const, mac: current } } : {}),
          },
          timeInterval: 100,
          reason: 1,
        },
      });
      messages.push({
        message: 'MIH_Link_Going_Down.indication',
        to: 'mos',
        atMs: sinceStart(),
        atUnixMs: Date.now(),
        tid,
      });
    }
    c.add('mih.handover.started');
    const from = current;
    current = target.linkAddress; // the move goes there; the lab does not report the new AP to the MIH function
    if (state.handovers.length >= 64) state.handovers.shift();
    state.handovers.push({ atMs: at, atUnixMs, from: from ?? null, target: target.linkAddress, messages });
    ctx.log.info('mihf.handover', { ...state.handovers.at(-1) });
  };
  run().catch((err: Error) => {
    state.error = err.message;
    c.add('mihf.failed');
    ctx.log.error('mihf.failed', { phase: state.phase, err });
  });
  return {
    name: 'mihf',
    ownsL2: settings.drivesHandover === true,
    onL2Trigger(e) {
      if (!settings.drivesHandover) return;
      if (e.event === 'link-going-down') return linkGoingDown(e);
      if (e.event === 'link-up') current = e.bssid ?? bssidOf(e.ap) ?? current;
      ctx.emitL2?.(e);
    },
    state: () => state,
  };
});

function splitPeer(peer: string): [string, number] {
  const i = peer.lastIndexOf(']:');
  return [peer.slice(1, i), Number(peer.slice(i + 2))];
}
