// The Lab API (testcontainers' lifecycle shape): `const lab = await Lab.up(file)`, then
// `lab.node('mn').exec([...])`, `lab.l2.detach('mn')`, `await lab.run()`, and always `await lab.down()`.
// The library installs no signal handlers: the CLI turns signals into an abort and calls down().

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { L2TriggerName } from '../agent/l2-triggers.js';
import type { AgentReport } from '../analysis/results.js';
import type { RunningAgent } from './agents.js';
import type { RunningService } from './services/index.js';
import type { RelayCounters } from './impairment/relay.js';
import { cleanupAll, cleanupLab, listLabs } from './cleanup.js';
import { claimLabName } from './net/state.js';
import { wallClockNs } from './exec.js';
import { linkIsImpaired } from './impairment/impairment.js';
import { assertNativeAddon } from './native-addon.js';
import { airNetns, controlSocketPath, labStateDir, LAB_NAME_RE } from './names.js';
import { attach, detach, isIsolated } from './net/l2.js';
import type { KernelCaps } from './kernel.js';
import type { LabNetwork } from './net/network.js';
import type { RunnableLab, RunOptions, RunResult } from './run.js';
import { ApEventSource, type ApEventRecord } from './scenario/ap-events.js';
import { startFrameWitness, type FrameWitness } from './scenario/frame-witness.js';
import { type PlanContext, planScenario, startRealtimeTimeline } from './scenario/realtime.js';
import { stationReportPlan } from './scenario/station-reports.js';
import { createRuntime, type RuntimeKind } from './runtime/index.js';
import type { ExecOptions, ExecResult, NodeHandle, Runtime, Subprocess, SpawnOptions } from './runtime/runtime.js';
import type { LoadOptions } from './topology/load.js';
import type { ResolvedLab } from './topology/types.js';
import type { Capture } from './capture/tcpdump.js';

export interface UpOptions {
  runtime?: RuntimeKind;
  /** Run under another name than the file's (two copies of one lab at once). */
  name?: string;
  /** Where pcaps, logs and results.json go; default out/<lab>. */
  outDir?: string;
  signal?: AbortSignal;
  onEvent?: (e: LabEvent) => void;
  /**
   * How impaired links are impaired: 'netem' (kernel qdiscs; fails where the kernel lacks sch_netem),
   * 'relay' (the userspace relay even where netem exists). Default: netem where the kernel has it.
   */
  impairments?: 'netem' | 'relay';
  /**
   * Start the lab's captures before the agents (for a `run` that follows): every capture point is
   * listening before any agent exists, so the agents' first messages (RAs, a mobile node's first
   * home registration) are in the pcaps. Without it `run` starts them, after the agents.
   */
  capture?: boolean;
}

export interface LabEvent {
  step: string;
  phase: 'start' | 'done';
  ms?: number;
}

/** What `up` leaves in the state directory so `down`, `exec` and `ls` work from another process. */
interface LabRecord {
  name: string;
  file: string;
  runtime: RuntimeKind;
  outDir: string;
  createdAt: string;
  lab: ResolvedLab;
}

const recordFile = (name: string) => path.join(labStateDir(name), 'lab.json');

// Loaded when first used: `ls`, `exec` and `down` by name never read YAML (zod, yaml), bring up a
// network or run traffic and analysis, and a command's start-up is part of every lab's up and down.
const loadLab = async (file: string, options?: LoadOptions) =>
  (await import('./topology/load.js')).loadLab(file, options);
const agentsModule = () => import('./agents.js');
const networkModule = () => import('./net/network.js');
const servicesModule = () => import('./services/index.js');
const captureModule = () => import('./capture/tcpdump.js');

export class LabNode {
  constructor(
    readonly name: string,
    private readonly runtime: Runtime,
    readonly handle: NodeHandle,
  ) {}
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.runtime.exec(this.handle, argv, options);
  }
  spawn(argv: string[], options?: SpawnOptions): Subprocess {
    return this.runtime.spawn(this.handle, argv, options);
  }
}

export class StartedLab implements AsyncDisposable {
  private downed = false;
  /** The APs' station-left/-joined reports that follow each applied detach/attach (RFC 4260 §4). */
  private readonly stations: ApEventSource;
  private readonly witness: FrameWitness | null;
  readonly l2: {
    detach(node: string): Promise<bigint>;
    attach(node: string, ap: string): Promise<bigint>;
    trigger(node: string, trigger: L2TriggerName | string, ap?: string): Promise<bigint>;
  };
  /** The scenario's real-time applier and witness in the air (scenario/realtime.ts); none without APs. */
  readonly timeline: RunnableLab['timeline'];
  /** Actions that follow an applied detach or attach with the same precision (an AP's station events). */
  followUps: PlanContext['followUps'];

