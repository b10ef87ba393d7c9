// The built CLI as a user runs it: exit code, stdout and stderr of `node dist/cli/main.js ...`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { distEntry } from '../../src/lab/paths.js';

export const CLI = distEntry('cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end; a non-zero exit is a result, not an exception. */
export async function cli(args: string[]): Promise<CliResult> {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
