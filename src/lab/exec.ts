// Running the system tools the lab is built with (iproute2, tc, sysctl, tcpdump). Errors name the
// command and carry its stderr, so a failed `ip link add` says which line and why.
import { execa } from 'execa';
import type { ExecOptions, ExecResult } from './runtime/runtime.js';

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
  const r = await execa(file, args, {
    input: options.input ?? '',
    timeout: options.timeoutMs,
    env: options.env,
    reject: false,
    stripFinalNewline: false,
  });
  const exitCode = typeof r.exitCode === 'number' ? r.exitCode : -1;
  const stdout = String(r.stdout ?? '');
  // No exit code: the command did not run (not found, killed by the timeout): say why.
  const stderr =
    exitCode === -1 ? `${String(r.stderr ?? '')}${r.shortMessage ?? r.message ?? ''}` : String(r.stderr ?? '');
  if (exitCode !== 0 && options.reject !== false) {
    throw new CommandError(argv, r.exitCode, stderr || String(r.message ?? ''), options.input);
  }
  return { exitCode, stdout, stderr };
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

/** Wall-clock time in nanoseconds with sub-millisecond resolution (timeOrigin + monotonic now). */
export function wallClockNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.round(ms * 1e6));
}