  /** Which way the lab's impaired links are impaired: netem qdiscs (link ids) and/or the relay. */
  get impairedLinks(): { netemLinks: string[]; relay: boolean } {
    const i = this.network?.impairments;
    return { netemLinks: i?.netemLinks ?? [], relay: Boolean(i?.relay) };
  }

  constructor(
    readonly lab: ResolvedLab,
    readonly runtimeKind: RuntimeKind,
    readonly outDir: string,
    private readonly runtime: Runtime,
    private readonly handles: Map<string, NodeHandle>,
    private readonly network: LabNetwork | null,
    private agents: RunningAgent[],
    private services: RunningService[] = [],
    /** Captures started before the agents (UpOptions.capture), handed to the run by takeCaptures. */
    private captures: Capture[] = [],
  ) {
    // A scenario with APs runs on the real-time timeline (scenario/realtime.ts).
    const realtime = lab.aps.length > 0 && lab.scenario.length > 0;
    // The APs' reports of changes made by hand (lab.l2) carry the last frame the AP sent the station,
    // from a witness in the air; only the process that brought the lab up has one (Lab.open has no
    // network), and a scenario on the real-time timeline needs none (station-reports.ts).
    const radios = lab.nodes.filter((n) => n.interfaces.some((i) => i.kind === 'radio')).map((n) => n.name);
    this.witness = network && radios.length && !realtime ? startFrameWitness(lab.name, radios) : null;
    this.stations = new ApEventSource({
      lab,
      ...(this.witness ? { witness: this.witness } : {}),
      send: async (router, event) => {
        const { sendControl } = await import('../agent/control-client.js');
        const r = await sendControl(controlSocketPath(lab.name, router), { op: 'l2', ...event });
        if (!r.ok) throw new Error(`agent of ${router} refused ${event.event}: ${'error' in r ? r.error : ''}`);
      },
    });
    this.l2 = {
      detach: async (node) => {
        const { appliedNs, startedNs } = await detach(lab.name, node);
        this.stations.detached(node, appliedNs, startedNs);
        return appliedNs;
      },
      attach: async (node, ap) => {
        const { appliedNs, startedNs } = await attach(lab.name, node, ap, isIsolated(lab, ap));
        this.stations.attached(node, ap, appliedNs, startedNs);
        return appliedNs;
      },
      trigger: (node, trigger, ap) => this.trigger(node, trigger, ap),
    };
    this.timeline = realtime
      ? {
          start: () => startRealtimeTimeline(lab.name),
          plan: (events, t0MonoNs) =>
            planScenario(events, {
              lab: lab.name,
              t0MonoNs,
              socketOf: (node) => controlSocketPath(lab.name, node),
              apFields: (name) => {
                const ap = lab.aps.find((a) => a.name === name);
                return ap ? { ap: ap.name, bssid: ap.bssid, prefix: ap.prefix } : { ap: name };
              },
              isolated: (ap) => isIsolated(lab, ap),
              // A plain host's trigger goes to its serving AP's router (station-reports.ts).
              ...(this.followUps ? { followUps: this.followUps } : stationReportPlan(lab)),
            }),
        }
      : undefined;
  }

  get name(): string {
    return this.lab.name;
  }

  /** The AP reports delivered so far (each waited for), in scheduled order. */
  apEvents(): Promise<ApEventRecord[]> {
    return this.stations.records();
  }

  node(name: string): LabNode {
    const h = this.handles.get(name);
    if (!h) throw new Error(`lab ${this.name} has no node ${name} (nodes: ${[...this.handles.keys()].join(', ')})`);
    return new LabNode(name, this.runtime, h);
  }

  /**
   * Reads which AP bridge each radio's far end is on in the air, so the AP reports of changes made by
   * hand from another process (`mipshop-lab l2`) name the AP the node really leaves.
   */
  async locateRadios(): Promise<void> {
    const { nsExec } = await import('./exec.js');
    const { apBridge, radioFarEnd } = await import('./net/ifnames.js');
    const r = await nsExec(airNetns(this.name), ['ip', '-o', 'link', 'show'], { reject: false });
    for (const n of this.lab.nodes) {
      if (!n.interfaces.some((i) => i.kind === 'radio')) continue;
      const line = r.stdout
        .split('\n')
        .find((l) => l.includes(` ${radioFarEnd(n.name)}@`) || l.includes(` ${radioFarEnd(n.name)}:`));
      const master = line ? / master (\S+)/.exec(line)?.[1] : undefined;
      this.stations.locate(n.name, this.lab.aps.find((a) => apBridge(a.name) === master)?.name ?? null);
    }
  }

