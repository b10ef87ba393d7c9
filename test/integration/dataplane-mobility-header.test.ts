// mobility-header-io.ts for real: a BU with a Home Address option from the "mn" namespace to the
// "ha" namespace, a BA with a type 2 routing header back. Each is read from AF_PACKET with its
// HAO / RH2, its MH checksum verifies over the RFC 6275 §6.1.7 pseudo-header, and tshark finds no
// ICMPv6 Parameter Problem on the wire. Without the nft table the kernel answers both with one
// (code 2 for the HAO, code 0 for the RH2): the rule is what keeps the wire clean.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import {
  filterTableName,
  installMobilityFilters,
  openMobilityHeaderIo,
  openMobilityReceiver,
  openMobilitySender,
  type MobilityFilters,
  type MobilityReceiver,
  type MobilitySender,
  type ReceivedMobilityHeader,
} from '../../src/agent/dataplane/mobility-header-io.js';
import { verifyPseudoHeaderChecksum } from '../../src/wire/checksum.js';
import * as mh from '../../src/wire/mh/index.js';
import { NamespaceSet, ipNs, nsPath, sh, uniqueId } from '../support/namespaces.js';
import { skipReason } from '../support/prereq.js';

/** These tests exercise the nft filter itself: a kernel without it fails them. */
const nftMissing = (reason: string): never => {
  throw new Error(`nft filter unavailable: ${reason}`);
};

const skip = skipReason({ root: true, tools: ['ip', 'nsenter', 'nft', 'tcpdump', 'tshark'] });
const id = uniqueId();
const MN = `dmm${id}`;
const HA_NS = `dmh${id}`;
const vM = `dmm${id}`;
const vH = `dmh${id}`;
const COA = '2001:db8:2::10';
const HA = '2001:db8:2::1';
const HOA = '2001:db8:1::55';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bindingUpdate(sequenceNumber: number): Buffer {
  return mh.encode({
    type: 'BindingUpdate',
    sequenceNumber,
    acknowledge: true,
    homeRegistration: true,
    linkLocalCompatibility: false,
    keyManagementCompatibility: false,
    mapRegistration: false,
    mobileRouter: false,
    proxyRegistration: false,
    forceUdpEncapsulation: false,
    tlvHeaderFormat: false,
    bulkBindingUpdate: false,
    lifetime: 100,
    options: [],
  } as mh.MobilityMessage);
}

function bindingAck(sequenceNumber: number): Buffer {
  return mh.encode({
    type: 'BindingAcknowledgement',
    status: 0,
    keyManagementCompatibility: false,
    mobileRouter: false,
    proxyRegistration: false,
    tlvHeaderFormat: false,
    bulkBindingUpdate: false,
    sequenceNumber,
    lifetime: 100,
    options: [],
  } as mh.MobilityMessage);
}

/** tcpdump in a namespace writing a pcap; stop() resolves once the file is complete. */
async function capture(ns: string, ifname: string, file: string): Promise<{ stop(): Promise<void> }> {
  const p = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', ifname, '-U', '--immediate-mode', '-w', file, 'ip6'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('tcpdump did not start')), 5000);
    p.stderr.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    async stop() {
      await wait(200);
      const done = new Promise((r) => p.on('exit', r));
      p.kill('SIGINT');
      await done;
    },
  };
}

