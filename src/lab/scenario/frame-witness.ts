// When did a station really leave? The detach's recorded times bracket the carrier change (sent to
// the kernel .. applied), and on a loaded machine that bracket spans milliseconds. The AP side knows
// better: the last frame it transmitted to the station. One tcpdump per mobile node in the air
// namespace, on the radio's far end, outbound only, kernel timestamps in ns: the last frame before
// the detach was applied is the last one the station got; anything sent to it later was lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { airNetns } from '../names.js';
import { radioFarEnd } from '../net/ifnames.js';
import { forgetProcess, recordProcess } from '../net/state.js';

export interface SeenFrame {
  /** Kernel time, ns since the epoch. */
  ns: bigint;
  /** The frame's first bytes from the IPv6 header on (up to HEAD_BYTES): which packet it was. */
  head: Buffer;
}

export interface FrameWitness {
  /** The last frame sent to `node`'s radio at or before `ns`. */
  lastFrameAtOrBefore(node: string, ns: bigint): SeenFrame | null;
  close(): void;
}

/** Enough of a packet to tell it from the others: IPv6 header and the start of what it carries. */
export const HEAD_BYTES = 96;

/** Timestamps kept per node: a few seconds of a 200 packets/s flow, bounded. */
const KEPT = 1024;

/**
 * Reads a pcap stream (`tcpdump -w -`, nanosecond timestamps, Ethernet) as it arrives and calls `frame`
 * per record. Binary records instead of `tcpdump -x` text: with ten radios at 200 packets/s the text
 * (a header and seven hex lines per frame, each matched by a regular expression) cost the
 * orchestrator enough CPU to delay its timeline by hundreds of milliseconds (docs/fmipv6.md).
 */
export function pcapStreamReader(frame: (f: SeenFrame) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  let headerSeen = false;
  let little = true;
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let off = 0;
    if (!headerSeen) {
      if (buf.length < 24) return;
      little = buf.readUInt32LE(0) === 0xa1b23c4d;
      headerSeen = true;
      off = 24;
    }
    const u32 = (o: number) => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    while (buf.length - off >= 16) {
      const incl = u32(off + 8);
      if (buf.length - off - 16 < incl) break;
      const ns = BigInt(u32(off)) * 1_000_000_000n + BigInt(u32(off + 4));
      // After the Ethernet header: the IPv6 header on, copied so the chunk is not kept alive.
      const head = Buffer.from(buf.subarray(off + 16 + 14, off + 16 + Math.min(incl, 14 + HEAD_BYTES)));
      frame({ ns, head });
      off += 16 + incl;
    }
    buf = off ? buf.subarray(off) : buf;
  };
}

export function startFrameWitness(lab: string, nodes: readonly string[]): FrameWitness {
  const seen = new Map<string, SeenFrame[]>();
  const procs: ChildProcess[] = [];
  for (const node of nodes) {
    const argv = ['ip', 'netns', 'exec', airNetns(lab), 'tcpdump', '-i', radioFarEnd(node), '-Q', 'out', '-n'];
    // -w -: pcap records on stdout, flushed per packet (-U); -s: the Ethernet header + HEAD_BYTES.
    argv.push('--time-stamp-precision=nano', '--immediate-mode', '-U', '-w', '-', '-s', String(14 + HEAD_BYTES));
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    p.on('error', () => undefined);
    if (p.pid !== undefined) {
      const pid = p.pid;
      recordProcess(lab, { pid, netns: airNetns(lab), argv });
      p.on('exit', () => forgetProcess(lab, pid));
    }
    const times: SeenFrame[] = [];
    seen.set(node, times);
    const read = pcapStreamReader((f) => {
      times.push(f);
      // Trimmed in steps, not per frame: a splice per frame is a copy per frame.
      if (times.length > 2 * KEPT) times.splice(0, times.length - KEPT);
    });
    p.stdout!.on('data', (d: Buffer) => read(d));
    p.unref();
    procs.push(p);
  }
  return {
    lastFrameAtOrBefore(node, ns) {
      const times = seen.get(node);
      if (!times) return null;
      for (let i = times.length - 1; i >= 0; i--) if (times[i]!.ns <= ns) return times[i]!;
      return null;
    },
    close() {
      for (const p of procs) p.kill();
    },
  };
}
