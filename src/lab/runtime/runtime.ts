// The runtime interface (containerlab's shape, kept small): a backend makes a node and hands back
// its network namespace, so links, APs, impairments and capture never care which backend made it.

import type { ResolvedNode } from '../topology/types.js';

export interface NodeHandle {
  lab: string;
  node: string;
  /** Name under /run/netns, so `ip netns exec <netns>` and `ip link set ... netns <netns>` work. */
  netns: string;
  /** Absolute path of the namespace file (/run/netns/<netns>). */
  netnsPath: string;
  /** Docker: container id. */
  containerId?: string;
  /** Docker: pid of the container's init. */
  pid?: number;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Do not throw on a non-zero exit; return it. */
  reject?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Files for stdout/stderr; default: inherit nothing (ignored). */
  stdoutFile?: string;
  stderrFile?: string;
}

export interface Subprocess {
  readonly pid: number;
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export interface Runtime {
  readonly kind: 'netns' | 'docker';
  createNode(lab: string, node: ResolvedNode, signal?: AbortSignal): Promise<NodeHandle>;
  destroyNode(handle: NodeHandle): Promise<void>;
  exec(handle: NodeHandle, argv: string[], options?: ExecOptions): Promise<ExecResult>;
  spawn(handle: NodeHandle, argv: string[], options?: SpawnOptions): Subprocess;
  /** Nodes this runtime finds for a lab (all labs when absent), including ones a killed run left. */
  list(lab?: string): Promise<NodeHandle[]>;
}
