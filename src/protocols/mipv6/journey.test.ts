// A home agent and a mobile node wired together through an in-memory network with delays and
// virtual time (quinn's Pair / smoltcp's netsim, style-anchors §4.4). Every Mobility Header goes
// through the real codec (encode by the machine, decode here). The "world" plays the binding layer:
// it answers Router Solicitations, address configuration and DAD after fixed delays.

import { describe, expect, it } from 'vitest';
import * as mh from '../../wire/mh/index.js';
import { HomeAgent, type HomeAgentAction } from './home-agent.js';
import { MobileNode, type MobileNodeAction, type MobileNodeInput } from './mobile-node.js';
import { canonical } from '../../wire/address.js';
import { EPOCH, HA, haConfig, HOA1, HOME_PREFIX, MN1 } from './testing/fixtures.js';

const LINKS = { home: HOME_PREFIX, ar1: '2001:db8:a1::', ar2: '2001:db8:a2::' } as const;
type Link = keyof typeof LINKS;
const IFACE = 'radio0';

interface SimOptions {
  /** One-way delay MN <-> HA through any access router, ms. */
  hopMs: number;
  raDelayMs: number;
  /** Delay of address-configured after configure-address (0 = optimistic DAD). */
  addressMs: number;
  haDadMs: number;
  /** Drop the n-th Mobility Header sent by the MN (1-based). */
  dropMnMessages?: number[];
}

interface QueueEntry {
  at: number;
  seq: number;
  run: () => void;
}

interface TraceLine {
  t: number;
  what: string;
}

class Sim {
  t = 0;
  readonly ha = new HomeAgent(haConfig({ performDad: true, mobileNodes: [MN1] }));
  readonly mn: MobileNode;
  readonly trace: TraceLine[] = [];
  /** Where the HA tunnels the home address (null: not tunnelled). */
  haTunnel: string | null = null;
  /** The MN's uplink: 'native' at home, a CoA when reverse-tunnelling, null when held. */
  mnUplink: string | null = null;
  attached: Link | null = null;
  #queue: QueueEntry[] = [];
  #n = 0;
  #mnSent = 0;
  readonly #mnAddresses = new Set<string>();

  constructor(readonly o: SimOptions) {
    this.mn = new MobileNode({
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
      optimisticDad: o.addressMs === 0,
    });
  }

  at(t: number, run: () => void): void {
    this.#queue.push({ at: t, seq: this.#n++, run });
  }

  attach(t: number, link: Link): void {
    this.at(t, () => {
      this.attached = link;
      this.#toMn({ kind: 'link-up', iface: IFACE });
    });
  }

  detach(t: number): void {
    this.at(t, () => {
      this.attached = null;
      this.#toMn({ kind: 'link-down', iface: IFACE });
    });
  }

