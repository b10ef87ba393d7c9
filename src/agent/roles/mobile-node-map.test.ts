// The mobile node's HMIPv6 binding with a fake radio and home address plane: what the Mobile IPv6
// machine sees of an RA, when the RCoA becomes usable for it, which path each packet takes, and what a
// MAP's real answer (MobilityAnchorPoint over the codec) does.
import { describe, expect, it } from 'vitest';
import type { NativeBinding } from '../../native/types.js';
import { MobilityAnchorPoint } from '../../protocols/hmipv6/map.js';
import { regionalCareOfAddress } from '../../protocols/hmipv6/map-selection.js';
import type { MobileNodeInput } from '../../protocols/mipv6/mobile-node.js';
import { canonical, ipv6ToBytes, slaacAddress } from '../../wire/address.js';
import * as mh from '../../wire/mh/index.js';
import { parseIpv6Packet } from '../../wire/parse.js';
import { buildMobilityPacket, type MobilityHeaderIo } from '../dataplane/mobility-header-io.js';
import type { HomeAddress, MobilityAnchor } from '../dataplane/home-address.js';
import { Counters } from '../counters.js';
import { silentLogger } from '../log.js';
import { ManualClock, runMachine } from '../loop.js';
import type { Radio, ReceivedRouterAdvertisement } from './mobile-node-link.js';
import { openMobileNodeHmipv6 } from './mobile-node-map.js';
import type { RoleContext } from './role.js';

const IID = '::7c40:7ff:feb3:3b0e';
const MAP = canonical('fd00:5380:0:50::1');
const KEY = Buffer.from('686d697076362d6d6170206b65792031', 'hex');
const EPOCH = Date.now() - performance.now();
const RCOA = regionalCareOfAddress(MAP, IID).rcoa;
const LCOA = slaacAddress('fd00:5380:0:a1::', 64, IID);

function setup() {
  const clock = new ManualClock(1000);
  const counters = new Counters();
  const ctx = {
    config: {} as RoleContext['config'],
    configFile: 'x.json',
    native: {} as NativeBinding,
    log: silentLogger,
    counters,
    clock,
    random: () => 0.5,
    run: (m, io) => runMachine(m, io, clock),
    own: (r) => r,
    fatal: (e) => {
      throw e;
    },
    bug: (e) => {
      throw e;
    },
  } as RoleContext;
  const toRouter: Buffer[] = [];
  /** The LCoA each sweep of the other links kept. */
  const sweeps: string[] = [];
  const radio = {
    sendToRouter: (_r: string, p: Buffer) => toRouter.push(p) > 0,
    configureAddress: async () => {},
    enterLink: async () => {},
    forgetOtherLinks: async (_p: string, _l: number, _r: string, keep: string[]) => {
      sweeps.push(keep.at(-1)!);
    },
  } as unknown as Radio;
  const anchors: (MobilityAnchor | null)[] = [];
  const viaAnchor: Buffer[] = [];
  let resumed = 0;
  const hoa = {
    setAnchor: (a: MobilityAnchor | null) => anchors.push(a),
    resume: () => resumed++,
    sendViaAnchor: (p: Buffer) => viaAnchor.push(p) > 0,
  } as unknown as HomeAddress;
  const fed: MobileNodeInput[] = [];
  const anchoredData: Buffer[] = [];
  const hmip = openMobileNodeHmipv6({
    ctx,
    settings: { spi: 2000, key: KEY.toString('hex'), lifetimeS: 60 },
    nai: 'mn@lab',
    iface: 'wlan0',
    interfaceId: IID,
    radio,
    mhIo: { send: () => true } as unknown as MobilityHeaderIo,
    homeAddress: () => hoa,
    setFilterAddresses: async () => {},
    feedMobileNode: (i) => fed.push(i),
    onAnchoredData: (p) => anchoredData.push(p),
    keep: ['fd00:5380:0:100::100'],
  });
  hmip.onCarrier(true);
  const map = new MobilityAnchorPoint({
    address: MAP,
    rcoaPrefix: regionalCareOfAddress(MAP, IID).prefix,
    rcoaPrefixLength: 64,
    mobileNodes: [{ nai: 'mn@lab', spi: 2000, key: KEY }],
    epochOffsetMs: EPOCH,
    performDad: false,
  });
  /** The last local BU the node sent, through the MAP, and its BA back into the node. */
  const answer = () => {
    const p = parseIpv6Packet(toRouter.at(-1)!);
    if (!p.ok || p.value.upper.kind !== 'MobilityHeader') throw new Error('no MH');
    const { walk } = p.value;
    const bytes = toRouter.at(-1)!.subarray(walk.upperOffset, walk.upperOffset + walk.upperLength);
    const hao = walk.extensions.find((e) => e.kind === 'DestinationOptions');
    expect(hao).toBeDefined();
    const out = map.handle(clock.now(), {
      kind: 'mh',
      src: walk.header.src,
      dst: walk.header.dst,
      homeAddressOption: RCOA,
      message: p.value.upper.message,
      bytes: Buffer.from(bytes),
    });
    const ba = out.find((a) => a.kind === 'send-mh');
    if (ba?.kind !== 'send-mh') throw new Error('no BA');
    return hmip.takeMobilityHeader(ba.src, ba.dst, ba.routingType2, ba.bytes, ba.message);
  };
  return {
    hmip,
    clock,
    toRouter,
    anchors,
    viaAnchor,
    fed,
    anchoredData,
    counters,
    answer,
    resumed: () => resumed,
    sweeps,
  };
}

