import { describe, expect, it } from 'vitest';
import { macToBytes } from '../../wire/address.js';
import type { NdOption } from '../../wire/icmpv6/nd-options.js';
import { eui64Address, nthPrefix } from '../../wire/address.js';
import { FmipMobileNode, type FmipMobileNodeAction } from './mobile-node.js';
import { mhAddress, ndAddress, ndLla } from './options.js';

const PAR = '2001:db8:2::1';
const NAR = '2001:db8:3::1';
const MAC = '02:00:00:00:00:10';
const PCOA = '2001:db8:2::ff:fe00:10';
const NCOA = '2001:db8:3::ff:fe00:10';
const AP2 = '02:aa:00:00:00:02';
const t = (ms: number) => ms;

const mn = () => new FmipMobileNode({ linkLayerAddress: MAC, router: PAR, careOfAddress: PCOA });
const TUPLE: NdOption[] = [
  ndLla(1, AP2),
  ndLla(3, '02:00:00:00:03:01'),
  ndAddress(3, NAR, 128),
  ndAddress(4, '2001:db8:3::', 64),
];
const prrtadv = (identifier: number, code = 0, options = TUPLE) => ({
  kind: 'icmp' as const,
  src: PAR,
  dst: PCOA,
  hopLimit: 255,
  message: { type: 'ProxyRouterAdvertisement' as const, code, identifier, options },
});
const fback = (sequenceNumber: number, status = 0, options: ReturnType<typeof mhAddress>[] = []) => ({
  kind: 'mh' as const,
  src: PAR,
  dst: PCOA,
  message: {
    type: 'FastBindingAcknowledgement' as const,
    status,
    keyManagementCompatibility: false,
    sequenceNumber,
    lifetime: 10,
    options,
  },
});
const sent = (as: FmipMobileNodeAction[]) => as.filter((a) => a.kind === 'send-mh' || a.kind === 'send-icmp');
const events = (as: FmipMobileNodeAction[]) => as.flatMap((a) => (a.kind === 'event' ? [a.event.name] : []));

/** An MN that has asked about AP2 and got its PrRtAdv. */
function informed(): FmipMobileNode {
  const m = mn();
  m.handle(t(0), { kind: 'new-ap-detected', bssid: AP2 });
  m.handle(t(5), prrtadv(1));
  return m;
}

describe('address helpers', () => {
  it('forms the NCoA from the NAR prefix and the modified EUI-64 of the MAC (RFC 4291 App. A)', () => {
    expect(eui64Address('2001:db8:3::', '00:11:22:33:44:55')).toBe('2001:db8:3:0:211:22ff:fe33:4455');
    expect(eui64Address('2001:db8:3::', MAC)).toBe(NCOA);
  });
  it('numbers per-MN /64 prefixes inside a pool', () => {
    expect(nthPrefix('2001:db8:3:100::', 56, 64, 0)).toBe('2001:db8:3:100::');
    expect(nthPrefix('2001:db8:3:100::', 56, 64, 255)).toBe('2001:db8:3:1ff::');
  });
});

