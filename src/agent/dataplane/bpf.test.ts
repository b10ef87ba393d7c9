import { describe, expect, it } from 'vitest';
import { runBpf } from '../../native/testing/bpf.js';
import { BPF_KEEP_ALL, firstNextHeaderFilter } from './bpf.js';

/** An Ethernet + IPv6 header with `nh` as Next Header, then `extra` bytes. */
function frame(nh: number, extra = 8, link = 14): Buffer {
  const f = Buffer.alloc(link + 40 + extra);
  f.writeUInt32BE(0x60000000, link);
  f[link + 6] = nh;
  return f;
}

describe('firstNextHeaderFilter', () => {
  const program = firstNextHeaderFilter(14, [60, 43, 0]);

  it('is ld [20], one jeq per value jumping to the keep, then drop and keep', () => {
    expect(program).toEqual([
      [0x30, 0, 0, 20],
      [0x15, 3, 0, 60],
      [0x15, 2, 0, 43],
      [0x15, 1, 0, 0],
      [0x06, 0, 0, 0],
      [0x06, 0, 0, BPF_KEEP_ALL],
    ]);
  });

  it('keeps frames whose first Next Header is listed, drops every other value', () => {
    const kept = [];
    for (let nh = 0; nh < 256; nh++) if (runBpf(program, frame(nh)) !== 0) kept.push(nh);
    expect(kept).toEqual([0, 43, 60]);
  });

  it('drops a frame too short to hold the Next Header byte', () => {
    expect(runBpf(program, Buffer.alloc(20))).toBe(0);
    expect(runBpf(program, frame(60).subarray(0, 21))).toBe(BPF_KEEP_ALL);
  });

  it('takes the link header length (0 on a TUN)', () => {
    const tun = firstNextHeaderFilter(0, [135]);
    expect(runBpf(tun, frame(135, 8, 0))).toBe(BPF_KEEP_ALL);
    expect(runBpf(tun, frame(17, 8, 0))).toBe(0);
  });

  it('refuses an empty list', () => {
    expect(() => firstNextHeaderFilter(14, [])).toThrow(RangeError);
  });
});

describe('runBpf (the fake socket filter)', () => {
  const f = Buffer.from([0x12, 0x34, 0x56, 0x78, 0x9a]);
  it('loads words, halves and bytes big-endian; a load past the end drops', () => {
    expect(
      runBpf(
        [
          [0x20, 0, 0, 0],
          [0x16, 0, 0, 0],
        ],
        f,
      ),
    ).toBe(0x12345678); // ld [0]; ret a
    expect(
      runBpf(
        [
          [0x28, 0, 0, 3],
          [0x16, 0, 0, 0],
        ],
        f,
      ),
    ).toBe(0x789a); // ldh [3]; ret a
    expect(
      runBpf(
        [
          [0x28, 0, 0, 4],
          [0x16, 0, 0, 0],
        ],
        f,
      ),
    ).toBe(0);
  });
  it('alu, jgt/jset, index registers and scratch memory', () => {
    const prog: [number, number, number, number][] = [
      [0x30, 0, 0, 1], // ldb [1]       A = 0x34
      [0x54, 0, 0, 0x0f], // and #0x0f  A = 4
      [0x07, 0, 0, 0], // tax           X = 4
      [0x50, 0, 0, 0], // ldb [x + 0]   A = 0x9a
      [0x02, 0, 0, 3], // st M[3]
      [0x25, 0, 2, 0x99], // jgt #0x99 (true)
      [0x60, 0, 0, 3], // ld M[3]
      [0x45, 0, 1, 0x80], // jset #0x80 (true)
      [0x16, 0, 0, 0], // ret a
      [0x06, 0, 0, 1],
    ];
    expect(runBpf(prog, f)).toBe(0x9a);
  });
});
