import { describe, expect, it } from 'vitest';
import * as mh from '../../wire/mh/index.js';
import type { BindingUpdate } from '../../wire/mh/binding.js';
import type { MobilityOption } from '../../wire/mh/options/types.js';
import { locateAuthOption, ntpTimestampFromUnixMs, sealWithMnHa, securityOptions, verifyMnHa } from './auth.js';
import { MobileNode, type MobileNodeAction, type MobileNodeConfig } from './mobile-node.js';
import { EPOCH, HA, HOA1, HOME_PREFIX, MN1, MN2 } from './testing/fixtures.js';

const AR1_PREFIX = '2001:db8:a1::';
const AR2_PREFIX = '2001:db8:a2::';
const COA1 = '2001:db8:a1:0:200:ff:fe00:10';
const COA2 = '2001:db8:a2:0:200:ff:fe00:10';
const IFACE = 'radio0';

const cfg = (over: Partial<MobileNodeConfig> = {}): MobileNodeConfig => ({
  homeAddress: HOA1,
  homePrefix: HOME_PREFIX,
  homePrefixLength: 64,
  homeAgent: HA,
  nai: MN1.nai,
  spi: MN1.spi,
  key: MN1.key,
  interfaceId: '::200:ff:fe00:10',
  epochOffsetMs: EPOCH,
  lifetimeS: 60,
  ...over,
});

type SendMh = Extract<MobileNodeAction, { kind: 'send-mh' }>;
const sends = (a: MobileNodeAction[]) => a.filter((x): x is SendMh => x.kind === 'send-mh');
const bus = (a: MobileNodeAction[]) => sends(a).map((s) => ({ ...s, bu: s.message as BindingUpdate }));
const nonEvents = (a: MobileNodeAction[]) => a.filter((x) => x.kind !== 'event' && x.kind !== 'send-mh');
const ra = (prefix: string) => ({
  kind: 'router-advertisement' as const,
  iface: IFACE,
  router: 'fe80::1',
  prefixes: [{ prefix, prefixLength: 64 }],
});

/** The HA's answer to a BU the MN sent: a BA sealed with the MN-HA key, echoing the timestamp. */
function baFor(s: SendMh, status: number, lifetimeUnits: number, extra: MobilityOption[] = [], key = MN1.key) {
  const bu = s.message as BindingUpdate;
  const ts = securityOptions(bu.options).timestamp!;
  const coa = s.homeAddressOption ? s.src : HOA1;
  const ba = mh.bindingAcknowledgement({
    status,
    sequenceNumber: bu.sequenceNumber,
    lifetime: lifetimeUnits,
    options: [...extra, { type: 'MobilityMessageReplayProtection', timestamp: ts }],
  });
  const sealed = sealWithMnHa(ba, { spi: MN1.spi, key }, coa, HOA1, { src: HA, dst: HOA1 });
  const d = mh.decode(sealed.bytes); // through the codec, as the agent hands it over
  if (!d.ok) throw new Error(d.error.message);
  return { kind: 'mh' as const, src: HA, dst: coa, message: d.value, bytes: sealed.bytes };
}

/** Attached to AR1 with its CoA ready at `at`; returns the node and the first BU. */
function mnAtAr1(at = 0, over: Partial<MobileNodeConfig> = {}) {
  const mn = new MobileNode(cfg(over));
  mn.handle(at, { kind: 'start' });
  mn.handle(at, { kind: 'link-up', iface: IFACE });
  mn.handle(at, ra(AR1_PREFIX));
  const out = mn.handle(at, { kind: 'address-configured', iface: IFACE, address: COA1 });
  return { mn, out, bu: sends(out)[0]! };
}

function registeredAtAr1(over: Partial<MobileNodeConfig> = {}) {
  const { mn, bu } = mnAtAr1(0, over);
  mn.handle(50, baFor(bu, 0, 15));
  return mn;
}

