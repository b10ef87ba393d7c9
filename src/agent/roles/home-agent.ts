// The home-agent role (RFC 6275 §10): the pure HomeAgent machine (src/protocols/mipv6/home-agent.ts)
// bound to the data plane (src/agent/dataplane/, docs/dataplane.md):
//   BU in   ─ AF_PACKET (HAO, nft keeps the kernel quiet) or raw 135 (from home) ─► machine
//   BA out  ─ header-included send with a type 2 routing header (§6.4)
//   tunnel-up/down, proxy-nd-start/stop ─► home-agent-forwarding (TUN route, proxy ND, IPv6-in-IPv6)
//   dad-start ─► one NS probe on the home link (home-address-dad.ts) ─► dad-result
// Settings: agent["home-agent"] (mipv6-settings.ts). The home link is an AP interface of this node;
// the access-router role on the same node sends its RAs (with the H flag when
// agent["access-router"].homeAgent is set, RFC 6275 §7.1).
import { HomeAgent, type HomeAgentAction, type HomeAgentInput } from '../../protocols/mipv6/home-agent.js';
import { canonical, prefixOf } from '../../wire/address.js';
import { openHomeAgentForwarding } from '../dataplane/home-agent-forwarding.js';
import { filterTableName, openMobilityHeaderIo } from '../dataplane/mobility-header-io.js';
import { mobilityHeaderInputs, sendMobilityHeader } from '../dataplane/mobility-io.js';
import { Inbox, type MachineIo } from '../loop.js';
import { openHomeAddressDad, type HomeAddressDad } from './home-address-dad.js';
import { homeAgentSettingsSchema } from './mipv6-settings.js';
import { type Role, type RoleDefinition, roleInterface, roleOfNode } from './role.js';
import { SerialQueue } from './serial-queue.js';

/** Address and prefix of an "addr/len" string, the prefix with its host bits cleared. */
export function splitAddress(withLength: string): { address: string; prefix: string; prefixLength: number } {
  const [a, l] = withLength.split('/');
  const prefixLength = Number(l ?? 128);
  return { address: canonical(a!), prefix: prefixOf(a!, prefixLength), prefixLength };
}

