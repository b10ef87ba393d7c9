// The CLI's contract for wrong input: exit 2 and a message naming the file, the line and the path.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

describe('mipshop-lab with a wrong lab file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlab-e2e-'));

  it('names the file, line and path of a bad duration, and exits 2', async () => {
    const file = path.join(dir, 'bad-delay.yaml');
    writeFileSync(
      file,
      ['name: bad', 'nodes:', '  a: { roles: [host] }', '  b: { roles: [host] }', 'links:', '  - { endpoints: [a, b], delay: 20 }', ''].join('\n'),
    );
    const r = await cli(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:6:`);
    expect(r.stderr).toMatch(/links\[0\]\.delay/);
    expect(r.stderr).toMatch(/duration/);
  });

  it('reports a typo key with its path and --json gives the same as JSON', async () => {
    const file = path.join(dir, 'typo.yaml');
    writeFileSync(file, ['name: typo', 'nodes:', '  a: { roels: [host] }', ''].join('\n'));
    const r = await cli(['up', file, '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: string };
    expect(doc.ok).toBe(false);
    expect(doc.error).toContain(`${file}:3:`);
    expect(doc.error).toMatch(/nodes\.a/);
  });

  it('a missing file is a lab error (exit 2)', async () => {
    const r = await cli(['run', path.join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.yaml/);
  });

  it('--help lists every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['up', 'run', 'down', 'ls', 'exec', 'doctor', 'images']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
  });
});