  run(until: number): void {
    for (;;) {
      const deadlines = [this.ha.nextDeadline(), this.mn.nextDeadline()].filter((d): d is number => d !== null);
      const q = this.#queue.reduce<QueueEntry | null>(
        (m, e) => (!m || e.at < m.at || (e.at === m.at && e.seq < m.seq) ? e : m),
        null,
      );
      const next = Math.min(q?.at ?? Infinity, ...deadlines);
      if (next > until) break;
      this.t = Math.max(this.t, next);
      if (q && q.at === next) {
        this.#queue.splice(this.#queue.indexOf(q), 1);
        q.run();
      } else if (this.ha.nextDeadline() === next) {
        this.#haActions(this.ha.handle(this.t, { kind: 'tick' }));
      } else {
        this.#mnActions(this.mn.handle(this.t, { kind: 'tick' }));
      }
    }
  }

  #toMn(input: MobileNodeInput): void {
    this.#mnActions(this.mn.handle(this.t, input));
  }

  #mnActions(actions: MobileNodeAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send-router-solicitation': {
          const link = this.attached;
          if (link)
            this.at(
              this.t + this.o.raDelayMs,
              () =>
                this.attached === link &&
                this.#toMn({
                  kind: 'router-advertisement',
                  iface: IFACE,
                  router: 'fe80::1',
                  prefixes: [{ prefix: LINKS[link], prefixLength: 64 }],
                }),
            );
          break;
        }
        case 'configure-address':
          this.at(this.t + this.o.addressMs, () => {
            this.#mnAddresses.add(a.address);
            this.#toMn({ kind: 'address-configured', iface: a.iface, address: a.address });
          });
          break;
        case 'remove-address':
          this.#mnAddresses.delete(a.address);
          break;
        case 'send-mh': {
          this.#mnSent++;
          const m = a.message.type === 'BindingUpdate' ? a.message : null;
          this.trace.push({
            t: this.t,
            what: `MN→HA BU seq=${m?.sequenceNumber} life=${(m?.lifetime ?? 0) * 4} from=${a.src}`,
          });
          if (this.o.dropMnMessages?.includes(this.#mnSent) || !this.attached) break;
          const bytes = Buffer.from(a.bytes);
          this.at(this.t + this.o.hopMs, () => {
            const d = mh.decode(bytes, 0, { verify: { src: a.homeAddressOption ?? a.src, dst: a.dst } });
            if (!d.ok) throw new Error(`HA got a bad MH: ${d.error.message}`);
            this.#haActions(
              this.ha.handle(this.t, {
                kind: 'mh',
                src: a.src,
                dst: a.dst,
                homeAddressOption: a.homeAddressOption,
                message: d.value,
                bytes,
              }),
            );
          });
          break;
        }
        case 'reverse-tunnel':
          this.mnUplink = a.careOfAddress;
          this.trace.push({ t: this.t, what: `MN uplink tunnel ${a.careOfAddress}` });
          break;
        case 'reverse-tunnel-off':
          this.mnUplink = null;
          break;
        case 'at-home':
          this.mnUplink = 'native';
          break;
        case 'advertise-home-address':
          this.trace.push({ t: this.t, what: 'MN NA for HoA' });
          break;
        case 'home-address-on-tun':
        case 'event':
          break;
      }
    }
  }

  #haActions(actions: HomeAgentAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send-mh': {
          const m = a.message;
          if (m.type === 'BindingAcknowledgement')
            this.trace.push({
              t: this.t,
              what: `HA→MN BA seq=${m.sequenceNumber} status=${m.status} life=${m.lifetime * 4} to=${a.dst}`,
            });
          const bytes = Buffer.from(a.bytes);
          this.at(this.t + this.o.hopMs, () => {
            // Delivered only if the MN is on the link of the destination address now.
            const onLink =
              this.attached === 'home'
                ? a.dst === canonical(HOA1)
                : this.#mnAddresses.has(a.dst) &&
                  this.attached !== null &&
                  a.dst.startsWith(canonical(LINKS[this.attached]).replace(/::$/, ':'));
            if (!onLink) return;
            const d = mh.decode(bytes, 0, { verify: { src: a.src, dst: a.routingType2 ?? a.dst } });
            if (!d.ok) throw new Error(`MN got a bad MH: ${d.error.message}`);
            this.#toMn({ kind: 'mh', src: a.src, dst: a.dst, message: d.value, bytes });
          });
          break;
        }
        case 'dad-start':
          this.at(this.t + this.o.haDadMs, () =>
            this.#haActions(
              this.ha.handle(this.t, { kind: 'dad-result', homeAddress: a.homeAddress, duplicate: false }),
            ),
          );
          break;
        case 'tunnel-up':
          this.haTunnel = a.careOfAddress;
          this.trace.push({ t: this.t, what: `HA tunnel ${a.careOfAddress}` });
          break;
        case 'tunnel-down':
          this.haTunnel = null;
          this.trace.push({ t: this.t, what: 'HA tunnel down' });
          break;
        case 'proxy-nd-start':
        case 'proxy-nd-stop':
          this.trace.push({ t: this.t, what: `HA ${a.kind}` });
          break;
        case 'event':
          break;
      }
    }
  }
}

const COA1 = '2001:db8:a1:0:200:ff:fe00:10';
const COA2 = '2001:db8:a2:0:200:ff:fe00:10';

