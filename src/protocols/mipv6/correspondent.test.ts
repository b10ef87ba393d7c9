// The correspondent (RFC 6275 §9) against the mobile node's route optimisation machine (§11.6, §11.7.2):
// every Mobility Header goes through the real codec, its checksum verified with the §6.1.7 pseudo-header.
import { describe, expect, it } from 'vitest';
import { verifyPseudoHeaderChecksum } from '../../wire/checksum.js';
import * as mh from '../../wire/mh/index.js';
import { pseudoHeader, type SendMobilityHeader } from '../core/index.js';
import { Correspondent, type CorrespondentAction } from './correspondent.js';
import {
  bindingManagementKey,
  homeKeygenToken,
  careOfKeygenToken,
  sealWithBindingAuthorization,
  verifyBindingAuthorization,
} from './return-routability.js';
import { RouteOptimisation, type RouteOptimisationAction } from './route-optimisation.js';

const CN = '2001:db8:9::9';
const HOA = '2001:db8:1::100';
const COA1 = '2001:db8:a1::200';
const COA2 = '2001:db8:a2::200';
const KCN = Buffer.alloc(20, 0x4b);

function counterRandom(): (n: number) => Buffer {
  let i = 0;
  return (n) => Buffer.alloc(n, ++i & 0xff);
}

const sends = (as: readonly (CorrespondentAction | RouteOptimisationAction)[]) =>
  as.filter((a): a is SendMobilityHeader => a.kind === 'send-mh');

/** Decodes as the receiving agent would, checking the MH checksum over the §6.1.7 pseudo-header. */
function receive(a: SendMobilityHeader) {
  const ph = pseudoHeader(a);
  expect(verifyPseudoHeaderChecksum(ph.src, ph.dst, 135, a.bytes), `${a.message.type} checksum`).toBe(true);
  const d = mh.decode(a.bytes, 0, { verify: ph });
  if (!d.ok) throw new Error(`${a.message.type} does not decode: ${d.error.code}`);
  return {
    kind: 'mh' as const,
    src: a.src,
    dst: a.dst,
    ...(a.homeAddressOption ? { homeAddressOption: a.homeAddressOption } : {}),
    message: d.value,
    bytes: a.bytes,
  };
}

function pair(cnOptions: Partial<ConstructorParameters<typeof Correspondent>[0]> = {}) {
  const cn = new Correspondent({ address: CN, randomBytes: counterRandom(), kcn: KCN, ...cnOptions });
  const mn = new RouteOptimisation({ homeAddress: HOA, correspondents: [CN], randomBytes: counterRandom() });
  const log: SendMobilityHeader[] = [];
  const cnActions: CorrespondentAction[] = [];
  const mnActions: RouteOptimisationAction[] = [];
  /** Delivers every message until quiet; `drop` may swallow one. */
  const exchange = (now: number, first: RouteOptimisationAction[], drop?: (m: SendMobilityHeader) => boolean) => {
    let fromMn = first;
    for (let i = 0; i < 10 && fromMn.length; i++) {
      mnActions.push(...fromMn);
      const toCn = sends(fromMn).filter((m) => !drop?.(m));
      log.push(...toCn);
      const fromCn = toCn.flatMap((m) => cn.handle(now, receive(m)));
      cnActions.push(...fromCn);
      const toMn = sends(fromCn).filter((m) => !drop?.(m));
      log.push(...toMn);
      fromMn = toMn.flatMap((m) => mn.handle(now, receive(m)));
    }
  };
  return { cn, mn, log, cnActions, mnActions, exchange };
}

