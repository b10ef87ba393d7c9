import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/random.js';
import {
  ALL_NODES,
  configProblems,
  MAX_INITIAL_RTR_ADVERT_INTERVAL_MS,
  parsePrefix,
  RouterAdvertiser,
  type RouterAdvertiserAction,
  type RouterAdvertiserConfig,
  type RouterSolicitationInput,
} from './router-advertiser.js';

const TICK = { kind: 'tick' } as const;
const t = (ms: number): number => 1_000 + ms; // explicit times on an arbitrary monotonic origin

const MIP_CFG = {
  prefix: '2001:db8:10:a1::',
  prefixLength: 64,
  minIntervalMs: 30,
  maxIntervalMs: 70,
  routerLifetimeS: 9,
  sourceLinkLayerAddress: '02:00:00:00:0a:01',
} satisfies RouterAdvertiserConfig;

/** A slow router, so solicitations are not hidden by the next periodic RA; MinDelayBetweenRAs at its
 * RFC 6275 §7.5 minimum so answers are not held back by the RA at time 0. */
const SLOW_CFG = {
  ...MIP_CFG,
  minIntervalMs: 3_000,
  maxIntervalMs: 4_000,
  routerLifetimeS: 1800,
  minDelayBetweenRasMs: 30,
} satisfies RouterAdvertiserConfig;

const RS = {
  kind: 'router-solicitation',
  src: 'fe80::2',
  hopLimit: 255,
  code: 0,
  hasSourceLinkLayerAddress: true,
} satisfies RouterSolicitationInput;

const sends = (actions: RouterAdvertiserAction[]) => actions.filter((a) => a.kind === 'send-router-advertisement');

describe('RouterAdvertiser, unsolicited RAs (RFC 4861 §6.2.4, RFC 6275 §7.5)', () => {
  it('sends the first RA to all-nodes at the first tick, with SLLA, Prefix Information (L, A) and Advertisement Interval', () => {
    const m = new RouterAdvertiser(MIP_CFG, () => 0.5);
    expect(m.nextDeadline()).toBeNull();
    const out = m.handle(t(0), TICK);
    expect(out).toEqual([
      {
        kind: 'send-router-advertisement',
        dst: ALL_NODES,
        cause: 'unsolicited',
        advertisement: {
          curHopLimit: 64,
          managed: false,
          other: false,
          homeAgent: false,
          routerLifetimeS: 9,
          reachableTimeMs: 0,
          retransTimerMs: 0,
          sourceLinkLayerAddress: '02:00:00:00:0a:01',
          prefixInformation: {
            prefix: '2001:db8:10:a1::',
            prefixLength: 64,
            onLink: true,
            autonomous: true,
            validLifetimeS: 2_592_000,
            preferredLifetimeS: 604_800,
          },
          advertisementIntervalMs: 70,
        },
      },
    ]);
    // random 0.5 -> the middle of [30, 70]
    expect(m.nextDeadline()).toBe(t(50));
  });

  it('sends nothing on a tick before the deadline', () => {
    const m = new RouterAdvertiser(MIP_CFG, () => 0.5);
    m.handle(t(0), TICK);
    expect(m.handle(t(49.9), TICK)).toEqual([]);
    expect(m.nextDeadline()).toBe(t(50));
    expect(sends(m.handle(t(50), TICK))).toHaveLength(1);
  });

  it('keeps every interval within [MinRtrAdvInterval, MaxRtrAdvInterval] and uses the whole range', () => {
    const m = new RouterAdvertiser(MIP_CFG, seededRandom(42));
    let now = t(0);
    const sentAt: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      if (sends(m.handle(now, TICK)).length) sentAt.push(now);
      now = m.nextDeadline()!;
    }
    const gaps = sentAt.slice(1).map((s, i) => s - sentAt[i]!);
    expect(gaps.length).toBe(1_999);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(70);
    // Uniform: the extremes are approached and the mean is near the middle.
    expect(Math.min(...gaps)).toBeLessThan(31);
    expect(Math.max(...gaps)).toBeGreaterThan(69);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(49);
    expect(mean).toBeLessThan(51);
  });

  it('uses exactly min and max at the ends of the random range', () => {
    const lo = new RouterAdvertiser(MIP_CFG, () => 0);
    lo.handle(t(0), TICK);
    expect(lo.nextDeadline()).toBe(t(30));
    const hi = new RouterAdvertiser(MIP_CFG, () => 1 - Number.EPSILON);
    hi.handle(t(0), TICK);
    expect(hi.nextDeadline()! - t(0)).toBeCloseTo(70, 9);
  });

  it('caps the first intervals at MAX_INITIAL_RTR_ADVERT_INTERVAL (RFC 4861 §6.2.4)', () => {
    const m = new RouterAdvertiser(
      { ...MIP_CFG, minIntervalMs: 100_000, maxIntervalMs: 200_000, routerLifetimeS: 600 },
      () => 0.5,
    );
    m.handle(t(0), TICK);
    expect(m.nextDeadline()).toBe(t(MAX_INITIAL_RTR_ADVERT_INTERVAL_MS));
    m.handle(m.nextDeadline()!, TICK);
    m.handle(m.nextDeadline()!, TICK);
    const third = m.nextDeadline()!;
    m.handle(third, TICK);
    expect(m.nextDeadline()! - third).toBe(150_000);
  });
});

