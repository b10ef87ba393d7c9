// The new commands' answers to wrong input, without root: exit 2 and a message that says what was expected.
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

describe('compare, l2, impair and capture refuse wrong input with exit 2', () => {
  it('compare: a lab without profiles, an unknown profile, a wrong --repeat', async () => {
    const a = await cli(['compare', 'topologies/smoke.yaml', '--protocols', 'mipv6']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/the lab has no profiles/);
    const b = await cli(['compare', 'topologies/fmipv6-predictive.yaml', '--protocols', 'mipv6,pmipv6', '--json']);
    expect(b.code).toBe(2);
    expect(JSON.parse(b.stdout)).toMatchObject({ ok: false });
    expect(JSON.parse(b.stdout).error).toMatch(
      /no profile pmipv6: the lab holds mipv6, fmipv6-predictive, fmipv6-reactive/,
    );
    const c = await cli(['compare', 'topologies/fmipv6-predictive.yaml', '--protocols', 'all', '--repeat', '0']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--repeat 0: expected a whole number from 1 to 100/);
  });

  it('run and up: an unknown --profile names the profiles the lab holds', async () => {
    const a = await cli(['run', 'topologies/fmipv6-predictive.yaml', '--profile', 'nope']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/no profile "nope": expected one of mipv6, fmipv6-predictive, fmipv6-reactive/);
    const b = await cli(['up', 'topologies/smoke.yaml', '--profile', 'x', '--json']);
    expect(b.code).toBe(2);
    expect(JSON.parse(b.stdout).error).toMatch(/no profile "x": expected one of \(the lab has no profiles\)/);
  });

  it('l2, impair, capture: no such lab', async () => {
    for (const args of [
      ['l2', 'nolabhere', 'detach', 'mn', '--json'],
      ['impair', 'nolabhere', 'cn-cr', 'delay=1ms', '--json'],
    ]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({
        ok: false,
        error: 'no running lab named nolabhere (see mipshop-lab ls)',
      });
    }
    const c = await cli(['capture', 'nolabhere', 'mn:wlan0', '--json']);
    expect(c.code).toBe(2);
    expect(c.stdout).toBe('');
    expect(JSON.parse(c.stderr)).toMatchObject({ ok: false });
  });

  it('--help lists the new commands', async () => {
    const r = await cli(['--help']);
    for (const c of ['compare', 'l2', 'impair', 'capture']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
  });
});
