// The built CLI on the smoke lab: run (exit 0, results.json, one pcap per capture point), and the
// up / ls / exec / down cycle a person uses to poke at a lab by hand.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'tcpdump'] });
const SMOKE = path.resolve('topologies/smoke.yaml');

describe.skipIf(missing)('mipshop-lab on the smoke lab', () => {
  it('run --json exits 0 and writes results.json and one pcap per capture point', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'mlab-e2e-run-'));
    const name = uniqueLabName('e2r');
    const r = await cli(['run', SMOKE, '--name', name, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; handovers: { node: string; toAp: string; l2GapMs: number }[] };
    expect(doc.ok).toBe(true);
    expect(doc.handovers.map((h) => [h.node, h.toAp])).toEqual([['mn', 'ap2']]);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      lab: string;
      captures: { file: string }[];
    };
    expect(results.lab).toBe(name);
    const pcaps = readdirSync(path.join(out, 'pcap'));
    for (const c of results.captures) expect(pcaps).toContain(path.basename(c.file));
    expect(pcaps).toContain('mn-wlan0.pcap');
    expect(pcaps).toContain('cn-eth1.pcap');
  });

  it('expectations that cannot be met: exit 1, one line per failed expectation, the rest marked held', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlab-e2e-unmet-'));
    const file = path.join(dir, 'unmet.yaml');
    // The smoke lab runs no mobility protocol: the flow to mn's first address never resumes.
    const text = readFileSync(SMOKE, 'utf8').replace(
      'expectations:\n',
      'expectations:\n  - interruption: { max: 1ms }\n  - lost: { max: 0, flow: 1 }\n',
    );
    writeFileSync(file, text);
    const junit = path.join(dir, 'junit.xml');
    const r = await cli([
      'run',
      file,
      '--name',
      uniqueLabName('e2f'),
      '--out',
      path.join(dir, 'out'),
      '--junit',
      junit,
    ]);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^FAIL /);
    expect(lines.filter((l) => l.includes('✗')).map((l) => l.trim().split(':')[0])).toEqual([
      '✗ interruption <= 1 ms',
      '✗ lost <= 0 (flow 1)',
    ]);
    // The lab's three held expectations and the always-on 'no agent bugs'.
    expect(lines.filter((l) => l.includes('✓')).length).toBe(4);
    // --junit: the same verdicts as test cases; each failure with its measured value and its capture.
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="mipshop-lab [^"]+"[^>]* tests="6" failures="2"/);
    const failures = [...xml.matchAll(/<failure message="([^"]*)"/g)].map((m) => m[1]!);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(/^interruption &lt;= 1 ms: measured (nothing|[\d.]+)/);
    expect(failures[1]).toMatch(/^lost &lt;= 0 \(flow 1\): measured \d+ .*; open pcap\/mn-wlan0\.pcap/);
    expect(existsSync(path.join(dir, 'out', 'pcap', 'mn-wlan0.pcap'))).toBe(true);
    // The run wrote report.html; `report` rebuilds it (and the JUnit XML) from the output directory alone.
    const report = path.join(dir, 'out', 'report.html');
    expect(readFileSync(report, 'utf8')).toContain('lost &#60;= 0 (flow 1)');
    rmSync(report);
    const again = await cli(['report', path.join(dir, 'out'), '--junit', path.join(dir, 'again.xml')]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(report, 'utf8')).toMatch(/<h1>[^<]+ <span class="fail">FAIL<\/span><\/h1>/);
    expect(readFileSync(path.join(dir, 'again.xml'), 'utf8')).toBe(xml);
    // Not a run's output directory: exit 2 and why.
    const none = await cli(['report', dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('results.json: no such file');
  });

  it('up, ls, exec and down work on a lab left running', async () => {
    const name = uniqueLabName('e2u');
    const up = await cli([
      'up',
      SMOKE,
      '--name',
      name,
      '--out',
      mkdtempSync(path.join(tmpdir(), 'mlab-e2e-up-')),
      '--json',
    ]);
    expect(up.code, up.stderr).toBe(0);
    try {
      const ls = await cli(['ls', '--json']);
      const labs = (JSON.parse(ls.stdout) as { labs: { name: string; nodes: string[] }[] }).labs;
      expect(labs.find((l) => l.name === name)?.nodes.sort()).toEqual(['cn', 'h1', 'mn', 'r1']);
      const ex = await cli(['exec', name, 'r1', '--', 'ip', '-o', 'link', 'show']);
      expect(ex.code).toBe(0);
      expect(ex.stdout).toMatch(/ap1/);
      const bad = await cli(['exec', name, 'nosuch', '--', 'true']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/no node nosuch/);
    } finally {
      const down = await cli(['down', name]);
      expect(down.code, down.stderr).toBe(0);
    }
    expect(existsSync(`/run/netns/mlab-${name}-r1`)).toBe(false);
  });
});
