// Every resource carries the lab's name so two labs run at once and `down --all` finds leftovers.

/** Lab names: short so derived interface names stay within 15 characters. */
export const LAB_NAME_RE = /^[a-z0-9][a-z0-9-]{0,19}$/;
/** Node names: no dash, so `mlab-<lab>-<node>` splits back unambiguously at the last dash. */
export const NODE_NAME_RE = /^[a-z][a-z0-9]{0,13}$/;

export const NETNS_PREFIX = 'mlab-';

export function nodeNetns(lab: string, node: string): string {
  return `${NETNS_PREFIX}${lab}-${node}`;
}

/** The lab's "air": bridges for AP cells, radio far ends, impairment relays. Not a valid node name. */
export function airNetns(lab: string): string {
  return `${NETNS_PREFIX}${lab}-_air`;
}

/** Parses a namespace name made by nodeNetns/airNetns; null for names that are not ours. */
export function parseNetns(name: string): { lab: string; node: string } | null {
  if (!name.startsWith(NETNS_PREFIX)) return null;
  const rest = name.slice(NETNS_PREFIX.length);
  const dash = rest.lastIndexOf('-');
  if (dash <= 0) return null;
  return { lab: rest.slice(0, dash), node: rest.slice(dash + 1) };
}

/** Runtime state of running labs: pids, control sockets. */
export const STATE_ROOT = process.env.MIPSHOP_STATE_DIR ?? '/run/mipshop-lab';

export function labStateDir(lab: string): string {
  return `${STATE_ROOT}/${lab}`;
}

/** The node agent's control channel (JSON lines). */
export function controlSocketPath(lab: string, node: string): string {
  return `${labStateDir(lab)}/${node}.sock`;
}

/** Docker labels on containers and images. */
export const LABEL_LAB = 'org.mipshop-lab.lab';
export const LABEL_NODE = 'org.mipshop-lab.node';
