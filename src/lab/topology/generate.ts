// Generated labs for benchmarks and property tests. chainLab(n) is our form of Mininet's
// `--topo linear,N`: n routers in a line, each with one host on its own link (2n nodes, 2n-1 links).
import { resolveLab } from './resolve.js';
import { labSchema, type LabInput } from './schema.js';
import type { ResolvedLab } from './types.js';

/** The YAML-shaped input of a chain: routers r1..rn linked in a line, host hK on rK. */
export function chainLabInput(n: number, name = `chain${n}`): LabInput {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`chainLab needs n >= 1, got ${n}`);
  const nodes: NonNullable<LabInput['nodes']> = {};
  const links: NonNullable<LabInput['links']> = [];
  for (let k = 1; k <= n; k++) {
    nodes[`r${k}`] = { roles: ['router'] };
    nodes[`h${k}`] = { roles: ['host'] };
    links.push({ endpoints: [`h${k}`, `r${k}`] });
    if (k > 1) links.push({ endpoints: [`r${k - 1}`, `r${k}`] });
  }
  return { name, duration: '10s', nodes, links };
}

/** A resolved chain of n routers, each with one host (2n nodes, 2n-1 links). */
export function chainLab(n: number, name?: string): ResolvedLab {
  const input = chainLabInput(n, name);
  return resolveLab(labSchema.parse(input), `<chainLab(${n})>`);
}
