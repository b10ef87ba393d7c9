// When did a station really leave? The detach's recorded times bracket the carrier change (sent to
// the kernel .. applied), and on a loaded machine that bracket spans milliseconds. The AP side knows
// better: the last frame it transmitted to the station. One tcpdump per mobile node in the air
// namespace, on the radio's far end, outbound only, kernel timestamps in ns: the last frame before
// the detach was applied is the last one the station got; anything sent to it later was lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { airNetns } from '../names.js';
import { radioFarEnd } from '../net/ifnames.js';
import { forgetProcess, recordProcess } from '../net/state.js';

export interface FrameWitness {
  /** The kernel time (ns since the epoch) of the last frame sent to `node`'s radio at or before `ns`. */
  lastFrameAtOrBefore(node: string, ns: bigint): bigint | null;
  close(): void;
}

/** Timestamps kept per node: a few seconds of a 200 packets/s flow, bounded. */
const KEPT = 1024;

export function startFrameWitness(lab: string, nodes: readonly string[]): FrameWitness {
  const seen = new Map<string, bigint[]>();
  const procs: ChildProcess[] = [];
  for (const node of nodes) {
    const argv = ['ip', 'netns', 'exec', airNetns(lab), 'tcpdump', '-i', radioFarEnd(node), '-Q', 'out', '-n'];
    argv.push('-tt', '--time-stamp-precision=nano', '--immediate-mode', '-l', '-q');
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    p.on('error', () => undefined);
    if (p.pid !== undefined) {
      const pid = p.pid;
      recordProcess(lab, { pid, netns: airNetns(lab), argv });
      p.on('exit', () => forgetProcess(lab, pid));
    }
    const times: bigint[] = [];
    seen.set(node, times);
    let buf = '';
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const m = /^(\d+)\.(\d{9}) /.exec(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (!m) continue;
        times.push(BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]!));
        if (times.length > KEPT) times.splice(0, times.length - KEPT);
      }
    });
    p.unref();
    procs.push(p);
  }
  return {
    lastFrameAtOrBefore(node, ns) {
      const times = seen.get(node) ?? [];
      for (let i = times.length - 1; i >= 0; i--) if (times[i]! <= ns) return times[i]!;
      return null;
    },
    close() {
      for (const p of procs) p.kill();
    },
  };
}