describe('RouterAdvertiser, solicited RAs (RFC 4861 §6.2.6)', () => {
  it('answers a solicitation with a multicast RA within maxResponseDelayMs (default 10 ms)', () => {
    const m = new RouterAdvertiser(SLOW_CFG, () => 0.5);
    m.handle(t(0), TICK); // periodic RA at 0; next at 3500
    expect(m.handle(t(1_000), RS)).toEqual([]);
    expect(m.nextDeadline()).toBe(t(1_005)); // 0.5 × 10 ms
    expect(m.handle(t(1_004), TICK)).toEqual([]);
    const out = m.handle(t(1_005), TICK);
    expect(out).toMatchObject([{ kind: 'send-router-advertisement', dst: ALL_NODES, cause: 'solicited' }]);
    // A multicast RA resets the periodic timer (§6.2.4).
    expect(m.nextDeadline()).toBe(t(1_005 + 3_500));
  });

  it('honours a configured maxResponseDelayMs, up to MAX_RA_DELAY_TIME', () => {
    const m = new RouterAdvertiser({ ...SLOW_CFG, maxResponseDelayMs: 500 }, () => 0.999);
    m.handle(t(0), TICK);
    m.handle(t(1_000), RS);
    expect(m.nextDeadline()).toBeCloseTo(t(1_499.5), 6);
  });

  it('by default holds answers to min(MinRtrAdvInterval, MIN_DELAY_BETWEEN_RAS) after the last multicast RA', () => {
    const m = new RouterAdvertiser({ ...SLOW_CFG, minDelayBetweenRasMs: undefined, minIntervalMs: 3_500 }, () => 0.5);
    m.handle(t(0), TICK); // next periodic at 3_750
    m.handle(t(1_000), RS);
    expect(m.nextDeadline()).toBe(t(3_000 + 5));
  });

  it('within MinDelayBetweenRAs of the last multicast RA, answers at that floor plus the delay', () => {
    const m = new RouterAdvertiser({ ...SLOW_CFG, minDelayBetweenRasMs: 200 }, () => 0.5);
    m.handle(t(0), TICK);
    m.handle(t(50), RS);
    expect(m.nextDeadline()).toBe(t(0 + 200 + 5));
  });

  it('sends no extra RA when the next periodic one comes first', () => {
    const m = new RouterAdvertiser(MIP_CFG, () => 0.5);
    m.handle(t(0), TICK); // next periodic at 50
    m.handle(t(45), RS); // answer would be at 0 + 30 (MinDelayBetweenRAs) + 5 < 50? no: 45 + 5 = 50 -> periodic serves
    expect(m.nextDeadline()).toBe(t(50));
    expect(sends(m.handle(t(50), TICK))).toHaveLength(1);
  });

  it('merges several solicitations into one multicast answer', () => {
    const m = new RouterAdvertiser(SLOW_CFG, () => 0.5);
    m.handle(t(0), TICK);
    m.handle(t(1_000), RS);
    m.handle(t(1_001), { ...RS, src: 'fe80::3' });
    expect(sends(m.handle(t(1_006), TICK))).toHaveLength(1);
    expect(m.nextDeadline()).toBe(t(1_006 + 3_500));
  });

  it('answers with a unicast RA to the solicitor when solicitedUnicast is set', () => {
    const m = new RouterAdvertiser({ ...SLOW_CFG, solicitedUnicast: true }, () => 0.2);
    m.handle(t(0), TICK);
    m.handle(t(10), RS);
    expect(m.nextDeadline()).toBe(t(12));
    expect(m.handle(t(12), TICK)).toMatchObject([
      { kind: 'send-router-advertisement', dst: 'fe80::2', cause: 'solicited' },
    ]);
    // A unicast answer leaves the periodic schedule alone.
    expect(m.nextDeadline()).toBe(t(0 + 3_000 + 0.2 * 1_000));
  });

  it('answers a solicitation from the unspecified address by multicast even with solicitedUnicast', () => {
    const m = new RouterAdvertiser({ ...SLOW_CFG, solicitedUnicast: true }, () => 0);
    m.handle(t(0), TICK);
    m.handle(t(100), { ...RS, src: '::', hasSourceLinkLayerAddress: false });
    expect(m.handle(t(100), TICK)).toMatchObject([{ dst: ALL_NODES, cause: 'solicited' }]);
  });

  it('discards a solicitation with hop limit other than 255 (RFC 4861 §6.1.1)', () => {
    const m = new RouterAdvertiser(SLOW_CFG, () => 0);
    m.handle(t(0), TICK);
    expect(m.handle(t(10), { ...RS, hopLimit: 64 })).toEqual([{ kind: 'discard-solicitation', reason: 'hop-limit' }]);
    expect(m.nextDeadline()).toBe(t(3_000));
  });

  it('discards a solicitation with a non-zero code or with SLLA from the unspecified address (RFC 4861 §6.1.1)', () => {
    const m = new RouterAdvertiser(SLOW_CFG, () => 0);
    m.handle(t(0), TICK);
    expect(m.handle(t(10), { ...RS, code: 1 })).toEqual([{ kind: 'discard-solicitation', reason: 'code' }]);
    expect(m.handle(t(10), { ...RS, src: '::' })).toEqual([
      { kind: 'discard-solicitation', reason: 'unspecified-source-with-sllao' },
    ]);
    expect(m.nextDeadline()).toBe(t(3_000));
  });
});

describe('configuration', () => {
  it('accepts the RFC 6275 §7.5 minimums and flags values below them', () => {
    expect(configProblems(MIP_CFG)).toEqual([]);
    expect(configProblems({ ...MIP_CFG, minIntervalMs: 20, maxIntervalMs: 60 })).toEqual([
      'MinRtrAdvInterval 20 ms is below 30 ms (RFC 6275 §7.5)',
      'MaxRtrAdvInterval 60 ms is below 70 ms (RFC 6275 §7.5)',
    ]);
    expect(configProblems({ ...MIP_CFG, minIntervalMs: 60 })[0]).toMatch(/0\.75/);
    expect(configProblems({ ...MIP_CFG, prefixLength: 56 })[0]).toMatch(/\/56/);
  });

  it('rejects min > max', () => {
    expect(() => new RouterAdvertiser({ ...MIP_CFG, minIntervalMs: 80 })).toThrow(RangeError);
  });

  it('parses a prefix', () => {
    expect(parsePrefix('2001:db8:10:a1::/64')).toEqual({ prefix: '2001:db8:10:a1::', prefixLength: 64 });
    expect(() => parsePrefix('2001:db8::')).toThrow(TypeError);
  });
});
