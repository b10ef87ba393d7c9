// The localized mobility expectations on two synthetic runs of one move each: plain Mobile IPv6 (the
// BU goes to the home agent, which tunnels to the on-link care-of address) fails all three; a
// localized scheme (a local BU to an anchor, the home agent sees only the regional address) holds all three.
import { describe, expect, it } from 'vitest';
import { decodeFrames } from './frames.js';
import {
  judgeLocalized,
  type LocalizedContext,
  type LocalizedExpectation,
  onLinkCareOfAddresses,
} from './localized.js';
import type { DecodedCapture, FlowResult, HandoverResult } from './results.js';
import { ether, flowIpv6, frame, mhPacket, tunnel } from './testing/packets.js';
import { buildIpv6Packet } from '../wire/packet.js';

const HA = '2001:db8:100::1';
const HOA = '2001:db8:100::100';
const CN = '2001:db8:1::2';
const AR2_PREFIX = '2001:db8:a2::/64';
const LCOA = '2001:db8:a2::55'; // on the new access router's link
const MAP = '2001:db8:50::1';
const RCOA = '2001:db8:50::55'; // the anchor's regional address: not an AP prefix
const ms = (n: number) => BigInt(n) * 1_000_000n;

/** A BU from `src` with a Home Address option (RFC 6275 §6.3) to `dst`. */
function bu(src: string, dst: string): Buffer {
  const mh = mhPacket(5, src, dst).subarray(40);
  return buildIpv6Packet({
    src,
    dst,
    extensions: [{ kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress: HOA }] }],
    upper: { nextHeader: 135, encode: () => mh },
  });
}
const flowTo = (seq: number) => flowIpv6({ flowId: 1, seq, sendNs: ms(seq) }, CN, HOA);

function capture(node: string, iface: string, packets: [number, Buffer][]): DecodedCapture {
  const d = decodeFrames(packets.map(([t, p]) => frame(ether(p), ms(t))));
  return { node, iface, file: `${node}-${iface}.pcap`, ...d };
}

const handover = { index: 0, node: 'mn', detachNs: String(ms(100)), attachNs: String(ms(110)) } as HandoverResult;
const base = {
  results: { handovers: [handover], flows: [{ id: 1, from: 'cn', to: 'mn' } as FlowResult] },
  apPrefixes: { home: '2001:db8:100::/64', ap2: AR2_PREFIX },
  apRouters: { home: 'ha', ap2: 'ar2' },
  nodeRoles: { ha: ['home-agent', 'router'], cn: ['host'], mn: ['mobile-node', 'mobile'], ar2: ['access-router'] },
};

// Plain Mobile IPv6: BU from the LCoA to the HA at 150 ms, tunnelled flow HA -> LCoA from 200 ms.
const plain: LocalizedContext = {
  ...base,
  captures: [
    capture('mn', 'wlan0', [
      [150, bu(LCOA, HA)],
      [230, tunnel(flowTo(20), HA, LCOA)],
    ]),
    capture('ha', 'eth1', [
      [50, bu('2001:db8:a1::55', HA)], // the previous move: outside this one's window
      [160, bu(LCOA, HA)],
      [200, tunnel(flowTo(20), HA, LCOA)],
    ]),
  ],
};

// Localized: a local BU to the anchor at 120 ms, the flow through the anchor from 140 ms; the home
// agent tunnels to the regional address only and hears nothing of the move.
const local: LocalizedContext = {
  ...base,
  captures: [
    capture('mn', 'wlan0', [
      [120, bu(LCOA, MAP)],
      [140, tunnel(tunnel(flowTo(14), HA, RCOA), MAP, LCOA)],
    ]),
    capture('ha', 'eth1', [
      [50, tunnel(flowTo(5), HA, RCOA)],
      [135, tunnel(flowTo(13), HA, RCOA)],
    ]),
  ],
};

const kinds: LocalizedExpectation['kind'][] = ['no-global-signalling', 'location-privacy', 'localized'];
const judge = (kind: LocalizedExpectation['kind'], ctx: LocalizedContext) => judgeLocalized({ kind, node: 'mn' }, ctx);

