import { describe, expect, it } from 'vitest';
import { agentBugsVerdict } from './agent-reports.js';

describe('agentBugsVerdict', () => {
  it('holds when no agent counted a bug', () => {
    expect(agentBugsVerdict({ ar1: { bugs: 0 }, mn: { bugs: 0 } })).toEqual({
      expectation: 'no agent bugs',
      held: true,
      measured: 0,
    });
  });

  it('fails naming each node with a bug and its first error, or an unreadable status', () => {
    const v = agentBugsVerdict({
      ar1: { bugs: 2, firstBug: { where: 'fmipv6-router', message: 'boom' } },
      ar2: { bugs: 0 },
      mn: { bugs: 0, error: 'status unreadable: ECONNREFUSED' },
    });
    expect(v.held).toBe(false);
    expect(v.measured).toBe(2);
    expect(v.detail).toBe('ar1: 2 bug(s), first in fmipv6-router: boom; mn: status unreadable: ECONNREFUSED');
  });
});
