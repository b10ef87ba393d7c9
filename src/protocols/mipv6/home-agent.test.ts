import { describe, expect, it } from 'vitest';
import * as mh from '../../wire/mh/index.js';
import type { BindingAcknowledgement } from '../../wire/mh/binding.js';
import { verifyMnHa } from './auth.js';
import { BaStatus } from './constants.js';
import { BINDING_ERROR_DESTINATIONS_MAX, HomeAgent, type HomeAgentAction, type HomeAgentConfig } from './home-agent.js';
import { buInput, COA_AR1, COA_AR2, HA, haConfig, HOA1, HOA2, MN1, MN2 } from './testing/fixtures.js';

const t = (ms: number) => ms;

function sent(actions: HomeAgentAction[]) {
  return actions.filter((a): a is Extract<HomeAgentAction, { kind: 'send-mh' }> => a.kind === 'send-mh');
}
function ba(
  actions: HomeAgentAction[],
): BindingAcknowledgement & { dst: string; routingType2?: string; bytes: Buffer } {
  const s = sent(actions);
  expect(s).toHaveLength(1);
  const m = s[0]!.message;
  if (m.type !== 'BindingAcknowledgement') throw new Error(`expected a BA, got ${m.type}`);
  return { ...m, dst: s[0]!.dst, routingType2: s[0]!.routingType2, bytes: s[0]!.bytes };
}
const kinds = (actions: HomeAgentAction[]) => actions.filter((a) => a.kind !== 'event' && a.kind !== 'send-mh');

/** smoltcp-style fixture: an HA that already holds a binding for MN1. */
function haWithBinding(
  o: { coa?: string; sequence?: number; lifetimeS?: number; at?: number; cfg?: Partial<HomeAgentConfig> } = {},
) {
  const ha = new HomeAgent(haConfig(o.cfg));
  const at = o.at ?? 0;
  const out = ha.handle(
    t(at),
    buInput({ sequenceNumber: o.sequence ?? 10, lifetimeS: o.lifetimeS ?? 60, at, coa: o.coa ?? COA_AR1 }),
  );
  expect(ba(out).status).toBe(0);
  return ha;
}

