// Plan-then-apply: planners (veth.ts, air.ts, node-config.ts, impairment/netem.ts) return NetOps, pure
// and unit-tested; applyOps runs them with as few processes as possible.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CommandError, run } from '../exec.js';

export type NetOp =
  /** An iproute2 batch line, in a namespace or (null) the host's. */
  | { tool: 'ip'; ns: string | null; line: string }
  /** A tc batch line. */
  | { tool: 'tc'; ns: string; line: string }
  /** sysctls of a namespace (keys as for `sysctl -w`), written to /proc/sys inside it. */
  | { tool: 'sysctl'; ns: string; values: Record<string, string> }
  /** A command run inside ns (ethtool). */
  | { tool: 'exec'; ns: string; argv: string[] };

/** The /proc/sys file of a sysctl key (interface names in keys never hold dots in our labs). */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.replace(/\./g, '/')}`;
}

function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface NsScript {
  ns: string;
  /** sh script run inside the namespace. */
  script: string;
  ipLines: string[];
  tcLines: string[];
}

/**
 * Groups ops: host ip lines (namespaces, veth pairs made directly in their two namespaces), and per
 * namespace one sh script: sysctls as plain writes to /proc/sys (no sysctl process), commands, then
 * `exec ip -batch` of its lines (addresses, up, routes) and `tc -batch`.
 */
export function groupOps(ops: readonly NetOp[], dir: string): { host: string[]; scripts: NsScript[] } {
  const host: string[] = [];
  const per = new Map<string, { sys: [string, string][]; cmds: string[][]; ip: string[]; tc: string[] }>();
  const g = (ns: string) => {
    let x = per.get(ns);
    if (!x) {
      x = { sys: [], cmds: [], ip: [], tc: [] };
      per.set(ns, x);
    }
    return x;
  };
  for (const op of ops) {
    if (op.tool === 'ip' && op.ns === null) host.push(op.line);
    else if (op.tool === 'ip') g(op.ns as string).ip.push(op.line);
    else if (op.tool === 'tc') g(op.ns).tc.push(op.line);
    else if (op.tool === 'sysctl') g(op.ns).sys.push(...Object.entries(op.values));
    else g(op.ns).cmds.push(op.argv);
  }
  const scripts: NsScript[] = [];
  for (const [ns, x] of per) {
    const ipFile = path.join(dir, `${ns}.ip`);
    const tcFile = path.join(dir, `${ns}.tc`);
    const lines = ['set -e'];
    for (const [k, v] of x.sys) lines.push(`echo ${quote(v)} > ${quote(sysctlPath(k))}`);
    for (const c of x.cmds) lines.push(c.map(quote).join(' '));
    if (x.tc.length > 0) {
      if (x.ip.length > 0) lines.push(`ip -batch ${quote(ipFile)}`);
      lines.push(`exec tc -batch ${quote(tcFile)}`);
    } else if (x.ip.length > 0) {
      lines.push(`exec ip -batch ${quote(ipFile)}`);
    }
    scripts.push({ ns, script: `${lines.join('\n')}\n`, ipLines: x.ip, tcLines: x.tc });
  }
  return { host, scripts };
}

/** Host batches run side by side: the machine has 2 cores. */
const LANES = 2;

/**
 * Applies ops in this order, which planners rely on:
 * 1. host ip lines, in plan order, in one `ip -batch`;
 * 2. every namespace's script, as `netns exec NS sh FILE` lines of LANES host batches run side by
 *    side: one process tree per namespace, none started from Node.
 * dir receives the batch files (the lab's state directory keeps them for post-mortems).
 */
export async function applyOps(ops: readonly NetOp[], dir: string): Promise<void> {
  try {
    await applyGrouped(ops, dir);
  } catch (e) {
    throw e instanceof CommandError ? new Error(explainBatchFailure(e), { cause: e }) : e;
  }
}

/**
 * iproute2 names a failed batch line only by "Command failed FILE:N"; the files go with the lab's
 * state at cleanup, so the message quotes the lines themselves.
 */
export function explainBatchFailure(e: CommandError): string {
  const quoted: string[] = [];
  for (const m of e.stderr.matchAll(/Command failed (\S+):(\d+)/g)) {
    try {
      const line = readFileSync(m[1]!, 'utf8').split('\n')[Number(m[2]) - 1];
      if (line !== undefined) quoted.push(`  ${m[1]}:${m[2]}: ${line}`);
    } catch {
      // stdin or a file already gone
    }
  }
  // Per-namespace files are named after the namespace (NS.ip, NS.tc); lane*.ip and host.ip are not.
  const nsFile = [...e.stderr.matchAll(/Command failed \S*\/([^/\s]+)\.(?:ip|tc):\d+/g)]
    .map((m) => m[1]!)
    .find((n) => !/^(lane\d+|host)$/.test(n));
  const where = nsFile ? ` in namespace ${nsFile}` : '';
  return `network setup failed${where}:\n${e.stderr.trim()}${quoted.length ? `\nfailing lines:\n${quoted.join('\n')}` : ''}`;
}

async function applyGrouped(ops: readonly NetOp[], dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const { host, scripts } = groupOps(ops, dir);
  if (host.length > 0) {
    const hostFile = path.join(dir, 'host.ip');
    writeFileSync(hostFile, `${host.join('\n')}\n`);
    await run(['ip', '-batch', hostFile]);
  }
  const lanes: string[][] = Array.from({ length: LANES }, () => []);
  scripts.forEach((s, i) => {
    const shFile = path.join(dir, `${s.ns}.sh`);
    writeFileSync(shFile, s.script);
    if (s.ipLines.length > 0) writeFileSync(path.join(dir, `${s.ns}.ip`), `${s.ipLines.join('\n')}\n`);
    if (s.tcLines.length > 0) writeFileSync(path.join(dir, `${s.ns}.tc`), `${s.tcLines.join('\n')}\n`);
    lanes[i % LANES]!.push(`netns exec ${s.ns} sh ${shFile}`);
  });
  await Promise.all(
    lanes
      .filter((l) => l.length > 0)
      .map((l, i) => {
        const f = path.join(dir, `lane${i}.ip`);
        writeFileSync(f, `${l.join('\n')}\n`);
        return run(['ip', '-batch', f]);
      }),
  );
}
