// One tcpdump per capture point, writing DIR/pcap/<node>-<iface>.pcap. A capture counts as started
// only once tcpdump says "listening on" (the socket is bound: traffic sent after that is in the
// file), and is stopped with SIGINT and awaited so the file is complete before analysis.
// A radio keeps being captured across a detach: the lab changes only the far end's carrier, the
// node's interface (and tcpdump's socket on it) stays.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { airNetns, nodeNetns } from '../names.js';
import { forgetProcess, recordProcess } from '../net/state.js';
import type { CapturePoint } from '../topology/types.js';
import { startTimeoutMs } from '../start-timeout.js';

/** Node name that designates the air namespace in a capture point (its bridges and ports). */
export const AIR_NODE = '_air';

export interface CaptureResult {
  point: CapturePoint;
  file: string;
  /** From tcpdump's summary at exit; null when it printed none. */
  captured: number | null;
  droppedByKernel: number | null;
}

export interface Capture {
  point: CapturePoint;
  file: string;
  pid: number;
  stop(): Promise<CaptureResult>;
}

export function captureFile(outDir: string, point: CapturePoint): string {
  return path.join(outDir, 'pcap', `${point.node}-${point.iface}.pcap`);
}

/**
 * tcpdump's arguments. -U: each packet is flushed as written, so nothing waits in a buffer at stop;
 * --immediate-mode: packets are handed over at once, not when a kernel block fills; -s 0: whole
 * frames; nanosecond timestamps (handover gaps are sub-millisecond); -Z root: tcpdump would
 * otherwise drop to user tcpdump, who may not write DIR; -B: 4 MiB of kernel buffer for iperf3 rates.
 */
export function tcpdumpArgs(iface: string, file: string): string[] {
  return [
    'tcpdump',
    '-i',
    iface,
    '-w',
    file,
    '-U',
    '--immediate-mode',
    '-s',
    '0',
    '-n',
    '--time-stamp-precision=nano',
    '-B',
    '4096',
    '-Z',
    'root',
  ];
}

function count(stderr: string, what: RegExp): number | null {
  const m = what.exec(stderr);
  return m ? Number(m[1]) : null;
}

export async function startCapture(
  lab: string,
  point: CapturePoint,
  outDir: string,
  timeoutMs = startTimeoutMs(),
): Promise<Capture> {
  const file = captureFile(outDir, point);
  mkdirSync(path.dirname(file), { recursive: true });
  const ns = point.node === AIR_NODE ? airNetns(lab) : nodeNetns(lab, point.node);
  const child = spawn('ip', ['netns', 'exec', ns, ...tcpdumpArgs(point.iface, file)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start tcpdump for ${point.node}:${point.iface}`);
  recordProcess(lab, { pid, netns: ns, argv: tcpdumpArgs(point.iface, file) });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`tcpdump on ${point.node}:${point.iface} did not start listening within ${timeoutMs} ms:\n${stderr}`),
      );
    }, timeoutMs);
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      forgetProcess(lab, pid);
      reject(new Error(`tcpdump on ${point.node}:${point.iface} exited (${code}) before capturing:\n${stderr.trim()}`));
    });
  });
  let stopping: Promise<CaptureResult> | null = null;
  return {
    point,
    file,
    pid,
    stop: () =>
      (stopping ??= (async () => {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
        forgetProcess(lab, pid);
        return {
          point,
          file,
          captured: count(stderr, /(\d+) packets? captured/),
          droppedByKernel: count(stderr, /(\d+) packets? dropped by kernel/),
        };
      })()),
  };
}

/** Starts every capture point at once; resolves when all are listening (or stops them all and throws). */
export async function startCaptures(lab: string, points: readonly CapturePoint[], outDir: string): Promise<Capture[]> {
  const settled = await Promise.allSettled(points.map((p) => startCapture(lab, p, outDir)));
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((c) => c.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return ok;
}

export async function stopCaptures(captures: readonly Capture[]): Promise<CaptureResult[]> {
  return Promise.all(captures.map((c) => c.stop()));
}
