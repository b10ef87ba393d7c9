// The CLI when a person does the unexpected: Ctrl-C while namespaces are being made, `up` of a name
// already up, `down` or `exec` of a lab that is not there, a reader that closes the pipe, and two
// labs of different names at once. Every case ends with nothing of the lab left on the machine.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cli } from '../support/cli.js';
import { uniqueLabName } from '../support/lab-names.js';
import { leftovers } from '../support/leftovers.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'tcpdump'] });
const SMOKE = path.resolve('topologies/smoke.yaml');
const outDir = () => mkdtempSync(path.join(tmpdir(), 'mlab-e2e-life-'));

describe('mipshop-lab on a lab that is not there', () => {
  it('down of a lab that is not up says so and exits 2', async () => {
    const name = uniqueLabName('e2n');
    const r = await cli(['down', name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no lab named ${name} on this machine`);
    const j = await cli(['down', name, '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false });
  });

  it('exec into a lab that is not up exits 2', async () => {
    const r = await cli(['exec', uniqueLabName('e2n'), 'mn', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no running lab named/);
  });
});

describe.skipIf(missing)('mipshop-lab lifecycle from the command line', () => {
  // After "load" the namespaces are being made; after "network" the agents are starting.
  for (const [when, step] of [
    ['namespaces are being made', '✓ load'],
    ['agents are starting', '✓ network'],
  ] as const) {
    it(`Ctrl-C while the ${when} tears down what was made and exits 2`, async () => {
      const name = uniqueLabName('e2c');
      const child = spawn(process.execPath, [CLI, 'up', SMOKE, '--name', name, '--out', outDir()], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      await new Promise<void>((resolve) =>
        child.stderr.on('data', (d) => {
          stderr += String(d);
          if (stderr.includes(step)) resolve();
        }),
      );
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(2);
      expect(stderr).toMatch(/interrupted by SIGINT/);
      expect(stderr).not.toMatch(/is up on/);
      expect(leftovers(name)).toEqual([]);
    }, 60_000);
  }

  it('up of a name already up fails with exit 2 and leaves the first lab working', async () => {
    const name = uniqueLabName('e2d');
    const first = await cli(['up', SMOKE, '--name', name, '--out', outDir()]);
    expect(first.code, first.stderr).toBe(0);
    try {
      const second = await cli(['up', SMOKE, '--name', name, '--out', outDir()]);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`lab ${name} is already up`);
      // No `--`: the command's own options (-6, -o) pass through, as with `docker exec`.
      const ex = await cli(['exec', name, 'mn', 'ip', '-6', '-o', 'addr', 'show', 'dev', 'wlan0']);
      expect(ex.code, ex.stderr).toBe(0);
      expect(ex.stdout).toMatch(/inet6 fd/);
    } finally {
      expect((await cli(['down', name])).code).toBe(0);
    }
    expect(leftovers(name)).toEqual([]);
  }, 120_000);

  it('a reader that closes the pipe early does not stop the teardown', async () => {
    const name = uniqueLabName('e2p');
    const child = spawn(process.execPath, [CLI, 'run', SMOKE, '--name', name, '--out', outDir()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    // Like `| head -1`: read the first line, then close both pipes.
    await new Promise<void>((resolve) => child.stderr.once('data', () => resolve()));
    child.stdout.destroy();
    child.stderr.destroy();
    await exited;
    expect(leftovers(name)).toEqual([]);
  }, 120_000);

  it('two labs with different names run at the same time, both pass, and both are removed', async () => {
    const names = [uniqueLabName('e2a'), uniqueLabName('e2b')];
    const runs = await Promise.all(names.map((n) => cli(['run', SMOKE, '--name', n, '--out', outDir(), '--json'])));
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
    }
    for (const n of names) expect(leftovers(n)).toEqual([]);
  }, 180_000);
});