const ra = (router: string, prefix: string, withMap = true): ReceivedRouterAdvertisement => ({
  router,
  prefixes: [{ prefix, prefixLength: 64, autonomous: true }],
  homeAgent: false,
  maps: withMap ? [{ distance: 2, preference: 10, rcoa: false, validLifetime: 600, globalAddress: MAP }] : [],
});

describe('the mobile node with a MAP (RFC 5380 §6.1)', () => {
  it('shows the MAP domain as the link, and makes the RCoA usable only after the MAP accepted the LCoA', () => {
    const t = setup();
    const view = t.hmip.onRouterAdvertisement(ra('fe80::1', 'fd00:5380:0:a1::'));
    expect(view.prefixes).toEqual([{ prefix: canonical('fd00:5380:0:50::'), prefixLength: 64, autonomous: true }]);
    expect(t.toRouter).toHaveLength(1); // the local BU, straight to the access router
    expect(t.anchors.at(-1)).toEqual({ map: MAP, regionalCareOfAddress: RCOA, onLinkCareOfAddress: LCOA });
    expect(t.hmip.takeConfigureAddress('wlan0', RCOA)).toBe(true);
    expect(t.fed).toEqual([]);
    expect(t.answer()).toBe(true);
    expect(t.fed).toEqual([{ kind: 'address-configured', iface: 'wlan0', address: RCOA }]);
    // Another address is not the RCoA: the Mobile IPv6 path handles it.
    expect(t.hmip.takeConfigureAddress('wlan0', LCOA)).toBe(false);
  });

  it('a move inside the domain: same view, a new LCoA registered, the held uplink resumed, nothing for the HA', () => {
    const t = setup();
    t.hmip.onRouterAdvertisement(ra('fe80::1', 'fd00:5380:0:a1::'));
    t.hmip.takeConfigureAddress('wlan0', RCOA);
    t.answer();
    t.hmip.onCarrier(false);
    t.clock.advance(50);
    t.hmip.onCarrier(true);
    const view = t.hmip.onRouterAdvertisement(ra('fe80::2', 'fd00:5380:0:a2::'));
    expect(view.prefixes[0]!.prefix).toBe(canonical('fd00:5380:0:50::'));
    expect(t.toRouter).toHaveLength(2);
    const before = t.resumed();
    t.answer();
    expect(t.resumed()).toBe(before + 1);
    expect(t.fed).toHaveLength(1); // still the one address-configured
    expect(t.anchors.at(-1)?.onLinkCareOfAddress).toBe(slaacAddress('fd00:5380:0:a2::', 64, IID));
  });

  it('sends the BU from the RCoA through the MAP, and decodes the HA reply the MAP tunnelled (checksum verified)', () => {
    const t = setup();
    t.hmip.onRouterAdvertisement(ra('fe80::1', 'fd00:5380:0:a1::'));
    const bu = mh.bindingUpdate({ sequenceNumber: 1, lifetime: 15, acknowledge: true, homeRegistration: true });
    const send = { kind: 'send-mh' as const, src: RCOA, dst: 'fd00:5380:0:100::1', message: bu, bytes: mh.encode(bu) };
    expect(t.hmip.takeSendMobilityHeader({ ...send, homeAddressOption: 'fd00:5380:0:100::100' })).toBe(true);
    // [LCoA -> MAP [RCoA -> HA, HAO, BU]] in a frame to the access router (the kernel's routes may lag).
    const frame = t.toRouter.at(-1)!;
    const outer = parseIpv6Packet(frame, 0, { verifyChecksum: false });
    expect(outer.ok && outer.value.walk.header).toMatchObject({ src: LCOA, dst: MAP, nextHeader: 41 });
    const inner = parseIpv6Packet(frame, 40);
    expect(inner.ok && inner.value.walk.header.src).toBe(RCOA);
    expect(inner.ok && inner.value.upper.kind).toBe('MobilityHeader');
    expect(t.viaAnchor).toHaveLength(0);
    expect(t.hmip.takeSendMobilityHeader({ ...send, src: LCOA })).toBe(false);
    const ba = mh.encode(mh.bindingAcknowledgement({ status: 0, sequenceNumber: 1, lifetime: 15 }));
    const packet = buildMobilityPacket({
      src: 'fd00:5380:0:100::1',
      dst: RCOA,
      routingHomeAddress: 'fd00:5380:0:100::100',
      mh: ba,
    });
    t.hmip.onAnchoredPacket(packet);
    expect(t.fed).toEqual([expect.objectContaining({ kind: 'mh', src: canonical('fd00:5380:0:100::1'), dst: RCOA })]);
    const bad = Buffer.from(packet);
    bad[bad.length - 1]! ^= 0xff; // a corrupted byte: the checksum no longer verifies
    t.hmip.onAnchoredPacket(bad);
    expect(t.fed).toHaveLength(1);
    expect(t.counters.get('anchored.malformed.bad-checksum')).toBe(1);
  });

  it('route optimisation through the RCoA (§6.1.1): the CoTI through the MAP, the CoT and routed data the MAP tunnelled back', () => {
    const t = setup();
    t.hmip.onRouterAdvertisement(ra('fe80::1', 'fd00:5380:0:a1::'));
    const CN = canonical('fd00:5380:0:1::2');
    const coti = { type: 'CareOfTestInit' as const, careOfInitCookie: Buffer.alloc(8, 7), options: [] };
    const send = { kind: 'send-mh' as const, src: RCOA, dst: CN, message: coti, bytes: mh.encode(coti) };
    expect(t.hmip.takeSendMobilityHeader(send, 'ro.')).toBe(true);
    const frame = t.toRouter.at(-1)!;
    const outer = parseIpv6Packet(frame, 0, { verifyChecksum: false });
    expect(outer.ok && outer.value.walk.header).toMatchObject({ src: LCOA, dst: MAP, nextHeader: 41 });
    const inner = parseIpv6Packet(frame, 40);
    expect(inner.ok && inner.value.walk.header).toMatchObject({ src: RCOA, dst: CN });
    expect(inner.ok && inner.value.upper.kind === 'MobilityHeader' && inner.value.upper.message.type).toBe(
      'CareOfTestInit',
    );
    expect(t.counters.get('sent.ro.CareOfTestInit')).toBe(1);
    // The CoT to the RCoA (no routing header) comes back as a Mobility Header input from the correspondent.
    const cot = mh.encode({
      type: 'CareOfTest',
      careOfNonceIndex: 1,
      careOfInitCookie: Buffer.alloc(8, 7),
      careOfKeygenToken: Buffer.alloc(8, 9),
      options: [],
    });
    t.hmip.onAnchoredPacket(buildMobilityPacket({ src: CN, dst: RCOA, mh: cot }));
    expect(t.fed).toEqual([expect.objectContaining({ kind: 'mh', src: CN, dst: RCOA })]);
    // Data [CN -> RCoA, RH2 = HoA, UDP]: handed on without decoding, not to the Mobile IPv6 machine.
    const data = Buffer.alloc(40 + 24 + 8 + 4);
    data[0] = 0x60;
    data.writeUInt16BE(24 + 8 + 4, 4);
    data[6] = 43;
    data[7] = 64;
    Buffer.from(ipv6ToBytes(CN)).copy(data, 8);
    Buffer.from(ipv6ToBytes(RCOA)).copy(data, 24);
    data.set([17, 2, 2, 1], 40);
    Buffer.from(ipv6ToBytes('fd00:5380:0:100::100')).copy(data, 48);
    t.hmip.onAnchoredPacket(data);
    expect(t.anchoredData).toEqual([data]);
    expect(t.fed).toHaveLength(1);
  });

  it('sweeps the other links once per registered LCoA, not on each RA that confirms it (an FMIPv6 NCoA put on the radio before the move stays)', async () => {
    const t = setup();
    t.hmip.onRouterAdvertisement(ra('fe80::1', 'fd00:5380:0:a1::'));
    t.answer();
    for (let i = 0; i < 5; i++) t.hmip.onRouterAdvertisement(ra('fe80::1', 'fd00:5380:0:a1::'));
    await new Promise((r) => setImmediate(r));
    expect(t.sweeps).toEqual([LCOA]);
    // The move: a new LCoA registered, one more sweep keeping it.
    t.hmip.onCarrier(false);
    t.clock.advance(50);
    t.hmip.onCarrier(true);
    t.hmip.onRouterAdvertisement(ra('fe80::2', 'fd00:5380:0:a2::'));
    expect(t.answer()).toBe(true);
    t.hmip.onRouterAdvertisement(ra('fe80::2', 'fd00:5380:0:a2::'));
    await new Promise((r) => setTimeout(r, 10));
    expect(t.sweeps).toEqual([LCOA, slaacAddress('fd00:5380:0:a2::', 64, IID)]);
  });

  it('an RA without a MAP option: plain Mobile IPv6 again, the MN-MAP tunnel gone', () => {
    const t = setup();
    t.hmip.onRouterAdvertisement(ra('fe80::1', 'fd00:5380:0:a1::'));
    const view = t.hmip.onRouterAdvertisement(ra('fe80::9', 'fd00:5380:0:100::', false));
    expect(view.prefixes).toEqual([{ prefix: 'fd00:5380:0:100::', prefixLength: 64, autonomous: true }]);
    expect(t.hmip.active).toBe(false);
    expect(t.anchors.at(-1)).toBeNull();
  });
});
