import { describe, expect, it } from 'vitest';
import type { NdOption } from '../../wire/icmpv6/nd-options.js';
import { FmipMobileNode, type FmipMobileNodeInput } from './mobile-node.js';
import { FMIP_MN_TRANSITIONS, type FmipMobileNodeStateName, type FmipMobileNodeStimulus } from './mobile-node-state.js';
import { mhAddress, ndAddress, ndLla } from './options.js';

const PAR = '2001:db8:2::1';
const NAR = '2001:db8:3::1';
const MAC = '02:00:00:00:00:10';
const PCOA = '2001:db8:2::ff:fe00:10';
const NCOA = '2001:db8:3::ff:fe00:10';
const AP2 = '02:aa:00:00:00:02';
const TUPLE: NdOption[] = [
  ndLla(1, AP2),
  ndLla(3, '02:00:00:00:03:01'),
  ndAddress(3, NAR, 128),
  ndAddress(4, '2001:db8:3::', 64),
];
const prrtadv = (identifier: number, code = 0, options = TUPLE): FmipMobileNodeInput => ({
  kind: 'icmp',
  src: PAR,
  dst: PCOA,
  hopLimit: 255,
  message: { type: 'ProxyRouterAdvertisement', code, identifier, options },
});
const fback = (sequenceNumber: number, status = 0, dst = PCOA): FmipMobileNodeInput => ({
  kind: 'mh',
  src: PAR,
  dst,
  message: {
    type: 'FastBindingAcknowledgement',
    status,
    keyManagementCompatibility: false,
    sequenceNumber,
    lifetime: 10,
    options: status === 1 ? [mhAddress(2, '2001:db8:3::1000')] : [],
  },
});
const scan: FmipMobileNodeInput = { kind: 'new-ap-detected', bssid: AP2 };
const goingDown: FmipMobileNodeInput = { kind: 'link-going-down', target: AP2 };
const down: FmipMobileNodeInput = { kind: 'link-down' };
const up: FmipMobileNodeInput = { kind: 'link-up', bssid: AP2 };

function stimuli(input: FmipMobileNodeInput): FmipMobileNodeStimulus[] {
  if (input.kind === 'tick') return ['RtSolPr timer', 'FBU timer'];
  if (input.kind === 'icmp') return ['PrRtAdv'];
  if (input.kind === 'mh') return ['FBack'];
  return [input.kind];
}

/** Feeds `steps` (time, input) and returns the handover states passed through, checking each change against the table. */
function run(steps: [number, FmipMobileNodeInput][]): FmipMobileNodeStateName[] {
  const m = new FmipMobileNode({ linkLayerAddress: MAC, router: PAR, careOfAddress: PCOA });
  const seen: FmipMobileNodeStateName[] = [m.handoverState];
  for (const [t, input] of steps) {
    const from = m.handoverState;
    m.handle(t, input);
    const to = m.handoverState;
    if (to === from) continue;
    const row = FMIP_MN_TRANSITIONS.find((r) => r.from.includes(from) && r.to === to && stimuli(input).includes(r.on));
    expect(row, `${from} × ${stimuli(input).join('|')} → ${to} is not in FMIP_MN_TRANSITIONS`).toBeDefined();
    seen.push(to);
  }
  return seen;
}

/** Ticks at every deadline up to `until`. */
function ticks(from: number, until: number, step = 250): [number, FmipMobileNodeInput][] {
  const out: [number, FmipMobileNodeInput][] = [];
  for (let t = from; t <= until; t += step) out.push([t, { kind: 'tick' }]);
  return out;
}