describe('home → AR1 → AR2 → home through a simulated network (RFC 6275 §10–11)', () => {
  it('produces the expected BU/BA sequence and tunnel actions', () => {
    const sim = new Sim({ hopMs: 10, raDelayMs: 5, addressMs: 0, haDadMs: 1000 });
    sim.at(0, () => sim.mn.handle(0, { kind: 'start' }));
    sim.attach(0, 'home');
    sim.detach(1000);
    sim.attach(1100, 'ar1'); // L2 gap 100 ms
    sim.detach(10_000);
    sim.attach(10_100, 'ar2');
    sim.detach(20_000);
    sim.attach(20_100, 'home');
    sim.run(1_105);
    expect(sim.mnUplink).toBeNull(); // left home: no native uplink, no tunnel until the BA
    sim.run(30_000);

    expect(sim.trace.map((l) => `${l.t} ${l.what}`)).toEqual([
      // AR1: RA at +5 ms, optimistic CoA at once, BU; HA runs DAD (1 s) before the first BA (§10.3.1)
      `1105 MN→HA BU seq=1 life=60 from=${COA1}`,
      `2115 HA→MN BA seq=1 status=0 life=60 to=${COA1}`,
      '2115 HA proxy-nd-start',
      `2115 HA tunnel ${COA1}`,
      `2125 MN uplink tunnel ${COA1}`,
      // AR2: no DAD now, one round trip
      `10105 MN→HA BU seq=2 life=60 from=${COA2}`,
      `10115 HA→MN BA seq=2 status=0 life=60 to=${COA2}`,
      `10115 HA tunnel ${COA2}`,
      `10125 MN uplink tunnel ${COA2}`,
      // home: deregistration from the home address, then the unsolicited NA (§11.5.4)
      `20105 MN→HA BU seq=3 life=0 from=${canonical(HOA1)}`,
      `20115 HA→MN BA seq=3 status=0 life=0 to=${canonical(HOA1)}`,
      '20115 HA tunnel down',
      '20115 HA proxy-nd-stop',
      '20125 MN NA for HoA',
    ]);
    expect(sim.haTunnel).toBeNull();
    expect(sim.mnUplink).toBe('native');
    expect(sim.ha.cache.size).toBe(0);
    expect(sim.mn.state.registered).toBeNull();
    // The first registration waited 1.5 s for its BA and got it at 1.02 s: no retransmission.
    expect(sim.mn.counters['bu-retransmitted']).toBe(0);
  });

  it('downlink is re-routed attach + RA + one hop after the move (the interruption budget)', () => {
    const sim = new Sim({ hopMs: 10, raDelayMs: 5, addressMs: 0, haDadMs: 1000 });
    sim.attach(0, 'ar1');
    sim.run(5_000);
    expect(sim.haTunnel).toBe(COA1);
    sim.detach(5_000);
    sim.attach(5_050, 'ar2'); // L2 gap 50 ms
    let switchedAt: number | null = null;
    for (let t = 5_000; t <= 6_000 && switchedAt === null; t++) {
      sim.run(t);
      if (sim.haTunnel === COA2) switchedAt = sim.t;
    }
    // L2 gap 50 + movement detection (RS→RA 5) + BU one way 10 ms = HA switched 65 ms after detach.
    expect(switchedAt! - 5_000).toBe(65);
  });

  it('a lost BU is retransmitted after INITIAL_BINDACK_TIMEOUT and the binding still moves (§11.8)', () => {
    const sim = new Sim({ hopMs: 10, raDelayMs: 5, addressMs: 0, haDadMs: 0, dropMnMessages: [2] });
    sim.attach(0, 'ar1');
    sim.detach(3_000);
    sim.attach(3_100, 'ar2');
    sim.run(10_000);
    const bus = sim.trace.filter((l) => l.what.startsWith('MN→HA'));
    expect(bus.map((l) => l.t)).toEqual([5, 3_105, 4_105]);
    expect(sim.haTunnel).toBe(COA2);
    expect(sim.ha.cache.get(canonical(HOA1))?.sequenceNumber).toBe(3);
  });

  it('with a stateful DAD of 1 s for the CoA the BU leaves 1 s after the RA', () => {
    const sim = new Sim({ hopMs: 10, raDelayMs: 5, addressMs: 1000, haDadMs: 0 });
    sim.attach(0, 'ar1');
    sim.run(3_000);
    expect(sim.trace[0]).toEqual({ t: 1005, what: `MN→HA BU seq=1 life=60 from=${COA1}` });
  });
});
