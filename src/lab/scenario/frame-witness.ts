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

export function startFrameWitness(lab: string, nodes: readonly string[]): FrameWitness {
  const seen = new Map<string, { times: SeenFrame[]; flush(): void }>();
  const procs: ChildProcess[] = [];
  for (const node of nodes) {
    const argv = ['ip', 'netns', 'exec', airNetns(lab), 'tcpdump', '-i', radioFarEnd(node), '-Q', 'out', '-n'];
    // -x: the packet in hex from the network header on; -s: the Ethernet header + HEAD_BYTES.
    argv.push(
      '-tt',
      '--time-stamp-precision=nano',
      '--immediate-mode',
      '-l',
      '-q',
      '-x',
      '-s',
      String(14 + HEAD_BYTES),
    );
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    p.on('error', () => undefined);
    if (p.pid !== undefined) {
      const pid = p.pid;
      recordProcess(lab, { pid, netns: airNetns(lab), argv });
      p.on('exit', () => forgetProcess(lab, pid));
    }
    const times: SeenFrame[] = [];
    // A frame's hex lines follow its header line; they are complete when the next frame starts.
    let hex = '';
    const flush = () => {
      const last = times.at(-1);
      if (last && hex) last.head = Buffer.from(hex.slice(0, HEAD_BYTES * 2), 'hex');
      hex = '';
    };
    seen.set(node, { times, flush });
    let buf = '';
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const h = /^\s+0x[0-9a-f]+:\s+((?:[0-9a-f]{2,4}\s?)+)/.exec(line);
        if (h) {
          hex += h[1]!.replace(/\s/g, '');
          continue;
        }
        const m = /^(\d+)\.(\d{9}) /.exec(line);
        if (!m) continue;
        flush();
        times.push({ ns: BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]!), head: Buffer.alloc(0) });
        if (times.length > KEPT) times.splice(0, times.length - KEPT);
      }
    });
    p.unref();
    procs.push(p);
  }
  return {
    lastFrameAtOrBefore(node, ns) {
      const s = seen.get(node);
      if (!s) return null;
      s.flush();
      const times = s.times;
      for (let i = times.length - 1; i >= 0; i--) if (times[i]!.ns <= ns) return times[i]!;
      return null;
    },
    close() {
      for (const p of procs) p.kill();
    },
  };
}
