// The Docker backend (containerlab's shape): one container per node with no Docker network, its
// network namespace linked to /run/netns/mlab-<lab>-<node>. From there links, APs, impairments and
// capture work on the namespace exactly as with the netns backend.
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, symlink, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import Docker from 'dockerode';
import { LABEL_LAB, LABEL_NODE, labStateDir, nodeNetns } from '../names.js';
import { defaultAgentImage } from '../images/build.js';
import type { ResolvedNode } from '../topology/types.js';
import { NETNS_DIR, removeNetnsLinks } from './docker-engine.js';
import type { ExecOptions, ExecResult, NodeHandle, Runtime, SpawnOptions, Subprocess } from './runtime.js';

export { NETNS_DIR };

/** Keeps a node's container alive and reaps orphans (tini is in the base image). */
export const IDLE_COMMAND = ['/usr/bin/tini', '-s', '--', 'sleep', 'infinity'];

export interface DockerRuntimeOptions {
  docker?: Docker;
  /**
   * Image of nodes that name none (the agent image). A function is called once, at the first
   * node, so `--runtime docker` can build the images only when a lab actually uses them.
   */
  image: string | (() => Promise<string>);
  /**
   * Host directories mounted at the same path in every container, read-write: the run's output
   * directory, where flow sinks and agents write their files. The lab's state directory always is.
   */
  sharedDirs?: string[];
  /** Containers created at once by createNodes (Docker's daemon does the work; default 8). */
  concurrency?: number;
}

/** A runtime that makes many nodes in one call (upNetwork uses it when present). */
export interface BulkRuntime extends Runtime {
  createNodes(lab: string, nodes: readonly ResolvedNode[], signal?: AbortSignal): Promise<NodeHandle[]>;
}

export class DockerExecError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly node: string,
  ) {
    super(
      `command failed in container of ${node} (exit ${exitCode ?? 'signal'}): ${argv.join(' ')}\n${stderr.trimEnd()}`,
    );
    this.name = 'DockerExecError';
  }
}

export function containerName(lab: string, node: string): string {
  return nodeNetns(lab, node);
}

/**
 * Sysctls Docker may set at creation: namespaced net.* keys that do not name an interface (the
 * node's interfaces are made later, by the link code, which sets their own sysctls).
 */
export function creationSysctls(node: ResolvedNode): Record<string, string> {
  // A fresh namespace must have IPv6 on whatever Docker's default is (RFC 8200 nodes only).
  const out: Record<string, string> = {
    'net.ipv6.conf.all.disable_ipv6': '0',
    'net.ipv6.conf.default.disable_ipv6': '0',
    'net.ipv6.conf.lo.disable_ipv6': '0',
  };
  for (const [k, v] of Object.entries(node.sysctls)) {
    const m = /^net\.ipv[46]\.(conf|neigh)\.([^.]+)\./.exec(k);
    if (!k.startsWith('net.')) continue;
    if (m && m[2] !== 'all' && m[2] !== 'default' && m[2] !== 'lo') continue;
    out[k] = v;
  }
  return out;
}

