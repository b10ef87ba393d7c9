import { describe, expect, it } from 'vitest';
import { locateTrailingOption } from './locate.js';

/** A Binding Update-shaped header (options from offset 12) with `opts` raw option bytes, padded to 8n. */
function mhWith(opts: number[]): Buffer {
  const body = [59, 0, 5, 0, 0, 0, 0, 1, 0x80, 0, 0, 10, ...opts];
  while (body.length % 8) body.push(0);
  body[1] = body.length / 8 - 1;
  return Buffer.from(body);
}

describe('locateTrailingOption', () => {
  it('finds the option when only padding follows it', () => {
    expect(locateTrailingOption(mhWith([9, 2, 7, 7]), 9)).toEqual({ offset: 12, length: 2 });
    expect(locateTrailingOption(mhWith([1, 0, 9, 2, 7, 7, 1, 2, 0, 0]), 9)).toEqual({ offset: 14, length: 2 });
    expect(locateTrailingOption(mhWith([0, 9, 1, 7, 0, 0]), 9)).toEqual({ offset: 13, length: 1 });
  });

  it('refuses it absent, twice, or followed by another option', () => {
    expect(locateTrailingOption(mhWith([1, 2, 0, 0]), 9)).toBeNull();
    expect(locateTrailingOption(mhWith([9, 0, 9, 0]), 9)).toBeNull();
    expect(locateTrailingOption(mhWith([9, 0, 3, 2, 0, 0]), 9)).toBeNull();
  });

  it('refuses an option or a header that runs past the bytes', () => {
    expect(locateTrailingOption(mhWith([9, 40]), 9)).toBeNull();
    const long = mhWith([9, 2, 7, 7]);
    long[1] = 9;
    expect(locateTrailingOption(long, 9)).toBeNull();
    expect(locateTrailingOption(Buffer.alloc(4), 9)).toBeNull();
    expect(locateTrailingOption(mhWith([9, 2, 7, 7]), 9, null)).toBeNull();
  });
});
