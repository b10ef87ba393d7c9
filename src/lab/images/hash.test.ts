import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { inputsHash, tagOf, walk } from './hash.js';

const dir = mkdtempSync(join(tmpdir(), 'mlab-hash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('inputsHash (the rebuild rule)', () => {
  test('same inputs in any order give the same hash; content, path, mode and values change it', async () => {
    writeFileSync(join(dir, 'a'), 'one');
    writeFileSync(join(dir, 'b'), 'two');
    const files = [
      { source: join(dir, 'a'), target: 'app/a' },
      { source: join(dir, 'b'), target: 'app/b' },
    ];
    const h = await inputsHash(files, { BASE: 'sha256:1' });
    expect(await inputsHash([...files].reverse(), { BASE: 'sha256:1' })).toBe(h);
    expect(await inputsHash(files, { BASE: 'sha256:2' })).not.toBe(h);
    expect(await inputsHash([files[0]!, { ...files[1]!, target: 'app/c' }], { BASE: 'sha256:1' })).not.toBe(h);
    chmodSync(join(dir, 'b'), 0o755);
    expect(await inputsHash(files, { BASE: 'sha256:1' })).not.toBe(h);
    chmodSync(join(dir, 'b'), 0o644);
    writeFileSync(join(dir, 'b'), 'two!');
    expect(await inputsHash(files, { BASE: 'sha256:1' })).not.toBe(h);
    writeFileSync(join(dir, 'b'), 'two');
    expect(await inputsHash(files, { BASE: 'sha256:1' })).toBe(h);
  });

  test('walk lists files with posix targets and skips named directories', async () => {
    const root = mkdtempSync(join(dir, 'w-'));
    mkdirSync(join(root, 'x/node_modules'), { recursive: true });
    writeFileSync(join(root, 'x/f.js'), '');
    writeFileSync(join(root, 'x/node_modules/g.js'), '');
    const got = await walk(root, 'app', new Set(['node_modules']));
    expect(got.map((f) => f.target)).toEqual(['app/x/f.js']);
  });

  test('tags carry 16 hex digits of the hash', () => {
    expect(tagOf('mipshop-lab/agent', 'ab'.repeat(32))).toBe('mipshop-lab/agent:abababababababab');
  });
});