describe('FmipMobileNode (RFC 5568, RFC 4260 triggers)', () => {
  it('sends an RtSolPr naming the new AP from the PCoA to the PAR when a scan finds it (RFC 4260, RFC 5568 §6.1.1)', () => {
    const out = mn().handle(t(0), { kind: 'new-ap-detected', bssid: AP2 });
    expect(sent(out)).toEqual([
      {
        kind: 'send-icmp',
        src: PCOA,
        dst: PAR,
        hopLimit: 255,
        message: {
          type: 'RouterSolicitationForProxyAdvertisement',
          identifier: 1,
          options: [{ type: 'SourceLinkLayerAddress', linkLayerAddress: macToBytes(MAC) }, ndLla(1, AP2)],
        },
      },
    ]);
  });

  it('retransmits the RtSolPr with back-off, then falls back to Mobile IPv6 after RTSOLPR_RETRIES (§6.1.1)', () => {
    const m = mn();
    m.handle(t(0), { kind: 'new-ap-detected', bssid: AP2 });
    const times: number[] = [];
    let last: FmipMobileNodeAction[] = [];
    for (let i = 0; i < 4; i++) {
      const d = m.nextDeadline()!;
      times.push(d);
      last = m.handle(d, { kind: 'tick' });
    }
    expect(times).toEqual([1000, 3000, 7000, 15000]);
    expect(m.counters['rtsolpr-retransmitted']).toBe(3);
    expect(last).toContainEqual({
      kind: 'event',
      event: { name: 'fallback-to-mipv6', at: 15000, reason: 'no-prrtadv', apId: AP2 },
    });
    expect(m.nextDeadline()).toBeNull();
  });

  it('ignores a PrRtAdv whose Identifier matches no RtSolPr (§6.1.2)', () => {
    const m = mn();
    m.handle(t(0), { kind: 'new-ap-detected', bssid: AP2 });
    expect(m.handle(t(5), prrtadv(99))).toEqual([]);
    expect(m.counters['prrtadv-unexpected']).toBe(1);
  });

  it('on link going down sends the FBU from the PCoA with the EUI-64 NCoA on the NAR prefix, A and H set (§3.1, §6.3.1)', () => {
    const out = informed().handle(t(100), { kind: 'link-going-down', target: AP2 });
    expect(sent(out)).toEqual([
      {
        kind: 'send-mh',
        src: PCOA,
        dst: PAR,
        message: {
          type: 'FastBindingUpdate',
          sequenceNumber: 1,
          acknowledge: true,
          homeRegistration: true,
          linkLocalCompatibility: false,
          keyManagementCompatibility: false,
          lifetime: 10,
          options: [
            mhAddress(2, NCOA),
            { type: 'MobilityHeaderLinkLayerAddress', optionCode: 2, linkLayerAddress: macToBytes(MAC) },
          ],
        },
        bytes: expect.any(Buffer),
      },
    ]);
  });

  it('predictive: FBack before the detach, then on attach configure the NCoA, send a UNA (O set, S clear) and hand over to Mobile IPv6 (§3.1, §6.4)', () => {
    const m = informed();
    m.handle(t(100), { kind: 'link-going-down', target: AP2 });
    expect(events(m.handle(t(110), fback(1)))).toEqual(['fback-received']);
    m.handle(t(150), { kind: 'link-down' });
    const out = m.handle(t(250), { kind: 'link-up', bssid: AP2 });
    expect(out[0]).toEqual({ kind: 'configure-address', iface: 'radio', address: NCOA, prefixLength: 64 });
    expect(out[1]).toEqual({
      kind: 'send-icmp',
      src: NCOA,
      dst: 'ff02::1',
      hopLimit: 255,
      message: {
        type: 'NeighborAdvertisement',
        router: false,
        solicited: false,
        override: true,
        targetAddress: NCOA,
        options: [{ type: 'TargetLinkLayerAddress', linkLayerAddress: macToBytes(MAC) }],
      },
    });
    expect(out.at(-1)).toEqual({
      kind: 'mipv6-handover',
      iface: 'radio',
      careOfAddress: NCOA,
      router: NAR,
      prefix: '2001:db8:3::',
      prefixLength: 64,
    });
    expect(m.state).toMatchObject({ router: NAR, careOfAddress: NCOA, handover: null });
    expect(m.counters['predictive-handovers']).toBe(1);
  });

  it('uses the NCoA the NAR supplied in an FBack with status 1 (§6.3.2)', () => {
    const m = informed();
    m.handle(t(100), { kind: 'link-going-down', target: AP2 });
    m.handle(t(110), fback(1, 1, [mhAddress(2, '2001:db8:3::1000')]));
    m.handle(t(150), { kind: 'link-down' });
    const out = m.handle(t(250), { kind: 'link-up', bssid: AP2 });
    expect(out.at(-1)).toMatchObject({ kind: 'mipv6-handover', careOfAddress: '2001:db8:3::1000' });
  });

  it('reactive: no FBack before the detach -> UNA, then FBU from the NCoA with the PCoA in a Home Address option (§3.2)', () => {
    const m = informed();
    m.handle(t(100), { kind: 'link-going-down', target: AP2 });
    m.handle(t(150), { kind: 'link-down' });
    expect(m.nextDeadline()).toBeNull(); // no FBU retransmission into a dead link
    const out = m.handle(t(250), { kind: 'link-up', bssid: AP2 });
    const kinds = sent(out).map((a) => a.message.type);
    expect(kinds).toEqual(['NeighborAdvertisement', 'FastBindingUpdate']);
    expect(sent(out)[1]).toMatchObject({
      src: NCOA,
      dst: PAR,
      homeAddressOption: PCOA,
      message: { sequenceNumber: 2 },
    });
    expect(out.at(-1)).toMatchObject({ kind: 'mipv6-handover', careOfAddress: NCOA });
    expect(events(m.handle(t(270), { ...fback(2), dst: NCOA }))).toEqual(['fback-received', 'handover-complete']);
    expect(m.counters['reactive-handovers']).toBe(1);
  });

  it('falls back to Mobile IPv6 when the FBU is refused (FBack >= 128, §6.3.2)', () => {
    const m = informed();
    m.handle(t(100), { kind: 'link-going-down', target: AP2 });
    const out = m.handle(t(110), fback(1, 128));
    expect(out).toContainEqual({
      kind: 'event',
      event: { name: 'fallback-to-mipv6', at: 110, reason: 'fbu-refused', apId: AP2 },
    });
    m.handle(t(150), { kind: 'link-down' });
    expect(m.handle(t(250), { kind: 'link-up', bssid: AP2 })).toEqual([]);
  });

  it('falls back when the PAR knows no router for the AP (PrRtAdv code 2, LLA code 6)', () => {
    const m = mn();
    m.handle(t(0), { kind: 'new-ap-detected', bssid: AP2 });
    const out = m.handle(t(5), prrtadv(1, 2, [ndLla(6, AP2)]));
    expect(events(out)).toEqual(['prrtadv-received', 'fallback-to-mipv6']);
    expect(m.handle(t(100), { kind: 'link-going-down', target: AP2 })).toEqual([]);
  });

  it('sends the FBU at once on an unsolicited network-initiated PrRtAdv, code 1 (§3.3)', () => {
    const m = mn();
    const out = m.handle(t(5), prrtadv(0, 1));
    expect(sent(out).map((a) => a.message.type)).toEqual(['FastBindingUpdate']);
  });

  it('on a point-to-point NAR (no prefix in PrRtAdv) proposes no NCoA and takes the assigned one and prefix from the FBack', () => {
    const m = mn();
    m.handle(t(0), { kind: 'new-ap-detected', bssid: AP2 });
    m.handle(t(5), prrtadv(1, 0, TUPLE.slice(0, 3)));
    const fbu = sent(m.handle(t(100), { kind: 'link-going-down', target: AP2 }))[0]!;
    expect(
      fbu.kind === 'send-mh' && fbu.message.type === 'FastBindingUpdate' && fbu.message.options.map((o) => o.type),
    ).toEqual(['MobilityHeaderLinkLayerAddress']);
    m.handle(t(110), fback(1, 1, [mhAddress(2, '2001:db8:3:100:0:ff:fe00:10'), mhAddress(4, '2001:db8:3:100::', 64)]));
    m.handle(t(150), { kind: 'link-down' });
    expect(m.handle(t(250), { kind: 'link-up', bssid: AP2 }).at(-1)).toEqual({
      kind: 'mipv6-handover',
      iface: 'radio',
      careOfAddress: '2001:db8:3:100:0:ff:fe00:10',
      router: NAR,
      prefix: '2001:db8:3:100::',
      prefixLength: 64,
    });
  });

  it('falls back when it attaches to another AP than the one it prepared for', () => {
    const m = informed();
    m.handle(t(100), { kind: 'link-going-down', target: AP2 });
    m.handle(t(110), fback(1));
    m.handle(t(150), { kind: 'link-down' });
    expect(events(m.handle(t(250), { kind: 'link-up', bssid: '02:aa:00:00:00:09' }))).toEqual(['fallback-to-mipv6']);
  });
});