describe('MobileNode — movement and care-of address (RFC 6275 §11.5)', () => {
  it('puts the home address on the TUN device at start', () => {
    expect(new MobileNode(cfg()).handle(0, { kind: 'start' })).toEqual([
      { kind: 'home-address-on-tun', homeAddress: HOA1 },
    ]);
  });

  it('solicits a Router Advertisement on link-up (RFC 4861 §6.3.7, RFC 6275 §11.5.1)', () => {
    expect(nonEvents(new MobileNode(cfg()).handle(0, { kind: 'link-up', iface: IFACE }))).toEqual([
      { kind: 'send-router-solicitation', iface: IFACE },
    ]);
  });

  it('a foreign prefix in an RA is movement: SLAAC care-of address from prefix + interface id (RFC 4862 §5.5.3)', () => {
    const mn = new MobileNode(cfg({ optimisticDad: true }));
    const out = mn.handle(10, ra(AR1_PREFIX));
    expect(nonEvents(out)).toEqual([
      { kind: 'configure-address', iface: IFACE, address: COA1, prefixLength: 64, optimistic: true },
    ]);
    expect(out).toContainEqual({
      kind: 'event',
      event: { name: 'movement-detected', at: 10, to: 'foreign', prefix: AR1_PREFIX, router: 'fe80::1' },
    });
    expect(sends(out)).toEqual([]); // the BU waits for the address
  });

  it('leaving home stops the native uplink until the new registration (§11.5.1)', () => {
    const mn = new MobileNode(cfg());
    expect(nonEvents(mn.handle(0, ra(HOME_PREFIX)))).toEqual([{ kind: 'at-home', iface: IFACE, homeAddress: HOA1 }]);
    expect(nonEvents(mn.handle(5000, ra(AR1_PREFIX)))[0]).toEqual({ kind: 'reverse-tunnel-off' });
  });

  it('the same prefix again is not movement', () => {
    const mn = registeredAtAr1();
    expect(mn.handle(200, ra(AR1_PREFIX))).toEqual([]);
  });
});

