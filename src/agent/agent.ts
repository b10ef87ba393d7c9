// The agent in one process: starts the roles this node needs, then the control channel (its socket
// appearing means "ready"); stops everything on shutdown. Used by main.ts and, with the fake native
// binding, by tests in-process.
import { writeFileSync } from 'node:fs';
import type { NativeBinding } from '../native/types.js';
import type { AgentConfig } from './config.js';
import { startControlServer, type AgentBugs, type AgentStatus, type ControlServer } from './control.js';
import { Counters } from './counters.js';
import type { Logger } from './log.js';
import type { LoopDelaySummary } from './loop-delay.js';
import { realClock, runMachine, type Clock, type RunningMachine } from './loop.js';
import { ALL_ROLES } from './roles/index.js';
import type { L2TriggerEvent, Role, RoleContext, RoleDefinition } from './roles/role.js';

export interface AgentDeps {
  native: NativeBinding;
  log: Logger;
  configFile?: string;
  clock?: Clock;
  random?: () => number;
  /** Role definitions to choose from (default: all of roles/index.ts). */
  roles?: readonly RoleDefinition[];
  /** The event loop's delay so far (main.ts watches the process's loop), for the status. */
  loopDelay?: () => LoopDelaySummary;
}

export interface Agent {
  status(): AgentStatus;
  l2(event: L2TriggerEvent): void;
  /** Clean shutdown: machines, sockets, control socket. Idempotent. */
  stop(reason?: string): Promise<void>;
  /** Settles when the agent has stopped: code 0 after a requested shutdown, 1 after a role crashed. */
  readonly stopped: Promise<{ code: number; reason: string }>;
}

export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
  const { native, log } = deps;
  const clock = deps.clock ?? realClock;
  const random = deps.random ?? Math.random;
  const started = clock.now();
  const controlCounters = new Counters();
  const roles: { role: Role; counters: Counters }[] = [];
  const machines: RunningMachine<unknown>[] = [];
  const owned: { close(): void }[] = [];
  let control: ControlServer | null = null;
  let stopping: Promise<void> | null = null;
  let resolveStopped!: (v: { code: number; reason: string }) => void;
  const stopped = new Promise<{ code: number; reason: string }>((r) => (resolveStopped = r));

  const fatal = (err: unknown): void => {
    log.error('agent.fatal', { err });
    void stop('fatal', 1);
  };
  // A throw from a machine or from performing its action is a bug (bad bytes are refused where they
  // are decoded): logged with its stack, counted for the lab to fail the run, and the agent goes on.
  const bugs: AgentBugs = { count: 0 };
  const bug = (err: unknown, where: string): void => {
    bugs.count++;
    bugs.first ??= { where, message: err instanceof Error ? err.message : String(err) };
    log.error('agent.bug', { where, err });
  };

  const status = (): AgentStatus => ({
    lab: config.lab,
    node: config.node,
    pid: process.pid,
    uptimeS: Math.round(clock.now() - started) / 1000,
    roles: roles.map((r) => r.role.name),
    counters: Object.fromEntries([
      ...roles.map((r) => [r.role.name, r.counters.toJSON()]),
      ['control', controlCounters.toJSON()],
    ]),
    state: Object.fromEntries(roles.map((r) => [r.role.name, safeState(r.role)])),
    bugs: { ...bugs },
    ...(deps.loopDelay ? { eventLoopDelay: deps.loopDelay() } : {}),
  });

  /**
   * The lab's L2 events go to every role, or only to the roles that own them (an MIH function that
   * drives handovers: IEEE 802.21 puts it between the link layer and its users), which hand what
   * they derive to the others through `emitL2` (`from`: the emitting role, not handed back).
   */
  const l2 = (event: L2TriggerEvent, from?: string): void => {
    const owned = from === undefined && roles.some((r) => r.role.ownsL2);
    for (const { role, counters } of roles) {
      if (!role.onL2Trigger || role.name === from || (owned && !role.ownsL2)) continue;
      counters.add(`l2.${event.event}`);
      try {
        role.onL2Trigger(event);
      } catch (err) {
        bug(err, `${role.name} l2 ${event.event}`);
      }
    }
  };

  async function stop(reason = 'shutdown', code = 0): Promise<void> {
    stopping ??= (async () => {
      log.info('agent.stopping', { reason });
      for (const m of machines.splice(0).reverse()) tryClose(() => m.stop(), log);
      for (const r of owned.splice(0).reverse()) tryClose(() => r.close(), log);
      await control?.close();
      if (config.statusFile) {
        try {
          writeFileSync(config.statusFile, `${JSON.stringify(status(), null, 2)}\n`);
        } catch (err) {
          log.warn('agent.status-file', { err, file: config.statusFile });
        }
      }
      log.info('agent.stopped', { reason, code });
      resolveStopped({ code, reason });
    })();
    return stopping;
  }

  const chosen = (deps.roles ?? ALL_ROLES).filter((d) => d.wanted(config));
  log.info('agent.starting', {
    lab: config.lab,
    node: config.node,
    nodeRoles: config.roles,
    agentRoles: chosen.map((d) => d.name),
  });
  try {
    for (const def of chosen) {
      const counters = new Counters();
      const ctx: RoleContext = {
        config,
        configFile: deps.configFile ?? '<config>',
        native,
        log: log.child({ role: def.name }),
        counters,
        clock,
        random,
        run: (machine, io) => {
          const m = runMachine(machine, io, clock, { onError: (err) => bug(err, def.name) });
          machines.push(m as RunningMachine<unknown>);
          return m;
        },
        own: (resource) => {
          owned.push(resource);
          return resource;
        },
        fatal,
        bug: (err, where) => bug(err, where ? `${def.name} ${where}` : def.name),
        emitL2: (event) => l2(event, def.name),
      };
      roles.push({ role: await def.start(ctx), counters });
    }
    control = await startControlServer(
      config.controlSocket,
      { status, l2, shutdown: () => void stop('control shutdown') },
      log,
      controlCounters,
    );
  } catch (err) {
    // Starting failed: release what was opened, then let the caller report it.
    await stop('start failed', 1);
    throw err;
  }
  log.info('agent.ready', { controlSocket: config.controlSocket });
  return { status, l2, stop: (reason) => stop(reason), stopped };
}

function safeState(role: Role): unknown {
  try {
    return role.state();
  } catch (err) {
    return { error: String(err) };
  }
}

function tryClose(fn: () => void, log: Logger): void {
  try {
    fn();
  } catch (err) {
    log.warn('agent.close-failed', { err });
  }
}