/** The container's create options; pure, so a unit test can read what a node asks of Docker. */
export function containerSpec(
  lab: string,
  node: ResolvedNode,
  defaultImage: string,
  sharedDirs: readonly string[] = [],
): Docker.ContainerCreateOptions {
  const dirs = [...new Set([labStateDir(lab), ...sharedDirs.map((d) => resolve(d))])];
  const own = node.image !== undefined;
  return {
    name: containerName(lab, node.name),
    Hostname: node.name,
    Image: node.image ?? defaultImage,
    // A node on its own image runs its own command (or the image's CMD); ours idle under tini.
    Cmd: own ? node.command : (node.command ?? IDLE_COMMAND),
    Labels: { [LABEL_LAB]: lab, [LABEL_NODE]: node.name },
    HostConfig: {
      // Links are our veths moved into the namespace; Docker adds nothing but loopback.
      NetworkMode: 'none',
      // NET_ADMIN: addresses, routes, nftables, TUN; NET_RAW: raw and AF_PACKET sockets, tcpdump.
      CapAdd: ['NET_ADMIN', 'NET_RAW'],
      Devices: [{ PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' }],
      Sysctls: creationSysctls(node),
      // Docker's default read-only paths minus /proc/sys: agents set their namespace's forwarding
      // and accept_ra as on netns (net.* sysctls are per namespace; the rest needs capabilities
      // the container does not have).
      ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sysrq-trigger'],
      // Same paths inside and out: agents' control sockets (state directory) and output files
      // appear on the host where the lab looks for them.
      Binds: dirs.map((d) => `${d}:${d}`),
      AutoRemove: false,
    },
  };
}

function isNotFound(e: unknown): boolean {
  return (e as { statusCode?: number }).statusCode === 404;
}

function handleOf(lab: string, node: string, containerId: string, pid: number | undefined): NodeHandle {
  const netns = nodeNetns(lab, node);
  return { lab, node, netns, netnsPath: `${NETNS_DIR}/${netns}`, containerId, ...(pid ? { pid } : {}) };
}

/** Links /run/netns/<netns> to the container's namespace (replacing a stale link, never a real netns). */
async function linkNetns(netns: string, pid: number): Promise<void> {
  await mkdir(NETNS_DIR, { recursive: true });
  const path = `${NETNS_DIR}/${netns}`;
  const st = await lstat(path).catch(() => null);
  if (st) {
    if (!st.isSymbolicLink())
      throw new Error(`${path} exists and is not a link: another lab or runtime uses this name`);
    await unlink(path);
  }
  await symlink(`/proc/${pid}/ns/net`, path);
}

async function unlinkNetns(netns: string): Promise<void> {
  const path = `${NETNS_DIR}/${netns}`;
  const st = await lstat(path).catch(() => null);
  if (st?.isSymbolicLink()) await unlink(path).catch(() => {});
}

/** Collects a demultiplexed exec stream until it ends. */
function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
}

/** Docker reports the exit code after the stream ends, a moment later on a loaded machine. */
async function exitCodeOf(exec: Docker.Exec): Promise<number | null> {
  for (let i = 0; i < 200; i++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}

/** The exec's host pid: 0 until runc has started it, and stays 0 when it has already exited. */
async function pidOf(exec: Docker.Exec): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const info = await exec.inspect();
    if (info.Pid > 0) return info.Pid;
    if (!info.Running && info.ExitCode !== null) return 0;
    await new Promise((r) => setTimeout(r, 5));
  }
  return 0;
}

