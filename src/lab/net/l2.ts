// Layer-2 events the scenario runner drives: a mobile node leaving its AP and joining another.
// Each lab keeps one `ip -o -force -n AIR -batch -` process open and writes the lines of each event
// to it, followed by a marker command whose output says the lines before it were applied: no process
// start per event, so an event lands within about a millisecond of being asked for.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { wallClockNs } from '../exec.js';
import { airNetns } from '../names.js';
import { apBridge, radioFarEnd } from './ifnames.js';
import { forgetProcess, recordProcess } from './state.js';

export interface L2Change {
  node: string;
  /** The AP attached to, or null for a detach. */
  ap: string | null;
  /** Wall-clock ns just before the change was sent to the kernel. */
  startedNs: bigint;
  /** Wall-clock ns once the kernel had applied it (the carrier changed between the two). */
  appliedNs: bigint;
}

/** Batch lines for a detach: far end down (the node's radio sees NO-CARRIER), then off the bridge. */
export function detachLines(node: string): string[] {
  const far = radioFarEnd(node);
  return [`link set dev ${far} down`, `link set dev ${far} nomaster`];
}

/**
 * Batch lines for an attach: far end onto the AP's bridge, then up (carrier on). On an `isolated` AP
 * the port is isolated first, while still down: a port that leaves a bridge loses its flags, so each
 * attach sets it again.
 */
export function attachLines(node: string, ap: string, isolated = false): string[] {
  const far = radioFarEnd(node);
  return [
    `link set dev ${far} master ${apBridge(ap)}`,
    ...(isolated ? [`link set dev ${far} type bridge_slave isolated on`] : []),
    `link set dev ${far} up`,
  ];
}

/** Whether the lab's AP isolates its stations from each other. */
export function isIsolated(lab: { aps: readonly { name: string; isolated?: boolean }[] }, ap: string): boolean {
  return lab.aps.find((a) => a.name === ap)?.isolated === true;
}

/** Prints one line ("1: lo: ...") once every line written before it has been applied. */
const MARKER = 'link show dev lo';

interface Pending {
  resolve: () => void;
  reject: (e: Error) => void;
}

class L2Channel {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private stdout = '';
  private stderr = '';
  private dead: Error | null = null;

  constructor(
    readonly lab: string,
    private readonly onExit: () => void,
  ) {
    const air = airNetns(lab);
    const argv = ['ip', '-o', '-force', '-n', air, '-batch', '-'];
    this.proc = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = this.proc.pid;
    if (pid !== undefined) recordProcess(lab, { pid, netns: air, argv });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d: string) => (this.stderr += d));
    this.proc.stdout.on('data', (d: string) => {
      this.stdout += d;
      for (let nl = this.stdout.indexOf('\n'); nl >= 0; nl = this.stdout.indexOf('\n')) {
        this.stdout = this.stdout.slice(nl + 1);
        // Let stderr written before this marker (a failed line) arrive first: same poll phase.
        setImmediate(() => this.settle());
      }
    });
    this.proc.on('exit', (code) => {
      if (pid !== undefined) forgetProcess(lab, pid);
      this.dead = new Error(`ip -batch in ${air} exited (${code}): ${this.stderr.trim()}`);
      for (const p of this.pending.splice(0)) p.reject(this.dead);
      this.onExit();
    });
    this.proc.on('error', () => undefined);
    // An open channel must not keep the orchestrator alive; on its exit ip reads EOF and ends too.
    this.proc.unref();
    (this.proc.stdin as unknown as { unref?: () => void }).unref?.();
    (this.proc.stdout as unknown as { unref?: () => void }).unref?.();
    (this.proc.stderr as unknown as { unref?: () => void }).unref?.();
  }

  private settle(): void {
    const p = this.pending.shift();
    if (!p) return;
    const err = this.stderr.trim();
    this.stderr = '';
    if (err) p.reject(new Error(`layer-2 change in ${airNetns(this.lab)} failed: ${err}`));
    else p.resolve();
  }

  apply(lines: readonly string[]): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.proc.stdin.write(`${lines.join('\n')}\n${MARKER}\n`);
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}

const channels = new Map<string, L2Channel>();

function channel(lab: string): L2Channel {
  let c = channels.get(lab);
  if (!c) {
    const created: L2Channel = new L2Channel(lab, () => {
      if (channels.get(lab) === created) channels.delete(lab);
    });
    channels.set(lab, created);
    c = created;
  }
  return c;
}

/** Closes the lab's layer-2 channel (net/network.ts does it at down; cleanup kills it otherwise). */
export function closeL2(lab: string): void {
  channels.get(lab)?.close();
  channels.delete(lab);
}

async function change(lab: string, node: string, ap: string | null, lines: string[]): Promise<L2Change> {
  const c = channel(lab);
  const startedNs = wallClockNs();
  await c.apply(lines);
  return { node, ap, startedNs, appliedNs: wallClockNs() };
}

/** Detaches node's radio from its AP. Equivalent to: ip -n AIR link set wNODE down; ... nomaster */
export function detach(lab: string, node: string): Promise<L2Change> {
  return change(lab, node, null, detachLines(node));
}

/**
 * Attaches node's radio to ap (moving it there if it was on another bridge).
 * Equivalent to: ip -n AIR link set wNODE master AP; ip -n AIR link set wNODE up
 */
export function attach(lab: string, node: string, ap: string, isolated = false): Promise<L2Change> {
  return change(lab, node, ap, attachLines(node, ap, isolated));
}