describe('return routability and correspondent registration (RFC 6275 §5.2, §9.4, §9.5, §11.6, §11.7.2)', () => {
  it('after home registration: HoTI from the HoA, CoTI from the CoA, HoT/CoT, BU with HAO, BA with RH2; then route-optimise', () => {
    const p = pair();
    p.exchange(0, p.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }));
    expect(
      p.log.map(
        (m) => `${m.message.type} ${m.src}>${m.dst}${m.homeAddressOption ? ' hao' : ''}${m.routingType2 ? ' rh2' : ''}`,
      ),
    ).toEqual([
      `HomeTestInit ${HOA}>${CN}`,
      `CareOfTestInit ${COA1}>${CN}`,
      `HomeTest ${CN}>${HOA}`,
      `CareOfTest ${CN}>${COA1}`,
      `BindingUpdate ${COA1}>${CN} hao`,
      `BindingAcknowledgement ${CN}>${COA1} rh2`,
    ]);
    expect(p.cnActions).toContainEqual({ kind: 'binding-up', homeAddress: HOA, careOfAddress: COA1 });
    expect(p.mnActions).toContainEqual({ kind: 'route-optimise', correspondent: CN, careOfAddress: COA1 });
    expect(p.cn.cache.get(HOA)).toMatchObject({ careOfAddress: COA1, lifetimeS: 420 });
    // The BU's authenticator is the one the RFC formulas give from Kcn and the CN's nonces.
    const bu = p.log[4]!;
    const hot = p.log[2]!.message as mh.HomeTest;
    const cot = p.log[3]!.message as mh.CareOfTest;
    expect(hot.homeKeygenToken).toEqual(homeKeygenToken(KCN, HOA, Buffer.alloc(8, 2)));
    expect(cot.careOfKeygenToken).toEqual(careOfKeygenToken(KCN, COA1, Buffer.alloc(8, 2)));
    const kbm = bindingManagementKey(hot.homeKeygenToken, cot.careOfKeygenToken);
    expect(verifyBindingAuthorization(kbm, COA1, CN, bu.bytes)).toBe(true);
    expect(verifyBindingAuthorization(kbm, COA1, CN, p.log[5]!.bytes)).toBe(true);
  });

  it('a forged BU (Kbm not from the tokens) is silently discarded and counted; the binding stays', () => {
    const p = pair();
    p.exchange(0, p.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }));
    const real = receive(p.log[4]!);
    const ni = (real.message as mh.BindingUpdate).options.find((o) => o.type === 'NonceIndices')!;
    const forged = sealWithBindingAuthorization(
      mh.bindingUpdate({ sequenceNumber: 40000, lifetime: 100, acknowledge: true, options: [ni] }),
      bindingManagementKey(Buffer.alloc(8, 9), Buffer.alloc(8, 9)),
      '2001:db8:66::6',
      CN,
      { src: HOA, dst: CN },
    );
    const out = p.cn.handle(1000, {
      kind: 'mh',
      src: '2001:db8:66::6',
      dst: CN,
      homeAddressOption: HOA,
      message: forged.message,
      bytes: forged.bytes,
    });
    expect(sends(out)).toEqual([]);
    expect(p.cn.counters['bu-auth-failed']).toBe(1);
    expect(p.cn.cache.get(HOA)).toMatchObject({ careOfAddress: COA1 });
  });

  it('a replayed BU gets 135 with the last accepted sequence number (authenticated), the binding unchanged', () => {
    const p = pair();
    p.exchange(0, p.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }));
    const before = p.cn.cache.get(HOA);
    const out = p.cn.handle(5000, receive(p.log[4]!));
    const [ba] = sends(out);
    expect(ba!.message).toMatchObject({
      type: 'BindingAcknowledgement',
      status: 135,
      sequenceNumber: before!.sequenceNumber,
    });
    expect(p.cn.counters['bu-sequence-out-of-window']).toBe(1);
    expect(p.cn.cache.get(HOA)).toEqual(before);
    expect(out.some((a) => a.kind === 'binding-up' || a.kind === 'binding-down')).toBe(false);
  });

  it('expired nonce indices: 136, 137, 138 without Binding Authorization Data (§9.5.1, §9.5.4)', () => {
    const p = pair({ nonceLifetimeMs: 60_000, nonceRegenerationMs: 10_000 });
    p.exchange(0, p.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }));
    const bu = receive(p.log[4]!);
    const ni = (bu.message as mh.BindingUpdate).options.find((o) => o.type === 'NonceIndices');
    expect(ni).toBeDefined();
    const status = (homeIdx: number, coIdx: number) => {
      const m = mh.bindingUpdate({
        sequenceNumber: 9,
        lifetime: 10,
        options: [{ type: 'NonceIndices', homeNonceIndex: homeIdx, careOfNonceIndex: coIdx }],
      });
      const s = sealWithBindingAuthorization(m, Buffer.alloc(20), COA2, CN, { src: HOA, dst: CN });
      const out = sends(
        p.cn.handle(70_000, {
          kind: 'mh',
          src: COA2,
          dst: CN,
          homeAddressOption: HOA,
          message: s.message,
          bytes: s.bytes,
        }),
      );
      const ba = out[0]!.message as mh.BindingAcknowledgement;
      expect(ba.options.some((o) => o.type === 'BindingAuthorizationData')).toBe(false);
      return ba.status;
    };
    const old = (ni as { homeNonceIndex: number }).homeNonceIndex;
    const fresh = (
      receive(
        sends(
          p.cn.handle(70_000, {
            kind: 'mh',
            src: COA2,
            dst: CN,
            message: { type: 'CareOfTestInit', careOfInitCookie: Buffer.alloc(8), options: [] },
            bytes: Buffer.alloc(0),
          }),
        )[0]!,
      ).message as mh.CareOfTest
    ).careOfNonceIndex;
    expect(status(old, old)).toBe(138);
    expect(status(old, fresh)).toBe(136);
    expect(status(fresh, old)).toBe(137);
    expect(p.cn.cache.get(HOA)).toMatchObject({ careOfAddress: COA1 });
  });

  it('refuses H (131), drops a HoTI with a Home Address option and a BU without Nonce Indices', () => {
    const cn = new Correspondent({ address: CN, randomBytes: counterRandom() });
    const h = mh.bindingUpdate({ sequenceNumber: 1, lifetime: 10, homeRegistration: true });
    expect(
      sends(
        cn.handle(0, { kind: 'mh', src: COA1, dst: CN, homeAddressOption: HOA, message: h, bytes: mh.encode(h) }),
      )[0]!.message,
    ).toMatchObject({ status: 131 });
    const hoti = { type: 'HomeTestInit' as const, homeInitCookie: Buffer.alloc(8), options: [] };
    expect(
      sends(
        cn.handle(0, { kind: 'mh', src: COA1, dst: CN, homeAddressOption: HOA, message: hoti, bytes: mh.encode(hoti) }),
      ),
    ).toEqual([]);
    const bare = mh.bindingUpdate({ sequenceNumber: 1, lifetime: 10 });
    expect(
      sends(
        cn.handle(0, { kind: 'mh', src: COA1, dst: CN, homeAddressOption: HOA, message: bare, bytes: mh.encode(bare) }),
      ),
    ).toEqual([]);
    expect(cn.counters).toMatchObject({ 'bu-home-registration': 1, 'test-init-with-hao': 1, 'bu-no-nonce-indices': 1 });
    expect(cn.cache.size).toBe(0);
  });

  it('a Home Address option without a binding gets BE status 1, at most one a second per destination (§9.3.1)', () => {
    const p = pair();
    const be = sends(p.cn.handle(0, { kind: 'home-address-option', src: COA2, dst: CN, homeAddress: HOA }));
    expect(be[0]).toMatchObject({ dst: COA2, message: { type: 'BindingError', status: 1, homeAddress: HOA } });
    expect(sends(p.cn.handle(500, { kind: 'home-address-option', src: COA2, dst: CN, homeAddress: HOA }))).toEqual([]);
    expect(
      sends(p.cn.handle(1000, { kind: 'home-address-option', src: COA2, dst: CN, homeAddress: HOA })),
    ).toHaveLength(1);
    p.exchange(2000, p.mn.handle(2000, { kind: 'home-registered', careOfAddress: COA1 }));
    expect(sends(p.cn.handle(3000, { kind: 'home-address-option', src: COA1, dst: CN, homeAddress: HOA }))).toEqual([]);
    expect(p.cn.counters['be-rate-limited']).toBe(1);
  });

  it('BRR at 90 % of the lifetime, expiry at 100 % (binding-down); the MN refreshes at 80 % with its tokens if fresh', () => {
    const p = pair({ maxLifetimeS: 100 });
    p.exchange(0, p.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }));
    expect(p.cn.cache.get(HOA)!.lifetimeS).toBe(100);
    expect(p.cn.nextDeadline()).toBe(90_000);
    const brr = sends(p.cn.handle(90_000, { kind: 'tick' }));
    expect(brr[0]).toMatchObject({ dst: COA1, routingType2: HOA, message: { type: 'BindingRefreshRequest' } });
    expect(p.cn.handle(100_000, { kind: 'tick' })).toContainEqual({ kind: 'binding-down', homeAddress: HOA });
    expect(p.cn.counters['binding-expired']).toBe(1);
    // MN: the BA granted 100 s; refresh at 80 s: tokens are 80 s old (< 210 s), so BU only.
    p.log.length = 0;
    const q = pair({ maxLifetimeS: 100 });
    q.exchange(0, q.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }));
    q.log.length = 0;
    expect(q.mn.nextDeadline()).toBe(80_000);
    q.exchange(80_000, q.mn.handle(80_000, { kind: 'tick' }));
    expect(q.log.map((m) => m.message.type)).toEqual(['BindingUpdate', 'BindingAcknowledgement']);
    expect(q.cn.cache.get(HOA)!.expiresAt).toBe(180_000);
  });

  it('a move: route-optimise-off at once; after the new home registration only CoTI/CoT (home token reused), then BU', () => {
    const p = pair();
    p.exchange(0, p.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }));
    expect(p.mn.handle(10_000, { kind: 'moved' })).toEqual([{ kind: 'route-optimise-off', correspondent: CN }]);
    p.log.length = 0;
    p.exchange(10_100, p.mn.handle(10_100, { kind: 'home-registered', careOfAddress: COA2 }));
    expect(p.log.map((m) => m.message.type)).toEqual([
      'CareOfTestInit',
      'CareOfTest',
      'BindingUpdate',
      'BindingAcknowledgement',
    ]);
    expect(p.cn.cache.get(HOA)).toMatchObject({ careOfAddress: COA2 });
    expect(p.mn.state[0]).toMatchObject({ bound: COA2, target: null });
    // Past MAX_TOKEN_LIFETIME both tests run again.
    p.mn.handle(300_000, { kind: 'moved' });
    p.log.length = 0;
    p.exchange(300_000, p.mn.handle(300_000, { kind: 'home-registered', careOfAddress: COA1 }));
    expect(p.log.map((m) => m.message.type).slice(0, 2)).toEqual(['HomeTestInit', 'CareOfTestInit']);
  });

  it('the CoTI goes with the care-of address, before the home registration; the HoTI and the BU wait for it (§11.6.1)', () => {
    const p = pair();
    // First address: no home token yet. Only the CoTI leaves; the CoT is kept.
    p.exchange(0, p.mn.handle(0, { kind: 'care-of-address', careOfAddress: COA1 }));
    expect(p.log.map((m) => m.message.type)).toEqual(['CareOfTestInit', 'CareOfTest']);
    expect(p.mn.nextDeadline()).toBe(1000); // the CoT is in: nothing to resend before the registration
    p.log.length = 0;
    p.exchange(100, p.mn.handle(100, { kind: 'home-registered', careOfAddress: COA1 }));
    expect(p.log.map((m) => m.message.type)).toEqual([
      'HomeTestInit',
      'HomeTest',
      'BindingUpdate',
      'BindingAcknowledgement',
    ]);
    // A move: with a fresh home token the CoT is in before the home BA, and the BU leaves with it.
    p.mn.handle(5000, { kind: 'moved' });
    p.log.length = 0;
    p.exchange(5050, p.mn.handle(5050, { kind: 'care-of-address', careOfAddress: COA2 }));
    expect(p.log.map((m) => m.message.type)).toEqual(['CareOfTestInit', 'CareOfTest']);
    expect(p.mn.nextDeadline()).toBeNull();
    p.log.length = 0;
    p.exchange(5100, p.mn.handle(5100, { kind: 'home-registered', careOfAddress: COA2 }));
    expect(p.log.map((m) => m.message.type)).toEqual(['BindingUpdate', 'BindingAcknowledgement']);
    expect(p.cn.cache.get(HOA)).toMatchObject({ careOfAddress: COA2 });
    // A refresh of the home registration for the same address sends nothing.
    expect(p.mn.handle(6000, { kind: 'home-registered', careOfAddress: COA2 })).toEqual([]);
  });

  it('at home: BU lifetime 0 from the home address, Kbm from the home token only; the CN deletes the binding', () => {
    const p = pair();
    p.exchange(0, p.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }));
    p.log.length = 0;
    // The role reports the move home first (movement detection), then the return home.
    expect(p.mn.handle(20_000, { kind: 'moved' })).toEqual([{ kind: 'route-optimise-off', correspondent: CN }]);
    p.exchange(20_000, p.mn.handle(20_000, { kind: 'at-home' }));
    expect(
      p.log.map(
        (m) => `${m.message.type} ${m.src}>${m.dst}${m.homeAddressOption ? ' hao' : ''}${m.routingType2 ? ' rh2' : ''}`,
      ),
    ).toEqual([`BindingUpdate ${HOA}>${CN}`, `BindingAcknowledgement ${CN}>${HOA}`]);
    expect(p.cnActions).toContainEqual({ kind: 'binding-down', homeAddress: HOA });
    expect(p.cn.cache.size).toBe(0);
    expect(p.mnActions.at(-1)).toMatchObject({ kind: 'event', event: { name: 'cn-deregistered' } });
  });

  it('the MN drops a BA that does not verify, and retransmits the BU with a new sequence number after 1 s, 2 s', () => {
    const p = pair();
    let dropBa = true;
    p.exchange(
      0,
      p.mn.handle(0, { kind: 'home-registered', careOfAddress: COA1 }),
      (m) => dropBa && m.message.type === 'BindingAcknowledgement',
    );
    expect(p.mn.state[0]!.outstanding).toBe(true);
    const forgedBa = mh.bindingAcknowledgement({
      status: 0,
      sequenceNumber: (p.log[4]!.message as mh.BindingUpdate).sequenceNumber,
      lifetime: 100,
    });
    const s = sealWithBindingAuthorization(forgedBa, Buffer.alloc(20, 1), COA1, CN, { src: CN, dst: HOA });
    expect(p.mn.handle(100, { kind: 'mh', src: CN, dst: COA1, message: s.message, bytes: s.bytes })).toMatchObject([
      { kind: 'event', event: { reason: 'cn-ba-auth-failed' } },
    ]);
    expect(p.mn.nextDeadline()).toBe(1000);
    dropBa = false;
    p.log.length = 0;
    p.exchange(1000, p.mn.handle(1000, { kind: 'tick' }));
    expect(p.log.map((m) => m.message.type)).toEqual(['BindingUpdate', 'BindingAcknowledgement']);
    expect(p.mn.state[0]!.bound).toBe(COA1);
    expect(p.cn.counters['bu-accepted']).toBe(2);
  });

  it('holds at most maxBindings bindings (130 beyond)', () => {
    const cn = new Correspondent({ address: CN, randomBytes: counterRandom(), kcn: KCN, maxBindings: 1 });
    const mk = (hoa: string) =>
      new RouteOptimisation({ homeAddress: hoa, correspondents: [CN], randomBytes: counterRandom() });
    const run = (m: RouteOptimisation, coa: string) => {
      let out = m.handle(0, { kind: 'home-registered', careOfAddress: coa });
      const cnOut: CorrespondentAction[] = [];
      for (let i = 0; i < 4; i++) {
        const r = sends(out).flatMap((x) => cn.handle(0, receive(x)));
        cnOut.push(...r);
        out = sends(r).flatMap((x) => m.handle(0, receive(x)));
      }
      return cnOut;
    };
    run(mk(HOA), COA1);
    const second = run(mk('2001:db8:1::101'), COA2);
    expect(sends(second).at(-1)!.message).toMatchObject({ type: 'BindingAcknowledgement', status: 130 });
    expect(cn.cache.size).toBe(1);
  });
});
