import { describe, expect, it } from 'vitest';
import { macToBytes } from '../../wire/address.js';
import { mhAddress, ndLla } from './options.js';
import type { ParAction } from './par-interface.js';
import { AP2, FBU, hack, hiOf, kinds, MN_MAC, NAR, NCOA, PAR, PCOA, servingPar } from './testing/par-fixture.js';

const t = (ms: number) => ms;
const sends = (as: ParAction[]) => as.filter((a) => a.kind === 'send-mh' || a.kind === 'send-icmp');

describe('PreviousAccessRouter (RFC 5568)', () => {
  it('answers an RtSolPr for a known AP with PrRtAdv code 0 and the AP-ID, NAR LLA, NAR address and prefix, Identifier copied (§6.1.2)', () => {
    const par = servingPar();
    const out = par.handle(t(10), {
      kind: 'icmp',
      src: PCOA,
      dst: PAR,
      hopLimit: 255,
      message: { type: 'RouterSolicitationForProxyAdvertisement', identifier: 0x1234, options: [ndLla(1, AP2)] },
    });
    expect(sends(out)).toEqual([
      {
        kind: 'send-icmp',
        src: PAR,
        dst: PCOA,
        hopLimit: 255,
        message: {
          type: 'ProxyRouterAdvertisement',
          code: 0,
          identifier: 0x1234,
          options: [
            ndLla(1, AP2),
            ndLla(3, '02:00:00:00:03:01'),
            { type: 'IpAddressPrefix', optionCode: 3, prefixLength: 128, address: NAR },
            { type: 'IpAddressPrefix', optionCode: 4, prefixLength: 64, address: '2001:db8:3::' },
          ],
        },
      },
    ]);
  });

  it('answers an RtSolPr for an unknown AP with code 2 and the AP in an LLA option code 6 (RFC 5568 §6.1.2, §6.4.3)', () => {
    const par = servingPar();
    const out = par.handle(t(10), {
      kind: 'icmp',
      src: PCOA,
      dst: PAR,
      hopLimit: 255,
      message: {
        type: 'RouterSolicitationForProxyAdvertisement',
        identifier: 1,
        options: [ndLla(1, '02:bb:00:00:00:09')],
      },
    });
    const m = sends(out)[0]!;
    expect(m.kind === 'send-icmp' && m.message).toEqual({
      type: 'ProxyRouterAdvertisement',
      code: 2,
      identifier: 1,
      options: [ndLla(6, '02:bb:00:00:00:09')],
    });
    expect(par.counters['prrtadv-unknown-ap']).toBe(1);
  });

  it('answers an AP on its own link with code 2 and LLA option code 5 (no new router, §6.1.2)', () => {
    const par = servingPar();
    const out = par.handle(t(10), {
      kind: 'icmp',
      src: PCOA,
      dst: PAR,
      hopLimit: 255,
      message: {
        type: 'RouterSolicitationForProxyAdvertisement',
        identifier: 1,
        options: [ndLla(1, '02:aa:00:00:00:01')],
      },
    });
    const m = sends(out)[0]!;
    expect(m.kind === 'send-icmp' && m.message).toMatchObject({ code: 2, options: [ndLla(5, '02:aa:00:00:00:01')] });
  });

  it('sends an unsolicited PrRtAdv with code 1 for a network-initiated handover (§3.3)', () => {
    const par = servingPar();
    const out = par.handle(t(10), { kind: 'network-initiated-handover', mobileNode: PCOA, apId: AP2 });
    const m = sends(out)[0]!;
    expect(m).toMatchObject({
      kind: 'send-icmp',
      dst: PCOA,
      message: { type: 'ProxyRouterAdvertisement', code: 1, identifier: 0 },
    });
  });

  it('turns an FBU from the PCoA into an HI with Code 0, U set, PCoA, NCoA and the MN LLA (§6.2.1)', () => {
    const par = servingPar();
    const { dst, hi } = hiOf(par.handle(t(100), { kind: 'mh', src: PCOA, dst: PAR, message: FBU }));
    expect(dst).toBe(NAR);
    expect(hi).toMatchObject({ code: 0, buffer: true, assignedAddressConfiguration: false });
    expect(hi.options).toEqual([
      mhAddress(1, PCOA),
      mhAddress(2, NCOA),
      { type: 'MobilityHeaderLinkLayerAddress', optionCode: 2, linkLayerAddress: macToBytes(MN_MAC) },
    ]);
  });

  it('sets S when the FBU proposes no NCoA and sends the HI to the NAR of the AP the MN asked about (§6.2.1)', () => {
    const par = servingPar();
    par.handle(t(10), {
      kind: 'icmp',
      src: PCOA,
      dst: PAR,
      hopLimit: 255,
      message: { type: 'RouterSolicitationForProxyAdvertisement', identifier: 1, options: [ndLla(1, AP2)] },
    });
    const { dst, hi } = hiOf(par.handle(t(100), { kind: 'mh', src: PCOA, dst: PAR, message: { ...FBU, options: [] } }));
    expect(dst).toBe(NAR);
    expect(hi).toMatchObject({ code: 0, assignedAddressConfiguration: true });
  });

  it('turns an FBU from the NCoA with the PCoA in a Home Address option into an HI with Code 1 and no U (§3.2, §6.2.1)', () => {
    const par = servingPar();
    const { hi } = hiOf(
      par.handle(t(100), {
        kind: 'mh',
        src: NCOA,
        dst: PAR,
        homeAddressOption: PCOA,
        message: { ...FBU, options: [] },
      }),
    );
    expect(hi).toMatchObject({ code: 1, buffer: false, assignedAddressConfiguration: false });
    expect(hi.options.slice(0, 2)).toEqual([mhAddress(1, PCOA), mhAddress(2, NCOA)]);
  });

  it('on HAck code 0: tunnel PCoA -> NCoA for the FBU lifetime and FBack status 0 to the PCoA and the NCoA (§6.3.2, §3.1)', () => {
    const par = servingPar();
    const { hi } = hiOf(par.handle(t(100), { kind: 'mh', src: PCOA, dst: PAR, message: FBU }));
    const out = par.handle(t(110), { kind: 'mh', src: NAR, dst: PAR, message: hack(hi.sequenceNumber, 0) });
    expect(out[0]).toEqual({ kind: 'tunnel-start', pcoa: PCOA, ncoa: NCOA, nar: NAR, lifetimeMs: 10_000 });
    const fbacks = out.filter((a) => a.kind === 'send-mh');
    expect(fbacks.map((a) => a.kind === 'send-mh' && [a.dst, a.message])).toEqual([
      [
        PCOA,
        {
          type: 'FastBindingAcknowledgement',
          status: 0,
          keyManagementCompatibility: false,
          sequenceNumber: 7,
          lifetime: 10,
          options: [],
        },
      ],
      [
        NCOA,
        {
          type: 'FastBindingAcknowledgement',
          status: 0,
          keyManagementCompatibility: false,
          sequenceNumber: 7,
          lifetime: 10,
          options: [],
        },
      ],
    ]);
    expect(par.nextDeadline()).toBe(10_110);
    expect(par.handle(t(10_110), { kind: 'tick' })).toContainEqual({
      kind: 'tunnel-stop',
      pcoa: PCOA,
      ncoa: NCOA,
      nar: NAR,
    });
    expect(par.handovers).toEqual([]);
  });

  it('on HAck code 2 with an assigned NCoA: FBack status 1 carrying it, tunnel to it (§6.3.2)', () => {
    const par = servingPar();
    const { hi } = hiOf(par.handle(t(100), { kind: 'mh', src: PCOA, dst: PAR, message: FBU }));
    const out = par.handle(t(110), {
      kind: 'mh',
      src: NAR,
      dst: PAR,
      message: hack(hi.sequenceNumber, 2, [mhAddress(2, '2001:db8:3::1000')]),
    });
    expect(out[0]).toMatchObject({ kind: 'tunnel-start', ncoa: '2001:db8:3::1000' });
    const f = out.find((a) => a.kind === 'send-mh')!;
    expect(f.kind === 'send-mh' && f.message).toMatchObject({ status: 1, options: [mhAddress(2, '2001:db8:3::1000')] });
  });

  it('on HAck >= 128: FBack with the same status to the PCoA only, no tunnel (§6.3.2)', () => {
    const par = servingPar();
    const { hi } = hiOf(par.handle(t(100), { kind: 'mh', src: PCOA, dst: PAR, message: FBU }));
    const out = par.handle(t(110), { kind: 'mh', src: NAR, dst: PAR, message: hack(hi.sequenceNumber, 130) });
    expect(kinds(out)).toEqual(['FastBindingAcknowledgement']);
    expect(out[0]).toMatchObject({ dst: PCOA, message: { status: 130 } });
    expect(par.counters['hack-refused']).toBe(1);
  });

  it('retransmits the HI with doubling timeouts, then gives up after HI_RETRIES with FBack 128 (§6.2.1, §6.5)', () => {
    const par = servingPar();
    par.handle(t(0), { kind: 'mh', src: PCOA, dst: PAR, message: FBU });
    const times: number[] = [];
    let out: ParAction[] = [];
    for (let i = 0; i < 4; i++) {
      const d = par.nextDeadline()!;
      times.push(d);
      out = par.handle(d, { kind: 'tick' });
    }
    expect(times).toEqual([500, 1500, 3500, 7500]);
    expect(par.counters['hi-retransmitted']).toBe(3);
    expect(out.find((a) => a.kind === 'send-mh')).toMatchObject({
      dst: PCOA,
      message: { type: 'FastBindingAcknowledgement', status: 128 },
    });
    expect(par.nextDeadline()).toBeNull();
  });

  it('ignores a HAck whose sequence number or sender does not match an HI (§6.2.2)', () => {
    const par = servingPar();
    const { hi } = hiOf(par.handle(t(100), { kind: 'mh', src: PCOA, dst: PAR, message: FBU }));
    expect(
      par.handle(t(110), { kind: 'mh', src: '2001:db8:99::1', dst: PAR, message: hack(hi.sequenceNumber, 0) }),
    ).toEqual([]);
    expect(par.handle(t(110), { kind: 'mh', src: NAR, dst: PAR, message: hack(hi.sequenceNumber + 1, 0) })).toEqual([]);
    expect(par.counters['hack-unexpected']).toBe(2);
  });

  it('answers a retransmitted FBU with the same FBack and sends no second HI (§6.3.1)', () => {
    const par = servingPar();
    const { hi } = hiOf(par.handle(t(100), { kind: 'mh', src: PCOA, dst: PAR, message: FBU }));
    expect(par.handle(t(105), { kind: 'mh', src: PCOA, dst: PAR, message: FBU })).toEqual([]);
    par.handle(t(110), { kind: 'mh', src: NAR, dst: PAR, message: hack(hi.sequenceNumber, 0) });
    expect(kinds(par.handle(t(120), { kind: 'mh', src: PCOA, dst: PAR, message: FBU }))).toEqual([
      'FastBindingAcknowledgement',
      'FastBindingAcknowledgement',
    ]);
    expect(par.counters['hi-sent']).toBe(1);
  });

  it('refuses an FBU whose source is not a PCoA it serves, and nothing changes (§7, RFC 5269 without SEND)', () => {
    const par = servingPar();
    const a = par.handle(t(100), { kind: 'mh', src: '2001:db8:2::666', dst: PAR, message: FBU });
    const b = par.handle(t(100), {
      kind: 'mh',
      src: NCOA,
      dst: PAR,
      homeAddressOption: '2001:db8:2::777',
      message: FBU,
    });
    expect([...a, ...b].every((x) => x.kind === 'event')).toBe(true);
    expect(par.counters['fbu-unauthorised']).toBe(2);
    expect(par.handovers).toEqual([]);
    expect(par.nextDeadline()).toBeNull();
  });

  it('never throws on a message it did not expect', () => {
    const par = servingPar();
    expect(
      par.handle(t(1), {
        kind: 'mh',
        src: NAR,
        dst: PAR,
        message: { type: 'Unknown', mhType: 99, data: Buffer.alloc(2) },
      }),
    ).toEqual([]);
    expect(
      par.handle(t(1), {
        kind: 'icmp',
        src: PCOA,
        dst: PAR,
        hopLimit: 255,
        message: { type: 'Unknown', icmpType: 200, code: 0, body: Buffer.alloc(0) },
      }),
    ).toEqual([]);
    expect(par.counters['mh-unexpected'] + par.counters['icmp-unexpected']).toBe(2);
  });
});