export const homeAgentRole: RoleDefinition = roleOfNode(
  'home-agent',
  homeAgentSettingsSchema,
  async (ctx, s): Promise<Role> => {
    const { config, counters, log } = ctx;
    const homeIface = roleInterface(config, s.homeLink, 'ap');
    if (!homeIface || homeIface.addresses.length === 0) {
      throw new Error(
        `${ctx.configFile}: agent.home-agent.homeLink: no interface ${s.homeLink ?? '(an AP interface)'} with an address on this node`,
      );
    }
    const home = splitAddress(homeIface.addresses[0]!);
    const machine = new HomeAgent({
      address: home.address,
      homePrefix: home.prefix,
      homePrefixLength: home.prefixLength,
      mobileNodes: s.mobileNodes.map((m) => ({
        nai: m.nai,
        homeAddress: m.homeAddress,
        spi: m.spi,
        key: Buffer.from(m.key, 'hex'),
      })),
      // RFC 4285 timestamps are wall-clock; the machine gets monotonic time plus this offset.
      epochOffsetMs: Date.now() - ctx.clock.now(),
      ...(s.maxLifetimeS !== undefined ? { maxLifetimeS: s.maxLifetimeS } : {}),
      ...(s.replayWindowMs !== undefined ? { replayWindowMs: s.replayWindowMs } : {}),
      ...(s.requireReplayProtection !== undefined ? { requireReplayProtection: s.requireReplayProtection } : {}),
      ...(s.performDad !== undefined ? { performDad: s.performDad } : {}),
      ...(s.refreshAdviceS !== undefined ? { refreshAdviceS: s.refreshAdviceS } : {}),
      ...(s.bindingErrorIntervalMs !== undefined ? { bindingErrorIntervalMs: s.bindingErrorIntervalMs } : {}),
    });

    const forwarding = ctx.own(
      await openHomeAgentForwarding({
        native: ctx.native,
        homeAgentAddress: home.address,
        homeLink: homeIface.name,
        linkLayerAddress: homeIface.mac,
      }),
    );
    const dad: HomeAddressDad | null =
      s.performDad === false
        ? null
        : ctx.own(
            openHomeAddressDad({
              native: ctx.native,
              ifname: homeIface.name,
              mac: homeIface.mac,
              timeoutMs: s.dadTimeoutMs,
            }),
          );

    /** Care-of address of the last BU seen per home address (for the route prepared during DAD). */
    const lastCareOf = new Map<string, string>();
    const inbox = new Inbox<HomeAgentInput>();
    const input = (i: HomeAgentInput) => inbox.push(i);

    const onMessage = mobilityHeaderInputs({
      counters,
      onInput: (i) => {
        if (i.message.type === 'BindingUpdate') {
          const acoa = i.message.options.find((o) => o.type === 'AlternateCareOfAddress');
          lastCareOf.set(
            canonical(i.homeAddressOption ?? i.src),
            canonical(acoa ? acoa.alternateCareOfAddress : i.src),
          );
        }
        input(i);
      },
    });
    const mhIo = ctx.own(
      await openMobilityHeaderIo({
        onFilterUnavailable: (reason) => log.warn('mh.filter-unavailable', { reason }),
        native: ctx.native,
        table: filterTableName(`${config.node}_ha`),
        // A BU with an HAO may come in on any interface (from the core, or from the home link).
        interfaces: config.interfaces.map((i) => i.name),
        addresses: [home.address],
        onMessage,
        onBug: (err) => ctx.bug(err, 'mh-receiver'),
        onOtherPacket: (p) => {
          // RFC 6275 §9.3.1: data with a Home Address option for which we hold no binding gets a BE 1.
          if (p.homeAddress !== undefined)
            input({ kind: 'home-address-option', src: p.src, dst: p.dst, homeAddress: p.homeAddress });
        },
      }),
    );

    const queue = new SerialQueue((label, err) => {
      counters.add(`action-error.${label}`);
      log.warn('ha.action-failed', { action: label, err });
    });
    const send = (a: Extract<HomeAgentAction, { kind: 'send-mh' }>) => void sendMobilityHeader(mhIo, counters, a);
    // Actions of one handle() are collected and run together so that a BA to a home address (a
    // deregistration from home, §10.3.2) leaves after the route sending that address into the
    // tunnel is gone; otherwise the BA itself would be tunnelled to the old care-of address.
    let batch: HomeAgentAction[] = [];
    const flush = () => {
      const actions = batch;
      batch = [];
      const leaving = new Set(actions.flatMap((a) => (a.kind === 'tunnel-down' ? [a.homeAddress] : [])));
      const late: Extract<HomeAgentAction, { kind: 'send-mh' }>[] = [];
      // The route into the tunnel first: data for the home address is lost until it exists, while
      // proxy ND only serves other nodes on the home link (§10.4.1).
      const ordered = [
        ...actions.filter((a) => a.kind === 'tunnel-up'),
        ...actions.filter((a) => a.kind !== 'tunnel-up'),
      ];
      for (const a of ordered) {
        switch (a.kind) {
          case 'send-mh':
            if (a.routingType2 === undefined && leaving.has(canonical(a.dst))) late.push(a);
            else send(a);
            break;
          case 'tunnel-up':
            queue.push('tunnel-up', () => forwarding.tunnelUp(a.homeAddress, a.careOfAddress));
            break;
          case 'tunnel-down':
            queue.push('tunnel-down', () => forwarding.tunnelDown(a.homeAddress));
            break;
          case 'proxy-nd-start':
            queue.push('proxy-nd-start', () => forwarding.proxyNdStart(a.homeAddress));
            break;
          case 'proxy-nd-stop':
            queue.push('proxy-nd-stop', () => forwarding.proxyNdStop(a.homeAddress));
            break;
          case 'dad-start': {
            // DAD is the last check of a first registration (every other one passed, docs/mipv6.md): the
            // route into the tunnel is prepared while the probe runs, so data flows the moment the BA
            // leaves instead of one `ip` call later. A duplicate takes it away again.
            const coa = lastCareOf.get(canonical(a.homeAddress));
            if (coa) queue.push('tunnel-prepare', () => forwarding.tunnelUp(a.homeAddress, coa));
            if (!dad) input({ kind: 'dad-result', homeAddress: a.homeAddress, duplicate: false });
            else
              void dad.probe(a.homeAddress).then((duplicate) => {
                if (duplicate && coa) queue.push('tunnel-down', () => forwarding.tunnelDown(a.homeAddress));
                input({ kind: 'dad-result', homeAddress: a.homeAddress, duplicate });
              });
            break;
          }
          case 'event':
            counters.add(`event.${a.event.name}`);
            log.info(`ha.${a.event.name}`, { ...a.event });
            break;
        }
      }
      for (const a of late) queue.push('send-mh', () => send(a));
    };
    const io: MachineIo<HomeAgentInput, HomeAgentAction> = {
      start: (f) => inbox.start(f),
      perform(action) {
        if (batch.length === 0) queueMicrotask(flush);
        batch.push(action);
      },
    };
    ctx.run(machine, io);
    log.info('ha.started', {
      address: home.address,
      homePrefix: `${home.prefix}/${home.prefixLength}`,
      homeLink: homeIface.name,
      mobileNodes: s.mobileNodes.map((m) => m.nai),
    });

    return {
      name: 'home-agent',
      state: () => {
        const now = ctx.clock.now();
        return {
          address: home.address,
          homePrefix: `${home.prefix}/${home.prefixLength}`,
          homeLink: homeIface.name,
          bindingCache: machine.cache.entries().map((e) => ({
            homeAddress: e.homeAddress,
            careOfAddress: e.careOfAddress,
            nai: e.nai,
            sequenceNumber: e.sequenceNumber,
            lifetimeS: e.lifetimeS,
            remainingS: Math.max(0, Math.round((e.expiresAt - now) / 100) / 10),
          })),
          machine: { ...machine.counters },
          mobilityHeaders: mhIo.stats(),
          forwarding: forwarding.stats(),
          dad: dad ? { ...dad.stats } : null,
          pendingKernelActions: queue.pending,
        };
      },
    };
  },
);