describe('localized mobility expectations', () => {
  it('plain Mobile IPv6 fails all three', () => {
    expect(judge('no-global-signalling', plain)).toMatchObject({ held: false, measured: 1 });
    expect(judge('no-global-signalling', plain).detail).toContain('BU on ha-eth1');
    expect(judge('location-privacy', plain)).toMatchObject({ held: false, measured: 2 });
    expect(judge('localized', plain)).toMatchObject({ held: false, measured: 1 });
    expect(judge('localized', plain).detail).toContain('a BU reached a global node 70.0 ms before the flow');
  });

  it('a localized scheme holds all three', () => {
    for (const k of kinds) expect(judge(k, local), k).toMatchObject({ held: true });
  });

  it('on-link care-of addresses: the node’s sources in a non-home AP prefix only', () => {
    expect(onLinkCareOfAddresses(plain, 'mn', ['ha']).map((b) => b.toString('hex'))).toEqual([
      '20010db800a200000000000000000055',
    ]);
  });

  it('a correspondent’s link counts as global too: a CoTI there fails no-global-signalling, its CoA fails privacy', () => {
    const ro: LocalizedContext = {
      ...local,
      nodeRoles: { ...base.nodeRoles, cn: ['correspondent'] },
      captures: [...local.captures, capture('cn', 'eth1', [[180, mhPacket(2, LCOA, CN)]])],
    };
    expect(judge('no-global-signalling', ro)).toMatchObject({ held: false });
    expect(judge('location-privacy', ro)).toMatchObject({ held: false, measured: 1 });
    // Named explicitly, only the home agent is watched.
    expect(judgeLocalized({ kind: 'no-global-signalling', node: 'mn', nodes: ['ha'] }, ro)).toMatchObject({
      held: true,
    });
  });

  it('`handover` picks one move: a later inter-domain BU at the home agent fails only that move', () => {
    const second = { index: 1, node: 'mn', detachNs: String(ms(300)), attachNs: String(ms(310)) } as HandoverResult;
    const two: LocalizedContext = {
      ...local,
      results: { ...base.results, handovers: [handover, second] },
      captures: [
        capture('mn', 'wlan0', [
          [120, bu(LCOA, MAP)],
          [140, tunnel(tunnel(flowTo(14), HA, RCOA), MAP, LCOA)],
          [330, tunnel(tunnel(flowTo(33), HA, RCOA), MAP, LCOA)],
        ]),
        capture('ha', 'eth1', [
          [135, tunnel(flowTo(13), HA, RCOA)],
          [320, bu(RCOA, HA)], // the new domain's RCoA: before the flow came back
        ]),
      ],
    };
    expect(judge('no-global-signalling', two)).toMatchObject({ held: false, measured: 1 });
    expect(judge('localized', two)).toMatchObject({ held: false });
    for (const kind of ['no-global-signalling', 'localized'] as const) {
      expect(judgeLocalized({ kind, node: 'mn', handover: 0 }, two), kind).toMatchObject({ held: true });
      expect(judgeLocalized({ kind, node: 'mn', handover: 1 }, two), kind).toMatchObject({ held: false });
      // No move with that index: not held vacuously.
      expect(judgeLocalized({ kind, node: 'mn', handover: 7 }, two).detail).toContain('no move with handover index 7');
    }
  });

  it('cannot hold vacuously: no watched node, no capture of it, no move, or no care-of address seen', () => {
    expect(judgeLocalized({ kind: 'localized', node: 'mn' }, { ...local, nodeRoles: {} })).toMatchObject({
      held: false,
    });
    expect(judgeLocalized({ kind: 'localized', node: 'mn', nodes: ['ar9'] }, local)).toMatchObject({ held: false });
    expect(
      judgeLocalized(
        { kind: 'no-global-signalling', node: 'mn' },
        { ...local, results: { ...base.results, handovers: [] } },
      ),
    ).toMatchObject({ held: false });
    expect(
      judgeLocalized({ kind: 'location-privacy', node: 'mn' }, { ...local, captures: local.captures.slice(1) }),
    ).toMatchObject({ held: false });
  });
});