describe('HomeAgent — home registration (RFC 6275 §10.3.1)', () => {
  it('accepts a BU and creates a binding, tunnel and proxy ND (RFC 6275 §10.3.1)', () => {
    const ha = new HomeAgent(haConfig());
    const out = ha.handle(t(1000), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 1000 }));
    const ack = ba(out);
    expect(ack).toMatchObject({ status: 0, sequenceNumber: 1, lifetime: 15, dst: COA_AR1, routingType2: HOA1 });
    expect(kinds(out)).toEqual([
      { kind: 'proxy-nd-start', homeAddress: HOA1 },
      { kind: 'tunnel-up', homeAddress: HOA1, careOfAddress: COA_AR1 },
    ]);
    expect(ha.cache.get(HOA1)).toMatchObject({
      careOfAddress: COA_AR1,
      sequenceNumber: 1,
      lifetimeS: 60,
      expiresAt: 61_000,
      nai: 'mn1@lab',
    });
    expect(ha.counters['bu-accepted']).toBe(1);
    expect(ha.nextDeadline()).toBe(61_000);
  });

  it('the BA is authenticated with the MN-HA key and sent with a type 2 routing header (RFC 4285 §5, RFC 6275 §9.5.4)', () => {
    const ha = new HomeAgent(haConfig());
    const ack = ba(ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0 })));
    expect(verifyMnHa(MN1, COA_AR1, HOA1, ack.bytes)).toEqual({ ok: true, spi: MN1.spi });
    expect(mh.decode(ack.bytes, 0, { verify: { src: HA, dst: HOA1 } }).ok).toBe(true);
    expect(ack.options.some((o) => o.type === 'MobilityMessageReplayProtection')).toBe(true);
  });

  it('caps the lifetime at MaxLifetime and returns the granted value (RFC 6275 §10.3.1)', () => {
    const ha = new HomeAgent(haConfig({ maxLifetimeS: 100 }));
    const ack = ba(ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 4000, at: 0 })));
    expect(ack.lifetime).toBe(25);
    expect(ha.cache.get(HOA1)?.expiresAt).toBe(100_000);
  });

  it('includes a Binding Refresh Advice when configured (RFC 6275 §6.2.4, §10.3.1)', () => {
    const ha = new HomeAgent(haConfig({ refreshAdviceS: 40 }));
    const ack = ba(ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0 })));
    expect(ack.options).toContainEqual({ type: 'BindingRefreshAdvice', refreshInterval: 10 });
  });

  it('moves the tunnel when the care-of address changes, without restarting proxy ND', () => {
    const ha = haWithBinding({ sequence: 10 });
    const out = ha.handle(t(5000), buInput({ sequenceNumber: 11, lifetimeS: 60, at: 5000, coa: COA_AR2 }));
    expect(ba(out)).toMatchObject({ status: 0, dst: COA_AR2, routingType2: HOA1 });
    expect(kinds(out)).toEqual([{ kind: 'tunnel-up', homeAddress: HOA1, careOfAddress: COA_AR2 }]);
    expect(ha.cache.get(HOA1)).toMatchObject({ careOfAddress: COA_AR2, sequenceNumber: 11, expiresAt: 65_000 });
  });

  it('a refresh with the same care-of address only extends the lifetime', () => {
    const ha = haWithBinding({ sequence: 10 });
    const out = ha.handle(t(40_000), buInput({ sequenceNumber: 11, lifetimeS: 60, at: 40_000 }));
    expect(ba(out).status).toBe(0);
    expect(kinds(out)).toEqual([]);
    expect(ha.cache.get(HOA1)?.expiresAt).toBe(100_000);
  });

  it('rejects a sequence number out of window with status 135 and the last accepted number (§9.5.1)', () => {
    const ha = haWithBinding({ sequence: 10 });
    for (const [i, seq] of [10, 9, 10 + 32768].entries()) {
      const at = 1000 * (i + 1);
      const out = ha.handle(t(at), buInput({ sequenceNumber: seq, lifetimeS: 60, at, coa: COA_AR2 }));
      expect(ba(out)).toMatchObject({ status: BaStatus.SequenceNumberOutOfWindow, sequenceNumber: 10, lifetime: 0 });
      expect(ha.cache.get(HOA1)).toMatchObject({ careOfAddress: COA_AR1, sequenceNumber: 10 });
    }
    expect(ha.counters['bu-sequence-out-of-window']).toBe(3);
  });

  it('sequence wrap-around 65535 → 0 is accepted (§9.5.1)', () => {
    const ha = haWithBinding({ sequence: 65535 });
    expect(ba(ha.handle(t(100), buInput({ sequenceNumber: 0, lifetimeS: 60, at: 100, coa: COA_AR2 }))).status).toBe(0);
    expect(ha.cache.get(HOA1)).toMatchObject({ sequenceNumber: 0, careOfAddress: COA_AR2 });
  });

  it('accepts any sequence number when there is no binding (§9.5.1)', () => {
    const ha = new HomeAgent(haConfig());
    expect(ba(ha.handle(t(0), buInput({ sequenceNumber: 40_000, lifetimeS: 60, at: 0 }))).status).toBe(0);
  });

  it('expires a binding at its lifetime and stops tunnelling and proxy ND (§10.3.1)', () => {
    const ha = haWithBinding({ lifetimeS: 60 });
    expect(ha.handle(t(59_999), { kind: 'tick' })).toEqual([]);
    const out = ha.handle(t(60_000), { kind: 'tick' });
    expect(kinds(out)).toEqual([
      { kind: 'tunnel-down', homeAddress: HOA1 },
      { kind: 'proxy-nd-stop', homeAddress: HOA1 },
    ]);
    expect(ha.cache.size).toBe(0);
    expect(ha.nextDeadline()).toBeNull();
    expect(ha.counters['binding-expired']).toBe(1);
  });

  it('deregistration (lifetime 0, sent from home) removes the binding (§10.3.2)', () => {
    const ha = haWithBinding({ sequence: 10 });
    const out = ha.handle(t(2000), buInput({ sequenceNumber: 11, lifetimeS: 0, at: 2000, fromHome: true }));
    const ack = ba(out);
    expect(ack).toMatchObject({ status: 0, lifetime: 0, dst: HOA1 });
    expect(ack.routingType2).toBeUndefined();
    expect(verifyMnHa(MN1, HOA1, HOA1, ack.bytes).ok).toBe(true);
    expect(kinds(out)).toEqual([
      { kind: 'tunnel-down', homeAddress: HOA1 },
      { kind: 'proxy-nd-stop', homeAddress: HOA1 },
    ]);
    expect(ha.cache.size).toBe(0);
  });

  it('deregistration without a binding is refused with 133 (§10.3.2)', () => {
    const ha = new HomeAgent(haConfig());
    expect(ba(ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 0, at: 0, fromHome: true }))).status).toBe(133);
  });

  it('a home address outside the home prefix is refused with 132 (§9.5.1)', () => {
    const sa = { ...MN1, homeAddress: '2001:db8:99::1' };
    const ha = new HomeAgent(haConfig({ mobileNodes: [sa] }));
    expect(ba(ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0, sa }))).status).toBe(132);
    expect(ha.cache.size).toBe(0);
  });

  it('a BU without the H flag is dropped and counted: this home agent does no route optimisation', () => {
    const ha = new HomeAgent(haConfig());
    const input = buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0 });
    const m = input.message as mh.BindingUpdate;
    expect(sent(ha.handle(t(0), { ...input, message: { ...m, homeRegistration: false } }))).toEqual([]);
    expect(ha.counters['bu-not-home-registration']).toBe(1);
  });
});

