// Bringing a lab's network up and down: nodes (through the runtime), the air, links, addresses,
// routes, sysctls, impairments. Every namespace is recorded in the state directory before it is made,
// so a failure half way (or a SIGKILL) is undone by cleanupLab / cleanupAll.
import { cleanupLab } from '../cleanup.js';
import { kernelCaps, type KernelCaps } from '../kernel.js';
import { airNetns, labStateDir, nodeNetns } from '../names.js';
import type { NodeHandle, Runtime } from '../runtime/runtime.js';
import type { ResolvedLab, ResolvedNode } from '../topology/types.js';
import { installImpairments, removeImpairments, type ImpairmentHandle } from '../impairment/index.js';
import { needsAir, planAir, planAirNamespace } from './air.js';
import { closeL2 } from './l2.js';
import { nodeSysctls, planNodeAddressing, planSourceValidation } from './node-config.js';
import { applyOps, type NetOp } from './ops.js';
import { recordNamespaces } from './state.js';
import { planLink } from './veth.js';
import { parallel } from '../exec.js';

export interface UpOptions {
  /** Kernel capabilities; probed (and cached) when absent. */
  caps?: KernelCaps;
  signal?: AbortSignal;
}

export interface LabNetwork {
  lab: ResolvedLab;
  runtime: Runtime;
  caps: KernelCaps;
  nodes: Map<string, NodeHandle>;
  /** The air namespace, or null when the lab has no AP, radio or relayed link. */
  air: string | null;
  impairments: ImpairmentHandle;
  /** Milliseconds per phase, for the speed budget. */
  timings: Record<string, number>;
}

interface BulkRuntime extends Runtime {
  createNodes(
    lab: string,
    nodes: readonly ResolvedNode[],
    signal?: AbortSignal,
    options?: { bare?: boolean },
  ): Promise<NodeHandle[]>;
}

function isBulk(r: Runtime): r is BulkRuntime {
  return typeof (r as Partial<BulkRuntime>).createNodes === 'function';
}

/** The kernel features the network plan depends on. */
export type NetworkCaps = Pick<KernelCaps, 'netem' | 'optimisticDad' | 'nftFib'>;

/** Every op that wires the lab once its node namespaces exist (pure). */
export function planNetwork(lab: ResolvedLab, caps: NetworkCaps): NetOp[] {
  const ops: NetOp[] = [];
  if (needsAir(lab, caps)) ops.push(...planAirNamespace(lab), ...planAir(lab));
  for (const link of lab.links) ops.push(...planLink(lab, link, caps));
  for (const node of lab.nodes) {
    const ns = nodeNetns(lab.name, node.name);
    ops.push({ tool: 'sysctl', ns, values: nodeSysctls(node, caps) });
    for (const line of planNodeAddressing(node)) ops.push({ tool: 'ip', ns, line });
    const urpf = planSourceValidation(node, caps);
    if (urpf) ops.push({ tool: 'exec', ns, argv: urpf });
  }
  return ops;
}

export async function upNetwork(lab: ResolvedLab, runtime: Runtime, options: UpOptions = {}): Promise<LabNetwork> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const mark = (k: string, since: number) => (timings[k] = Math.round((performance.now() - since) * 10) / 10);
  const caps = options.caps ?? (await kernelCaps()).caps;
  const air = needsAir(lab, caps) ? airNetns(lab.name) : null;
  recordNamespaces(lab.name, runtime.kind, [
    ...lab.nodes.map((n) => nodeNetns(lab.name, n.name)),
    ...(air ? [air] : []),
  ]);
  try {
    let t = performance.now();
    // netns: only the namespaces here (one batch); their sysctls come with the rest of their setup.
    const handles = isBulk(runtime)
      ? await runtime.createNodes(lab.name, lab.nodes, options.signal, { bare: true })
      : await createEach(lab, runtime, options.signal);
    mark('nodes', t);
    options.signal?.throwIfAborted();
    t = performance.now();
    await applyOps(planNetwork(lab, caps), `${labStateDir(lab.name)}/ops`);
    mark('links', t);
    t = performance.now();
    const impairments = await installImpairments(lab, caps);
    mark('impairments', t);
    mark('total', t0);
    return { lab, runtime, caps, nodes: new Map(handles.map((h) => [h.node, h])), air, impairments, timings };
  } catch (e) {
    await cleanupLab(lab.name).catch(() => undefined);
    throw e;
  }
}

async function createEach(lab: ResolvedLab, runtime: Runtime, signal?: AbortSignal): Promise<NodeHandle[]> {
  const out: NodeHandle[] = [];
  await parallel(lab.nodes, 4, async (n) => {
    out.push(await runtime.createNode(lab.name, n, signal));
  });
  return out;
}

/**
 * Stops the relay (its counters are returned), destroys the nodes through the runtime when it is not
 * the netns one (containers), then removes every namespace, process and state file of the lab.
 */
export async function downNetwork(net: LabNetwork): Promise<{ timings: Record<string, number> }> {
  const t0 = performance.now();
  closeL2(net.lab.name);
  try {
    await removeImpairments(net.impairments);
  } finally {
    if (net.runtime.kind !== 'netns') {
      await parallel([...net.nodes.values()], 4, (h) => net.runtime.destroyNode(h));
    }
    await cleanupLab(net.lab.name);
  }
  return { timings: { total: Math.round((performance.now() - t0) * 10) / 10 } };
}
