// The CLI's contract for wrong input: exit 2 and a message naming the file, the line and the path.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
      [
        'name: bad',
        'nodes:',
        '  a: { roles: [host] }',
        '  b: { roles: [host] }',
        'links:',
        '  - { endpoints: [a, b], delay: 20 }',
        '',
      ].join('\n'),
    );
    const junit = path.join(dir, 'junit', 'bad-delay.xml');
    const r = await cli(['run', file, '--junit', junit]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:6:`);
    expect(r.stderr).toMatch(/links\[0\]\.delay/);
    expect(r.stderr).toMatch(/duration/);
    // --junit: the run that could not be judged is one test case in error, with the same message.
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="mipshop-lab bad-delay\.yaml"[^>]* errors="1"/);
    expect(xml).toMatch(/<error message="[^"]*bad-delay\.yaml:6:[^"]*links\[0\]\.delay/);
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

  // Broken copies of the smoke lab: each must exit 2 with lines `file:line:col path: what was expected`.
  const SMOKE = readFileSync(path.resolve('topologies/smoke.yaml'), 'utf8');
  const broken: [string, string, string, RegExp][] = [
    [
      'delay: 20ms, loss: 1%',
      'delay: 20 parsecs, loss: 1%',
      'links[0].delay',
      /expected a duration like "20ms", got "20 parsecs"/,
    ],
    [
      'ap1: { router: r1 }',
      'ap1: { router: r9 }',
      'aps.ap1.router',
      /expected one of the nodes \(h1, cn, r1, mn\), got "r9"/,
    ],
    ['rate: 50pps', 'rate: fast', 'traffic[0].rate', /expected a packet rate/],
    ['endpoints: [h1, r1]', 'endpoints: [h1]', 'links[0].endpoints', /expected at least 2 items/],
    [
      'attach: { node: mn, ap: ap2 }',
      'attach: { node: mn, ap: ap7 }',
      'scenario[1].attach.ap',
      /expected one of the APs \(ap1, ap2\), got "ap7"/,
    ],
    [
      'address: { node: mn, ap: ap2 }',
      'address: { node: mx, ap: ap2 }',
      'expectations[0].address.node',
      /expected a mobile node \(mn\), got "mx"/,
    ],
    ['- no-malformed: {}', '- malformed: {}', 'expectations[1].malformed', /expected one of "interruption", "lost"/],
  ];
  for (const [from, to, where, what] of broken) {
    it(`${where}: ${to}`, async () => {
      const file = path.join(dir, `${where.replace(/\W+/g, '-')}.yaml`);
      expect(SMOKE).toContain(from);
      writeFileSync(file, SMOKE.replace(from, to));
      const r = await cli(['run', file, '--name', 'never-up']);
      expect(r.code).toBe(2);
      const line = r.stderr.split('\n').find((l) => l.includes(` ${where}: `));
      expect(line, r.stderr).toMatch(
        new RegExp(`^(error: )?${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ `),
      );
      expect(line).toMatch(what);
    });
  }

  // Hostile files: exit 2, the file named, a short message, never more than one line of the input back.
  const shortError = (r: { code: number; stderr: string }, file: string) => {
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    for (const l of r.stderr.split('\n')) expect(l.length, l).toBeLessThanOrEqual(file.length + 220);
    expect(r.stderr.length, r.stderr).toBeLessThan(600);
  };

  it('an alias bomb ("billion laughs") is refused with the file and the line of its first alias', async () => {
    const file = path.join(dir, 'bomb.yaml');
    const level = (name: string, of: string) => `${name}: &${name} [${Array(9).fill(`*${of}`).join(', ')}]`;
    const names = ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    writeFileSync(
      file,
      [
        'name: bomb',
        `a: &a [${Array(9).fill('"lol"').join(', ')}]`,
        ...names.map((n, i) => level(n, i ? names[i - 1]! : 'a')),
        'nodes: { x: { roles: [host] } }',
        '',
      ].join('\n'),
    );
    const r = await cli(['run', file, '--name', 'never-up']);
    shortError(r, file);
    expect(r.stderr).toContain(`${file}:3:`);
    expect(r.stderr).toMatch(/aliases expand to too many nodes/);
  });

  it('a binary file is refused as not YAML text, without echoing it', async () => {
    const file = path.join(dir, 'binary.yaml');
    const bytes = Buffer.alloc(9800);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff; // holds NULs, like any binary
    writeFileSync(file, bytes);
    const r = await cli(['run', file, '--name', 'never-up']);
    shortError(r, file);
    expect(r.stderr).toMatch(/not a YAML text file/);
  });

  it('a long garbage line is quoted once, cut at 120 characters', async () => {
    const file = path.join(dir, 'garbage.yaml');
    writeFileSync(file, `${'q\u00e9~'.repeat(3000)}\n`);
    const r = await cli(['run', file, '--name', 'never-up']);
    shortError(r, file);
    expect(r.stderr).toMatch(/expected a map, got "(qé~)+q?é?…/);
  });

  it('a missing file is a lab error (exit 2)', async () => {
    const r = await cli(['run', path.join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.yaml/);
  });

  it('--help lists every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['up', 'run', 'down', 'ls', 'exec', 'doctor', 'images'])
      expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
    // What runs and what does not yet (README's table says the same).
    expect(r.stdout).toMatch(/Available: Mobile IPv6 .* FMIPv6 .*HMIPv6.*Proxy Mobile IPv6.*transient\s+bindings/s);
    expect(r.stdout).toMatch(/Not yet: network-initiated MIH/s);
  });
});