describe('HomeAgent — DAD before the first binding (RFC 6275 §10.3.1)', () => {
  it('runs DAD for a new home address and sends the BA only when it succeeds', () => {
    const ha = new HomeAgent(haConfig({ performDad: true }));
    const out = ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0 }));
    expect(out).toEqual([{ kind: 'dad-start', homeAddress: HOA1 }]);
    expect(ha.cache.size).toBe(0);
    const done = ha.handle(t(1000), { kind: 'dad-result', homeAddress: HOA1, duplicate: false });
    expect(ba(done).status).toBe(0);
    expect(ha.cache.get(HOA1)?.expiresAt).toBe(61_000);
  });

  it('refuses with 134 when DAD finds the address in use, leaving no binding', () => {
    const ha = new HomeAgent(haConfig({ performDad: true }));
    ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0 }));
    expect(ba(ha.handle(t(1000), { kind: 'dad-result', homeAddress: HOA1, duplicate: true })).status).toBe(134);
    expect(ha.cache.size).toBe(0);
    expect(ha.counters['bu-dad-failed']).toBe(1);
  });

  it('does not repeat DAD for an address that already has a binding', () => {
    const ha = new HomeAgent(haConfig({ performDad: true }));
    ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0 }));
    ha.handle(t(1000), { kind: 'dad-result', homeAddress: HOA1, duplicate: false });
    const out = ha.handle(t(2000), buInput({ sequenceNumber: 2, lifetimeS: 60, at: 2000, coa: COA_AR2 }));
    expect(out.some((a) => a.kind === 'dad-start')).toBe(false);
    expect(ba(out).status).toBe(0);
  });

  it('a DAD result nobody asked for is counted and ignored', () => {
    const ha = new HomeAgent(haConfig({ performDad: true }));
    expect(sent(ha.handle(t(0), { kind: 'dad-result', homeAddress: HOA1, duplicate: false }))).toEqual([]);
    expect(ha.counters['dad-result-unexpected']).toBe(1);
  });
});

