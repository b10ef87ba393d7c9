// Running the system tools the lab is built with (iproute2, tc, sysctl, tcpdump). Errors name the
// command and carry its stderr, so a failed `ip link add` says which line and why.
import { spawn, type ChildProcess } from 'node:child_process';
import type { ExecOptions, ExecResult } from './runtime/runtime.js';
import { realtimeNs } from '../traffic/clock.js';

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly input?: string,
  ) {
    const shown = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
    const lines = input ? `\n--- input ---\n${input.trimEnd()}` : '';
    super(`command failed (exit ${exitCode ?? 'signal'}): ${shown}\n${stderr.trimEnd()}${lines}`);
    this.name = 'CommandError';
  }
}

/** A tool on the host runs with the same options and result as a command inside a node. */
export type RunOptions = ExecOptions;
export type RunResult = ExecResult;

/** Runs argv (no shell). Throws CommandError on a non-zero exit unless `reject: false`. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('run: empty argv');
  const r = await spawnCollect(file, args, options);
  const exitCode = r.code ?? -1;
  // No exit code: the command did not run (not found, killed by the timeout): say why.
  const stderr = exitCode === -1 ? `${r.stderr}${r.why}` : r.stderr;
  if (exitCode !== 0 && options.reject !== false) {
    throw new CommandError(argv, r.code ?? undefined, stderr || r.why, options.input);
  }
  return { exitCode, stdout: r.stdout, stderr };
}

/** Children still running, killed if this process exits first (a CLI that ends mid-command). */
const live = new Set<ChildProcess>();
let exitHook = false;

/** Grace between the timeout's SIGTERM and a SIGKILL. */
const FORCE_KILL_MS = 5000;

/**
 * node:child_process directly, not a wrapper library: every command of the CLI runs tools, and
 * loading one costs more than a short command's whole start-up.
 */
function spawnCollect(
  file: string,
  args: string[],
  options: RunOptions,
): Promise<{ code: number | null; stdout: string; stderr: string; why: string }> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill();
    });
  }
  return new Promise((resolve) => {
    const shown = [file, ...args].join(' ');
    const child = spawn(file, args, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: 'pipe',
    });
    live.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // A command that exits without reading its input must not fail the run with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    let why = '';
    let timer: NodeJS.Timeout | undefined;
    let force: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      timer = setTimeout(() => {
        why = `Command timed out after ${options.timeoutMs} milliseconds: ${shown}`;
        child.kill('SIGTERM');
        force = setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_MS);
        force.unref();
      }, options.timeoutMs);
    }
    const finish = (code: number | null, failure: string) => {
      clearTimeout(timer);
      clearTimeout(force);
      live.delete(child);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        why: why || failure,
      });
    };
    child.once('error', (e: NodeJS.ErrnoException) =>
      finish(null, `Command failed with ${e.code ?? 'an error'}: ${shown}\n${e.message}`),
    );
    child.once('close', (code, signal) =>
      finish(
        code,
        code === null
          ? `Command was killed with ${signal ?? 'a signal'}: ${shown}`
          : `Command failed with exit code ${code}: ${shown}`,
      ),
    );
  });
}

/** The `-n NS` global option of ip/tc, or nothing for the host namespace. */
function nsArgs(netns: string | null): string[] {
  return netns ? ['-n', netns] : [];
}

/**
 * Runs iproute2 lines in one process: `ip [-n NS] -batch -`. One fork per namespace instead of one
 * per command is what makes a 100-node lab come up in a couple of seconds.
 * `-force` is not used: the first failing line stops the batch and is reported.
 */
export async function ipBatch(netns: string | null, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await run(['ip', ...nsArgs(netns), '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** Same for tc: `tc [-n NS] -batch -`. */
export async function tcBatch(netns: string | null, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await run(['tc', ...nsArgs(netns), '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** Runs argv inside a namespace: `ip netns exec NS argv...`. */
export function nsExec(netns: string, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
  return run(['ip', 'netns', 'exec', netns, ...argv], options);
}

/** Runs at most `limit` of the tasks at once (2 cores: forks beyond that only queue in the kernel). */
export async function parallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, (errors[0] as Error).message);
}

/** Wall-clock time in nanoseconds with sub-millisecond resolution (src/traffic/clock.ts). */
export const wallClockNs = realtimeNs;
