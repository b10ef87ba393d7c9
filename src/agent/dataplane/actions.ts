// The MIPv6 machines' data plane actions (src/protocols/mipv6/home-agent.ts, mobile-node.ts) performed
// with the pieces of this directory. Action shapes are matched structurally so this file does not
// follow every change of the machines' unions; what it does not know it leaves to the role (false).
import type { SendMobilityHeader } from '../../protocols/core/index.js';
import type { HomeAddress } from './home-address.js';
import type { HomeAgentForwarding } from './home-agent-forwarding.js';
import type { MobilityHeaderToSend, MobilitySender } from './mobility-header-io.js';

type Action = { kind: string };
const str = (a: Action, k: string): string => {
  const v = (a as Record<string, unknown>)[k];
  if (typeof v !== 'string') throw new TypeError(`action ${a.kind}: ${k} must be a string`);
  return v;
};

/** tunnel-up, tunnel-down, proxy-nd-start, proxy-nd-stop. Resolves true when the action was one of them. */
export async function performHomeAgentAction<A extends Action>(fwd: HomeAgentForwarding, a: A): Promise<boolean> {
  switch (a.kind) {
    case 'tunnel-up':
      await fwd.tunnelUp(str(a, 'homeAddress'), str(a, 'careOfAddress'));
      return true;
    case 'tunnel-down':
      await fwd.tunnelDown(str(a, 'homeAddress'));
      return true;
    case 'proxy-nd-start':
      await fwd.proxyNdStart(str(a, 'homeAddress'));
      return true;
    case 'proxy-nd-stop':
      await fwd.proxyNdStop(str(a, 'homeAddress'));
      return true;
    default:
      return false;
  }
}

/** reverse-tunnel, reverse-tunnel-off, at-home. Resolves true when the action was one of them. */
export async function performMobileNodeAction<A extends Action>(home: HomeAddress, a: A): Promise<boolean> {
  switch (a.kind) {
    case 'reverse-tunnel':
      if (home.atHome) await home.setAtHome(false);
      home.setCareOf(str(a, 'careOfAddress'), str(a, 'homeAgent'));
      return true;
    case 'reverse-tunnel-off':
      home.reverseTunnelOff();
      return true;
    case 'at-home':
      await home.setAtHome(true, str(a, 'iface'));
      return true;
    default:
      return false;
  }
}

/**
 * send-mh of any machine: `routingType2` becomes a type 2 routing header, `homeAddressOption` a Home
 * Address option; `bytes` is the encoded MH (checksum recomputed).
 */
export function sendMobilityHeaderAction(sender: Pick<MobilitySender, 'send'>, a: SendMobilityHeader): boolean {
  return sender.send(toMobilityHeaderToSend(a));
}

/** The packet fields of a send-mh action, as the sender takes them. */
export function toMobilityHeaderToSend(a: SendMobilityHeader): MobilityHeaderToSend {
  return {
    src: a.src,
    dst: a.dst,
    ...(a.homeAddressOption !== undefined ? { homeAddress: a.homeAddressOption } : {}),
    ...(a.routingType2 !== undefined ? { routingHomeAddress: a.routingType2 } : {}),
    mh: a.bytes,
  };
}
