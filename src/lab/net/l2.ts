// Layer-2 events the scenario runner drives: a mobile node leaving its AP and joining another.
// One `ip -n AIR -batch` process each; the result says when the carrier change was applied.
import { ipBatch, wallClockNs } from '../exec.js';
import { airNetns } from '../names.js';
import { apBridge, radioFarEnd } from './ifnames.js';

export interface L2Change {
  node: string;
  /** The AP attached to, or null for a detach. */
  ap: string | null;
  /** Wall-clock ns just before the change was sent to the kernel. */
  startedNs: bigint;
  /** Wall-clock ns once the kernel had applied it (the carrier changed between the two). */
  appliedNs: bigint;
}

/** Batch lines for a detach: far end down (the node's radio sees NO-CARRIER), then off the bridge. */
export function detachLines(node: string): string[] {
  const far = radioFarEnd(node);
  return [`link set dev ${far} down`, `link set dev ${far} nomaster`];
}

/** Batch lines for an attach: far end onto the AP's bridge, then up (carrier on). */
export function attachLines(node: string, ap: string): string[] {
  const far = radioFarEnd(node);
  return [`link set dev ${far} master ${apBridge(ap)}`, `link set dev ${far} up`];
}

/** Detaches node's radio from its AP. Equivalent to: ip -n AIR link set wNODE down; ... nomaster */
export async function detach(lab: string, node: string): Promise<L2Change> {
  const startedNs = wallClockNs();
  await ipBatch(airNetns(lab), detachLines(node));
  return { node, ap: null, startedNs, appliedNs: wallClockNs() };
}

/**
 * Attaches node's radio to ap (moving it there if it was on another bridge).
 * Equivalent to: ip -n AIR link set wNODE master AP; ip -n AIR link set wNODE up
 */
export async function attach(lab: string, node: string, ap: string): Promise<L2Change> {
  const startedNs = wallClockNs();
  await ipBatch(airNetns(lab), attachLines(node, ap));
  return { node, ap, startedNs, appliedNs: wallClockNs() };
}
