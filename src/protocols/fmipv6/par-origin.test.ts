// Where the PAR takes an FBU from (RFC 5568 §6, §3.2) and the bounds of its tables (docs/security.md).
import { describe, expect, it } from 'vitest';
import type { ParAction, ParConfig } from './par-interface.js';
import { FBU, NAR, NCOA, PAR, PCOA, servingPar } from './testing/par-fixture.js';

const ACCESS = 5; // our AP cell's ifindex
const CORE = 6; // toward the core (where the correspondent is)
const TO_NAR = 7; // the link to the NAR

const par = (over: Partial<ParConfig> = {}) =>
  servingPar({ accessLinks: [ACCESS], narLinks: { [NAR]: TO_NAR }, ...over }, ACCESS);

const predictive = (ifindex: number) => ({ kind: 'mh' as const, src: PCOA, dst: PAR, message: FBU, ifindex });
const reactive = (ifindex: number) => ({
  kind: 'mh' as const,
  src: NCOA,
  dst: PAR,
  homeAddressOption: PCOA,
  message: { ...FBU, options: [] },
  ifindex,
});
const sent = (as: ParAction[]) =>
  as.filter((a) => a.kind === 'send-mh').map((a) => a.kind === 'send-mh' && a.message.type);

describe('PAR: an FBU counts only from where the MN can send it', () => {
  it('predictive: from the PCoA on the access link that serves it → HI', () => {
    expect(sent(par().handle(1, predictive(ACCESS)))).toEqual(['HandoverInitiate']);
  });

  it('predictive: the same FBU arriving from the core (an off-link sender) is refused, counted, nothing sent', () => {
    const p = par();
    const out = p.handle(1, predictive(CORE));
    expect(sent(out)).toEqual([]);
    expect(out).toContainEqual({ kind: 'event', event: expect.objectContaining({ reason: 'wrong-link' }) });
    expect(p.counters['fbu-wrong-link']).toBe(1);
    expect(p.handovers).toEqual([]);
  });

  it('predictive: on another access link than the one the PCoA was seen on → refused', () => {
    const p = par({ accessLinks: [ACCESS, 9] });
    expect(sent(p.handle(1, predictive(9)))).toEqual([]);
    expect(p.counters['fbu-wrong-link']).toBe(1);
  });

  it('reactive: through the link toward the NAR → HI code 1; from the core or an access link → refused', () => {
    expect(sent(par().handle(1, reactive(TO_NAR)))).toEqual(['HandoverInitiate']);
    for (const ifindex of [CORE, ACCESS]) {
      const p = par();
      expect(sent(p.handle(1, reactive(ifindex)))).toEqual([]);
      expect(p.counters['fbu-wrong-link']).toBe(1);
    }
  });
});

describe('PAR: bounded tables', () => {
  it('served nodes: one beyond maxServedNodes is refused and counted (its FBU then is unauthorised)', () => {
    const p = par({ limits: { maxServedNodes: 1 } });
    p.handle(1, { kind: 'served-node', address: '2001:db8:2::99', ifindex: ACCESS });
    expect(p.counters['served-node-full']).toBe(1);
    p.handle(2, { ...predictive(ACCESS), src: '2001:db8:2::99' });
    expect(p.counters['fbu-unauthorised']).toBe(1);
  });

  it('RtSolPr sources: the oldest is forgotten beyond maxRtSolPrTargets', () => {
    const p = par({ limits: { maxRtSolPrTargets: 2 } });
    for (let i = 0; i < 5; i++)
      p.handle(i, {
        kind: 'icmp',
        src: `2001:db8:2::${i + 1}`,
        dst: PAR,
        hopLimit: 255,
        message: { type: 'RouterSolicitationForProxyAdvertisement', identifier: i, options: [] },
      });
    expect(p.counters['rtsolpr-target-forgotten']).toBe(3);
  });

  it('holds: beyond maxHolds none is started (the tunnel then starts at the HAck), counted', () => {
    const p = par({ awaitStationLeft: true, limits: { maxHolds: 0 } });
    const out = p.handle(1, predictive(ACCESS));
    expect(out.some((a) => a.kind === 'hold-start')).toBe(false);
    expect(p.counters['hold-refused']).toBe(1);
  });
});
