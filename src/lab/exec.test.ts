import { describe, expect, test } from 'vitest';
import { CommandError, parallel, run, wallClockNs } from './exec.js';

describe('run', () => {
  test('returns stdout and stderr; a failure names the command, its exit and its stderr', async () => {
    const ok = await run(['sh', '-c', 'echo out; echo err >&2']);
    expect(ok).toEqual({ exitCode: 0, stdout: 'out\n', stderr: 'err\n' });
    const err = await run(['sh', '-c', 'echo bad thing >&2; exit 4']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).message).toMatch(/exit 4\): sh -c "echo bad thing >&2; exit 4"\nbad thing/);
    expect((err as CommandError).exitCode).toBe(4);
  });

  test('reject: false returns the failure; a missing program says so', async () => {
    expect((await run(['sh', '-c', 'exit 3'], { reject: false })).exitCode).toBe(3);
    const missing = await run(['/nonexistent/prog'], { reject: false });
    expect(missing.exitCode).toBe(-1);
    expect(missing.stderr).toMatch(/ENOENT|not found|nonexistent/);
  });

  test('a command past its timeout is stopped and says so; env adds to the inherited environment', async () => {
    const slow = await run(['sleep', '5'], { timeoutMs: 100, reject: false });
    expect(slow.exitCode).toBe(-1);
    expect(slow.stderr).toMatch(/timed out after 100 milliseconds: sleep 5/);
    const env = await run(['sh', '-c', 'echo "$MLAB_TEST_VAR"; test -n "$PATH" && echo path'], {
      env: { MLAB_TEST_VAR: 'x' },
    });
    expect(env.stdout).toBe('x\npath\n');
  });

  test('input goes to stdin, and is shown when the command fails', async () => {
    expect((await run(['cat'], { input: 'a\nb\n' })).stdout).toBe('a\nb\n');
    await expect(run(['sh', '-c', 'cat >/dev/null; exit 1'], { input: 'line 1\n' })).rejects.toThrow(
      /--- input ---\nline 1/,
    );
  });
});

test('parallel runs every task with at most `limit` at once and reports failures', async () => {
  let active = 0;
  let peak = 0;
  const done: number[] = [];
  await parallel([1, 2, 3, 4, 5, 6], 2, async (n) => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 5));
    done.push(n);
    active--;
  });
  expect(peak).toBe(2);
  expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  await expect(
    parallel([1, 2], 2, async (n) => {
      if (n === 2) throw new Error('two');
    }),
  ).rejects.toThrow('two');
});

test('wallClockNs follows Date.now with sub-millisecond resolution', () => {
  const before = BigInt(Date.now()) * 1_000_000n;
  const ns = wallClockNs();
  const after = BigInt(Date.now() + 1) * 1_000_000n;
  expect(ns >= before - 1_000_000n && ns <= after).toBe(true);
});
