// Forged Binding Updates at the home agent of topologies/mipv6.yaml (RFC 6275 §15.1, RFC
// 4285): with mn registered from ap1, the test process sends from cn's namespace (a) a BU for mn's home
// address sealed with a wrong key, (b) a byte-for-byte replay of a BU mn really sent (captured on the
// HA's core link), (c) a BU correctly authenticated as mn2 (a second node the HA knows) naming mn's
// home address. Each one gets a BA with the refusal status (146 MIPV6-AUTH-FAIL, 144 MIPV6-ID-MISMATCH,
// 129 Administratively prohibited; docs/mipv6.md), the matching refusal counter rises, mn's Binding
// Cache entry stays exactly as it was, cn still reaches mn, and the HA agent still answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedLab } from '../../src/lab/lab.js';
import { BaStatus } from '../../src/protocols/mipv6/constants.js';
import {
  CN_ADDRESS,
  HA_ADDRESS,
  MN2,
  MN_HOA,
  MN_KEY,
  MN_NAI,
  MN_SPI,
  acksTo,
  bindingOf,
  buildBindingUpdatePacket,
  cnReachesMn,
  homeAgentStatus,
  moveAndRegister,
  packetSender,
  tapHomeAgent,
  upMipv6Lab,
  wait,
  waitFor,
  type SeenMobilityHeader,
} from '../support/mipv6-attack.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'ping'] });

describe.skipIf(missing)('mipv6: forged Binding Updates are refused and change nothing', () => {
  let lab: StartedLab;
  let tap: ReturnType<typeof tapHomeAgent>;
  let sender: ReturnType<typeof packetSender>;
  let realBu: SeenMobilityHeader;

  beforeAll(async () => {
    ({ lab } = await upMipv6Lab('msec'));
    tap = tapHomeAgent(lab);
    sender = packetSender(lab, 'cn');
    const b = await moveAndRegister(lab, 'ap1');
    realBu = tap.seen.find(
      (s) =>
        s.direction === 'in' &&
        s.message.type === 'BindingUpdate' &&
        s.homeAddress === MN_HOA &&
        s.src === b.careOfAddress,
    )!;
    expect(realBu, 'mn’s BU seen on the HA’s core link').toBeDefined();
    expect((await cnReachesMn(lab)).ok, 'cn reaches mn before any attack').toBe(true);
  }, 120_000);
  afterAll(async () => {
    tap?.close();
    sender?.close();
    await lab?.down();
  });

  /** Sends `packet` from cn, waits for the HA's BA to `replyTo`, and checks that nothing else changed. */
  async function attack(packet: Buffer, replyTo: string, expectedStatus: number, counter: string) {
    const before = await homeAgentStatus(lab);
    const binding = bindingOf(before.view);
    expect(binding).toBeDefined();
    const from = tap.seen.length;
    expect(sender.send(packet, HA_ADDRESS)).toBe(true);
    const acks = await waitFor(`a BA to ${replyTo}`, async () => {
      const a = acksTo(tap.seen, from, replyTo);
      return a.length ? a : undefined;
    });
    await wait(200); // anything else the HA might do about it (it must do nothing)
    const after = await homeAgentStatus(lab);
    expect(acks.map((a) => a.status)).toEqual([expectedStatus]);
    expect(after.view.machine[counter], counter).toBe(before.view.machine[counter]! + 1);
    expect(after.view.machine['bu-accepted']).toBe(before.view.machine['bu-accepted']);
    expect(bindingOf(after.view), 'mn’s binding (coa, sequence, lifetime) unchanged').toEqual(binding);
    expect(after.view.bindingCache).toHaveLength(1);
    expect(after.view.pendingKernelActions).toBe(0);
    const reach = await cnReachesMn(lab);
    expect(reach.ok, `cn still reaches mn:\n${reach.output}`).toBe(true);
  }

  it('(a) a BU for mn’s home address sealed with a wrong key: BA 146, bu-auth-failed', async () => {
    const seq = bindingOf((await homeAgentStatus(lab)).view)!.sequenceNumber;
    const wrongKey = Buffer.from(MN_KEY);
    wrongKey[0]! ^= 0xff;
    // A sequence number the HA would take (newer than mn's): only the authenticator is wrong.
    const packet = buildBindingUpdatePacket({
      src: CN_ADDRESS,
      homeAddress: MN_HOA,
      nai: MN_NAI,
      spi: MN_SPI,
      key: wrongKey,
      sequenceNumber: (seq + 1) & 0xffff,
      lifetimeS: 600,
    });
    await attack(packet, CN_ADDRESS, BaStatus.MipV6AuthFail, 'bu-auth-failed');
  });

  it('(b) a byte-for-byte replay of the BU mn sent: BA 144 to the care-of address, bu-replayed', async () => {
    await attack(realBu.packet, realBu.src, BaStatus.MipV6IdMismatch, 'bu-replayed');
  });

  it('(c) a BU authenticated as mn2 naming mn’s home address: BA 129, bu-unauthorized-home-address', async () => {
    const seq = bindingOf((await homeAgentStatus(lab)).view)!.sequenceNumber;
    const packet = buildBindingUpdatePacket({
      src: CN_ADDRESS,
      homeAddress: MN_HOA,
      nai: MN2.nai,
      spi: MN2.spi,
      key: MN2.key,
      sequenceNumber: (seq + 1) & 0xffff,
      lifetimeS: 600,
    });
    await attack(packet, CN_ADDRESS, BaStatus.AdministrativelyProhibited, 'bu-unauthorized-home-address');
  });

  it('mn2’s own, correctly sealed BU is accepted (the forgeries failed for their faults, not for the path)', async () => {
    // Without this, (a)–(c) could pass because nothing sent from cn reaches the HA's machine at all.
    const from = tap.seen.length;
    const packet = buildBindingUpdatePacket({
      src: CN_ADDRESS,
      homeAddress: MN2.homeAddress,
      nai: MN2.nai,
      spi: MN2.spi,
      key: MN2.key,
      sequenceNumber: 7,
      lifetimeS: 8,
    });
    expect(sender.send(packet, HA_ADDRESS)).toBe(true);
    const acks = await waitFor('a BA to cn', async () => {
      const a = acksTo(tap.seen, from, CN_ADDRESS);
      return a.length ? a : undefined;
    });
    expect(acks.map((a) => a.status)).toEqual([BaStatus.Accepted]);
    const { view } = await homeAgentStatus(lab);
    expect(bindingOf(view, MN2.homeAddress)).toMatchObject({
      careOfAddress: CN_ADDRESS,
      sequenceNumber: 7,
      nai: MN2.nai,
    });
    expect(bindingOf(view)!.careOfAddress.startsWith('fd00:6:6:a1:')).toBe(true);
  });
});
