// Teardown always happens: 20 up/down cycles leave nothing behind, and a run killed with
// SIGKILL is fully removed by `mipshop-lab down <lab>` (what `down --all` does for every lab; running
// `--all` here would also take down the labs of other tests on a shared machine).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src/lab/lab.js';
import { labStateDir, nodeNetns } from '../../src/lab/names.js';
import { distEntry } from '../../src/lab/paths.js';
import { uniqueLabName } from '../support/lab-names.js';
import { leftovers } from '../support/leftovers.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip'] });
const SMOKE = path.resolve('topologies/smoke.yaml');

describe.skipIf(missing)('lab lifecycle', () => {
  it('20 consecutive up/down cycles leave no namespace, link, process or mount behind', async () => {
    const name = uniqueLabName('cyc');
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-cycles-'));
    const hostLinksBefore = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').length;
    for (let i = 0; i < 20; i++) {
      const lab = await Lab.up(SMOKE, { name, outDir: out });
      expect(existsSync(`/run/netns/${nodeNetns(name, 'mn')}`)).toBe(true);
      await lab.down();
      expect(leftovers(name), `cycle ${i}`).toEqual([]);
    }
    const hostLinksAfter = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').length;
    expect(hostLinksAfter).toBe(hostLinksBefore);
  }, 600_000);

  it('a run killed with SIGKILL is fully removed by `down <lab>`', async () => {
    const name = uniqueLabName('kil');
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-kill-'));
    const child = spawn(process.execPath, [distEntry('cli/main.js'), 'run', SMOKE, '--name', name, '--out', out], {
      stdio: 'ignore',
    });
    // Wait until the lab is up and its agents run, then kill the orchestrator outright.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !existsSync(path.join(labStateDir(name), 'lab.json')))
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    expect(leftovers(name).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    execFileSync(process.execPath, [distEntry('cli/main.js'), 'down', name], { stdio: 'ignore' });
    expect(leftovers(name)).toEqual([]);
  }, 120_000);
});

describe.skipIf(missing)('teardown on interruption and crashes', () => {
  async function runUntilUp(name: string, out: string) {
    const child = spawn(process.execPath, [distEntry('cli/main.js'), 'run', SMOKE, '--name', name, '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !stderr.includes('capturing on')) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain('capturing on');
    return { child, exited, stderr: () => stderr };
  }

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} during a run tears the lab down and exits 2`, async () => {
      const name = uniqueLabName('sig');
      const { child, exited } = await runUntilUp(name, mkdtempSync(path.join(tmpdir(), 'mlab-sig-')));
      child.kill(sig);
      expect(await exited).toBe(2);
      expect(leftovers(name)).toEqual([]);
    }, 120_000);
  }

  it('an agent crashing during a run fails the run (exit 2) and the lab is still torn down', async () => {
    const name = uniqueLabName('crs');
    const { exited, stderr } = await runUntilUp(name, mkdtempSync(path.join(tmpdir(), 'mlab-crash-')));
    // The router's agent (it sends the RAs) dies hard.
    const pids = execFileSync('ip', ['netns', 'pids', `mlab-${name}-r1`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
    for (const p of pids) {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes('agent/main.js')) process.kill(Number(p), 'SIGKILL');
    }
    expect(await exited).toBe(2);
    expect(stderr()).toMatch(/agent of r1 exited/);
    expect(leftovers(name)).toEqual([]);
  }, 120_000);
});
