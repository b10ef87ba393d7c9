// Starts one mipshop-agent per node that needs one, inside the node (through the runtime), and waits
// until its control channel answers. The agent's config is written from the ResolvedNode.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentAccessPoints, agentConfigFromNode, routerPeerKeys } from './agent-config.js';
import { lastAgentErrors } from './agent-log.js';
import { sendControl } from '../agent/control-client.js';
import { controlSocketPath, labStateDir } from './names.js';
import { distEntry } from './paths.js';
import type { NodeHandle, Runtime, Subprocess } from './runtime/runtime.js';
import type { ResolvedLab, ResolvedNode } from './topology/types.js';

export interface RunningAgent {
  node: string;
  process: Subprocess;
  controlSocket: string;
  logFile: string;
}

/** A node runs an agent when it advertises prefixes, holds a protocol role, or is mobile (L2 triggers). */
export function needsAgent(node: ResolvedNode): boolean {
  if (node.routerAdvertisements.length > 0) return true;
  return node.roles.some((r) => r !== 'host' && r !== 'router');
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
  for (const node of lab.nodes.filter(needsAgent)) {
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
    });
    // It holds the RFC 4285 MN-HA keys and the routers' pair keys: readable by the agent (root) only.
    writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
    const proc = runtime.spawn(
      handle,
      [
        ...schedulingArgs(runtime.kind, node),
        process.execPath,
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
    if (runtime.kind === 'netns' && node.roles.includes('mobile-node')) raiseAutogroup(proc.pid);
    agents.push({ node: node.name, process: proc, controlSocket, logFile });
  }
  await Promise.all(agents.map((a) => waitForControl(a)));
  return agents;
}

/**
 * The agents of the network's own nodes (routers, home agents: every node but a mobile node) run at a
 * round-robin real-time priority, below the flow senders' (run.ts) and the timeline's: on a loaded
 * machine they otherwise waited on the run queue for most of each handover (docs/decisions.md).
 * Mobile nodes' agents get nice -10 (and their autogroup the same) instead: there is one per mobile
 * node, and all of them at real-time priority could take the budget the timeline needs. Docker nodes
 * lack CAP_SYS_NICE and run without either.
 */
export const NETWORK_AGENT_RT_PRIORITY = 5;
export const MOBILE_AGENT_NICE = -10;

function schedulingArgs(kind: Runtime['kind'], node: ResolvedNode): string[] {
  if (kind !== 'netns') return [];
  if (node.roles.includes('mobile-node')) return ['nice', '-n', String(MOBILE_AGENT_NICE)];
  return ['chrt', '-r', String(NETWORK_AGENT_RT_PRIORITY)];
}

/**
 * A spawned agent leads its own session, so with autogroup scheduling (sched(7)) it is alone in its
 * group and its own nice changes nothing: the group's nice is what weighs against other sessions.
 */
function raiseAutogroup(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(MOBILE_AGENT_NICE));
  } catch {
    // no autogroup scheduling on this kernel: the process's own nice (above) applies
  }
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

async function waitForControl(agent: RunningAgent, timeoutMs = 10_000): Promise<void> {
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
