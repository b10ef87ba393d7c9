// Names of the interfaces the lab makes in the air namespace. Linux allows 15 characters (IFNAMSIZ-1).
export const IFNAMSIZ_MAX = 15;

function checked(name: string): string {
  if (name.length > IFNAMSIZ_MAX || name.length === 0 || /[\s/:]/.test(name)) {
    throw new Error(`interface name "${name}" is not valid (at most ${IFNAMSIZ_MAX} characters, no space, / or :)`);
  }
  return name;
}

/** The bridge of an AP's cell: named after the AP. */
export function apBridge(ap: string): string {
  return checked(ap);
}

/** The air end of an access router's AP interface, a port of the AP bridge. */
export function apRouterPort(ap: string): string {
  return checked(`p${ap}`);
}

/** The air end of a mobile node's radio: attached to at most one AP bridge. */
export function radioFarEnd(node: string): string {
  return checked(`w${node}`);
}

/** The two air ends of a relayed link (index in lab.links): x faces end a, y faces end b. */
export function relayPorts(linkIndex: number): { x: string; y: string } {
  return { x: checked(`lx${linkIndex}`), y: checked(`ly${linkIndex}`) };
}

export function validIfName(name: string): string {
  return checked(name);
}

/**
 * Interface indexes given explicitly, distinct for the two ends of every veth. The kernel treats a
 * carrier change of a stacked device as urgent only when its ifindex differs from its peer's
 * (linkwatch_urgent_event); two fresh namespaces would both number their first veth 2, and the
 * carrier would then reach the operstate up to a second late (link-locals, routes and pings wait).
 */
export const ifIndex = {
  /** Link i: a end, b end; relayed: x (faces a), y (faces b). */
  link: (i: number) => ({ a: 1000 + 4 * i, b: 1001 + 4 * i, x: 1002 + 4 * i, y: 1003 + 4 * i }),
  /** AP k: the router's interface and its bridge port. */
  ap: (k: number) => ({ router: 200_000 + 2 * k, port: 200_001 + 2 * k }),
  /** Radio k: the node's end and the far end in the air. */
  radio: (k: number) => ({ node: 300_000 + 2 * k, far: 300_001 + 2 * k }),
};
