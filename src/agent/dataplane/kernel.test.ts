import { describe, expect, test } from 'vitest';
import { KernelCommandError, run } from './kernel.js';
import { nftFamilyUnsupported } from './mobility-header-io.js';

describe('run', () => {
  test('a tool that exits before reading its input rejects with its status, not an uncaught EPIPE', async () => {
    // 4 MiB: more than a pipe holds, so the write is still going when `false` has exited.
    const input = 'x'.repeat(4 * 1024 * 1024);
    const err = await run(undefined, 'false', [], input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelCommandError);
    expect((err as KernelCommandError).argv).toEqual(['false']);
  });
});

describe('nftFamilyUnsupported', () => {
  test("names nft's answer on a kernel without the ip6 family, and nothing else", () => {
    const unsupported = new KernelCommandError(
      ['nft', '-f', '-'],
      '/dev/stdin:1:1-24: Error: Could not process rule: Operation not supported',
    );
    expect(nftFamilyUnsupported(unsupported)).toBe(true);
    expect(nftFamilyUnsupported(new KernelCommandError(['nft'], 'Error: syntax error, unexpected newline'))).toBe(
      false,
    );
    expect(nftFamilyUnsupported(new Error('Operation not supported'))).toBe(false);
  });
});
