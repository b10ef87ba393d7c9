// An agent that fails at start although its settings passed the lab's checks (here a home link that
// names no interface of the node): `up` fails and its error quotes the agent's own reason from its log,
// not only the log's path.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft'] });

describe.skipIf(missing)('mipshop-lab up with an agent that cannot start', () => {
  it('names the agent, its exit code and quotes the last error lines of its log', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlab-e2e-agent-'));
    const file = path.join(dir, 'no-home-link.yaml');
    const text = readFileSync('topologies/mipv6.yaml', 'utf8').replace(
      'dadTimeoutMs: 100',
      'dadTimeoutMs: 100\n        homeLink: nosuch',
    );
    expect(text).toContain('homeLink: nosuch');
    writeFileSync(file, text);
    const name = uniqueLabName('e2a');
    const r = await cli(['up', file, '--name', name, '--out', dir]);
    if (r.code === 0) await cli(['down', name]);
    expect(r.code, r.stderr).not.toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    const at = lines.findIndex((l) => /agent of ha exited with [1-9]\d*; see .*ha-agent\.log$/.test(l));
    expect(at, r.stderr).toBeGreaterThanOrEqual(0);
    const quoted = lines.slice(at + 1).filter((l) => l.startsWith('  '));
    expect(quoted.length, r.stderr).toBeGreaterThanOrEqual(1);
    expect(quoted.length).toBeLessThanOrEqual(3);
    expect(quoted.join('\n')).toMatch(/agent\.start-failed: .*agent\.home-agent\.homeLink: no interface nosuch/);
    const ls = await cli(['ls', '--json']);
    expect(ls.stdout).not.toContain(name); // nothing left behind
  }, 120_000);
});
