// The data plane driven by the real HomeAgent machine (src/protocols/mipv6/home-agent.ts): the MN
// sends an RFC 4285-authenticated BU with a Home Address option; the HA's MH receiver feeds it to the
// machine, whose actions (proxy-nd-start, tunnel-up, send-mh with a type 2 routing header) are
// performed by actions.ts; the MN's receiver gets the BA, the reverse tunnel starts, and an
// unmodified UDP application on the home address reaches the correspondent through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { openHomeAddress, type HomeAddress } from '../../src/agent/dataplane/home-address.js';
import { openHomeAgentForwarding, type HomeAgentForwarding } from '../../src/agent/dataplane/home-agent-forwarding.js';
import {
  filterTableName,
  openMobilityHeaderIo,
  type MobilityHeaderIo,
  type ReceivedMobilityHeader,
} from '../../src/agent/dataplane/mobility-header-io.js';
import {
  performHomeAgentAction,
  performMobileNodeAction,
  sendMobilityHeaderAction,
} from '../../src/agent/dataplane/actions.js';
import { HomeAgent, type HomeAgentAction } from '../../src/protocols/mipv6/home-agent.js';
import { verifyMnHa } from '../../src/protocols/mipv6/auth.js';
import { buInput, COA_AR1, HA, haConfig, HOA1, MN1 } from '../../src/protocols/mipv6/testing/fixtures.js';
import * as mh from '../../src/wire/mh/index.js';
import { NamespaceSet, ipNs, nsPath, uniqueId } from '../support/namespaces.js';
import { echoServer, udpOneShot, type LineProcess } from '../support/apps.js';
import { skipReason } from '../support/prereq.js';

/** These tests exercise the nft filter itself: a kernel without it fails them. */
const nftMissing = (reason: string): never => {
  throw new Error(`nft filter unavailable: ${reason}`);
};

const skip = skipReason({ root: true, tools: ['ip', 'nsenter', 'sysctl', 'nft'] });
const id = uniqueId();
const MN = `dbm${id}`;
const HA_NS = `dbh${id}`;
const CN = `dbc${id}`;
const CN_ADDR = '2001:db8:1::300';
const COA = COA_AR1; // 2001:db8:a1::10
const PORT = 7009;
const until = async (pred: () => boolean, ms = 3000) => {
  for (let t = 0; t < ms && !pred(); t += 20) await new Promise((r) => setTimeout(r, 20));
};

