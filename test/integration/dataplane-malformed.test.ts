// 10,000 malformed packets thrown at the data plane's receivers from another namespace: the tunnel
// endpoint (protocol 41), the AF_PACKET Mobility Header receiver (HAO/RH2 path) and the raw-135
// socket (plain MH). Every one is counted and dropped, nothing throws, and each receiver still
// handles a good packet afterwards. Seeded PRNG: a failure replays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { openTunnelEndpoint, type TunnelEndpoint } from '../../src/agent/dataplane/tunnel.js';
import {
  filterTableName,
  installMobilityFilters,
  openMobilityReceiver,
  type MobilityFilters,
  type MobilityReceiver,
  type ReceivedMobilityHeader,
} from '../../src/agent/dataplane/mobility-header-io.js';
import { buildIpv6Packet } from '../../src/wire/packet.js';
import * as ipv6 from '../../src/wire/ipv6.js';
import { NamespaceSet, ipNs, nsPath, uniqueId } from '../support/namespaces.js';
import { skipReason } from '../support/prereq.js';
import { seededRandom } from '../support/random.js';

/** These tests exercise the nft filter itself: a kernel without it fails them. */
const nftMissing = (reason: string): never => {
  throw new Error(`nft filter unavailable: ${reason}`);
};

const skip = skipReason({ root: true, tools: ['ip', 'nsenter', 'nft'] });
const id = uniqueId();
const A = `dfa${id}`;
const B = `dfb${id}`;
const ADDR_A = '2001:db8:5::1';
const ADDR_B = '2001:db8:5::2';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function outer(nextHeader: number, payload: Buffer): Buffer {
  const h = ipv6.encode({
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: payload.length,
    nextHeader,
    hopLimit: 64,
    src: ADDR_A,
    dst: ADDR_B,
  });
  return Buffer.concat([h, payload]);
}

