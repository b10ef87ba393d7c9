// One PAR/NAR neighbourhood for the PAR's unit tests: the PAR on 2001:db8:2::/64 with its own AP,
// one neighbour AP (ap2) behind the NAR on 2001:db8:3::/64, and one served mobile node.
import type { FastBindingUpdate, HandoverAcknowledge } from '../../../wire/mh/fmipv6.js';
import type { MobilityOption } from '../../../wire/mh/options/types.js';
import { NeighbourMap } from '../neighbour-map.js';
import { mhAddress } from '../options.js';
import type { ParAction, ParConfig } from '../par-interface.js';
import { PreviousAccessRouter } from '../par.js';

export const PAR = '2001:db8:2::1';
export const NAR = '2001:db8:3::1';
export const PCOA = '2001:db8:2::ff:fe00:10';
export const NCOA = '2001:db8:3::ff:fe00:10';
export const AP1 = '02:aa:00:00:00:01';
export const AP2 = '02:aa:00:00:00:02';
export const MN_MAC = '02:00:00:00:00:10';

export const neighbours = (): NeighbourMap =>
  new NeighbourMap(
    [
      {
        apId: AP2,
        apName: 'ap2',
        narAddress: NAR,
        narPrefix: '2001:db8:3::',
        narPrefixLength: 64,
        narLinkLayerAddress: '02:00:00:00:03:01',
      },
    ],
    [AP1],
  );

/** A PAR (`over` its defaults) that serves the MN at PCOA, seen at time 0 on `ifindex` if given. */
export function servingPar(over: Partial<ParConfig> = {}, ifindex?: number): PreviousAccessRouter {
  const p = new PreviousAccessRouter({ address: PAR, neighbours: neighbours(), ...over });
  p.handle(0, {
    kind: 'served-node',
    address: PCOA,
    linkLayerAddress: MN_MAC,
    ...(ifindex !== undefined ? { ifindex } : {}),
  });
  return p;
}

/** The MN's predictive FBU (RFC 5568 §6.3.1) proposing NCOA. */
export const FBU = {
  type: 'FastBindingUpdate',
  sequenceNumber: 7,
  acknowledge: true,
  homeRegistration: true,
  linkLocalCompatibility: false,
  keyManagementCompatibility: false,
  lifetime: 10,
  options: [mhAddress(2, NCOA)],
} satisfies FastBindingUpdate;

/** The NAR's HAck (RFC 5568 §6.2.2) for HI `sequenceNumber`. */
export const hack = (sequenceNumber: number, code = 0, options: MobilityOption[] = []): HandoverAcknowledge => ({
  type: 'HandoverAcknowledge',
  sequenceNumber,
  flags: 0,
  code,
  options,
});

/** The kinds of what the PAR did, messages by their type, events left out. */
export const kinds = (as: ParAction[]): string[] =>
  as
    .filter((a) => a.kind !== 'event')
    .map((a) => (a.kind === 'send-mh' || a.kind === 'send-icmp' ? a.message.type : a.kind));

/** The HI among the actions (throws if none). */
export function hiOf(as: ParAction[]) {
  const a = as.find((x) => x.kind === 'send-mh' && x.message.type === 'HandoverInitiate');
  if (a?.kind !== 'send-mh' || a.message.type !== 'HandoverInitiate') throw new Error('no HI');
  return { dst: a.dst, hi: a.message };
}
