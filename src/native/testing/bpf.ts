// A classic BPF interpreter (Linux's sk_filter semantics, filter.h), so the fake packet socket applies a
// `filter` as the kernel would: the program's return value is how many bytes of the frame to keep,
// 0 drops it; a load past the end of the frame drops it too.
import type { BpfInstruction } from '../types.js';

const MEMWORDS = 16;

/** Runs `program` on `frame`: the number of bytes the kernel would keep (0 = dropped). */
export function runBpf(program: readonly BpfInstruction[], frame: Buffer): number {
  let a = 0;
  let x = 0;
  const mem = new Uint32Array(MEMWORDS);
  const load = (offset: number, size: number): number | null => {
    if (offset < 0 || offset + size > frame.length) return null;
    return size === 4 ? frame.readUInt32BE(offset) : size === 2 ? frame.readUInt16BE(offset) : frame[offset]!;
  };
  for (let pc = 0; pc < program.length; pc++) {
    const [code, jt, jf, k] = program[pc]!;
    const cls = code & 0x07;
    const size = [4, 2, 1][(code & 0x18) >> 3] ?? 0;
    const mode = code & 0xe0;
    const src = code & 0x08 ? x : k;
    switch (cls) {
      case 0x00: // LD
      case 0x01: {
        // LDX
        let v: number | null;
        if (mode === 0x00) v = k;
        else if (mode === 0x20 && cls === 0x00) v = load(k, size);
        else if (mode === 0x40 && cls === 0x00) v = load(x + k, size);
        else if (mode === 0x60) v = mem[k % MEMWORDS]!;
        else if (mode === 0x80) v = frame.length;
        else if (mode === 0xa0 && cls === 0x01)
          v = load(k, 1) === null ? null : (frame[k]! & 0x0f) * 4; // MSH
        else throw new Error(`bpf: unsupported load 0x${code.toString(16)} at ${pc}`);
        if (v === null) return 0;
        if (cls === 0x00) a = v >>> 0;
        else x = v >>> 0;
        break;
      }
      case 0x02:
        mem[k % MEMWORDS] = a;
        break;
      case 0x03:
        mem[k % MEMWORDS] = x;
        break;
      case 0x04: {
        const op = code & 0xf0;
        if ((op === 0x30 || op === 0x90) && src === 0) return 0; // division by zero ends the program
        const r = [
          a + src,
          a - src,
          Math.imul(a, src),
          Math.floor(a / src),
          a | src,
          a & src,
          a << src,
          a >>> src,
          -a,
          a % src,
          a ^ src,
        ][op >> 4];
        if (r === undefined) throw new Error(`bpf: unsupported alu 0x${code.toString(16)} at ${pc}`);
        a = r >>> 0;
        break;
      }
      case 0x05: {
        const op = code & 0xf0;
        if (op === 0x00) {
          pc += k;
          break;
        }
        const test = [null, a === src, a > src, a >= src, (a & src) !== 0][op >> 4];
        if (test === null || test === undefined)
          throw new Error(`bpf: unsupported jump 0x${code.toString(16)} at ${pc}`);
        pc += test ? jt : jf;
        break;
      }
      case 0x06:
        return (code & 0x18) === 0x10 ? a : k >>> 0;
      case 0x07:
        if (code & 0x80) a = x;
        else x = a;
        break;
    }
  }
  return 0; // the kernel refuses a program that can fall off its end; drop, as it cannot happen there
}
