// The real binding's parts that need neither root nor namespaces of our own (the rest is in
// test/integration/native.test.ts). Needs the addon built, as `npm install` does.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADDON_PATH, native } from './index.js';

describe('native binding (no root needed)', () => {
  it('is built where index.ts looks for it', () => {
    expect(existsSync(ADDON_PATH)).toBe(true);
  });

  it('resolves interface names and fails with errno-shaped errors', () => {
    expect(native.ifNameToIndex('lo')).toBe(1);
    expect(() => native.ifNameToIndex('no-such-if0')).toThrow(
      expect.objectContaining({ code: 'ENODEV', errno: -19, syscall: 'if_nametoindex', path: 'no-such-if0' }),
    );
    expect(() => native.ifNameToIndex('lo', '/nonexistent/netns')).toThrow(
      expect.objectContaining({ code: 'ENOENT', errno: -2, syscall: 'open', path: '/nonexistent/netns' }),
    );
  });

  it('rejects bad options with a TypeError before any syscall', () => {
    expect(() => native.openPacketSocket({} as never)).toThrow(TypeError);
    expect(() => native.openRaw6Socket({ protocol: 300 })).toThrow(/protocol must be 0\.\.255/);
    expect(() => native.openRaw6Socket({ protocol: 58, bindDevice: 7 as never })).toThrow(
      /bindDevice must be a string/,
    );
  });
});
