// Kernel impairments with sch_netem, one qdisc on each end's egress (a's for a->b, b's for b->a).
import type { Impairment } from '../topology/types.js';
import type { NetOp } from '../net/ops.js';

/** Frames netem may hold: room for 20 ms at 1 Gbit/s of full-size frames. */
export const NETEM_LIMIT = 10_000;

function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/**
 * tc arguments for an impairment on dev's egress.
 * Equivalent to: `tc qdisc replace dev DEV root netem limit 10000 delay 20ms 5ms loss 1% duplicate 1% rate 10000000bit`
 * (each clause only when non-zero; netem reorders jittered frames as the kernel does).
 */
export function netemArgs(dev: string, imp: Impairment): string[] {
  const a = ['qdisc', 'replace', 'dev', dev, 'root', 'netem', 'limit', String(NETEM_LIMIT)];
  if (imp.delayMs > 0 || imp.jitterMs > 0) {
    a.push('delay', `${num(imp.delayMs)}ms`);
    if (imp.jitterMs > 0) a.push(`${num(imp.jitterMs)}ms`);
  }
  if (imp.lossPct > 0) a.push('loss', `${num(imp.lossPct)}%`);
  if (imp.duplicatePct > 0) a.push('duplicate', `${num(imp.duplicatePct)}%`);
  if (imp.rateBps > 0) a.push('rate', `${Math.round(imp.rateBps)}bit`);
  return a;
}

/** Equivalent to: `tc qdisc del dev DEV root`. */
export function netemRemoveArgs(dev: string): string[] {
  return ['qdisc', 'del', 'dev', dev, 'root'];
}

/** tc batch ops for one direction's impairment on a node's interface. */
export function planNetem(ns: string, dev: string, imp: Impairment): NetOp {
  return { tool: 'tc', ns, line: netemArgs(dev, imp).join(' ') };
}
