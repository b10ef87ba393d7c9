// After a run: decode every capture, build results.json (analysis/results.ts), judge the expectations.
// Here in lab/ because it reads the resolved lab; analysis/ below it knows only flows, captures and actions.
import { judge } from '../analysis/expectations.js';
import { buildResults, decodeCaptures, type Results, type TimedAction } from '../analysis/results.js';
import type { UdpSenderSummary } from '../traffic/udp-sender.js';
import type { ResolvedLab, UdpFlowSpec } from './topology/types.js';

export interface AnalyzeInput {
  lab: ResolvedLab;
  runtime: string;
  /** Run start (t0 of the timeline), ns since the epoch. */
  t0Ns: bigint;
  /** The run's output directory; captures are at pcap/<node>-<iface>.pcap under it. */
  outDir: string;
  scenario: TimedAction[];
  /** What the traffic tools printed at exit (sender summaries among them). */
  summaries: unknown[];
}

export async function analyzeRun(input: AnalyzeInput): Promise<Results> {
  const { lab } = input;
  const captures = await decodeCaptures(
    input.outDir,
    lab.capture.map((c) => ({ node: c.node, iface: c.iface, file: `pcap/${c.node}-${c.iface}.pcap` })),
  );
  const senders: Record<number, UdpSenderSummary> = {};
  for (const s of input.summaries) {
    const x = s as Partial<UdpSenderSummary> & { kind?: string };
    if (x.kind === 'udp-sender' && typeof x.flowId === 'number') senders[x.flowId] = x as UdpSenderSummary;
  }
  const initialAp: Record<string, string> = {};
  for (const n of lab.nodes) for (const i of n.interfaces) if (i.kind === 'radio' && i.ap) initialAp[n.name] = i.ap;
  const protocols: Record<string, { protocol: string; mode?: string }> = {};
  for (const n of lab.nodes) {
    const p = mobilityProtocol(n.roles, n.agent);
    if (p) protocols[n.name] = p;
  }
  const results = buildResults({
    lab: lab.name,
    runtime: input.runtime,
    startedNs: input.t0Ns,
    durationMs: lab.durationMs,
    captures,
    flows: lab.traffic.filter((t): t is UdpFlowSpec => t.kind === 'udp'),
    senders,
    scenario: input.scenario,
    initialAp,
    protocols,
  });
  const apPrefixes = Object.fromEntries(lab.aps.map((a) => [a.name, a.prefix]));
  results.expectations = lab.expectations.map((e) => judge(e, { results, captures, apPrefixes }));
  return results;
}

/** The protocol a mobile node's handovers use, from its roles (and its agent settings' mode). */
function mobilityProtocol(roles: string[], agent: Record<string, unknown>): { protocol: string; mode?: string } | null {
  if (!roles.includes('mobile')) return null;
  const fm = agent.fmipv6 as { mode?: string } | undefined;
  if (fm) return fm.mode ? { protocol: 'fmipv6', mode: fm.mode } : { protocol: 'fmipv6' };
  if (roles.includes('mobile-node')) return { protocol: 'mipv6' };
  return { protocol: 'none' };
}