function streamEnded(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', reject);
  });
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function createDockerRuntime(options: DockerRuntimeOptions): BulkRuntime {
  const docker = options.docker ?? new Docker();
  let image: Promise<string> | undefined;
  const defaultImage = (): Promise<string> =>
    (image ??= typeof options.image === 'string' ? Promise.resolve(options.image) : options.image());

  const container = (h: NodeHandle): Docker.Container => {
    if (!h.containerId) throw new Error(`node ${h.node} of lab ${h.lab} has no container`);
    return docker.getContainer(h.containerId);
  };

  async function startExec(h: NodeHandle, argv: string[], env: Record<string, string> | undefined, stdin: boolean) {
    const exec = await container(h).exec({
      Cmd: argv,
      AttachStdin: stdin,
      AttachStdout: true,
      AttachStderr: true,
      Env: env ? Object.entries(env).map(([k, v]) => `${k}=${v}`) : undefined,
    });
    const stream = await exec.start({ hijack: true, stdin });
    return { exec, stream };
  }

  const runtime: BulkRuntime = {
    kind: 'docker',

    /** All of a lab's nodes, several at a time; on any failure the ones made are removed again. */
    async createNodes(lab, nodes, signal) {
      const handles = new Array<NodeHandle | undefined>(nodes.length);
      const errors: unknown[] = [];
      let next = 0;
      const worker = async () => {
        while (next < nodes.length && errors.length === 0) {
          const i = next++;
          try {
            handles[i] = await runtime.createNode(lab, nodes[i]!, signal);
          } catch (e) {
            errors.push(e);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, nodes.length) }, worker));
      if (errors.length > 0) {
        await Promise.all(handles.map((h) => h && runtime.destroyNode(h).catch(() => {})));
        throw errors[0];
      }
      return handles as NodeHandle[];
    },

    async createNode(lab, node, signal) {
      const img = node.image ?? (await defaultImage());
      const shared = (options.sharedDirs ?? []).map((d) => resolve(d));
      for (const d of [labStateDir(lab), ...shared]) await mkdir(d, { recursive: true });
      const spec = containerSpec(lab, node, img, shared);
      let c: Docker.Container;
      try {
        c = await docker.createContainer({ ...spec, abortSignal: signal });
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 409) {
          throw new Error(
            `container ${spec.name} already exists: a run of lab ${lab} is up or was killed (mipshop-lab down ${lab})`,
          );
        }
        if (isNotFound(e))
          throw new Error(
            `image ${img} of node ${node.name} not found (mipshop-lab images build, or docker import/pull it)`,
          );
        throw e;
      }
      try {
        await c.start({ abortSignal: signal });
        const info = await c.inspect();
        if (!info.State.Running || !info.State.Pid) {
          const logs = await c.logs({ stdout: true, stderr: true, tail: 20 }).catch(() => '');
          throw new Error(
            `container of node ${node.name} exited at once (code ${info.State.ExitCode}): ${String(logs).trim()}`,
          );
        }
        const h = handleOf(lab, node.name, c.id, info.State.Pid);
        await linkNetns(h.netns, info.State.Pid);
        return h;
      } catch (e) {
        await c.remove({ force: true }).catch(() => {});
        throw e;
      }
    },

    async destroyNode(h) {
      await unlinkNetns(h.netns);
      if (!h.containerId) return;
      try {
        await docker.getContainer(h.containerId).remove({ force: true, v: true });
      } catch (e) {
        // 404: already gone; 409: removal already in progress (a parallel down).
        const code = (e as { statusCode?: number }).statusCode;
        if (code !== 404 && code !== 409) throw e;
      }
    },

    async exec(h, argv, opts: ExecOptions = {}): Promise<ExecResult> {
      const input = opts.input;
      const { exec, stream } = await startExec(h, argv, opts.env, input !== undefined);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      docker.modem.demuxStream(stream, sink(out), sink(err));
      const ended = streamEnded(stream);
      if (input !== undefined) (stream as unknown as Writable).end(input);
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      if (opts.timeoutMs) {
        timer = setTimeout(() => {
          timedOut = true;
          void pidOf(exec)
            .then((p) => p > 0 && process.kill(p, 'SIGKILL'))
            .catch(() => {});
        }, opts.timeoutMs);
      }
      try {
        await ended;
      } finally {
        clearTimeout(timer);
      }
      const code = await exitCodeOf(exec);
      const result = {
        exitCode: code ?? -1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString() + (timedOut ? `\n(killed after ${opts.timeoutMs} ms)` : ''),
      };
      if ((code !== 0 || timedOut) && opts.reject !== false)
        throw new DockerExecError(argv, code, result.stderr, h.node);
      return result;
    },

    spawn(h, argv, opts: SpawnOptions = {}): Subprocess {
      let pid = 0;
      let pending: NodeJS.Signals | undefined;
      let sent: NodeJS.Signals | undefined;
      const deliver = (s: NodeJS.Signals) => {
        // Never 0 or negative: process.kill(0) would signal our own process group.
        if (pid <= 0) return;
        sent = s;
        try {
          process.kill(pid, s);
        } catch {
          // already exited
        }
      };
      const exited = (async () => {
        const { exec, stream } = await startExec(h, argv, opts.env, false);
        const out = opts.stdoutFile ? createWriteStream(opts.stdoutFile, { flags: 'a' }) : new PassThrough().resume();
        const err = opts.stderrFile ? createWriteStream(opts.stderrFile, { flags: 'a' }) : new PassThrough().resume();
        docker.modem.demuxStream(stream, out, err);
        const ended = streamEnded(stream);
        pid = await pidOf(exec);
        if (pending && pid > 0) deliver(pending);
        await ended;
        // The files are complete when `exited` resolves: callers read them right away.
        out.end();
        err.end();
        await Promise.all([finished(out).catch(() => {}), finished(err).catch(() => {})]);
        const code = await exitCodeOf(exec);
        // runc reports a signalled process as 128+n; the interface says null for "killed by a signal".
        if (sent && code === 128 + (SIGNALS[sent] ?? -200)) return null;
        return code;
      })();
      return {
        get pid() {
          return pid;
        },
        exited,
        kill(signal: NodeJS.Signals = 'SIGTERM') {
          if (pid) deliver(signal);
          else pending = signal;
        },
      };
    },

    async list(lab) {
      const found = await docker.listContainers({
        all: true,
        filters: { label: [lab ? `${LABEL_LAB}=${lab}` : LABEL_LAB] },
      });
      const handles: NodeHandle[] = [];
      for (const c of found) {
        const l = c.Labels[LABEL_LAB];
        const n = c.Labels[LABEL_NODE];
        if (!l || !n) continue;
        const pid =
          c.State === 'running'
            ? (
                await docker
                  .getContainer(c.Id)
                  .inspect()
                  .catch(() => null)
              )?.State.Pid
            : undefined;
        handles.push(handleOf(l, n, c.Id, pid));
      }
      return handles;
    },
  };
  return runtime;
}