describe('HomeAgent — RFC 4285 authentication and replay protection', () => {
  function refusedUnchanged(ha: HomeAgent, out: HomeAgentAction[], status: number) {
    expect(ba(out)).toMatchObject({ status, lifetime: 0 });
    expect(kinds(out)).toEqual([]);
    expect(ha.cache.entries()).toEqual([
      expect.objectContaining({ homeAddress: HOA1, careOfAddress: COA_AR1, sequenceNumber: 10, expiresAt: 60_000 }),
    ]);
  }

  it('forged BU (wrong key) → 146 MIPV6-AUTH-FAIL, binding unchanged, counted', () => {
    const ha = haWithBinding();
    const out = ha.handle(
      t(1000),
      buInput({ sequenceNumber: 11, lifetimeS: 60, at: 1000, coa: COA_AR2, key: MN2.key }),
    );
    refusedUnchanged(ha, out, BaStatus.MipV6AuthFail);
    expect(ha.counters['bu-auth-failed']).toBe(1);
  });

  it('BU without any authentication option → 146, binding unchanged', () => {
    const ha = haWithBinding();
    const input = buInput({ sequenceNumber: 11, lifetimeS: 60, at: 1000, coa: COA_AR2 });
    const m = input.message as mh.BindingUpdate;
    const stripped = { ...m, options: m.options.filter((o) => o.type !== 'MobilityMessageAuthentication') };
    refusedUnchanged(ha, ha.handle(t(1000), { ...input, message: stripped, bytes: mh.encode(stripped) }), 146);
  });

  it('a BU whose bytes were altered after signing → 146', () => {
    const ha = haWithBinding();
    const input = buInput({ sequenceNumber: 11, lifetimeS: 60, at: 1000, coa: COA_AR2 });
    const bytes = Buffer.from(input.bytes);
    bytes.writeUInt16BE(0xffff, 10); // lifetime
    refusedUnchanged(ha, ha.handle(t(1000), { ...input, bytes }), 146);
  });

  it('replayed BU (an exact copy of an accepted one) → 144, binding unchanged, counted', () => {
    const ha = new HomeAgent(haConfig());
    const first = buInput({ sequenceNumber: 10, lifetimeS: 60, at: 0 });
    expect(ba(ha.handle(t(0), first)).status).toBe(0);
    // moved to AR2 and registered again
    expect(ba(ha.handle(t(2000), buInput({ sequenceNumber: 11, lifetimeS: 60, at: 2000, coa: COA_AR2 }))).status).toBe(
      0,
    );
    const before = ha.cache.entries();
    const out = ha.handle(t(3000), first);
    expect(ba(out).status).toBe(BaStatus.MipV6IdMismatch);
    expect(ha.cache.entries()).toEqual(before);
    expect(ha.counters['bu-replayed']).toBe(1);
  });

  it('a BU stamped outside the window → 144 carrying the HA clock for resynchronisation (RFC 4285 §6)', () => {
    const ha = haWithBinding();
    const out = ha.handle(t(20_000), buInput({ sequenceNumber: 11, lifetimeS: 60, at: 10_000, coa: COA_AR2 }));
    refusedUnchanged(ha, out, 144);
    const ts = ba(out).options.find((o) => o.type === 'MobilityMessageReplayProtection');
    expect(ts).toBeDefined();
  });

  it('a BU without the replay-protection option → 145 MIPV6-MESG-ID-REQD', () => {
    const ha = haWithBinding();
    refusedUnchanged(
      ha,
      ha.handle(t(1000), buInput({ sequenceNumber: 11, lifetimeS: 60, at: 1000, coa: COA_AR2, noTimestamp: true })),
      145,
    );
    expect(ha.counters['bu-replay-option-missing']).toBe(1);
  });

  it("BU for another node's home address refused with 129, binding unchanged", () => {
    const ha = haWithBinding();
    // MN2 signs correctly with its own key, but claims MN1's home address
    const out = ha.handle(
      t(1000),
      buInput({ sequenceNumber: 50, lifetimeS: 60, at: 1000, sa: MN2, hoa: HOA1, coa: COA_AR2 }),
    );
    refusedUnchanged(ha, out, BaStatus.AdministrativelyProhibited);
    expect(ha.counters['bu-unauthorized-home-address']).toBe(1);
    expect(ha.cache.get(HOA2)).toBeUndefined();
  });

  it('an unknown Mobile Node Identifier → 146, nothing created', () => {
    const ha = new HomeAgent(haConfig());
    const out = ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0, nai: 'stranger@lab' }));
    expect(ba(out).status).toBe(146);
    expect(ha.cache.size).toBe(0);
    expect(ha.counters['bu-unknown-mobile-node']).toBe(1);
  });

  it('without a Mobile Node Identifier the association is found by home address (RFC 4285 §5)', () => {
    const ha = new HomeAgent(haConfig());
    expect(ba(ha.handle(t(0), buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0, nai: null }))).status).toBe(0);
  });
});

