// After a run: decode every capture, build results.json (analysis/results.ts), judge the expectations.
// Here in lab/ because it reads the resolved lab; analysis/ below it knows only flows, captures and actions.
import { judge } from '../analysis/expectations.js';
import type { LocalizedContext } from '../analysis/localized.js';
import {
  buildResults,
  decodeCaptures,
  type ApplicationRecord,
  type Results,
  type TimedAction,
} from '../analysis/results.js';
import type { UdpSenderSummary } from '../traffic/udp-sender.js';
import { readSinkRecords } from '../traffic/udp-sink.js';
import type { Iperf3Spec, ResolvedLab, UdpFlowSpec } from './topology/types.js';

/** Where a run's UDP sink writes the application's record of flow `id` (relative to the output directory). */
export const sinkRecordFile = (id: number): string => `logs/flow${id}-sink.rec`;

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
    const p = mobilityProtocol(
      n.roles,
      n.agent,
      lab.nodes.some((x) => x.roles.includes('mag')),
    );
    if (p) protocols[n.name] = p;
  }
  const udp = lab.traffic.filter((t): t is UdpFlowSpec => t.kind === 'udp');
  const results = buildResults({
    lab: lab.name,
    runtime: input.runtime,
    startedNs: input.t0Ns,
    durationMs: lab.durationMs,
    captures,
    flows: udp,
    senders,
    application: applicationRecords(input.outDir, udp),
    tcpFlows: lab.traffic.filter((t): t is Iperf3Spec => t.kind === 'iperf3'),
    scenario: input.scenario,
    initialAp,
    protocols,
  });
  results.expectations = lab.expectations.map((e) => judge(e, { results, captures, ...labLayout(lab) }));
  return results;
}

/** What the expectations read of the lab itself: each AP's prefix and router, each node's roles. */
export function labLayout(lab: ResolvedLab): Pick<LocalizedContext, 'apPrefixes' | 'apRouters' | 'nodeRoles'> {
  return {
    apPrefixes: Object.fromEntries(lab.aps.map((a) => [a.name, a.prefix])),
    apRouters: Object.fromEntries(lab.aps.map((a) => [a.name, a.router])),
    nodeRoles: Object.fromEntries(lab.nodes.map((n) => [n.name, n.roles])),
  };
}

/** The protocol a mobile node's handovers use, from its roles (and its agent settings' mode). */
function mobilityProtocol(
  roles: string[],
  agent: Record<string, unknown>,
  proxyMobility: boolean,
): { protocol: string; mode?: string } | null {
  if (!roles.includes('mobile')) return null;
  // A host's moves are the network's work where MAGs serve it (RFC 5213).
  if (proxyMobility && roles.includes('host')) return { protocol: 'pmipv6' };
  const fm = agent.fmipv6 as { mode?: string } | undefined;
  if (fm) return fm.mode ? { protocol: 'fmipv6', mode: fm.mode } : { protocol: 'fmipv6' };
  if (roles.includes('mobile-node')) return { protocol: 'mipv6' };
  return { protocol: 'none' };
}

/**
 * The receiving applications' records. A missing or unreadable one is recorded as an empty record
 * with its error: the application then received nothing, and the run says why.
 */
function applicationRecords(outDir: string, flows: UdpFlowSpec[]): Record<number, ApplicationRecord> {
  const out: Record<number, ApplicationRecord> = {};
  for (const f of flows) {
    try {
      const { records, trailingBytes } = readSinkRecords(`${outDir}/${sinkRecordFile(f.id)}`);
      const arrivals = records
        .filter((r) => r.flowId === f.id)
        .map((r) => ({ seq: r.seq, sendNs: r.sendNs, recvNs: r.recvNs }));
      out[f.id] = trailingBytes
        ? { arrivals, error: `${trailingBytes} trailing bytes after the last record` }
        : { arrivals };
    } catch (e) {
      out[f.id] = { arrivals: [], error: e instanceof Error ? e.message : String(e) };
    }
  }
  return out;
}