/**
 * The backend as a class for index.ts's `new DockerRuntime()`: nodes without an image of their own
 * use the agent image, built (offline) at the first node when its inputs changed.
 */
export class DockerRuntime implements BulkRuntime {
  readonly kind = 'docker' as const;
  private readonly impl: BulkRuntime;

  constructor(options: Partial<DockerRuntimeOptions> = {}) {
    const docker = options.docker ?? new Docker();
    this.impl = createDockerRuntime({
      docker,
      image: options.image ?? (() => defaultAgentImage(docker)),
      sharedDirs: options.sharedDirs,
      concurrency: options.concurrency,
    });
  }

  createNodes(lab: string, nodes: readonly ResolvedNode[], signal?: AbortSignal): Promise<NodeHandle[]> {
    return this.impl.createNodes(lab, nodes, signal);
  }

  createNode(lab: string, node: ResolvedNode, signal?: AbortSignal): Promise<NodeHandle> {
    return this.impl.createNode(lab, node, signal);
  }
  destroyNode(h: NodeHandle): Promise<void> {
    return this.impl.destroyNode(h);
  }
  exec(h: NodeHandle, argv: string[], options?: ExecOptions): Promise<ExecResult> {
    return this.impl.exec(h, argv, options);
  }
  spawn(h: NodeHandle, argv: string[], options?: SpawnOptions): Subprocess {
    return this.impl.spawn(h, argv, options);
  }
  list(lab?: string): Promise<NodeHandle[]> {
    return this.impl.list(lab);
  }
}

/**
 * Removes what Docker runs left behind, for `down --all`: every container labelled with the lab
 * (all labs when absent), its namespace link, and any other link of those labs into /proc.
 * Returns the number of containers removed.
 */
export async function cleanupDocker(lab?: string, docker: Docker = new Docker()): Promise<number> {
  const rt = createDockerRuntime({ docker, image: 'unused' });
  const handles = await rt.list(lab);
  await Promise.all(handles.map((h) => rt.destroyNode(h)));
  await removeNetnsLinks(lab);
  return handles.length;
}
