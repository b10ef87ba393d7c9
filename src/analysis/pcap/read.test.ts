import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrames } from '../frames.js';
import { CaptureError, iterateCapture, parseCapture, readCapture, writePcap, type CapturedFrame } from './read.js';

const DATA = join(import.meta.dirname, 'testdata');
// tshark's reading of each fixture: [time_epoch, cap_len, len, udp payload hex] per frame.
const expected = JSON.parse(readFileSync(join(DATA, 'expected.json'), 'utf8')) as Record<
  string,
  [string, number, number, string][]
>;

function epochToNs(s: string): bigint {
  const [sec, frac = ''] = s.split('.');
  return BigInt(sec!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
}

describe('reading captures written by tcpdump and editcap', () => {
  const linkTypes: Record<string, number> = {
    'lo-eth.pcap': 1,
    'any-sll.pcap': 113,
    'any-sll2-ns.pcap': 276,
    'lo-eth.pcapng': 1,
    'any-sll2-ns.pcapng': 276,
  };
  for (const [file, rows] of Object.entries(expected)) {
    it(`${file}: same frames, times and flow payloads as tshark`, async () => {
      const frames = await readCapture(join(DATA, file));
      expect(frames.length).toBe(rows.length);
      frames.forEach((f, i) => {
        const [t, cap, len] = rows[i]!;
        expect(f.timestampNs).toBe(epochToNs(t));
        expect(f.capturedLength).toBe(cap);
        expect(f.originalLength).toBe(len);
        expect(f.data.length).toBe(cap);
        expect(f.linkType).toBe(linkTypes[file]);
      });
      const { frames: decoded, stats } = decodeFrames(frames);
      expect(stats.malformed).toBe(0);
      expect(decoded.map((d) => d.flow?.seq)).toEqual([0, 1, 2, 3, 4]);
      decoded.forEach((d, i) => {
        expect(d.flow!.flowId).toBe(3);
        expect(d.flow!.size).toBe(64);
        expect(d.flow!.sendNs).toBe(BigInt(`0x${rows[i]![3].slice(32, 48)}`));
        // Sent just before it was captured (same clock).
        expect(Number(d.timestampNs - d.flow!.sendNs)).toBeGreaterThanOrEqual(0);
        expect(Number(d.timestampNs - d.flow!.sendNs)).toBeLessThan(100e6);
      });
      // The streaming reader gives the same frames.
      const streamed: CapturedFrame[] = [];
      for await (const f of iterateCapture(join(DATA, file))) streamed.push(f);
      expect(streamed).toEqual(frames);
    });
  }
});

const sample = (n: number): CapturedFrame[] =>
  Array.from({ length: n }, (_, i) => ({
    timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_234_567n,
    capturedLength: 20 + i,
    originalLength: 20 + i,
    linkType: 101,
    data: Buffer.alloc(20 + i, i + 1),
  }));

/** A minimal pcapng writer for tests: SHB, one IDB (with if_tsresol), EPBs, in either byte order. */
function pcapng(
  frames: CapturedFrame[],
  o: { be?: boolean; tsresol?: number; linkType?: number; spb?: boolean },
): Buffer {
  const parts: Buffer[] = [];
  const w32 = (b: Buffer, v: number, off: number): void =>
    void (o.be ? b.writeUInt32BE(v >>> 0, off) : b.writeUInt32LE(v >>> 0, off));
  const w16 = (b: Buffer, v: number, off: number): void =>
    void (o.be ? b.writeUInt16BE(v, off) : b.writeUInt16LE(v, off));
  const block = (type: number, body: Buffer): void => {
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    w32(b, type, 0);
    w32(b, len, 4);
    body.copy(b, 8);
    w32(b, len, len - 4);
    parts.push(b);
  };
  const shb = Buffer.alloc(16);
  w32(shb, 0x1a2b3c4d, 0);
  w16(shb, 1, 4);
  w16(shb, 0, 6);
  shb.fill(0xff, 8, 16); // section length unknown
  block(0x0a0d0d0a, shb);
  const idb = Buffer.alloc(8 + (o.tsresol !== undefined ? 8 : 0) + 4);
  w16(idb, o.linkType ?? 101, 0);
  w32(idb, 0, 4);
  if (o.tsresol !== undefined) {
    w16(idb, 9, 8);
    w16(idb, 1, 10);
    idb[12] = o.tsresol;
  }
  block(1, idb);
  const resol =
    o.tsresol === undefined ? 1_000_000n : o.tsresol & 0x80 ? 1n << BigInt(o.tsresol & 0x7f) : 10n ** BigInt(o.tsresol);
  for (const f of frames) {
    const padded = Math.ceil(f.data.length / 4) * 4;
    if (o.spb) {
      const body = Buffer.alloc(4 + padded);
      w32(body, f.originalLength, 0);
      f.data.copy(body, 4);
      block(3, body);
      continue;
    }
    const body = Buffer.alloc(20 + padded);
    const ts = (f.timestampNs * resol) / 1_000_000_000n;
    w32(body, 0, 0);
    w32(body, Number(ts >> 32n), 4);
    w32(body, Number(ts & 0xffffffffn), 8);
    w32(body, f.data.length, 12);
    w32(body, f.originalLength, 16);
    f.data.copy(body, 20);
    block(6, body);
  }
  return Buffer.concat(parts);
}

describe('pcap and pcapng variants', () => {
  const frames = sample(5);

  it('reads classic pcap in both byte orders and both timestamp units', () => {
    for (const bigEndian of [false, true]) {
      const us = parseCapture(writePcap(frames, { linkType: 101, bigEndian }));
      expect(us.map((f) => f.timestampNs)).toEqual(frames.map((f) => (f.timestampNs / 1000n) * 1000n));
      expect(us.map((f) => f.data)).toEqual(frames.map((f) => f.data));
      const ns = parseCapture(writePcap(frames, { linkType: 101, bigEndian, nanos: true }));
      expect(ns.map((f) => f.timestampNs)).toEqual(frames.map((f) => f.timestampNs));
    }
  });

  it('reads pcapng in both byte orders with decimal and binary if_tsresol', () => {
    for (const be of [false, true]) {
      expect(parseCapture(pcapng(frames, { be })).map((f) => f.timestampNs)).toEqual(
        frames.map((f) => (f.timestampNs / 1000n) * 1000n),
      );
      expect(parseCapture(pcapng(frames, { be, tsresol: 9 })).map((f) => f.timestampNs)).toEqual(
        frames.map((f) => f.timestampNs),
      );
      // 2^-30 s units: within one unit (< 1 ns) after the round trip through the unit.
      const bin = parseCapture(pcapng(frames, { be, tsresol: 0x80 | 30 }));
      bin.forEach((f, i) => {
        expect(Number(frames[i]!.timestampNs - f.timestampNs)).toBeLessThanOrEqual(1);
      });
      const got = parseCapture(pcapng(frames, { be, tsresol: 9 }));
      expect(got.map((f) => [f.data, f.interfaceIndex, f.linkType])).toEqual(frames.map((f) => [f.data, 0, 101]));
    }
  });

  it('reads Simple Packet Blocks', () => {
    const got = parseCapture(pcapng(frames, { spb: true }));
    expect(got.map((f) => f.data)).toEqual(frames.map((f) => f.data));
  });

  it('names the file and the offset when a file is cut short or corrupt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcap-'));
    const whole = writePcap(frames, { linkType: 101 });
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 3));
    await expect(readCapture(cut)).rejects.toThrow(CaptureError);
    await expect(readCapture(cut)).rejects.toThrow(
      `${cut}: at byte ${whole.length - 16 - 24}: file ends inside a record`,
    );
    // Tolerant mode keeps the complete frames and reports where the cut is.
    const seen: CaptureError[] = [];
    const kept = await readCapture(cut, { allowTruncated: true, onTruncated: (e) => seen.push(e) });
    expect(kept.length).toBe(4);
    expect(seen[0]?.offset).toBe(whole.length - 16 - 24);

    const corrupt = Buffer.from(whole);
    corrupt.writeUInt32LE(0x7fffffff, 24 + 8); // first record's captured length
    expect(() => parseCapture(corrupt, 'x.pcap')).toThrow('x.pcap: at byte 32: record captured length 2147483647');
    const ng = pcapng(frames, {});
    const badTrailer = Buffer.from(ng);
    badTrailer.writeUInt32LE(999, badTrailer.length - 4);
    expect(() => parseCapture(badTrailer, 'y.pcapng')).toThrow(
      /y\.pcapng: at byte \d+: block total length .* does not match trailing copy 999/,
    );
    expect(() => parseCapture(Buffer.from('hello world, not a capture'), 'z')).toThrow(
      'z: at byte 0: neither pcap nor pcapng',
    );
  });

  it('never fails with anything but CaptureError on damaged bytes', () => {
    const seeds = [
      writePcap(frames, { linkType: 1 }),
      writePcap(frames, { linkType: 1, nanos: true, bigEndian: true }),
      pcapng(frames, {}),
      pcapng(frames, { be: true, tsresol: 9 }),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (which, flips, cutAt) => {
          const b = Buffer.from(seeds[which]!);
          for (const [pos, v] of flips) b[pos % b.length] = v;
          const cut = b.subarray(0, cutAt % (b.length + 1));
          try {
            const got = parseCapture(cut, 'fuzz');
            for (const f of got) expect(f.data.length).toBe(f.capturedLength);
            decodeFrames(got); // decoding damaged frames only counts them
          } catch (e) {
            expect(e).toBeInstanceOf(CaptureError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
