// The correspondent role (RFC 6275 §9): the pure Correspondent machine
// (src/protocols/mipv6/correspondent.ts) bound to the data plane:
//   HoTI / CoTI in (plain MH, raw 135) ─► machine ─► HoT / CoT out
//   BU in: AF_PACKET (Home Address option; nft keeps the kernel from answering Parameter Problem)
//   BA / BRR out: header-included with a type 2 routing header; BE out plain
//   binding-up / binding-down ─► correspondent-binding.ts: route-optimised packets both ways
//   data with a Home Address option that matches no binding ─► machine ─► Binding Error (§9.3.1)
// Settings: agent.correspondent (mipv6-settings.ts), all optional.
import { randomBytes } from 'node:crypto';
import {
  Correspondent,
  type CorrespondentAction,
  type CorrespondentInput,
} from '../../protocols/mipv6/correspondent.js';
import { canonical } from '../../wire/address.js';
import { openCorrespondentBinding } from '../dataplane/correspondent-binding.js';
import { filterTableName, openMobilityHeaderIo } from '../dataplane/mobility-header-io.js';
import { mobilityHeaderInputs, sendMobilityHeader } from '../dataplane/mobility-io.js';
import { Inbox, type MachineIo } from '../loop.js';
import { correspondentSettingsSchema } from './mipv6-settings.js';
import { type Role, type RoleDefinition, roleOfNode } from './role.js';
import { SerialQueue } from './serial-queue.js';

export const correspondentRole: RoleDefinition = roleOfNode(
  'correspondent',
  correspondentSettingsSchema,
  async (ctx, s): Promise<Role> => {
    const { config, counters, log } = ctx;
    const first = config.interfaces.flatMap((i) => i.addresses).find((a) => !a.startsWith('fe80'));
    const address = s.address ? canonical(s.address) : first ? canonical(first.split('/')[0]!) : null;
    if (!address) throw new Error(`${ctx.configFile}: agent.correspondent.address: this node has no global address`);
    const machine = new Correspondent({
      address,
      randomBytes: (n) => randomBytes(n),
      ...(s.maxLifetimeS !== undefined ? { maxLifetimeS: s.maxLifetimeS } : {}),
      ...(s.refreshRequestFraction !== undefined ? { refreshRequestFraction: s.refreshRequestFraction } : {}),
      ...(s.bindingErrorIntervalMs !== undefined ? { bindingErrorIntervalMs: s.bindingErrorIntervalMs } : {}),
      ...(s.maxBindings !== undefined ? { maxBindings: s.maxBindings } : {}),
    });

    const binding = ctx.own(await openCorrespondentBinding({ native: ctx.native }));
    const inbox = new Inbox<CorrespondentInput>();
    const input = (i: CorrespondentInput) => inbox.push(i);
    const mhIo = ctx.own(
      await openMobilityHeaderIo({
        onFilterUnavailable: (reason) => log.warn('mh.filter-unavailable', { reason }),
        native: ctx.native,
        table: filterTableName(`${config.node}_cn`),
        interfaces: config.interfaces.map((i) => i.name),
        addresses: [address],
        onMessage: mobilityHeaderInputs({ counters, onInput: input }),
        onBug: (err) => ctx.bug(err, 'mh-receiver'),
        onOtherPacket: (p) => {
          if (p.homeAddress === undefined) {
            counters.add('data.routing-header-dropped');
            return;
          }
          // §9.3.1: a bound home address from its care-of address goes to the applications; the rest
          // gets a Binding Error (the machine rate-limits it) and is dropped.
          if (binding.receive(p.packet)) return;
          counters.add('data.hao-refused');
          input({ kind: 'home-address-option', src: p.src, dst: p.dst, homeAddress: p.homeAddress });
        },
      }),
    );

    const queue = new SerialQueue((label, err) => {
      counters.add(`action-error.${label}`);
      log.warn('cn.action-failed', { action: label, err });
    });
    const io: MachineIo<CorrespondentInput, CorrespondentAction> = {
      start: (f) => inbox.start(f),
      perform(a) {
        switch (a.kind) {
          case 'send-mh':
            sendMobilityHeader(mhIo, counters, a);
            return;
          case 'binding-up':
            queue.push('binding-up', () => binding.bindingUp(a.homeAddress, a.careOfAddress));
            return;
          case 'binding-down':
            queue.push('binding-down', () => binding.bindingDown(a.homeAddress));
            return;
          case 'event':
            counters.add(`event.${a.event.name}`);
            log.info(`cn.${a.event.name}`, { ...a.event });
            return;
        }
      },
    };
    ctx.run(machine, io);
    log.info('cn.started', { address });

    return {
      name: 'correspondent',
      state: () => {
        const now = ctx.clock.now();
        return {
          address,
          bindingCache: machine.cache.entries().map((e) => ({
            homeAddress: e.homeAddress,
            careOfAddress: e.careOfAddress,
            sequenceNumber: e.sequenceNumber,
            lifetimeS: e.lifetimeS,
            remainingS: Math.max(0, Math.round((e.expiresAt - now) / 100) / 10),
          })),
          machine: { ...machine.counters },
          mobilityHeaders: mhIo.stats(),
          dataPlane: binding.stats(),
          pendingKernelActions: queue.pending,
        };
      },
    };
  },
);
