// What a role is: the agent hands it the native binding, its config, a logger and counters; the
// role opens its sockets, builds its machines and runs them in the agent's loop. Later roles (home
// agent, mobile node, PAR/NAR, MAP, LMA/MAG) plug in the same way.
import type { NativeBinding } from '../../native/types.js';
import type { z } from 'zod';
import { type AgentConfig, type AgentInterface, type NodeRole, roleSettings } from '../config.js';
import type { L2EventName } from '../l2-triggers.js';
import type { Counters } from '../counters.js';
import type { Logger } from '../log.js';
import type { Machine } from '../../protocols/core/index.js';
import type { Clock, MachineIo, RunningMachine } from '../loop.js';

/**
 * An L2 event from the lab (architecture.md, "The layer-2 model"): a trigger for a mobile node, or an
 * AP's station-left / station-joined report to its router (RFC 4260 §4). Roles ignore what they do not use.
 */
export interface L2TriggerEvent {
  event: L2EventName;
  /** The AP it concerns (the new AP for new-ap-detected). */
  ap?: string;
  bssid?: string;
  /** The access router behind that AP, and its prefix, when the runner knows them (FMIPv6 PrRtAdv). */
  routerAddress?: string;
  prefix?: string;
  /** station-left / station-joined: the station's (mobile node's radio) MAC, lower-case colon form. */
  station?: string;
  /** When the AP saw it: ns since the Unix epoch (CLOCK_REALTIME), decimal. */
  atNs?: string;
  /** station-left: the last frame the AP sent the station (hex, from the IPv6 header, hop limit 0). */
  lastFrame?: string;
}

export interface RoleContext {
  readonly config: AgentConfig;
  /** The config file's path, for error messages. */
  readonly configFile: string;
  readonly native: NativeBinding;
  readonly log: Logger;
  /** This role's counters (reported under its name by `status`). */
  readonly counters: Counters;
  readonly clock: Clock;
  /** Uniform in [0, 1); injected so tests can fix it. */
  readonly random: () => number;
  /** Runs a machine in the agent's loop; stopped at shutdown; a throw inside it is a bug (`bug`). */
  run<I, A>(machine: Machine<I, A>, io: MachineIo<I, A>): RunningMachine<I>;
  /** Closes `resource` at shutdown (sockets, TUN devices), in reverse order of registration. */
  own<T extends { close(): void }>(resource: T): T;
  /** A role that cannot go on: the agent logs it, shuts down and exits non-zero. */
  fatal(err: unknown): void;
  /** An exception in a callback (a socket's, a timer's): logged with its stack, counted, the agent goes on. */
  bug(err: unknown, where?: string): void;
  /** Hands an L2 event to the node's other roles (an MIH function's indication to its users). */
  emitL2?(event: L2TriggerEvent): void;
}

export interface Role {
  readonly name: string;
  onL2Trigger?(event: L2TriggerEvent): void;
  /** The lab's L2 events go to this role only; the others get what it hands them with `emitL2`. */
  readonly ownsL2?: boolean;
  /** Role state for the control channel's `status` (plain JSON). */
  state(): unknown;
}

export interface RoleDefinition {
  readonly name: string;
  /** Whether this role runs for this node's config. */
  wanted(config: AgentConfig): boolean;
  start(ctx: RoleContext): Role | Promise<Role>;
}

/** The interface a role works on: the one its settings name, else the node's first of `kind`. */
export function roleInterface(config: AgentConfig, name: string | undefined, kind: AgentInterface['kind']) {
  return name ? config.interfaces.find((i) => i.name === name) : config.interfaces.find((i) => i.kind === kind);
}

/**
 * The role `name` on the nodes that hold it (the config's role list), started with its settings from
 * the config's `agent.<name>` block as `schema` reads them.
 */
export function roleOfNode<S>(
  name: NodeRole,
  schema: z.ZodType<S>,
  start: (ctx: RoleContext, settings: S) => Promise<Role>,
): RoleDefinition {
  return {
    name,
    wanted: (config) => config.roles.includes(name),
    start: (ctx) => start(ctx, roleSettings(ctx.config, name, schema, ctx.configFile)),
  };
}
