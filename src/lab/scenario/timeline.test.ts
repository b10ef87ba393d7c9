import { describe, expect, it } from 'vitest';
import { runScenario, type ScenarioExecutor } from './timeline.js';

function recorder() {
  const calls: { what: string; at: number }[] = [];
  const t0 = performance.now();
  const exec: ScenarioExecutor = {
    detach: async (n) => {
      calls.push({ what: `detach ${n}`, at: performance.now() - t0 });
      return 1n;
    },
    attach: async (n, ap) => {
      calls.push({ what: `attach ${n} ${ap}`, at: performance.now() - t0 });
      return 2n;
    },
    trigger: async (n, t, ap) => {
      if (t === 'link-down') throw new Error('no such trigger here');
      calls.push({ what: `trigger ${n} ${t} ${ap ?? ''}`, at: performance.now() - t0 });
      return 3n;
    },
  };
  return { calls, exec, t0 };
}

describe('runScenario', () => {
  it('applies events in time order, none before its offset', async () => {
    const { calls, exec, t0 } = recorder();
    const recs = await runScenario(
      [
        { atMs: 60, action: { kind: 'attach', node: 'mn', ap: 'ap2' } },
        { atMs: 20, action: { kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap2' } },
        { atMs: 40, action: { kind: 'detach', node: 'mn' } },
      ],
      exec,
      t0,
    );
    expect(calls.map((c) => c.what)).toEqual(['trigger mn link-going-down ap2', 'detach mn', 'attach mn ap2']);
    for (const [i, at] of [20, 40, 60].entries()) {
      expect(calls[i]!.at).toBeGreaterThanOrEqual(at);
      // Only a loose upper bound: a loaded CI machine delays timers (precision is benchmarked, not tested).
      expect(calls[i]!.at).toBeLessThan(at + 500);
    }
    expect(recs.map((r) => r.appliedNs)).toEqual(['3', '1', '2']);
  });

  it('an agent slow to answer a trigger does not hold back the detach after it', async () => {
    const t0 = performance.now();
    const seen: Record<string, number> = {};
    const exec: ScenarioExecutor = {
      detach: async () => {
        seen.detach = performance.now() - t0;
        return 1n;
      },
      attach: async () => {
        seen.attach = performance.now() - t0;
        return 2n;
      },
      // The agent answers after 200 ms (it is busy sending its Fast Binding Update).
      trigger: async (_n, t) => {
        seen[t] = performance.now() - t0;
        await new Promise((r) => setTimeout(r, 200));
        return 3n;
      },
    };
    const recs = await runScenario(
      [
        { atMs: 10, action: { kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap2' } },
        { atMs: 20, action: { kind: 'trigger', node: 'mn', trigger: 'new-ap-detected', ap: 'ap2' } },
        { atMs: 30, action: { kind: 'detach', node: 'mn' } },
        { atMs: 60, action: { kind: 'attach', node: 'mn', ap: 'ap2' } },
      ],
      exec,
      t0,
    );
    expect(seen.detach).toBeLessThan(seen['new-ap-detected']!);
    expect(seen.attach).toBeLessThan(seen['new-ap-detected']!);
    // Triggers to one agent keep their order: the second waits for the first's answer.
    expect(seen['new-ap-detected']).toBeGreaterThanOrEqual(200);
    expect(recs.map((r) => r.action.kind)).toEqual(['trigger', 'trigger', 'detach', 'attach']);
  });

  it('records a failed action and goes on', async () => {
    const { exec, t0 } = recorder();
    const recs = await runScenario(
      [
        { atMs: 0, action: { kind: 'trigger', node: 'mn', trigger: 'link-down' } },
        { atMs: 5, action: { kind: 'detach', node: 'mn' } },
      ],
      exec,
      t0,
    );
    expect(recs[0]!.error).toMatch(/no such trigger/);
    expect(recs[1]!.appliedNs).toBe('1');
  });

  it('stops when aborted', async () => {
    const { exec, t0 } = recorder();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop')), 10);
    await expect(
      runScenario([{ atMs: 500, action: { kind: 'detach', node: 'mn' } }], exec, t0, undefined, ac.signal),
    ).rejects.toThrow('stop');
  });
});
