// Plan-then-apply: planners (veth.ts, air.ts, node-config.ts, impairment/netem.ts) return NetOps, pure
// and unit-tested; applyOps runs them with as few processes as possible.
import { ipBatch, parallel, tcBatch } from '../exec.js';

export type NetOp =
  /** An iproute2 batch line, in a namespace or (null) the host's. */
  | { tool: 'ip'; ns: string | null; line: string }
  /** A tc batch line. */
  | { tool: 'tc'; ns: string; line: string }
  /** A command run inside ns (sysctl, ethtool): one `netns exec` line of a host batch. */
  | { tool: 'exec'; ns: string; argv: string[] };

/** Concurrent processes: the machine has 2 cores; a few more hide fork/exec latency. */
const CONCURRENCY = 4;

/**
 * Order of application, which planners rely on:
 * 1. host ip lines (namespaces, veth pairs made directly in their two namespaces), in plan order;
 * 2. exec ops (sysctls on interfaces that now exist, still down), as `netns exec` lines of two host
 *    batches run side by side;
 * 3. per namespace, concurrently: its ip lines (addresses, up, routes), then its tc lines.
 */
export async function applyOps(ops: readonly NetOp[]): Promise<void> {
  const host: string[] = [];
  const execs: string[] = [];
  const perNs = new Map<string, { ip: string[]; tc: string[] }>();
  const group = (ns: string) => {
    let g = perNs.get(ns);
    if (!g) perNs.set(ns, (g = { ip: [], tc: [] }));
    return g;
  };
  for (const op of ops) {
    if (op.tool === 'ip' && op.ns === null) host.push(op.line);
    else if (op.tool === 'ip') group(op.ns as string).ip.push(op.line);
    else if (op.tool === 'tc') group(op.ns).tc.push(op.line);
    else execs.push(`netns exec ${op.ns} ${op.argv.join(' ')}`);
  }
  await ipBatch(null, host);
  const half = Math.ceil(execs.length / 2);
  await Promise.all([ipBatch(null, execs.slice(0, half)), ipBatch(null, execs.slice(half))]);
  await parallel([...perNs.entries()], CONCURRENCY, async ([ns, g]) => {
    await ipBatch(ns, g.ip);
    await tcBatch(ns, g.tc);
  });
}
