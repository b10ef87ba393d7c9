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
