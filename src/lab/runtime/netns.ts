// The netns backend: a node is a named network namespace (/run/netns/mlab-<lab>-<node>), its
// processes run through `ip netns exec`, each in its own process group with its pid recorded in the
// lab's state directory so that a killed run can be cleaned up (cleanup.ts).
import { spawn as spawnChild } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { ipBatch, nsExec, run } from '../exec.js';
import { labStateDir, nodeNetns, parseNetns } from '../names.js';
import { namespaceSysctls } from '../net/node-config.js';
import { applyOps, type NetOp } from '../net/ops.js';
import { killAll, killProcessGroup, pidsInNamespaces } from '../net/kill.js';
import {
  forgetNamespaces,
  forgetProcess,
  isSameProcess,
  listProcesses,
  recordNamespaces,
  recordProcess,
} from '../net/state.js';
import type { ResolvedNode } from '../topology/types.js';
import type { ExecOptions, ExecResult, NodeHandle, Runtime, SpawnOptions, Subprocess } from './runtime.js';

export function netnsHandle(lab: string, node: string): NodeHandle {
  const netns = nodeNetns(lab, node);
  return { lab, node, netns, netnsPath: `/run/netns/${netns}` };
}

/** Names under /run/netns (`ip netns list` prints "name (id: N)"). */
export async function listNetns(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.length > 0);
}

export class NetnsRuntime implements Runtime {
  readonly kind = 'netns' as const;

  async createNode(lab: string, node: ResolvedNode, signal?: AbortSignal): Promise<NodeHandle> {
    const [h] = await this.createNodes(lab, [node], signal);
    return h as NodeHandle;
  }

  /**
   * Many nodes at once: one `ip -batch` adds every namespace; then, unless `bare` (net/network.ts
   * applies sysctls together with the rest of each namespace's setup), one script per namespace sets
   * loopback up and the sysctls (net/ops.ts).
   * Equivalent to, per node: ip netns add NS; ip -n NS link set lo up; ip netns exec NS sysctl -w ...
   */
  async createNodes(
    lab: string,
    nodes: readonly ResolvedNode[],
    signal?: AbortSignal,
    options: { bare?: boolean } = {},
  ): Promise<NodeHandle[]> {
    signal?.throwIfAborted();
    const handles = nodes.map((n) => netnsHandle(lab, n.name));
    recordNamespaces(
      lab,
      'netns',
      handles.map((h) => h.netns),
    );
    await ipBatch(
      null,
      handles.map((h) => `netns add ${h.netns}`),
    );
    if (options.bare) return handles;
    signal?.throwIfAborted();
    const ops: NetOp[] = nodes.flatMap((n, i): NetOp[] => [
      { tool: 'sysctl', ns: handles[i]!.netns, values: namespaceSysctls(n) },
      { tool: 'ip', ns: handles[i]!.netns, line: 'link set dev lo up' },
    ]);
    await applyOps(ops, `${labStateDir(lab)}/ops-nodes`);
    return handles;
  }

  async destroyNode(handle: NodeHandle): Promise<void> {
    await destroyNetns(handle.lab, handle.netns);
  }

  async exec(handle: NodeHandle, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    return nsExec(handle.netns, argv, options);
  }

  spawn(handle: NodeHandle, argv: string[], options: SpawnOptions = {}): Subprocess {
    return spawnInNetns(handle.lab, handle.netns, argv, options);
  }

  async list(lab?: string): Promise<NodeHandle[]> {
    const out: NodeHandle[] = [];
    for (const ns of await listNetns()) {
      const p = parseNetns(ns);
      if (!p || p.node.startsWith('_')) continue; // the air is not a node
      if (lab !== undefined && p.lab !== lab) continue;
      out.push(netnsHandle(p.lab, p.node));
    }
    return out;
  }
}

/**
 * Starts argv inside ns as the leader of a new process group (so stopping it stops its children)
 * and records its pid under the lab's state directory until it exits.
 */
export function spawnInNetns(lab: string, ns: string, argv: string[], options: SpawnOptions = {}): Subprocess {
  const fds: number[] = [];
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'ignore';
  const err = options.stderrFile ? openSync(options.stderrFile, 'a') : 'ignore';
  for (const f of [out, err]) if (typeof f === 'number') fds.push(f);
  // `ip netns exec` execs the command in place (no fork), so the pid is the command's.
  const child = spawnChild('ip', ['netns', 'exec', ns, ...argv], {
    detached: true,
    stdio: ['ignore', out, err],
    env: options.env ? { ...process.env, ...options.env } : process.env,
  });
  for (const f of fds) closeSync(f);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${argv.join(' ')} in ${ns}`);
  recordProcess(lab, { pid, netns: ns, argv });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => {
      forgetProcess(lab, pid);
      resolve(code);
    });
  });
  return {
    pid,
    exited,
    kill(sig: NodeJS.Signals = 'SIGTERM') {
      try {
        process.kill(-pid, sig);
      } catch {
        // gone
      }
    },
  };
}

/** Kills the namespace's recorded process groups and anything else inside it, then deletes it. */
export async function destroyNetns(lab: string, ns: string): Promise<void> {
  const recorded = listProcesses(lab).filter((p) => p.netns === ns);
  // A recorded pid whose start time differs is someone else's process now: leave it alone.
  await Promise.all(recorded.filter(isSameProcess).map((p) => killProcessGroup(p.pid)));
  for (const p of recorded) forgetProcess(lab, p.pid);
  await killAll(pidsInNamespaces([ns]).get(ns) ?? []);
  await run(['ip', 'netns', 'del', ns], { reject: false });
  forgetNamespaces(lab, [ns]);
}