  /** Delivers an L2 trigger to a node's agent, with what a scan would report about the target AP. */
  private async trigger(node: string, trigger: string, apName?: string): Promise<bigint> {
    const ap = apName ? this.lab.aps.find((a) => a.name === apName) : undefined;
    if (apName && !ap) throw new Error(`lab ${this.name} has no AP ${apName}`);
    const { sendControl } = await import('../agent/control-client.js');
    const r = await sendControl(controlSocketPath(this.name, node), {
      op: 'l2',
      event: trigger as L2TriggerName,
      ...(ap ? { ap: ap.name, bssid: ap.bssid, prefix: ap.prefix } : {}),
    });
    if (!r.ok) throw new Error(`agent of ${node} refused trigger ${trigger}: ${'error' in r ? String(r.error) : ''}`);
    return wallClockNs();
  }

  /**
   * Rejects as soon as an agent exits while the lab is up (a crash): a run must not judge a lab whose
   * protocol daemons are gone. Never resolves otherwise.
   */
  agentFailure(): Promise<never> {
    return new Promise((_, reject) => {
      for (const a of this.agents) {
        void a.process.exited.then((code) => {
          if (!this.downed)
            reject(new Error(`agent of ${a.node} exited (code ${code}) during the run; see ${a.logFile}`));
        });
      }
    });
  }

  /** Each agent's bug count from its status; read by run() before the agents stop. */
  async agentReports(): Promise<Record<string, AgentReport>> {
    const { readAgentReports } = await import('./agent-reports.js');
    return readAgentReports(this.agents);
  }