describe('MobileNode — home registration (RFC 6275 §11.7.1)', () => {
  it('sends a BU with the Home Address option, A and H, lifetime, MN-ID, timestamp and MN-HA auth', () => {
    const { bu, out } = mnAtAr1(100);
    expect(bu).toMatchObject({ src: COA1, dst: HA, homeAddressOption: HOA1 });
    const m = bu.message as BindingUpdate;
    expect(m).toMatchObject({
      type: 'BindingUpdate',
      acknowledge: true,
      homeRegistration: true,
      lifetime: 15,
      sequenceNumber: 1,
    });
    expect(m.options[0]).toMatchObject({
      type: 'MobileNodeIdentifier',
      subtype: 1,
      identifier: Buffer.from('mn1@lab'),
    });
    expect(m.options[1]).toEqual({
      type: 'MobilityMessageReplayProtection',
      timestamp: ntpTimestampFromUnixMs(EPOCH + 100),
    });
    expect(m.options.at(-1)).toMatchObject({ type: 'MobilityMessageAuthentication', subtype: 1, mobilitySpi: MN1.spi });
    expect(verifyMnHa(MN1, COA1, HOA1, bu.bytes).ok).toBe(true);
    expect(mh.decode(bu.bytes, 0, { verify: { src: HOA1, dst: HA } }).ok).toBe(true);
    expect(out).toContainEqual({
      kind: 'event',
      event: { name: 'bu-sent', at: 100, sequenceNumber: 1, careOfAddress: COA1, lifetimeS: 60, transmission: 1 },
    });
  });

  it('on an accepting BA: reverse tunnel through the HA from the CoA (§11.3.1, §11.7.3)', () => {
    const { mn, bu } = mnAtAr1();
    const out = mn.handle(40, baFor(bu, 0, 15));
    expect(nonEvents(out)).toEqual([{ kind: 'reverse-tunnel', careOfAddress: COA1, homeAgent: HA, iface: IFACE }]);
    expect(mn.state.registered).toEqual({ careOfAddress: COA1, lifetimeS: 60, expiresAt: 60_000, refreshAt: 48_000 });
    expect(mn.nextDeadline()).toBe(48_000);
  });

  it('retransmits the first registration at 1.5, 3, 6, ... s capped at 32 s (InitialBindackTimeoutFirstReg, §11.8)', () => {
    const { mn } = mnAtAr1(0);
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const d = mn.nextDeadline()!;
      times.push(d);
      const out = mn.handle(d, { kind: 'tick' });
      expect(bus(out)).toHaveLength(1);
    }
    const gaps = times.map((t, i) => t - (i ? times[i - 1]! : 0));
    expect(gaps).toEqual([1500, 3000, 6000, 12_000, 24_000, 32_000, 32_000, 32_000, 32_000]);
    expect(mn.counters['bu-retransmitted']).toBe(9);
  });

  it('retransmits a BU after a move at 1, 2, 4, ... s capped at 32 s (INITIAL_BINDACK_TIMEOUT, MAX_BINDACK_TIMEOUT, §11.8)', () => {
    const mn = registeredAtAr1();
    mn.handle(1000, ra(AR2_PREFIX));
    mn.handle(1000, { kind: 'address-configured', iface: IFACE, address: COA2 });
    const times: number[] = [];
    let last = 1000;
    while (times.length < 8) {
      const d = mn.nextDeadline()!; // also the old binding's expiry at 60 s, which sends nothing
      if (bus(mn.handle(d, { kind: 'tick' })).length === 1) {
        times.push(d - last);
        last = d;
      }
    }
    expect(times).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 32_000, 32_000]);
  });

  it('each retransmission carries a new sequence number and timestamp (RFC 6275 §9.5.1, RFC 4285 §6)', () => {
    const { mn, bu } = mnAtAr1(0);
    const again = bus(mn.handle(1500, { kind: 'tick' }))[0]!;
    expect(again.bu.sequenceNumber).toBe((bu.message as BindingUpdate).sequenceNumber + 1);
    expect(securityOptions(again.bu.options).timestamp).toBe(ntpTimestampFromUnixMs(EPOCH + 1500));
  });

  it('a BA to an earlier transmission of the same registration still completes it', () => {
    const { mn, bu } = mnAtAr1(0);
    mn.handle(1500, { kind: 'tick' });
    mn.handle(1600, baFor(bu, 0, 15));
    expect(mn.state.registered?.careOfAddress).toBe(COA1);
    expect(mn.nextDeadline()).toBe(48_000); // no retransmission pending, lifetime from the first send
  });

  it('a BA answers one of the last 16 transmissions of an attempt; older ones are forgotten', () => {
    const { mn, bu: first } = mnAtAr1(0);
    let second: SendMh | undefined;
    for (let i = 0; i < 16; i++) {
      const s = bus(mn.handle(mn.nextDeadline()!, { kind: 'tick' }))[0]!;
      second ??= s;
    }
    expect(mn.handle(1_000_000, baFor(first, 0, 15))).toContainEqual({
      kind: 'event',
      event: { name: 'dropped', at: 1_000_000, reason: 'ba-unexpected' },
    });
    mn.handle(1_000_001, baFor(second!, 0, 15));
    expect(mn.state.registered?.careOfAddress).toBe(COA1);
  });

  it('does not send while the carrier is down, and resumes on re-attachment to the same link', () => {
    const { mn } = mnAtAr1(0);
    mn.handle(100, { kind: 'link-down', iface: IFACE });
    expect(sends(mn.handle(1500, { kind: 'tick' }))).toEqual([]);
    expect(mn.nextDeadline()).toBeNull();
    mn.handle(3000, { kind: 'link-up', iface: IFACE });
    expect(bus(mn.handle(3010, ra(AR1_PREFIX)))).toHaveLength(1);
  });

  it('refreshes before expiry at 80 % of the granted lifetime (§11.7.1)', () => {
    const mn = registeredAtAr1();
    expect(mn.handle(47_999, { kind: 'tick' })).toEqual([]);
    const out = bus(mn.handle(48_000, { kind: 'tick' }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ src: COA1, bu: { lifetime: 15 } });
  });

  it('follows the Binding Refresh Advice of the BA (§6.2.4)', () => {
    const { mn, bu } = mnAtAr1(0);
    mn.handle(50, baFor(bu, 0, 15, [{ type: 'BindingRefreshAdvice', refreshInterval: 5 }]));
    expect(mn.state.registered?.refreshAt).toBe(20_000);
  });

  it('if no refresh is acknowledged the binding expires and the reverse tunnel stops', () => {
    const mn = registeredAtAr1();
    let out: MobileNodeAction[] = [];
    for (let d = mn.nextDeadline(); d !== null && d <= 60_000; d = mn.nextDeadline())
      out = mn.handle(d, { kind: 'tick' });
    expect(out).toContainEqual({ kind: 'reverse-tunnel-off' });
    expect(out).toContainEqual({ kind: 'event', event: { name: 'binding-expired', at: 60_000 } });
  });

  it('sends a BU with the new CoA after moving, and moves the reverse tunnel after its BA', () => {
    const mn = registeredAtAr1();
    const moved = mn.handle(10_000, ra(AR2_PREFIX));
    expect(nonEvents(moved)).toEqual([
      { kind: 'reverse-tunnel-off' },
      { kind: 'remove-address', iface: IFACE, address: COA1 },
      { kind: 'configure-address', iface: IFACE, address: COA2, prefixLength: 64, optimistic: false },
    ]);
    const b = bus(mn.handle(10_005, { kind: 'address-configured', iface: IFACE, address: COA2 }));
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ src: COA2, homeAddressOption: HOA1, bu: { sequenceNumber: 2 } });
    const out = mn.handle(10_030, baFor(b[0]!, 0, 15));
    expect(nonEvents(out)).toEqual([{ kind: 'reverse-tunnel', careOfAddress: COA2, homeAgent: HA, iface: IFACE }]);
  });

  it('deregisters on return home: lifetime 0 from the home address, no HAO, then advertises the HoA (§11.5.4)', () => {
    const mn = registeredAtAr1();
    const out = mn.handle(20_000, ra(HOME_PREFIX));
    expect(nonEvents(out)).toEqual([
      { kind: 'reverse-tunnel-off' },
      { kind: 'remove-address', iface: IFACE, address: COA1 },
      { kind: 'at-home', iface: IFACE, homeAddress: HOA1 },
    ]);
    const [d] = bus(out);
    expect(d).toMatchObject({
      src: HOA1,
      dst: HA,
      homeAddressOption: undefined,
      bu: { lifetime: 0, homeRegistration: true, acknowledge: true },
    });
    expect(verifyMnHa(MN1, HOA1, HOA1, d!.bytes).ok).toBe(true);
    const done = mn.handle(20_010, baFor(d!, 0, 0));
    expect(nonEvents(done)).toEqual([{ kind: 'advertise-home-address', iface: IFACE, homeAddress: HOA1 }]);
    expect(mn.state.registered).toBeNull();
    expect(mn.nextDeadline()).toBeNull();
  });

  it('at home without a binding sends nothing', () => {
    const mn = new MobileNode(cfg());
    expect(sends(mn.handle(0, ra(HOME_PREFIX)))).toEqual([]);
  });
});

