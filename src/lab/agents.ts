// Starts one mipshop-agent per node that needs one, inside the node (through the runtime), and waits
// until its control channel answers. The agent's config is written from the ResolvedNode.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  agentAccessPoints,
  agentConfigFromNode,
  agentStations,
  proxyMobilityPeerKeys,
  routerPeerKeys,
} from './agent-config.js';
import { lastAgentErrors } from './agent-log.js';
import { mihTlsMaterial } from './mih-tls.js';
import { sendControl } from '../agent/control-client.js';
import { controlSocketPath, labStateDir } from './names.js';
import { distEntry } from './paths.js';
import type { NodeHandle, Runtime, Subprocess } from './runtime/runtime.js';
import type { ResolvedLab, ResolvedNode } from './topology/types.js';
import { startTimeoutMs } from './start-timeout.js';

export interface RunningAgent {
  node: string;
  process: Subprocess;
  controlSocket: string;
  logFile: string;
}

/**
 * A node runs an agent when it advertises prefixes, holds a protocol role, or is mobile (L2 triggers).
 * A host with a radio (roles host and mobile) runs none: its kernel alone configures it, as a Proxy
 * Mobile IPv6 mobile node needs (RFC 5213 §1: no mobility software on the node).
 */
export function needsAgent(node: ResolvedNode): boolean {
  if (node.routerAdvertisements.length > 0) return true;
  if (isPlainHost(node.roles)) return false;
  return node.roles.some((r) => r !== 'host' && r !== 'router');
}

/** Roles host and mobile only: a plain host with a radio. */
export function isPlainHost(roles: readonly string[]): boolean {
  return roles.includes('host') && roles.every((r) => r === 'host' || r === 'mobile');
}

export async function startAgents(
  lab: ResolvedLab,
  runtime: Runtime,
  handles: Map<string, NodeHandle>,
  logDir: string,
): Promise<RunningAgent[]> {
  const stateDir = labStateDir(lab.name);
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const agents: RunningAgent[] = [];
  const aps = agentAccessPoints(lab);
  const peers = routerPeerKeys(aps);
  proxyMobilityPeerKeys(lab, peers, 256 + [...peers.values()].reduce((n, p) => n + p.length, 0));
  const stations = agentStations(lab);
  // OUT/tls, beside OUT/logs: the CA, the MIH nodes' certificates and the run's TLS key log.
  const mihTls = await mihTlsMaterial(lab, path.dirname(logDir));
  const spawn = (node: ResolvedNode): RunningAgent => {
    const handle = handles.get(node.name);
    if (!handle) throw new Error(`no runtime handle for node ${node.name}`);
    const controlSocket = controlSocketPath(lab.name, node.name);
    const logFile = path.join(logDir, `${node.name}-agent.log`);
    const configFile = path.join(stateDir, `${node.name}-agent.json`);
    const config = agentConfigFromNode(lab.name, node, {
      controlSocket,
      statusFile: path.join(logDir, `${node.name}-agent-status.json`),
      aps,
      routerPeers: peers.get(node.name) ?? [],
      nodes: lab.nodes,
      stations,
      mihTls: mihTls.get(node.name),
    });
    // It holds the RFC 4285 MN-HA keys and the routers' pair keys: readable by the agent (root) only.
    writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
    const proc = runtime.spawn(
      handle,
      [
        ...schedulingArgs(runtime.kind, node),
        process.execPath,
        ...AGENT_NODE_FLAGS,
        ...profileArgs(node.name),
        distEntry('agent/main.js'),
        '--config',
        configFile,
      ],
      {
        stdoutFile: logFile,
        stderrFile: logFile,
      },
    );
    const agent = { node: node.name, process: proc, controlSocket, logFile };
    agents.push(agent);
    return agent;
  };
  // The network first: a mobile node's first message (a BU with a Home Address option to its MAP or
  // home agent) met a kernel whose agent had not yet installed the filter that keeps it from answering
  // with Parameter Problem (1 of 20 hmipv6 runs). An agent's control socket opens once its roles run.
  const wanted = lab.nodes.filter(needsAgent);
  await Promise.all(wanted.filter((n) => !isMobileNode(n)).map((n) => waitForControl(spawn(n))));
  await Promise.all(wanted.filter(isMobileNode).map((n) => waitForControl(spawn(n))));
  return agents;
}