describe.skipIf(skip)('home registration through the data plane, driven by the HomeAgent machine', () => {
  const spaces = new NamespaceSet();
  const [r, f, h, c] = ['r', 'f', 'h', 'c'].map((p) => `db${p}${id}`) as [string, string, string, string];
  let fwd: HomeAgentForwarding | undefined;
  let haIo: MobilityHeaderIo | undefined;
  let mnIo: MobilityHeaderIo | undefined;
  let home: HomeAddress | undefined;
  const procs: LineProcess[] = [];

  beforeAll(() => {
    for (const n of [MN, HA_NS, CN]) spaces.add(n);
    spaces.veth(MN, r, HA_NS, f);
    spaces.veth(HA_NS, h, CN, c);
    ipNs(HA_NS, 'addr', 'add', `${HA}/64`, 'dev', h, 'nodad');
    ipNs(HA_NS, 'addr', 'add', '2001:db8:a1::1/64', 'dev', f, 'nodad');
    ipNs(CN, 'addr', 'add', `${CN_ADDR}/64`, 'dev', c, 'nodad');
    ipNs(MN, 'addr', 'add', `${COA}/64`, 'dev', r, 'nodad');
    ipNs(MN, '-6', 'route', 'add', 'default', 'via', '2001:db8:a1::1', 'dev', r);
  });

  afterAll(() => {
    for (const p of procs) p.kill();
    for (const x of [home, mnIo, haIo, fwd]) x?.close();
    spaces.destroy();
  });

  it('BU (HAO) → HomeAgent → proxy ND, tunnel, BA (RH2) → MN reverse tunnel → UDP from the home address', async () => {
    const ha = new HomeAgent(haConfig());
    const performed: string[] = [];
    const failures: unknown[] = [];
    fwd = await openHomeAgentForwarding({ native, netns: nsPath(HA_NS), homeAgentAddress: HA, homeLink: h });
    const onBu = async (m: ReceivedMobilityHeader) => {
      const d = mh.decode(m.mh);
      if (!d.ok) return;
      const actions: HomeAgentAction[] = ha.handle(0, {
        kind: 'mh',
        src: m.src,
        dst: m.dst,
        homeAddressOption: m.homeAddress,
        message: d.value,
        bytes: m.mh,
      });
      for (const a of actions) {
        if (await performHomeAgentAction(fwd!, a)) performed.push(a.kind);
        else if (a.kind === 'send-mh' && sendMobilityHeaderAction(haIo!, a)) performed.push(a.kind);
      }
    };
    haIo = await openMobilityHeaderIo({
      onFilterUnavailable: nftMissing,
      native,
      netns: nsPath(HA_NS),
      table: filterTableName(`ha${id}`),
      interfaces: [f],
      addresses: [HA],
      onMessage: (m) => void onBu(m).catch((e) => failures.push(e)),
    });

    const acks: ReceivedMobilityHeader[] = [];
    mnIo = await openMobilityHeaderIo({
      onFilterUnavailable: nftMissing,
      native,
      netns: nsPath(MN),
      table: filterTableName(`mn${id}`),
      interfaces: [r],
      addresses: [COA],
      onMessage: (m) => acks.push(m),
    });
    home = await openHomeAddress({ native, netns: nsPath(MN), homeAddress: HOA1, homeAgent: HA });

    // The MN's BU as its machine would build it (fixtures: NAI, timestamp, MN-HA authenticator).
    const bu = buInput({ sequenceNumber: 1, lifetimeS: 60, at: 0, coa: COA });
    expect(mnIo.send({ src: COA, dst: HA, homeAddress: HOA1, mh: bu.bytes })).toBe(true);
    await until(() => acks.length > 0 && performed.length === 3);
    expect(failures).toEqual([]);
    expect([...performed].sort()).toEqual(['proxy-nd-start', 'send-mh', 'tunnel-up']);
    expect(ha.cache.get(HOA1)).toMatchObject({ careOfAddress: COA, sequenceNumber: 1 });

    // The BA: to the CoA with the HoA in a type 2 routing header, authenticated, status accepted.
    expect(acks).toHaveLength(1);
    const ack = acks[0]!;
    expect(ack).toMatchObject({ src: HA, dst: COA, routingHomeAddress: HOA1, via: 'packet-socket' });
    const ba = mh.decode(ack.mh);
    expect(ba.ok && ba.value.type === 'BindingAcknowledgement' && ba.value.status).toBe(0);
    expect(verifyMnHa(MN1, COA, HOA1, ack.mh)).toEqual({ ok: true, spi: MN1.spi });

    // The MN machine's reverse-tunnel action, then an application on the home address.
    expect(
      await performMobileNodeAction(home, { kind: 'reverse-tunnel', careOfAddress: COA, homeAgent: HA, iface: r }),
    ).toBe(true);
    const server = echoServer(CN, CN_ADDR, PORT);
    procs.push(server);
    await server.waitFor((l) => l === 'listening');
    const udp = udpOneShot(MN, HOA1, CN_ADDR, PORT, 'registered');
    procs.push(udp);
    expect(await udp.waitFor((l) => l.startsWith('reply') || l === 'timeout')).toBe(`reply ${CN_ADDR} registered`);
    expect(fwd.stats()).toMatchObject({ rejectedFromTunnel: 0 });
    expect(fwd.stats().forwarded).toBeGreaterThan(0);
    expect(home.stats().delivered).toBeGreaterThan(0);
    // Nothing refused on the MH paths.
    expect(haIo.stats()).toMatchObject({ fromPacketSocket: 1, badChecksum: 0, badMobilityHeader: 0 });
  });
});