describe('HomeAgent — Binding Error (RFC 6275 §9.2, §9.3.1)', () => {
  it('answers a Home Address option without a binding with BE status 1, rate limited', () => {
    const ha = new HomeAgent(haConfig());
    const out = ha.handle(t(0), { kind: 'home-address-option', src: COA_AR1, dst: HA, homeAddress: HOA1 });
    expect(sent(out)[0]).toMatchObject({
      dst: COA_AR1,
      message: { type: 'BindingError', status: 1, homeAddress: HOA1 },
    });
    expect(ha.handle(t(500), { kind: 'home-address-option', src: COA_AR1, dst: HA, homeAddress: HOA1 })).toEqual([]);
    expect(ha.counters['be-rate-limited']).toBe(1);
    expect(
      sent(ha.handle(t(1000), { kind: 'home-address-option', src: COA_AR1, dst: HA, homeAddress: HOA1 })),
    ).toHaveLength(1);
  });

  it('the rate limit keeps the last BINDING_ERROR_DESTINATIONS_MAX destinations: forged sources cannot grow it', () => {
    const ha = new HomeAgent(haConfig());
    const hao = (src: string, at: number) =>
      ha.handle(t(at), { kind: 'home-address-option', src, dst: HA, homeAddress: HOA1 });
    expect(sent(hao(COA_AR1, 0))).toHaveLength(1);
    const others = BINDING_ERROR_DESTINATIONS_MAX;
    for (let i = 0; i < others - 1; i++) expect(sent(hao(`2001:db8:ff::${(i + 1).toString(16)}`, 1))).toHaveLength(1);
    expect(hao(COA_AR1, 2)).toEqual([]); // still remembered with BINDING_ERROR_DESTINATIONS_MAX entries
    expect(sent(hao('2001:db8:fe::1', 3))).toHaveLength(1); // one more: the oldest, COA_AR1, is forgotten
    expect(sent(hao(COA_AR1, 4))).toHaveLength(1);
  });

  it('says nothing for a Home Address option that matches the binding', () => {
    const ha = haWithBinding();
    expect(ha.handle(t(0), { kind: 'home-address-option', src: COA_AR1, dst: HA, homeAddress: HOA1 })).toEqual([]);
  });

  it('answers an unknown MH Type with BE status 2 (§9.2)', () => {
    const ha = new HomeAgent(haConfig());
    const bytes = Buffer.from([59, 0, 77, 0, 0, 0, 0, 0]);
    const d = mh.decode(bytes);
    if (!d.ok) throw new Error('decode');
    const out = ha.handle(t(0), {
      kind: 'mh',
      src: COA_AR1,
      dst: HA,
      homeAddressOption: HOA1,
      message: d.value,
      bytes,
    });
    expect(sent(out)[0]).toMatchObject({
      dst: COA_AR1,
      message: { type: 'BindingError', status: 2, homeAddress: HOA1 },
    });
  });

  it('drops and counts Mobility Headers a home agent does not take (a BA, a BRR)', () => {
    const ha = new HomeAgent(haConfig());
    const m = mh.bindingAcknowledgement({ status: 0, sequenceNumber: 1, lifetime: 1 });
    expect(sent(ha.handle(t(0), { kind: 'mh', src: COA_AR1, dst: HA, message: m, bytes: mh.encode(m) }))).toEqual([]);
    expect(ha.counters['mh-unexpected']).toBe(1);
  });
});