/** A node that moves: its agent starts once the network's agents are ready. */
export function isMobileNode(node: ResolvedNode): boolean {
  return node.roles.includes('mobile-node') || node.roles.includes('mobile');
}

/**
 * V8 compiles every function when its script loads instead of at its first call (docs/decisions.md,
 * "Agents compile eagerly"): an agent's handover path runs once or twice per lab, always cold. On
 * fmipv6-predictive.yaml the attach to the first packet delivered went from 8.1-16.6 ms to 4.8-7.2 ms;
 * agents start 0.1-0.2 s later and hold 2-3 MB more each.
 */
const AGENT_NODE_FLAGS = ['--no-lazy'];

/**
 * Opt-in (netns runtime): `MIPSHOP_AGENT_RT_PRIORITY=5` starts the agents of every node but a mobile
 * node under `chrt -r 5`, below the flow senders' 10 and the timeline's 49-50. With ten mobile nodes
 * it took the PAR's station-left from up to 390 ms late to 0-2 ms, but the single-node predictive lab
 * then missed its 115 ms bound more often (the applications and mobile nodes' agents wait behind it):
 * not the default (docs/decisions.md).
 */
function schedulingArgs(kind: Runtime['kind'], node: ResolvedNode): string[] {
  const priority = Number(process.env.MIPSHOP_AGENT_RT_PRIORITY);
  if (kind !== 'netns' || node.roles.includes('mobile-node') || !(priority >= 1 && priority <= 9)) return [];
  return ['chrt', '-r', String(priority)];
}

/**
 * Diagnosis only: `MIPSHOP_AGENT_CPU_PROF=DIR` writes a V8 CPU profile of each agent (or of the nodes
 * listed in `MIPSHOP_AGENT_CPU_PROF_NODES`, comma-separated) into DIR when it exits.
 */
function profileArgs(node: string): string[] {
  const dir = process.env.MIPSHOP_AGENT_CPU_PROF;
  if (!dir) return [];
  const only = process.env.MIPSHOP_AGENT_CPU_PROF_NODES?.split(',').filter(Boolean);
  if (only && !only.includes(node)) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${node}-agent.cpuprofile`];
}

async function waitForControl(agent: RunningAgent, timeoutMs = startTimeoutMs()): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let exited: number | null | undefined;
  void agent.process.exited.then((c) => (exited = c));
  let last = '';
  while (performance.now() < deadline) {
    if (exited !== undefined)
      throw new Error(`agent of ${agent.node} exited with ${exited}; see ${agent.logFile}${quoted(agent.logFile)}`);
    try {
      const r = await sendControl(agent.controlSocket, { op: 'status' }, 500);
      if (r.ok) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(
    `agent of ${agent.node} did not answer on ${agent.controlSocket} within ${timeoutMs} ms (${last}); see ${agent.logFile}${quoted(agent.logFile)}`,
  );
}

/** The agent's own words for why it failed, indented under our message. */
function quoted(logFile: string): string {
  const lines = lastAgentErrors(logFile);
  return lines.length ? `\n${lines.map((l) => `  ${l}`).join('\n')}` : '';
}

export async function stopAgents(agents: RunningAgent[]): Promise<void> {
  await Promise.all(
    agents.map(async (a) => {
      try {
        await sendControl(a.controlSocket, { op: 'shutdown' }, 1000);
      } catch {
        a.process.kill('SIGTERM');
      }
      const t = setTimeout(() => a.process.kill('SIGKILL'), 3000);
      await a.process.exited;
      clearTimeout(t);
    }),
  );
}
