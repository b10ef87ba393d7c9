// The mobile node's home address on a TUN (home-address.ts) and the home agent's forwarding
// (home-agent-forwarding.ts) for real, in three namespaces:
//
//   mn ── r1 ─ foreign link 1 (2001:db8:2::/64) ─ f1 ── ha ── h ─ home link (2001:db8:1::/64) ─ c ─ bridge in cn
//   mn ── r2 ─ foreign link 2 (2001:db8:3::/64) ─ f2 ──┘                                          │
//   mn ── hm ─────────────────────────── (down until the mobile node comes home) ──────────── k ─┘
//
// Unmodified Node applications in mn bind to the home address; the echo server in cn sits on the
// home link, so it finds the home address by ND and the home agent's proxy ND answers. Then the
// mobile node moves to link 2 (CoA changes, link 1 goes down) and the same TCP connection goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { openHomeAddress, type HomeAddress } from '../../src/agent/dataplane/home-address.js';
import { openHomeAgentForwarding, type HomeAgentForwarding } from '../../src/agent/dataplane/home-agent-forwarding.js';
import { NamespaceSet, ipNs, nsPath, uniqueId } from '../support/namespaces.js';
import { echoServer, lineClient, udpOneShot, type LineProcess } from '../support/apps.js';
import { openUnsolicitedAdvertiser } from '../../src/agent/dataplane/neighbor-advertisement.js';
import type { Raw6Packet } from '../../src/native/types.js';
import { skipReason } from '../support/prereq.js';

const skip = skipReason({ root: true, tools: ['ip', 'nsenter', 'sysctl'] });
const id = uniqueId();
const MN = `dhm${id}`;
const HA_NS = `dhh${id}`;
const CN = `dhc${id}`;
const HA = '2001:db8:1::1';
const CN_ADDR = '2001:db8:1::100';
const HOA = '2001:db8:1::55';
const COA1 = '2001:db8:2::10';
const COA2 = '2001:db8:3::10';
const PORT = 7007;