describe('MobileNode — BA handling (RFC 6275 §11.7.3, RFC 4285)', () => {
  it('ignores a BA that fails authentication, and keeps retransmitting', () => {
    const { mn, bu } = mnAtAr1(0);
    const out = mn.handle(40, baFor(bu, 0, 15, [], MN2.key));
    expect(nonEvents(out)).toEqual([]);
    expect(mn.counters['ba-auth-failed']).toBe(1);
    expect(mn.state.registered).toBeNull();
    expect(mn.nextDeadline()).toBe(1500);
  });

  it('ignores a BA that matches no outstanding BU', () => {
    const mn = registeredAtAr1();
    const stray = mh.bindingAcknowledgement({ status: 0, sequenceNumber: 99, lifetime: 15 });
    mn.handle(100, { kind: 'mh', src: HA, dst: COA1, message: stray, bytes: mh.encode(stray) });
    expect(mn.counters['ba-unexpected']).toBe(1);
  });

  it('status 135: resends at once from the HA’s last accepted sequence number (§11.8)', () => {
    const { mn, bu } = mnAtAr1(0);
    const bu0 = bu.message as BindingUpdate;
    const ts = securityOptions(bu0.options).timestamp!;
    const ba = mh.bindingAcknowledgement({
      status: 135,
      sequenceNumber: 500,
      lifetime: 0,
      options: [{ type: 'MobilityMessageReplayProtection', timestamp: ts }],
    });
    const sealed = sealWithMnHa(ba, MN1, COA1, HOA1, { src: HA, dst: HOA1 });
    const out = bus(mn.handle(30, { kind: 'mh', src: HA, dst: COA1, message: sealed.message, bytes: sealed.bytes }));
    expect(out).toHaveLength(1);
    expect(out[0]!.bu.sequenceNumber).toBe(501);
  });

  it('status 144 with the HA clock: resends at once stamped on the HA clock (RFC 4285 §6)', () => {
    const { mn, bu } = mnAtAr1(0);
    const haNow = ntpTimestampFromUnixMs(EPOCH + 30 + 60_000); // HA clock one minute ahead
    const ba = mh.bindingAcknowledgement({
      status: 144,
      sequenceNumber: (bu.message as BindingUpdate).sequenceNumber,
      lifetime: 0,
      options: [{ type: 'MobilityMessageReplayProtection', timestamp: haNow }],
    });
    const sealed = sealWithMnHa(ba, MN1, COA1, HOA1, { src: HA, dst: HOA1 });
    const out = bus(mn.handle(30, { kind: 'mh', src: HA, dst: COA1, message: sealed.message, bytes: sealed.bytes }));
    expect(out).toHaveLength(1);
    expect(securityOptions(out[0]!.bu.options).timestamp).toBe(haNow);
  });

  it('a refusal such as 129 ends the attempt and is reported', () => {
    const { mn, bu } = mnAtAr1(0);
    const out = mn.handle(30, baFor(bu, 129, 0));
    expect(out).toContainEqual({ kind: 'event', event: { name: 'registration-refused', at: 30, status: 129 } });
    expect(mn.nextDeadline()).toBeNull();
  });

  it('a Binding Error status 1 from the HA makes the node register again (§11.3.6)', () => {
    const mn = registeredAtAr1();
    const be = { type: 'BindingError' as const, status: 1, homeAddress: HOA1, options: [] };
    const out = bus(mn.handle(5000, { kind: 'mh', src: HA, dst: COA1, message: be, bytes: mh.encode(be) }));
    expect(out).toHaveLength(1);
    expect(out[0]!.src).toBe(COA1);
  });

  it('answers a Binding Refresh Request with a BU (§11.7.4)', () => {
    const mn = registeredAtAr1();
    const brr = { type: 'BindingRefreshRequest' as const, options: [] };
    expect(bus(mn.handle(5000, { kind: 'mh', src: HA, dst: COA1, message: brr, bytes: mh.encode(brr) }))).toHaveLength(
      1,
    );
  });

  it('passes L2 triggers through as events', () => {
    const mn = new MobileNode(cfg());
    expect(mn.handle(7, { kind: 'l2-trigger', trigger: 'link-going-down', detail: { ap: 'ap2' } })).toEqual([
      { kind: 'event', event: { name: 'l2-trigger', at: 7, trigger: 'link-going-down', detail: { ap: 'ap2' } } },
    ]);
  });

  it('the authenticator sits where the HA looks for it', () => {
    const { bu } = mnAtAr1(0);
    expect(locateAuthOption(bu.bytes)?.spi).toBe(MN1.spi);
  });
});

