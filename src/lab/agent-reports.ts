// After a run, each agent's status says how many exceptions its machines and callbacks threw. Any is
// a bug, so every run checks it, like an expectation nobody has to write (docs/agent.md, "Bugs").
import type { AaaExchangeReport, AgentReport, ExpectationResult, MihHandoverReport } from '../analysis/results.js';
import { sendControl } from '../agent/control-client.js';

export const NO_AGENT_BUGS = 'no agent bugs';

/** Reads each agent's status over its control socket; an agent that does not answer is reported so. */
export async function readAgentReports(
  agents: readonly { node: string; controlSocket: string }[],
): Promise<Record<string, AgentReport>> {
  const entries = await Promise.all(
    agents.map(async (a): Promise<[string, AgentReport]> => {
      try {
        const r = await sendControl(a.controlSocket, { op: 'status' }, 2000);
        if (!r.ok || !r.status) return [a.node, { bugs: 0, error: `status refused: ${'error' in r ? r.error : '?'}` }];
        const b = r.status.bugs;
        const aaa = aaaExchanges(r.status);
        const mih = mihHandovers(r.status.state);
        return [
          a.node,
          {
            bugs: b.count,
            ...(b.first ? { firstBug: b.first } : {}),
            ...(aaa.length ? { aaaExchanges: aaa } : {}),
            ...(mih.length ? { mihHandovers: mih } : {}),
          },
        ];
      } catch (err) {
        return [a.node, { bugs: 0, error: `status unreadable: ${(err as Error).message}` }];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Holds when no agent counted a bug and every status was read; the detail names node and first error. */
export function agentBugsVerdict(reports: Record<string, AgentReport>): ExpectationResult {
  const bad = Object.entries(reports).filter(([, r]) => r.bugs > 0 || r.error !== undefined);
  const total = Object.values(reports).reduce((n, r) => n + r.bugs, 0);
  const verdict: ExpectationResult = { expectation: NO_AGENT_BUGS, held: bad.length === 0, measured: total };
  if (bad.length)
    verdict.detail = bad
      .map(([node, r]) =>
        r.error !== undefined
          ? `${node}: ${r.error}`
          : `${node}: ${r.bugs} bug(s), first in ${r.firstBug?.where}: ${r.firstBug?.message}`,
      )
      .join('; ');
  return verdict;
}

/** An access router's RADIUS exchanges from its status (state.fmipv6-router.aaa.exchanges), fields checked. */
export function aaaExchanges(status: unknown): AaaExchangeReport[] {
  const ex = (status as { state?: { 'fmipv6-router'?: { aaa?: { exchanges?: unknown } } } })?.state?.['fmipv6-router']
    ?.aaa?.exchanges;
  if (!Array.isArray(ex)) return [];
  const out: AaaExchangeReport[] = [];
  for (const e of ex.slice(-64) as Record<string, unknown>[]) {
    const { nai, node, startedAt, result, latencyMs, durationMs, transmissions, forgedDropped } = e;
    if (typeof nai !== 'string' || typeof node !== 'string' || typeof startedAt !== 'string') continue;
    if (result !== 'accept' && result !== 'reject' && result !== 'timeout') continue;
    if (typeof transmissions !== 'number' || typeof forgedDropped !== 'number') continue;
    out.push({
      nai,
      node,
      startedAt,
      result,
      ...(typeof latencyMs === 'number' ? { latencyMs } : {}),
      ...(typeof durationMs === 'number' ? { durationMs } : {}),
      transmissions,
      forgedDropped,
    });
  }
  return out;
}

/** The MIH function's handovers from its status (role mihf, docs/mih.md), in results.json's form. */
function mihHandovers(state: Record<string, unknown>): MihHandoverReport[] {
  const h = (state.mihf as { handovers?: unknown } | undefined)?.handovers;
  if (!Array.isArray(h)) return [];
  return (h as MihHandoverReport[]).map((x) => ({
    atUnixMs: x.atUnixMs,
    from: x.from,
    target: x.target,
    messages: x.messages.map((m) => ({ message: m.message, to: m.to, atUnixMs: m.atUnixMs })),
  }));
}