describe.skipIf(skip)('home address on a TUN, reverse tunnel to the home agent, and a move', () => {
  const spaces = new NamespaceSet();
  /** What the radio's carrier probe answers (the kernel's carrier in the agent: carrier-probe.ts). */
  let carrierUp = true;
  let home: HomeAddress | undefined;
  let fwd: HomeAgentForwarding | undefined;
  const procs: LineProcess[] = [];
  const [r1, f1, r2, f2, h, c, hm, k, br] = ['r1', 'f1', 'r2', 'f2', 'h', 'c', 'hm', 'k', 'br'].map(
    (p) => `d${p}${id}`,
  ) as [string, string, string, string, string, string, string, string, string];

  beforeAll(async () => {
    for (const n of [MN, HA_NS, CN]) spaces.add(n);
    spaces.veth(MN, r1, HA_NS, f1);
    spaces.veth(MN, r2, HA_NS, f2);
    spaces.veth(HA_NS, h, CN, c);
    spaces.veth(MN, hm, CN, k);
    ipNs(MN, 'link', 'set', hm, 'down');
    // The home link is a bridge in cn: the HA, the CN and (when at home) the MN share it.
    ipNs(CN, 'link', 'add', br, 'type', 'bridge');
    ipNs(CN, 'link', 'set', c, 'master', br);
    ipNs(CN, 'link', 'set', k, 'master', br);
    ipNs(CN, 'link', 'set', br, 'up');
    ipNs(HA_NS, 'addr', 'add', `${HA}/64`, 'dev', h, 'nodad');
    ipNs(HA_NS, 'addr', 'add', '2001:db8:2::1/64', 'dev', f1, 'nodad');
    ipNs(HA_NS, 'addr', 'add', '2001:db8:3::1/64', 'dev', f2, 'nodad');
    ipNs(CN, 'addr', 'add', `${CN_ADDR}/64`, 'dev', br, 'nodad');
    ipNs(MN, 'addr', 'add', `${COA1}/64`, 'dev', r1, 'nodad');
    ipNs(MN, '-6', 'route', 'add', 'default', 'via', '2001:db8:2::1', 'dev', r1);

    fwd = await openHomeAgentForwarding({
      native,
      netns: nsPath(HA_NS),
      homeAgentAddress: HA,
      homeLink: h,
      unsolicitedNaIntervalMs: 100,
    });
    home = await openHomeAddress({
      native,
      netns: nsPath(MN),
      homeAddress: HOA,
      homeAgent: HA,
      homeLink: hm,
      carrierProbe: () => carrierUp,
    });
    // What the HomeAgent machine's actions after an accepted BU do (tunnel-up, proxy-nd-start), and the MN's reverse-tunnel.
    await fwd.proxyNdStart(HOA);
    await fwd.tunnelUp(HOA, COA1);
    home.setCareOf(COA1);
  });

  afterAll(() => {
    for (const p of procs) p.kill();
    home?.close();
    fwd?.close();
    spaces.destroy();
  });

  it('sets up the TUN, the policy rule and the proxy ND entry as documented', () => {
    expect(ipNs(MN, '-6', 'addr', 'show', 'dev', 'hoa0')).toContain(`${HOA}/128`);
    expect(ipNs(MN, '-6', 'rule', 'show')).toMatch(new RegExp(`100:\\s+from ${HOA} lookup 100`));
    expect(ipNs(MN, '-6', 'route', 'show', 'table', '100')).toContain('default dev hoa0');
    expect(ipNs(HA_NS, '-6', 'neigh', 'show', 'proxy')).toContain(HOA);
    expect(ipNs(HA_NS, '-6', 'route', 'show', `${HOA}/128`)).toContain('dev mipha0');
    // The care-of traffic keeps using the radio: only the home address is steered into the TUN.
    expect(ipNs(MN, '-6', 'route', 'get', CN_ADDR, 'from', COA1)).toContain(`dev ${r1}`);
    expect(ipNs(MN, '-6', 'route', 'get', CN_ADDR, 'from', HOA)).toContain('dev hoa0');
  });

  it('UDP and TCP from the home address reach the correspondent and the replies come back; the TCP connection survives a move', async () => {
    const server = echoServer(CN, CN_ADDR, PORT);
    procs.push(server);
    await server.waitFor((l) => l === 'listening');

    const seenAtCn: Raw6Packet[] = [];
    const udpTap = native.openRaw6Socket({ protocol: 17, netns: nsPath(CN) });
    udpTap.start((ps) => seenAtCn.push(...ps.filter((p) => p.src === HOA)));
    const udp = udpOneShot(MN, HOA, CN_ADDR, PORT, 'udp-from-home');
    procs.push(udp);
    expect(await udp.waitFor((l) => l.startsWith('reply') || l === 'timeout')).toBe(`reply ${CN_ADDR} udp-from-home`);
    udpTap.close();
    // Hop limit: the application's 64, decremented once by the HA's kernel when it forwards the
    // decapsulated packet (RFC 2473 §3.1: the tunnel itself is one hop for the inner packet).
    expect(seenAtCn.map((p) => p.hopLimit)).toEqual([63]);

    const client = lineClient(MN, HOA, CN_ADDR, PORT);
    procs.push(client);
    const connected = await client.waitFor((l) => l.startsWith('connected'));
    expect(connected).toMatch(new RegExp(`^connected ${HOA} \\d+$`));
    client.send('before move');
    await client.waitFor((l) => l === 'echo before move');
    const before = { mn: home!.stats(), ha: fwd!.stats() };
    expect(before.mn.reverseTunnelled).toBeGreaterThan(0);
    expect(before.mn.delivered).toBeGreaterThan(0);
    expect(before.ha.tunnelled).toBeGreaterThan(0);
    expect(before.ha.forwarded).toBeGreaterThan(0);
    // The correspondent reached the home address through the home agent's proxy ND: its neighbour entry holds the HA's MAC.
    const haMac = JSON.parse(ipNs(HA_NS, '-j', 'link', 'show', 'dev', h))[0].address as string;
    expect(ipNs(CN, '-6', 'neigh', 'show', HOA)).toContain(haMac);

    // Move: link 1 goes away, a new care-of address on link 2, one call on each side.
    home!.reverseTunnelOff(); // the MN machine's reverse-tunnel-off on leaving link 1
    ipNs(MN, 'addr', 'del', `${COA1}/64`, 'dev', r1);
    ipNs(MN, 'link', 'set', r1, 'down');
    ipNs(MN, 'addr', 'add', `${COA2}/64`, 'dev', r2, 'nodad');
    ipNs(MN, '-6', 'route', 'replace', 'default', 'via', '2001:db8:3::1', 'dev', r2);
    // In RFC 6275 order: the HA accepts the BU (tunnel-up), then the MN, on the BA, re-points its reverse tunnel.
    await fwd!.tunnelUp(HOA, COA2);
    home!.setCareOf(COA2);
    expect(fwd!.bindings()).toEqual([{ homeAddress: HOA, careOfAddress: COA2, pathMtu: 1460 }]);

    for (let i = 0; i < 20; i++) client.send(`after move ${i}`);
    await client.waitFor((l) => l === 'echo after move 19', 10_000);
    client.send('END');
    expect(await client.exited).toBe(0);
    // Same connection all along: one 'connected', no error, closed only by our END.
    expect(client.lines.filter((l) => l.startsWith('connected'))).toHaveLength(1);
    expect(client.lines.filter((l) => l.startsWith('error'))).toEqual([]);
    expect(client.lines.filter((l) => l.startsWith('echo'))).toHaveLength(21);
    const after = home!.stats();
    expect(after.tunnel!.encapsulated).toBeGreaterThan(before.mn.tunnel!.encapsulated);
    expect(after.rejectedFromTunnel).toBe(0);
    expect(fwd!.stats().rejectedFromTunnel).toBe(0);
  });

  it('a batch the carrier probe finds without carrier is held, not sent, and leaves in order once the link is back', async () => {
    const seenAtCn: Raw6Packet[] = [];
    const tap = native.openRaw6Socket({ protocol: 17, netns: nsPath(CN) });
    tap.start((ps) => seenAtCn.push(...ps.filter((p) => p.src === HOA)));
    const before = home!.stats();
    // The monitor has not said so yet: only the probe right before the send knows the carrier went.
    carrierUp = false;
    for (const text of ['held 1', 'held 2']) {
      procs.push(udpOneShot(MN, HOA, CN_ADDR, PORT, text));
      await new Promise((r) => setTimeout(r, 200));
    }
    const during = home!.stats();
    expect(during.carrierProbedDown).toBeGreaterThan(before.carrierProbedDown);
    expect(during.hold.waiting).toBe(2);
    expect(during.reverseTunnelled).toBe(before.reverseTunnelled);
    expect(seenAtCn).toEqual([]);
    // Back on the same router (an RA from it): the hold opens and sends both, in order.
    carrierUp = true;
    home!.setCarrier(true);
    home!.resume();
    await new Promise((r) => setTimeout(r, 300));
    tap.close();
    expect(home!.stats().hold.waiting).toBe(0);
    expect(seenAtCn.map((p) => p.data.subarray(8).toString())).toEqual(['held 1', 'held 2']);
  });

  it('refuses reverse-tunnelled packets from a CoA not bound to the home address, and tunnelled packets to the MN not from its HA', async () => {
    // mn's care-of address is COA2 now; a packet tunnelled from COA1 (not the bound CoA) must be refused by the HA.
    const { openTunnelEndpoint } = await import('../../src/agent/dataplane/tunnel.js');
    const { buildIpv6Packet } = await import('../../src/wire/packet.js');
    const udpWire = await import('../../src/wire/udp.js');
    ipNs(MN, 'link', 'set', r1, 'up');
    ipNs(MN, 'addr', 'add', `${COA1}/64`, 'dev', r1, 'nodad');
    const rogue = openTunnelEndpoint({ native, netns: nsPath(MN), local: COA1, onPacket: () => {} });
    try {
      const inner = buildIpv6Packet({
        src: HOA,
        dst: CN_ADDR,
        upper: {
          nextHeader: 17,
          encode: () => udpWire.encode({ srcPort: 1, dstPort: PORT, payload: Buffer.from('x') }),
        },
      });
      const rejectedBefore = fwd!.stats().rejectedFromTunnel;
      expect(rogue.send(inner, HA)).toBe(true);
      for (let i = 0; i < 50 && fwd!.stats().rejectedFromTunnel === rejectedBefore; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(fwd!.stats().rejectedFromTunnel).toBe(rejectedBefore + 1);
      // And the MN accepts tunnelled packets only from its home agent (RFC 6275 §11.3.1): one from the CN is refused.
      const fromCn = openTunnelEndpoint({ native, netns: nsPath(CN), local: CN_ADDR, onPacket: () => {} });
      ipNs(CN, '-6', 'route', 'add', '2001:db8:3::/64', 'via', HA);
      try {
        const toHome = buildIpv6Packet({
          src: CN_ADDR,
          dst: HOA,
          upper: {
            nextHeader: 17,
            encode: () => udpWire.encode({ srcPort: PORT, dstPort: 1, payload: Buffer.from('y') }),
          },
        });
        const mnRejected = home!.stats().rejectedFromTunnel;
        expect(fromCn.send(toHome, COA2)).toBe(true);
        for (let i = 0; i < 50 && home!.stats().rejectedFromTunnel === mnRejected; i++)
          await new Promise((r) => setTimeout(r, 20));
        expect(home!.stats().rejectedFromTunnel).toBe(mnRejected + 1);
      } finally {
        fromCn.close();
      }
    } finally {
      rogue.close();
    }
  });

  it('at home: the home address moves onto the home link, nothing is tunnelled, and back again', async () => {
    // What the HA does on a deregistration (tunnel-down, proxy-nd-stop) and the MN on return home (§11.5.5).
    await fwd!.tunnelDown(HOA);
    await fwd!.proxyNdStop(HOA);
    expect(ipNs(HA_NS, '-6', 'neigh', 'show', 'proxy')).not.toContain(HOA);
    ipNs(MN, 'link', 'set', hm, 'up');
    await home!.setAtHome(true);
    expect(home!.atHome).toBe(true);
    expect(ipNs(MN, '-6', 'addr', 'show', 'dev', hm)).toContain(`${HOA}/64`);
    expect(ipNs(MN, '-6', 'addr', 'show', 'dev', 'hoa0')).not.toContain(HOA);
    expect(ipNs(MN, '-6', 'rule', 'show')).not.toContain(`from ${HOA}`);
    // The MN's unsolicited NA (RFC 6275 §11.5.5) moves the CN's cache entry from the HA's MAC to its own.
    const mnMac = JSON.parse(ipNs(MN, '-j', 'link', 'show', 'dev', hm))[0].address as string;
    const na = openUnsolicitedAdvertiser({ native, netns: nsPath(MN), ifname: hm, linkLayerAddress: mnMac, count: 1 });
    na.announce(HOA);
    na.close();
    for (let i = 0; i < 50 && !ipNs(CN, '-6', 'neigh', 'show', HOA).includes(mnMac); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(ipNs(CN, '-6', 'neigh', 'show', HOA)).toContain(mnMac);

    const tunnelledBefore = home!.stats().reverseTunnelled;
    const haBefore = fwd!.stats();
    const udp = udpOneShot(MN, HOA, CN_ADDR, PORT, 'udp-at-home');
    procs.push(udp);
    expect(await udp.waitFor((l) => l.startsWith('reply') || l === 'timeout')).toBe(`reply ${CN_ADDR} udp-at-home`);
    expect(home!.stats().reverseTunnelled).toBe(tunnelledBefore);
    expect(fwd!.stats().tunnelled).toBe(haBefore.tunnelled);

    await home!.setAtHome(false);
    expect(ipNs(MN, '-6', 'addr', 'show', 'dev', hm)).not.toContain(HOA);
    expect(ipNs(MN, '-6', 'addr', 'show', 'dev', 'hoa0')).toContain(`${HOA}/128`);
    expect(ipNs(MN, '-6', 'rule', 'show')).toContain(`from ${HOA} lookup 100`);
  });
});
