import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastAgentErrors } from './agent-log.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mlab-agent-log-'));
const log = (name: string, lines: string[]) => {
  const f = path.join(dir, name);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
};
const rec = (level: string, event: string, message?: string) =>
  JSON.stringify({ time: 1, level, event, node: 'ha', ...(message ? { err: { name: 'E', message } } : {}) });

describe('lastAgentErrors', () => {
  it('quotes the error records (event: message, one line per message line), not info or warn', () => {
    const f = log('a.log', [
      rec('info', 'agent.started'),
      rec('warn', 'ra.late'),
      rec('error', 'agent.start-failed', '/s/ha-agent.json: agent.home-agent.mobileNodes[0].key: expected a string'),
    ]);
    expect(lastAgentErrors(f)).toEqual([
      'agent.start-failed: /s/ha-agent.json: agent.home-agent.mobileNodes[0].key: expected a string',
    ]);
  });

  it('keeps the last 3 lines, drops repeats, cuts long lines at 160 characters', () => {
    const long = 'x'.repeat(500);
    const f = log('b.log', [
      rec('error', 'one', 'a\nb'),
      rec('error', 'one', 'a\nb'),
      'plain stderr line',
      rec('error', 'two', long),
    ]);
    const got = lastAgentErrors(f);
    expect(got).toHaveLength(3);
    expect(got.slice(0, 2)).toEqual(['b', 'plain stderr line']);
    expect(got[2]).toHaveLength(160);
    expect(got[2]!.endsWith('…')).toBe(true);
  });

  it('a missing or empty log gives nothing', () => {
    expect(lastAgentErrors(path.join(dir, 'none.log'))).toEqual([]);
    expect(lastAgentErrors(log('c.log', []))).toEqual([]);
  });
});