describe('FmipMobileNode states follow the transition table (RFC 5568 §3)', () => {
  it('predictive (§3.1): attached → fbu-sent → fback-received → attached at the NAR', () => {
    expect(
      run([
        [0, scan],
        [5, prrtadv(1)],
        [100, goingDown],
        [110, fback(1)],
        [150, down],
        [250, up],
      ]),
    ).toEqual(['attached', 'fbu-sent', 'fback-received', 'attached']);
  });

  it('link going down before the PrRtAdv: awaiting-prrtadv, then the FBU on its arrival (§3.1)', () => {
    expect(
      run([
        [0, goingDown],
        [5, prrtadv(1)],
        [10, fback(1, 1)],
        [150, down],
        [250, up],
      ]),
    ).toEqual(['attached', 'awaiting-prrtadv', 'fbu-sent', 'fback-received', 'attached']);
  });

  it('no PrRtAdv after the retries: awaiting-prrtadv falls back to attached (§6.1.1)', () => {
    expect(run([[0, goingDown], ...ticks(250, 16_000, 250)])).toEqual(['attached', 'awaiting-prrtadv', 'attached']);
  });

  it('reactive without an FBU before the detach (§3.2): attached → disconnected → reactive-fbu-sent → attached', () => {
    expect(
      run([
        [0, scan],
        [5, prrtadv(1)],
        [150, down],
        [250, up],
        [270, fback(1, 0, NCOA)],
      ]),
    ).toEqual(['attached', 'disconnected', 'reactive-fbu-sent', 'attached']);
  });

  it('reactive after an unanswered predictive FBU (§3.2): fbu-sent → disconnected → reactive-fbu-sent', () => {
    expect(
      run([
        [0, scan],
        [5, prrtadv(1)],
        [100, goingDown],
        [150, down],
        [250, up],
        [270, fback(2, 0, NCOA)],
      ]),
    ).toEqual(['attached', 'fbu-sent', 'disconnected', 'reactive-fbu-sent', 'attached']);
  });

  it('reactive FBU never answered: back to attached after the retries (§6.3.1)', () => {
    expect(run([[0, scan], [5, prrtadv(1)], [150, down], [250, up], ...ticks(500, 10_000)])).toEqual([
      'attached',
      'disconnected',
      'reactive-fbu-sent',
      'attached',
    ]);
  });

  it('refused FBU (§6.3.2): fbu-refused until the link changes', () => {
    expect(
      run([
        [0, scan],
        [5, prrtadv(1)],
        [100, goingDown],
        [110, fback(1, 128)],
        [150, down],
        [250, up],
      ]),
    ).toEqual(['attached', 'fbu-sent', 'fbu-refused', 'attached']);
  });

  it('network-initiated PrRtAdv (§3.3): FBU at once', () => {
    expect(run([[5, prrtadv(0, 1)]])).toEqual(['attached', 'fbu-sent']);
  });

  it('another AP than prepared, or Mobile IPv6 reporting the new link, ends the handover', () => {
    expect(
      run([
        [0, scan],
        [5, prrtadv(1)],
        [100, goingDown],
        [110, fback(1)],
        [150, down],
        [250, { kind: 'link-up', bssid: '02:aa:00:00:00:09' }],
      ]),
    ).toEqual(['attached', 'fbu-sent', 'fback-received', 'attached']);
    expect(
      run([
        [0, scan],
        [5, prrtadv(1)],
        [100, goingDown],
        [150, down],
        [200, { kind: 'attached', router: NAR, careOfAddress: NCOA }],
      ]),
    ).toEqual(['attached', 'fbu-sent', 'disconnected', 'attached']);
  });

  it('the RtSolPr runs beside the handover states (§6.1.1)', () => {
    const m = new FmipMobileNode({ linkLayerAddress: MAC, router: PAR, careOfAddress: PCOA });
    m.handle(0, scan);
    m.handle(5, prrtadv(1));
    m.handle(100, goingDown);
    m.handle(120, { kind: 'new-ap-detected', bssid: '02:aa:00:00:00:03' });
    expect([m.handoverState, m.discoveryState]).toEqual(['fbu-sent', 'rtsolpr-sent']);
  });
});
