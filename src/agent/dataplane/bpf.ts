// Classic BPF programs (filter.h) for the agents' packet sockets: the kernel runs them on each frame
// before it is queued, so a socket that wants a few frames among many (a Mobility Header among data
// packets) costs nothing for the others: no wake-up, no copy, no JS call.
import type { BpfInstruction } from '../../native/types.js';

// Opcodes (linux/filter.h, linux/bpf_common.h).
export const BPF_LD_B_ABS = 0x30; // A = byte at [k]
export const BPF_JEQ_K = 0x15; // pc += (A == k) ? jt : jf
export const BPF_RET_K = 0x06; // keep k bytes (0: drop)
/** Keep the whole frame. */
export const BPF_KEEP_ALL = 0xffff_ffff;

/**
 * Keeps IPv6 frames whose first Next Header (byte 6 of the IPv6 header, `linkHeaderLength` bytes into
 * the frame) is one of `nextHeaders`; drops the rest and frames too short to have it.
 */
export function firstNextHeaderFilter(linkHeaderLength: number, nextHeaders: readonly number[]): BpfInstruction[] {
  if (nextHeaders.length === 0 || nextHeaders.length > 200) throw new RangeError('1..200 next header values');
  const n = nextHeaders.length;
  const program: BpfInstruction[] = [[BPF_LD_B_ABS, 0, 0, linkHeaderLength + 6]];
  // Instruction i (1..n) jumps to the last one (keep) on a match: n + 1 - i ahead.
  for (const [j, nh] of nextHeaders.entries()) program.push([BPF_JEQ_K, n - j, 0, nh]);
  program.push([BPF_RET_K, 0, 0, 0], [BPF_RET_K, 0, 0, BPF_KEEP_ALL]);
  return program;
}
