import { describe, expect, it } from 'vitest';
import { ipv6ToBytes } from '../wire/address.js';
import { decodeFrames } from './frames.js';
import { ladderMessages } from './ladder.js';
import { ether, fmipIcmpv6, frame, mhPacket, upperPacket } from './testing/packets.js';

const MS = 1_000_000n;
const MN = '2001:db8:a1::5';
const PAR = '2001:db8:a1::1';
const NAR = '2001:db8:a2::1';

/** An ICMPv6 Neighbor Advertisement with the given flags byte (R 0x80, S 0x40, O 0x20), for `target`. */
const na = (flags: number, src: string, dst: string, target = src) =>
  upperPacket(58, Buffer.from([136, 0, 0, 0, flags, 0, 0, 0, ...ipv6ToBytes(target)]), src, dst);
const ra = () =>
  upperPacket(58, Buffer.from([134, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'fe80::1', 'ff02::1');

function capture(point: string, packets: [Buffer, number][]) {
  return { point, ...decodeFrames(packets.map(([p, ms]) => frame(ether(p), BigInt(Math.round(ms * 1e6))))) };
}

describe('the ladder of a handover', () => {
  const mn = capture('mn-wlan0', [
    [fmipIcmpv6(2, MN, PAR), 10],
    [ra(), 11],
    [fmipIcmpv6(3, PAR, MN), 12],
    [mhPacket(8, MN, PAR), 20],
    [mhPacket(9, PAR, MN), 30],
    [na(0x20, '2001:db8:a2::5', 'ff02::1'), 120],
    [na(0x60, '2001:db8:a2::5', 'fe80::1'), 121],
    // A home agent's proxy NA for a home address (RFC 6275 §10.4.1): unsolicited, but not the sender's own.
    [na(0x20, 'fe80::99', 'ff02::1', '2001:db8:100::5'), 122],
  ]);
  const par = capture('ar1-wlan', [
    [fmipIcmpv6(2, MN, PAR), 10.2],
    [mhPacket(8, MN, PAR), 21],
    [mhPacket(14, PAR, NAR), 22],
    [mhPacket(9, PAR, MN), 29],
  ]);

  it('lists each message once, first capture point first, in capture order; RAs and solicited NAs left out', () => {
    const l = ladderMessages([mn, par], 0n, 1000n * MS);
    expect(l.map((m) => m.name)).toEqual(['RtSolPr', 'PrRtAdv', 'FBU', 'HI', 'FBack', 'UNA']);
    const fbu = l.find((m) => m.name === 'FBU')!;
    expect(fbu.first).toEqual({ point: 'mn-wlan0', frame: 4, atNs: 20n * MS });
    expect(fbu.seenAt.map((s) => s.point)).toEqual(['mn-wlan0', 'ar1-wlan']);
    // The FBack was captured at the PAR first (29 ms), then at mn (30 ms).
    expect(l.find((m) => m.name === 'FBack')!.first.point).toBe('ar1-wlan');
    expect(l.find((m) => m.name === 'HI')).toMatchObject({ src: PAR, dst: NAR });
  });

  it('gives each message a display filter on its type and addresses', () => {
    const l = ladderMessages([mn, par], 0n, 1000n * MS);
    const f = Object.fromEntries(l.map((m) => [m.name, m.filter]));
    expect(f.FBU).toBe(`mip6.mhtype == 8 && ipv6.src == ${MN} && ipv6.dst == ${PAR}`);
    expect(f.RtSolPr).toBe(
      `icmpv6.type == 154 && icmpv6.fmip6.subtype == 2 && ipv6.src == ${MN} && ipv6.dst == ${PAR}`,
    );
    expect(f.UNA).toBe(
      'icmpv6.type == 136 && icmpv6.nd.na.flag.s == 0 && ipv6.src == 2001:db8:a2::5 && ipv6.dst == ff02::1',
    );
  });

  it('keeps to its window', () => {
    expect(ladderMessages([mn, par], 15n * MS, 25n * MS).map((m) => m.name)).toEqual(['FBU', 'HI']);
  });
});