/** tshark's reading of a pcap: one line per packet matching `filter` with the given fields. */
function tshark(file: string, filter: string, fields: string[]): string[] {
  const out = sh('tshark', [
    '-r',
    file,
    '-Y',
    filter,
    '-T',
    'fields',
    '-E',
    'occurrence=f',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out.split('\n').filter((l) => l.trim() !== '');
}

async function until(pred: () => boolean, ms = 2000): Promise<void> {
  for (let t = 0; t < ms && !pred(); t += 20) await wait(20);
}

describe.skipIf(skip)('Mobility Header with HAO / RH2 on a kernel without MIP6', () => {
  const spaces = new NamespaceSet();
  const dir = mkdtempSync(path.join(tmpdir(), 'dataplane-mh-'));
  let atHa: ReceivedMobilityHeader[] = [];
  let atMn: ReceivedMobilityHeader[] = [];
  let haRx: MobilityReceiver;
  let mnRx: MobilityReceiver;
  let haTx: MobilitySender;
  let mnTx: MobilitySender;
  let haFilters: MobilityFilters | undefined;
  let mnFilters: MobilityFilters | undefined;

  beforeAll(() => {
    spaces.add(MN);
    spaces.add(HA_NS);
    spaces.veth(MN, vM, HA_NS, vH);
    ipNs(MN, 'addr', 'add', `${COA}/64`, 'dev', vM, 'nodad');
    ipNs(HA_NS, 'addr', 'add', `${HA}/64`, 'dev', vH, 'nodad');
    haRx = openMobilityReceiver({
      native,
      netns: nsPath(HA_NS),
      interfaces: [vH],
      addresses: [HA],
      onMessage: (m) => atHa.push(m),
    });
    mnRx = openMobilityReceiver({
      native,
      netns: nsPath(MN),
      interfaces: [vM],
      addresses: [COA],
      onMessage: (m) => atMn.push(m),
    });
    haTx = openMobilitySender({ native, netns: nsPath(HA_NS) });
    mnTx = openMobilitySender({ native, netns: nsPath(MN) });
  });

  afterAll(() => {
    for (const x of [haRx, mnRx, haTx, mnTx]) x?.close();
    haFilters?.remove();
    mnFilters?.remove();
    spaces.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function exchange(
    pcap: string,
    seq: number,
  ): Promise<{ bu: ReceivedMobilityHeader; ba: ReceivedMobilityHeader }> {
    atHa = [];
    atMn = [];
    const cap = await capture(HA_NS, vH, pcap);
    expect(mnTx.send({ src: COA, dst: HA, homeAddress: HOA, mh: bindingUpdate(seq) })).toBe(true);
    await until(() => atHa.length > 0);
    expect(haTx.send({ src: HA, dst: COA, routingHomeAddress: HOA, mh: bindingAck(seq) })).toBe(true);
    await until(() => atMn.length > 0);
    await cap.stop();
    expect(atHa).toHaveLength(1);
    expect(atMn).toHaveLength(1);
    return { bu: atHa[0]!, ba: atMn[0]! };
  }

  it('with the nft table: BU (HAO) and BA (RH2) are received with their home address, checksums verify, no Parameter Problem', async () => {
    haFilters = await installMobilityFilters({
      onUnavailable: nftMissing,
      netns: nsPath(HA_NS),
      table: filterTableName(`ha${id}`),
      addresses: [HA],
    });
    mnFilters = await installMobilityFilters({
      onUnavailable: nftMissing,
      netns: nsPath(MN),
      table: filterTableName(`mn${id}`),
      addresses: [COA],
    });
    const pcap = path.join(dir, 'filtered.pcap');
    const { bu, ba } = await exchange(pcap, 7);

    expect(bu).toMatchObject({ src: COA, dst: HA, homeAddress: HOA, via: 'packet-socket' });
    expect(bu.routingHomeAddress).toBeUndefined();
    // RFC 6275 §6.1.7: the BU's checksum is over the home address as source; not over the CoA.
    expect(verifyPseudoHeaderChecksum(HOA, HA, 135, bu.mh)).toBe(true);
    expect(verifyPseudoHeaderChecksum(COA, HA, 135, bu.mh)).toBe(false);
    const d = mh.decode(bu.mh);
    expect(d.ok && d.value.type === 'BindingUpdate' && d.value.sequenceNumber).toBe(7);

    expect(ba).toMatchObject({ src: HA, dst: COA, routingHomeAddress: HOA, via: 'packet-socket' });
    expect(verifyPseudoHeaderChecksum(HA, HOA, 135, ba.mh)).toBe(true); // final destination = HoA
    const a = mh.decode(ba.mh);
    expect(a.ok && a.value.type === 'BindingAcknowledgement' && a.value.sequenceNumber).toBe(7);

    // tshark: both messages on the wire with the HAO / RH2, and no ICMPv6 Parameter Problem at all.
    expect(tshark(pcap, 'mip6.mhtype == 5', ['ipv6.src', 'ipv6.dst', 'ipv6.opt.mipv6.home_address'])).toEqual([
      `${COA}\t${HA}\t${HOA}`,
    ]);
    expect(tshark(pcap, 'mip6.mhtype == 6', ['ipv6.src', 'ipv6.dst', 'ipv6.routing.mipv6.home_address'])).toEqual([
      `${HA}\t${COA}\t${HOA}`,
    ]);
    expect(tshark(pcap, 'icmpv6.type == 4', ['frame.number'])).toHaveLength(0);
    // The rules did the dropping (their counters moved).
    expect(
      sh('nsenter', [`--net=${nsPath(HA_NS)}`, 'nft', 'list', 'table', 'ip6', filterTableName(`ha${id}`)]),
    ).toMatch(/exthdr dst exists counter packets 1 /);
    expect(sh('nsenter', [`--net=${nsPath(MN)}`, 'nft', 'list', 'table', 'ip6', filterTableName(`mn${id}`)])).toMatch(
      /rt type 2 counter packets 1 /,
    );
  });

  it("the packet socket's BPF filter keeps data frames in the kernel: none reaches JS, a BU still does", async () => {
    const before = haRx.stats();
    // 200 UDP datagrams (Next Header 17) to the home agent's address: without the filter each one
    // would be read from AF_PACKET and counted `ignored`.
    const udp = native.openRaw6Socket({ protocol: 17, netns: nsPath(MN) });
    try {
      for (let i = 0; i < 200; i++) udp.send(Buffer.alloc(16), HA);
    } finally {
      udp.close();
    }
    atHa = [];
    expect(mnTx.send({ src: COA, dst: HA, homeAddress: HOA, mh: bindingUpdate(10) })).toBe(true);
    await until(() => atHa.length > 0);
    expect(atHa).toMatchObject([{ src: COA, dst: HA, homeAddress: HOA, via: 'packet-socket' }]);
    const after = haRx.stats();
    expect(after.fromPacketSocket - before.fromPacketSocket).toBe(1);
    // MLD reports (a Hop-by-Hop header first) pass the filter and are ignored in JS: a few, not 200.
    expect(after.ignored - before.ignored).toBeLessThan(20);
    expect(after.malformed - before.malformed).toBe(0);
  });

  it('without the nft table the kernel answers both with Parameter Problem (HAO: code 2, RH2: code 0)', async () => {
    haFilters!.remove();
    mnFilters!.remove();
    const pcap = path.join(dir, 'unfiltered.pcap');
    // AF_PACKET still sees both: the receivers work either way; only the wire shows the difference.
    await exchange(pcap, 8);
    const errors = tshark(pcap, 'icmpv6.type == 4', ['ipv6.src', 'icmpv6.code']).sort();
    expect(errors).toEqual([`${COA}\t0`, `${HA}\t2`].sort());
  });

  it('plain MH (no HAO, no RH2) arrives through the raw-135 socket; openMobilityHeaderIo follows a new address', async () => {
    const NEW_COA = '2001:db8:2::11';
    ipNs(MN, 'addr', 'add', `${NEW_COA}/64`, 'dev', vM, 'nodad');
    const got: ReceivedMobilityHeader[] = [];
    const io = await openMobilityHeaderIo({
      onFilterUnavailable: nftMissing,
      native,
      netns: nsPath(MN),
      table: filterTableName(`io${id}`),
      interfaces: [vM],
      addresses: [COA],
      onMessage: (m) => got.push(m),
      plainMobilityHeader: false,
    });
    try {
      atHa = [];
      // A BU without HAO (e.g. a PBU, RFC 5213): the kernel hands it to the raw socket; checksum over on-wire addresses.
      expect(mnTx.send({ src: COA, dst: HA, mh: bindingUpdate(9) })).toBe(true);
      await until(() => atHa.length > 0);
      expect(atHa).toMatchObject([{ src: COA, dst: HA, via: 'raw-socket' }]);
      expect(atHa[0]!.homeAddress).toBeUndefined();

      await io.setAddresses([NEW_COA]);
      expect(haTx.send({ src: HA, dst: NEW_COA, routingHomeAddress: HOA, mh: bindingAck(9) })).toBe(true);
      await until(() => got.length > 0);
      expect(got).toMatchObject([{ dst: NEW_COA, routingHomeAddress: HOA }]);
      const listing = sh('nsenter', [
        `--net=${nsPath(MN)}`,
        'nft',
        'list',
        'set',
        'ip6',
        filterTableName(`io${id}`),
        'mobility_addresses',
      ]);
      expect(listing).toContain(NEW_COA);
      expect(listing).not.toContain(`${COA} `);
    } finally {
      io.close();
    }
    // close() removed the table.
    expect(sh('nsenter', [`--net=${nsPath(MN)}`, 'nft', 'list', 'tables'])).not.toContain(filterTableName(`io${id}`));
  });
});
