// Kernel configuration the data plane needs (addresses, routes, rules, proxy ND entries, sysctls,
// nft tables), done with the ordinary tools (iproute2, nft) so a reader can replay every step by
// hand. With `netns` (a path such as /run/netns/NAME) the tool runs under `nsenter --net=PATH`, the
// same namespace option the native addon takes.
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The kernel was built with CONFIG_IPV6_OPTIMISTIC_DAD (RFC 4429): only then does it have the
 * optimistic_dad sysctl, and only then may a new address be used before DAD ends.
 */
export function kernelHasOptimisticDad(): boolean {
  return existsSync('/proc/sys/net/ipv6/conf/all/optimistic_dad');
}

/** argv that runs `cmd args` in `netns` (or here). */
export function inNetns(netns: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return netns ? ['nsenter', [`--net=${netns}`, cmd, ...args]] : [cmd, [...args]];
}

export class KernelCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly input?: string,
  ) {
    super(`${argv.join(' ')} failed: ${stderr.trim() || 'no message'}${input ? `\n--- input ---\n${input}` : ''}`);
  }
}

/** Runs a tool (with optional stdin) and resolves with its stdout; rejects with KernelCommandError. */
export function run(netns: string | undefined, cmd: string, args: readonly string[], input?: string): Promise<string> {
  const [file, argv] = inNetns(netns, cmd, args);
  return new Promise((resolve, reject) => {
    const child = execFile(file, argv, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new KernelCommandError([file, ...argv], stderr || err.message, input));
      else resolve(stdout);
    });
    // A tool that fails before reading its input closes the pipe: the error is its exit status and
    // stderr (above), not an EPIPE thrown from the write.
    child.stdin?.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Synchronous variant for close() paths (shutdown must finish before the process exits). */
export function runSync(netns: string | undefined, cmd: string, args: readonly string[], input?: string): string {
  const [file, argv] = inNetns(netns, cmd, args);
  try {
    return execFileSync(file, argv, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new KernelCommandError([file, ...argv], e.stderr || e.message, input);
  }
}

/**
 * `ip -6` changes, applied in order by one long-lived `ip -6 -force -batch -` per namespace: no
 * process start per change (a fork under load costs 10-50 ms, and a mobile node's BU may wait on
 * one), the same idea as the lab's layer-2 channel (src/lab/net/l2.ts). Rejects with the lines'
 * errors when any line failed; unlike a one-shot `ip -batch`, the lines after a failed one still run.
 */
export function ipBatch(netns: string | undefined, lines: readonly string[]): Promise<string> {
  let s = ipStreams.get(netns ?? '');
  if (!s || s.dead) {
    s = new IpStream(netns);
    ipStreams.set(netns ?? '', s);
  }
  return s.apply(lines).then(() => '');
}

/**
 * After each request a marker line that always fails (`link show dev` of a device that does not
 * exist): ip reports every failure on stderr as "Command failed -:N", in input order, so the
 * marker's own report says that every line before it was applied, and any other failure reported
 * before it belongs to this request. One stream (stderr) carries both, so no ordering between pipes.
 */
const MARKER_DEVICE = 'mipshop-nodev0';
const ipStreams = new Map<string, IpStream>();

class IpStream {
  dead: Error | null = null;
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #argv: string[];
  /** Input line number of each pending request's marker, oldest first. */
  readonly #pending: { marker: number; resolve: () => void; reject: (e: Error) => void; input: string }[] = [];
  #line = 0;
  #partial = '';
  #errors: string[] = [];

  constructor(netns: string | undefined) {
    const [file, argv] = inNetns(netns, 'ip', ['-6', '-force', '-batch', '-']);
    this.#argv = [file, ...argv];
    this.#proc = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#proc.stdout.resume(); // nothing we ask for prints; drained so ip never blocks
    this.#proc.stderr.setEncoding('utf8');
    this.#proc.stderr.on('data', (d: string) => this.#onStderr(d));
    const fail = (why: string) => {
      if (this.dead) return;
      this.dead = new KernelCommandError(this.#argv, `${why}: ${this.#errors.join('\n')}`);
      for (const p of this.#pending.splice(0)) p.reject(new KernelCommandError(this.#argv, this.dead.message, p.input));
    };
    this.#proc.on('exit', (code) => fail(`exited (${code})`));
    this.#proc.on('error', (err) => fail(err.message));
    this.#proc.stdin.on('error', () => undefined);
    // An idle stream must not keep the agent alive (at its exit ip reads EOF and ends too); a
    // pending request does, as a one-shot `ip` would.
    this.#hold(false);
  }

  #hold(on: boolean): void {
    for (const h of [this.#proc, this.#proc.stdin, this.#proc.stdout, this.#proc.stderr] as unknown as {
      ref?: () => void;
      unref?: () => void;
    }[]) {
      if (on) h.ref?.();
      else h.unref?.();
    }
  }

  #onStderr(d: string): void {
    this.#partial += d;
    for (let nl = this.#partial.indexOf('\n'); nl >= 0; nl = this.#partial.indexOf('\n')) {
      const line = this.#partial.slice(0, nl);
      this.#partial = this.#partial.slice(nl + 1);
      const m = /^Command failed .*:(\d+)$/.exec(line);
      const head = this.#pending[0];
      if (m && head && Number(m[1]) === head.marker) {
        this.#pending.shift();
        // The marker's own message ('Device "..." does not exist.') is the last line collected.
        const errors = this.#errors.filter((e) => !e.includes(MARKER_DEVICE));
        this.#errors = [];
        if (this.#pending.length === 0) this.#hold(false);
        if (errors.length) head.reject(new KernelCommandError(this.#argv, errors.join('\n'), head.input));
        else head.resolve();
      } else this.#errors.push(line);
    }
  }

  apply(lines: readonly string[]): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    const input = lines.map((l) => l.replace(/\n/g, ' ')).join('\n');
    this.#line += lines.length + 1;
    const marker = this.#line;
    return new Promise<void>((resolve, reject) => {
      if (this.#pending.length === 0) this.#hold(true);
      this.#pending.push({ marker, resolve, reject, input });
      this.#proc.stdin.write(`${lines.length ? `${input}\n` : ''}link show dev ${MARKER_DEVICE}\n`);
    });
  }
}

/** Best-effort teardown: `ip -6 -force -batch -` carries on past lines that fail (already gone). */
export function ipBatchForceSync(netns: string | undefined, lines: readonly string[]): void {
  if (lines.length === 0) return;
  try {
    runSync(netns, 'ip', ['-6', '-force', '-batch', '-'], `${lines.join('\n')}\n`);
  } catch {
    // Whatever failed was already gone; teardown must not throw.
  }
}

/** Writes a sysctl through `sysctl -w` in the namespace (e.g. net.ipv6.conf.all.forwarding=1). */
export function sysctl(netns: string | undefined, settings: Record<string, string | number>): Promise<string> {
  return run(netns, 'sysctl', ['-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
}

/** The MAC address of `ifname` (for Target Link-Layer Address options). */
export async function linkLayerAddress(netns: string | undefined, ifname: string): Promise<string> {
  const out = await run(netns, 'ip', ['-j', 'link', 'show', 'dev', ifname]);
  const links = JSON.parse(out) as { address?: string }[];
  const mac = links[0]?.address;
  if (!mac || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac))
    throw new Error(`${ifname}: no Ethernet address (ip link shows ${JSON.stringify(mac)})`);
  return mac;
}