  /** Runs traffic, scenario, captures and analysis (the run contract); writes results.json. */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const { runLab } = await import('./run.js');
    return runLab(this, options);
  }

  /** How the lab's impaired links draw loss: the userspace relay (keyed per flow packet), netem, or none impaired. */
  get impairmentPath(): 'relay' | 'netem' | 'none' {
    if (!this.lab.links.some(linkIsImpaired)) return 'none';
    if (this.network) return this.network.impairments.relay ? 'relay' : 'netem';
    return existsSync(path.join(labStateDir(this.name), 'relay.ready')) ? 'relay' : 'netem';
  }

  /** The relay's counters now (relay.ts RelayCounters); null when no link goes through it or this process did not start it. */
  async relayCounters(): Promise<RelayCounters | null> {
    const relay = this.network?.impairments.relay;
    return relay ? relay.counters() : null;
  }

  /** The captures started before the agents (UpOptions.capture), once; the run stops them. */
  takeCaptures(): Capture[] | null {
    if (this.captures.length === 0) return null;
    const c = this.captures;
    this.captures = [];
    return c;
  }

  /** Releases this process's hold on the lab without tearing it down (`up` then exit). */
  detach(): void {
    this.downed = true;
  }

  /** Idempotent, best effort: stops agents, removes links, namespaces, containers, state. */
  async down(): Promise<void> {
    if (this.downed) return;
    this.downed = true;
    const failures: string[] = [];
    this.witness?.close();
    if (this.captures.length) {
      const { stopCaptures } = await captureModule();
      await stopCaptures(this.captures).catch((e) => failures.push(`captures: ${(e as Error).message}`));
      this.captures = [];
    }
    if (this.agents.length) {
      const { stopAgents } = await agentsModule();
      await stopAgents(this.agents).catch((e) => failures.push(`agents: ${(e as Error).message}`));
    }
    this.agents = [];
    if (this.services.length) {
      const { stopServices } = await servicesModule();
      await stopServices(this.services).catch((e) => failures.push(`services: ${(e as Error).message}`));
    }
    this.services = [];
    if (this.network) {
      const { downNetwork } = await networkModule();
      await downNetwork(this.network).catch((e) => failures.push((e as Error).message));
    } else await Lab.downByName(this.name).catch((e) => failures.push((e as Error).message));
    if (failures.length) throw new Error(`teardown of ${this.name} had problems:\n  ${failures.join('\n  ')}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }
}

export const Lab = {
  /** A lab file resolved, as written or as one of its profiles makes it (docs/compare.md). */
  load(file: string, options?: LoadOptions): Promise<ResolvedLab> {
    return loadLab(file, options);
  },

  async up(source: string | ResolvedLab, options: UpOptions = {}): Promise<StartedLab> {
    const t = performance.now();
    let lab = typeof source === 'string' ? await loadLab(source) : source;
    if (options.name) {
      if (!LAB_NAME_RE.test(options.name)) throw new Error(`--name ${options.name}: expected ${LAB_NAME_RE}`);
      lab = { ...lab, name: options.name };
    }
    emitDone(options, 'load', t);
    const withServices = lab.nodes.filter((n) => n.services && Object.keys(n.services).length > 0);
    if (withServices.length && (options.runtime ?? 'netns') !== 'netns')
      throw new Error(
        `${lab.file}: nodes ${withServices.map((n) => n.name).join(', ')} declare services, which run on the netns runtime only (docs/mih.md)`,
      );
    // Agents and the impairment relay load the native addon; without it they would die mid-lab.
    const { needsAgent } = await agentsModule();
    if (lab.nodes.some(needsAgent) || lab.links.some(linkIsImpaired)) await assertNativeAddon();
    // One name, one lab: a second `up` of a name must fail before it touches the first one's namespaces.
    if ((await listLabs()).includes(lab.name) || !claimLabName(lab.name)) {
      throw new Error(
        existsSync(recordFile(lab.name))
          ? `lab ${lab.name} is already up (mipshop-lab down ${lab.name}, or --name to run another copy)`
          : `lab ${lab.name} is coming up in another process, or a killed run left it behind (mipshop-lab down ${lab.name})`,
      );
    }
    try {
      return await bringUp(lab, options);
    } catch (err) {
      await cleanupLab(lab.name).catch(() => undefined); // also releases the name claimed above
      throw err;
    }
  },

  /** A lab brought up by another process (`mipshop-lab up`), for exec and down. */
  async open(name: string): Promise<StartedLab> {
    const rec = readRecord(name);
    if (!rec) throw new Error(`no running lab named ${name} (see mipshop-lab ls)`);
    const runtime = await createRuntime(rec.runtime);
    const handles = new Map((await runtime.list(name)).map((h) => [h.node, h]));
    return new StartedLab(rec.lab, rec.runtime, rec.outDir, runtime, handles, null, []);
  },

  /** A lab name from a name or a lab file. */
  async nameOf(nameOrFile: string): Promise<string> {
    if (LAB_NAME_RE.test(nameOrFile) && !existsSync(nameOrFile)) return nameOrFile;
    return (await loadLab(nameOrFile)).name;
  },

  /** Tears a lab down; false when this machine had nothing of it (no namespace, state or container). */
  async downByName(name: string): Promise<boolean> {
    const known = (await listLabs()).includes(name);
    // Containers first, whatever the record says: a run killed before writing it may have made some.
    const containers = await removeContainers(name);
    await cleanupLab(name);
    return known || containers > 0;
  },

  /** Every lab this machine holds, including leftovers of killed runs. */
  async list(): Promise<{ name: string; runtime?: RuntimeKind; file?: string; nodes: string[] }[]> {
    const names = await listLabs();
    return names.map((name) => {
      const rec = readRecord(name);
      return rec
        ? { name, runtime: rec.runtime, file: rec.file, nodes: rec.lab.nodes.map((n) => n.name) }
        : { name, nodes: [] };
    });
  },

  /** Removes every lab and leftover (namespaces, processes, containers, state). */
  async downAll(): Promise<string[]> {
    const names = await listLabs();
    await removeContainers();
    await cleanupAll();
    return names;
  },
};

/** The kernel's features, with netem hidden when the relay is asked for; undefined: as probed. */
async function impairmentCaps(options: UpOptions): Promise<KernelCaps | undefined> {
  if (!options.impairments) return undefined;
  const { kernelCaps } = await import('./kernel.js');
  const { caps } = await kernelCaps();
  if (options.impairments === 'netem' && !caps.netem) {
    throw new Error('impairments: netem asked for, but this kernel has no sch_netem (mipshop-lab doctor)');
  }
  return { ...caps, netem: options.impairments === 'netem' };
}

function emitDone(options: UpOptions, step: string, since: number): void {
  options.onEvent?.({ step, phase: 'done', ms: performance.now() - since });
}

/** Runtime, network, record, agents; a step that fails undoes what the earlier ones made. */
async function bringUp(lab: ResolvedLab, options: UpOptions): Promise<StartedLab> {
  const kind = options.runtime ?? 'netns';
  const outDir = path.resolve(options.outDir ?? path.join('out', lab.name));
  mkdirSync(path.join(outDir, 'logs'), { recursive: true });
  let t = performance.now();
  const [{ startAgents, stopAgents }, { downNetwork, upNetwork }] = await Promise.all([
    agentsModule(),
    networkModule(),
  ]);
  const runtime = await createRuntime(kind, { sharedDirs: [outDir] });
  let network: LabNetwork;
  try {
    network = await upNetwork(lab, runtime, { signal: options.signal, caps: await impairmentCaps(options) });
  } catch (err) {
    // upNetwork undoes namespaces and processes; containers are the docker backend's to remove.
    if (kind === 'docker') await removeContainers(lab.name);
    throw err;
  }
  emitDone(options, `network (${lab.nodes.length} nodes, ${lab.links.length} links, ${lab.aps.length} APs)`, t);
  const record: LabRecord = {
    name: lab.name,
    file: lab.file,
    runtime: kind,
    outDir,
    createdAt: new Date().toISOString(),
    lab,
  };
  try {
    writeFileSync(recordFile(lab.name), JSON.stringify(record));
    options.signal?.throwIfAborted();
    t = performance.now();
    const { startServices, stopServices } = await servicesModule();
    // Servers first: an agent may query them as soon as it starts (MoS discovery, docs/mih.md).
    const services = await startServices(lab, runtime, network.nodes, outDir);
    if (services.length) emitDone(options, `services (${services.length})`, t);
    // The captures before the agents: startCaptures resolves only when every tcpdump has said
    // "listening on" (its packet socket is bound), and the agents start after that, so nothing an
    // agent sends, its first RA or BU included, can precede its link's capture. Started by the run
    // instead, after Lab.up, a capture raced the agents' first messages: on a loaded machine the
    // mobile node's first home registration was over before ha's capture listened.
    let captures: Capture[] = [];
    const { startCaptures, stopCaptures } = await captureModule();
    if (options.capture) {
      t = performance.now();
      try {
        captures = await startCaptures(lab.name, lab.capture, outDir);
      } catch (err) {
        await stopServices(services).catch(() => undefined);
        throw err;
      }
      emitDone(options, `captures (${captures.length})`, t);
    }
    t = performance.now();
    let agents: RunningAgent[];
    try {
      agents = await startAgents(lab, runtime, network.nodes, path.join(outDir, 'logs'));
    } catch (err) {
      await stopCaptures(captures).catch(() => undefined);
      await stopServices(services).catch(() => undefined);
      throw err;
    }
    // Ctrl-C while the agents were starting: the lab must not be left up behind a "stopping" message.
    if (options.signal?.aborted) {
      await stopAgents(agents).catch(() => undefined);
      await stopCaptures(captures).catch(() => undefined);
      await stopServices(services).catch(() => undefined);
      options.signal.throwIfAborted();
    }
    emitDone(options, `agents (${agents.length})`, t);
    return new StartedLab(lab, kind, outDir, runtime, network.nodes, network, agents, services, captures);
  } catch (err) {
    await downNetwork(network).catch(() => undefined);
    throw err;
  }
}

/** Removes a lab's containers (every lab's when absent); nothing to do without a Docker engine. */
async function removeContainers(lab?: string): Promise<number> {
  const { kernelCaps } = await import('./kernel.js');
  const { caps } = await kernelCaps();
  if (!caps.docker) return 0;
  // Most labs are netns labs: the Docker client is loaded only when the engine has some of ours.
  const { countLabContainers, removeNetnsLinks } = await import('./runtime/docker-engine.js');
  if ((await countLabContainers(lab)) === 0) {
    await removeNetnsLinks(lab);
    return 0;
  }
  const { cleanupDocker } = await import('./runtime/docker.js');
  try {
    return await cleanupDocker(lab);
  } catch (err) {
    // kernelCaps keeps "reachable" for the boot: an engine stopped since runs no container of ours,
    // and must not keep a netns lab from coming down.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT') return 0;
    throw err;
  }
}

function readRecord(name: string): LabRecord | null {
  try {
    return JSON.parse(readFileSync(recordFile(name), 'utf8')) as LabRecord;
  } catch {
    return null;
  }
}