describe.skipIf(skip)('10,000 malformed packets at the receivers', () => {
  const spaces = new NamespaceSet();
  let filters: MobilityFilters | undefined;
  beforeAll(async () => {
    spaces.add(A);
    spaces.add(B);
    spaces.veth(A, `dfa${id}`, B, `dfb${id}`);
    ipNs(A, 'addr', 'add', `${ADDR_A}/64`, 'dev', `dfa${id}`, 'nodad');
    ipNs(B, 'addr', 'add', `${ADDR_B}/64`, 'dev', `dfb${id}`, 'nodad');
    filters = await installMobilityFilters({
      onUnavailable: nftMissing,
      netns: nsPath(B),
      table: filterTableName(`fz${id}`),
      addresses: [ADDR_B],
    });
  });
  afterAll(() => {
    filters?.remove();
    spaces.destroy();
  });

  it('counts and drops every one, and keeps working', async () => {
    const rand = seededRandom(0x5eed);
    const int = (n: number) => Math.floor(rand() * n);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const inner: Buffer[] = [];
    let tunnel: TunnelEndpoint | undefined;
    let rx: MobilityReceiver | undefined;
    const raw = native.openRaw6Socket({ protocol: 255, headerIncluded: true, netns: nsPath(A) });
    const mhTx = native.openRaw6Socket({ protocol: 135, checksumOffset: 4, netns: nsPath(A) });
    const messages: ReceivedMobilityHeader[] = [];
    try {
      tunnel = openTunnelEndpoint({
        native,
        netns: nsPath(B),
        local: ADDR_B,
        receiveBuffer: 8 << 20,
        onPacket: (p) => inner.push(Buffer.from(p)),
      });
      rx = openMobilityReceiver({
        native,
        netns: nsPath(B),
        interfaces: [`dfb${id}`],
        addresses: [ADDR_B],
        onMessage: (m) => messages.push(m),
      });

      const N_TUNNEL = 3400;
      const N_EXT = 3300;
      const N_MH = 3300;
      let sent = 0;
      const pace = async () => {
        if (++sent % 100 === 0) await wait(5);
      };
      // 1. protocol 41 with inner packets that are not whole IPv6 packets.
      for (let i = 0; i < N_TUNNEL; i++) {
        let p: Buffer;
        switch (i % 4) {
          case 0: // truncated inner header
            p = bytes(int(40));
            break;
          case 1: // wrong version
            p = bytes(40 + int(160));
            p[0] = (p[0]! & 0x0f) | ([0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15][int(15)]! << 4);
            break;
          case 2: // Payload Length beyond the bytes present
            p = bytes(40 + int(160));
            p[0] = 0x60;
            p.writeUInt16BE(p.length - 40 + 1 + int(1000), 4);
            break;
          default: // pure noise
            p = bytes(int(300));
        }
        raw.send(outer(41, p), ADDR_B);
        await pace();
      }
      // 2. Destination Options / Routing / Hop-by-Hop chains full of garbage (the AF_PACKET walk).
      for (let i = 0; i < N_EXT; i++) {
        const nh = [60, 43, 0][i % 3]!;
        const body = bytes(1 + int(200));
        if (i % 6 === 1) body[0] = 135; // claims an MH follows
        raw.send(outer(nh, body), ADDR_B);
        await pace();
      }
      // 3. Mobility Headers (valid checksum, filled by the kernel) with bad Payload Proto or Header Len.
      for (let i = 0; i < N_MH; i++) {
        const m = bytes(8 + 8 * int(8));
        if (i % 2) m[0] = 59; // right Payload Proto, so only Header Len can be wrong
        m[1] = (m.length / 8 - 1 + 1 + int(20)) & 0xff; // Header Len says more than is there
        mhTx.send(m, ADDR_B);
        await pace();
      }
      await wait(300);

      const t = tunnel.stats();
      expect(t.malformed + t.decapsulated).toBe(N_TUNNEL);
      expect(t.malformed).toBeGreaterThanOrEqual((N_TUNNEL * 3) / 4); // the deliberate ones, at least
      const r = rx.stats();
      expect(r.badMobilityHeader).toBe(N_MH); // raw-135 path: every one refused
      expect(r.fromRawSocket + r.fromPacketSocket).toBe(messages.length);
      const extSeen = r.malformed + r.ignored + r.other + r.badChecksum + r.fromPacketSocket;
      expect(extSeen).toBeGreaterThanOrEqual(N_EXT);
      expect(r.malformed).toBeGreaterThan(N_EXT / 2);
      console.log(`malformed flood: tunnel ${JSON.stringify(t)}; mh receiver ${JSON.stringify(r)}`);

      // Still alive: a good tunnelled packet and a good BU with an HAO go through.
      const good = buildIpv6Packet({
        src: '2001:db8:99::1',
        dst: '2001:db8:99::2',
        upper: { nextHeader: 59, encode: () => Buffer.alloc(0) },
      });
      inner.length = 0;
      raw.send(outer(41, good), ADDR_B);
      const bu = buildIpv6Packet({
        src: ADDR_A,
        dst: ADDR_B,
        extensions: [{ kind: 'DestinationOptions', options: [{ type: 'HomeAddress', homeAddress: '2001:db8:1::55' }] }],
        upper: { nextHeader: 135, encode: () => Buffer.from([59, 1, 5, 0, 0, 0, 0, 1, 0x80, 0, 0, 10, 1, 2, 0, 0]) },
      });
      const before = messages.length;
      raw.send(bu, ADDR_B);
      for (let i = 0; i < 50 && (inner.length === 0 || messages.length === before); i++) await wait(20);
      expect(inner.map((p) => p.equals(good))).toEqual([true]);
      expect(messages.slice(before)).toMatchObject([{ homeAddress: '2001:db8:1::55', via: 'packet-socket' }]);
    } finally {
      tunnel?.close();
      rx?.close();
      raw.close();
      mhTx.close();
    }
  });
});
