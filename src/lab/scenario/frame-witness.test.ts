import { describe, expect, it } from 'vitest';
import { HEAD_BYTES, pcapStreamReader, type SeenFrame } from './frame-witness.js';

function pcap(frames: { s: number; ns: number; bytes: Buffer }[]): Buffer {
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b23c4d, 0); // nanosecond pcap
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(14 + HEAD_BYTES, 16);
  gh.writeUInt32LE(1, 20);
  const recs = frames.map((f) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(f.s, 0);
    h.writeUInt32LE(f.ns, 4);
    h.writeUInt32LE(f.bytes.length, 8);
    h.writeUInt32LE(f.bytes.length + 100, 12);
    return Buffer.concat([h, f.bytes]);
  });
  return Buffer.concat([gh, ...recs]);
}

describe('pcapStreamReader', () => {
  const frame = (fill: number) => Buffer.alloc(14 + 60, fill);
  const stream = pcap([
    { s: 1_700_000_000, ns: 5, bytes: frame(1) },
    { s: 1_700_000_000, ns: 999_999_999, bytes: frame(2) },
    { s: 1_700_000_001, ns: 0, bytes: frame(3) },
  ]);

  it('gives every record its time in ns and its bytes after the Ethernet header', () => {
    const seen: SeenFrame[] = [];
    pcapStreamReader((f) => seen.push(f))(stream);
    expect(seen.map((f) => f.ns)).toEqual([
      1_700_000_000_000_000_005n,
      1_700_000_000_999_999_999n,
      1_700_000_001_000_000_000n,
    ]);
    expect(seen.map((f) => [f.head.length, f.head[0]])).toEqual([
      [60, 1],
      [60, 2],
      [60, 3],
    ]);
  });

  it('reads the same records from any split of the stream', () => {
    for (const cut of [1, 7, 23, 24, 30, 40, 110, stream.length - 1]) {
      const seen: SeenFrame[] = [];
      const read = pcapStreamReader((f) => seen.push(f));
      read(stream.subarray(0, cut));
      read(stream.subarray(cut));
      expect(seen.map((f) => f.head[0])).toEqual([1, 2, 3]);
    }
  });
});
