// Without a usable native addon, `doctor` reports it with the rebuild advice and `up`/`run` exit 2 with
// that one line. The CLI runs from a copy of the package whose build/ is missing or holds a broken file.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/lab/paths.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip'] });

/** A copy of the package (dist/, package.json, node_modules linked) without build/. */
function packageCopy(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mlab-addon-'));
  cpSync(path.join(PROJECT_ROOT, 'dist'), path.join(root, 'dist'), { recursive: true });
  cpSync(path.join(PROJECT_ROOT, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

async function cliIn(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [path.join(root, 'dist/cli/main.js'), ...args]);
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe.skipIf(missing)('mipshop-lab without a usable native addon', () => {
  const root = packageCopy();
  const addon = path.join(root, 'build/Release/mipshop_native.node');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('doctor reports the missing addon with how to rebuild it, and exits 2', async () => {
    const r = await cliIn(root, ['doctor', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { ready: boolean; addon: { ok: boolean; path: string; advice: string } };
    expect(doc.ready).toBe(false);
    expect(doc.addon).toMatchObject({ ok: false, path: addon });
    expect(doc.addon.advice).toBe(
      `native addon ${addon} is missing: rebuild it in ${root} with "npm rebuild" or "npx node-gyp rebuild"`,
    );
    const text = await cliIn(root, ['doctor']);
    expect(text.stdout).toContain(`✗ ${doc.addon.advice}`);
  });

  for (const command of ['up', 'run']) {
    it(`${command} exits 2 with the same one line, no stack trace`, async () => {
      const r = await cliIn(root, [
        command,
        path.join(PROJECT_ROOT, 'topologies/smoke.yaml'),
        '--name',
        uniqueLabName(),
      ]);
      expect(r.code).toBe(2);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
      expect(errors, r.stderr).toEqual([
        expect.stringMatching(
          /^error: native addon .* is missing: rebuild it in .* with "npm rebuild" or "npx node-gyp rebuild"$/,
        ),
      ]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it("doctor reports an addon that does not load, with the loader's reason", async () => {
    mkdirSync(path.dirname(addon), { recursive: true });
    writeFileSync(addon, 'not a shared object');
    try {
      const r = await cliIn(root, ['doctor', '--json']);
      expect(r.code).toBe(2);
      const doc = JSON.parse(r.stdout) as { addon: { ok: boolean; advice: string } };
      expect(doc.addon.ok).toBe(false);
      expect(doc.addon.advice).toMatch(/ cannot be loaded: .*: rebuild it in /);
    } finally {
      rmSync(path.join(root, 'build'), { recursive: true, force: true });
    }
  });
});
