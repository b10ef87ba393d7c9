// Arbitrary decoded Mobility Headers (random types, flags and options, PBUs and PBAs among them) fed to
// the LMA and the MAG from their peers' addresses: the machines never throw, the LMA's binding moves
// only for a PBU that names the node it serves with a fresh timestamp, and the MAG's tables stay
// bounded by its policy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mobilityMessage } from '../../wire/testing/arbitraries.js';
import * as mh from '../../wire/mh/index.js';
import { LocalMobilityAnchor } from './lma.js';
import { MobileAccessGateway } from './mag.js';
import { timestampFromUnixMs } from './timestamp.js';

const LMA = 'fd00:5:5:1::1';
const MAG1 = 'fd00:5:5:2::2';
const MAG2 = 'fd00:5:5:3::2';
const EPOCH = 1_800_000_000_000;

describe('PMIPv6 machines under arbitrary Mobility Headers', () => {
  it('the LMA never throws; only a well-formed, fresh PBU for mn moves its binding', () => {
    const lma = new LocalMobilityAnchor({
      address: LMA,
      mobileNodes: [{ id: 'mn@pmip', prefix: 'fd00:5:5:100::', prefixLength: 64 }],
      epochOffsetMs: EPOCH,
    });
    const pbu = mh.proxyBindingUpdate({
      sequenceNumber: 1,
      lifetime: 10,
      options: [
        mh.naiIdentifier('mn@pmip'),
        { type: 'HomeNetworkPrefix', prefix: '::', prefixLength: 0 },
        { type: 'HandoffIndicator', handoffIndicator: 4 },
        { type: 'AccessTechnologyType', accessTechnologyType: 4 },
        { type: 'Timestamp', timestamp: timestampFromUnixMs(EPOCH) },
      ],
    });
    lma.handle(0, { kind: 'mh', src: MAG1, dst: LMA, message: pbu });
    let now = 1;
    fc.assert(
      fc.property(mobilityMessage, (m) => {
        now++;
        expect(() => lma.handle(now, { kind: 'mh', src: MAG2, dst: LMA, message: m })).not.toThrow();
        const e = lma.cache[0];
        // The arbitrary timestamps are never within 300 ms of the LMA's clock: the binding stays.
        expect(e?.proxyCoa).toBe(MAG1);
        expect(lma.cache.length).toBe(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('the MAG never throws and keeps at most one registration and one fast handover per listed node', () => {
    // MAG2 is its RFC 5949 peer: arbitrary HIs and HAcks from it reach the fast-handover code too.
    const mag = new MobileAccessGateway({
      address: MAG1,
      lma: LMA,
      mobileNodes: [{ id: 'mn@pmip', linkLayerAddress: '02:aa:bb:cc:dd:01' }],
      linkLocalAddress: 'fe80::200:5eff:fe00:5213',
      epochOffsetMs: EPOCH,
      fastHandover: { peers: [MAG2] },
    });
    mag.handle(0, { kind: 'station-joined', station: '02:aa:bb:cc:dd:01', iface: 'ap1' });
    let now = 1;
    fc.assert(
      fc.property(mobilityMessage, fc.boolean(), (m, fromLma) => {
        now++;
        expect(() => mag.handle(now, { kind: 'mh', src: fromLma ? LMA : MAG2, dst: MAG1, message: m })).not.toThrow();
        expect(mag.bindings.length).toBeLessThanOrEqual(1);
        expect(mag.fastHandovers.length).toBeLessThanOrEqual(1);
        expect(mag.bindings.every((b) => b.forwarding === false || b.prefix !== undefined)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