describe('MobileNode — MAX_UPDATE_RATE (RFC 6275 §11.8) against forged BRRs and Binding Errors', () => {
  const brr = { type: 'BindingRefreshRequest' as const, options: [] };
  const be = { type: 'BindingError' as const, status: 1, homeAddress: HOA1, options: [] };
  const forged = (m: typeof brr | typeof be) => ({
    kind: 'mh' as const,
    src: HA,
    dst: COA1,
    message: m,
    bytes: mh.encode(m),
  });

  /**
   * Virtual time from `from` to `to`: a forged message every `everyMs`, the HA's BA 10 ms after each BU,
   * ticks at `nextDeadline()`. `at(t)` may inject more inputs. Returns every BU with its send time.
   */
  function flood(
    mn: MobileNode,
    message: typeof brr | typeof be,
    from: number,
    to: number,
    everyMs: number,
    at: (t: number) => MobileNodeAction[] = () => [],
  ) {
    const sent: { t: number; s: SendMh }[] = [];
    const acks: { t: number; s: SendMh }[] = [];
    const take = (t: number, out: MobileNodeAction[]) => {
      for (const s of sends(out)) {
        sent.push({ t, s });
        acks.push({ t: t + 10, s });
      }
    };
    for (let t = from; t < to; t++) {
      if ((t - from) % everyMs === 0) take(t, mn.handle(t, forged(message)));
      take(t, at(t));
      for (const a of acks.filter((x) => x.t === t)) take(t, mn.handle(t, baFor(a.s, 0, 15)));
      const d = mn.nextDeadline();
      if (d !== null && d <= t) take(t, mn.handle(t, { kind: 'tick' }));
    }
    return sent;
  }

  const maxInAnySecond = (times: number[]) =>
    Math.max(0, ...times.map((t) => times.filter((s) => s >= t && s < t + 1000).length));

  it('a BRR every 20 ms for 5 s gets one BU per second, not one per BRR', () => {
    const mn = registeredAtAr1();
    const sent = flood(mn, brr, 1000, 6000, 20);
    expect(sent.length).toBeGreaterThanOrEqual(4); // still answered (§11.7.4), paced
    expect(sent.length).toBeLessThanOrEqual(5);
    expect(maxInAnySecond(sent.map((x) => x.t))).toBe(1);
    expect(mn.counters['brr-received']).toBe(250);
    // Every BRR is answered at once, deferred (then answered) or coalesced into one that is.
    const held = mn.counters['refresh-coalesced'] + mn.counters['refresh-deferred'];
    expect(held).toBeGreaterThanOrEqual(250 - sent.length);
    expect(held).toBeLessThan(250);
    expect(mn.counters['refresh-deferred']).toBeGreaterThan(0);
    expect(mn.state.registered?.careOfAddress).toBe(COA1);
  });

  it('a Binding Error status 1 every 20 ms for 5 s: the same pacing, and the registration is kept', () => {
    const mn = registeredAtAr1();
    const sent = flood(mn, be, 1000, 6000, 20);
    expect(sent.length).toBeLessThanOrEqual(5);
    expect(maxInAnySecond(sent.map((x) => x.t))).toBe(1);
    expect(mn.counters['be-received']).toBe(250);
    mn.handle(6000, forged(be));
    expect(mn.state.registered).not.toBeNull(); // an unauthenticated BE removes nothing
  });

  it('a deferred request is not dropped: the BU goes when the budget allows', () => {
    const mn = registeredAtAr1();
    const first = bus(mn.handle(5000, forged(brr)));
    expect(first).toHaveLength(1);
    mn.handle(5010, baFor(first[0]!, 0, 15));
    expect(bus(mn.handle(5100, forged(brr)))).toEqual([]);
    expect(mn.counters['refresh-deferred']).toBe(1);
    expect(mn.nextDeadline()).toBe(6000);
    expect(bus(mn.handle(6000, { kind: 'tick' }))).toHaveLength(1);
  });

  it('during the flood a move’s BU leaves at once, in the same step as its care-of address', () => {
    const mn = registeredAtAr1();
    const moves: { t: number; out: number }[] = [];
    const sent = flood(mn, brr, 1000, 6000, 20, (t) => {
      if (t === 3000) return mn.handle(t, ra(AR2_PREFIX));
      if (t === 3005) {
        const out = mn.handle(t, { kind: 'address-configured', iface: IFACE, address: COA2 });
        moves.push({ t, out: bus(out).length });
        return out;
      }
      return [];
    });
    expect(moves).toEqual([{ t: 3005, out: 1 }]);
    expect(sent.find((x) => x.s.src === COA2)?.t).toBe(3005);
    expect(maxInAnySecond(sent.map((x) => x.t))).toBeLessThanOrEqual(3);
  });

  it('moves faster than 3 per second: the fourth BU waits for the window, with its own timeout', () => {
    const mn = registeredAtAr1(); // its BU went at 0
    const prefixes = [AR2_PREFIX, AR1_PREFIX, AR2_PREFIX];
    const addrs = [COA2, COA1, COA2];
    const out: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = 100 + i * 100;
      mn.handle(t, ra(prefixes[i]!));
      out.push(bus(mn.handle(t + 1, { kind: 'address-configured', iface: IFACE, address: addrs[i]! })).length);
    }
    expect(out).toEqual([1, 1, 0]); // 0, 101, 201 sent; 301 waits until 1000
    expect(mn.counters['bu-deferred']).toBe(1);
    expect(mn.nextDeadline()).toBe(1000);
    expect(bus(mn.handle(1000, { kind: 'tick' }))[0]).toMatchObject({ src: COA2 });
    expect(mn.nextDeadline()).toBe(2000); // INITIAL_BINDACK_TIMEOUT from the real send, not doubled
  });
});
