// `compare`: the same lab, the same timeline and the same traffic under each protocol profile, run
// one after the other (the protocols interleaved, so load on the machine falls on all of them alike),
// each run in OUT/<protocol>/run<i>/ with its own results.json and report.html. docs/compare.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { flowArrivals } from '../../analysis/flow.js';
import { signallingKind } from '../../analysis/handover.js';
import { decodeCaptures, type Results } from '../../analysis/results.js';
import { canonical } from '../../wire/address.js';
import type { RelayCounters } from '../impairment/relay.js';
import { Lab } from '../lab.js';
import type { RuntimeKind } from '../runtime/index.js';
import type { ResolvedLab } from '../topology/types.js';
import { type CompareDoc, compareHtml } from '../../report/compare-html.js';
import {
  type CompareSummary,
  type RunMeasures,
  runMeasures,
  summarise,
  TABLE_HEAD,
  tableNotes,
  tableRows,
} from './summary.js';

export const COMPARE_FILE = 'compare.json';
export const COMPARE_HTML = 'compare.html';

export interface CompareOptions {
  /** Profile names of the lab file, or ['all'] for every one it holds. */
  protocols: string[];
  repeat: number;
  outDir: string;
  runtime?: RuntimeKind;
  /** Lab name for the runs (one at a time, so one name serves them all); default the lab's. */
  name?: string;
  signal?: AbortSignal;
  onEvent?: (line: string) => void;
}

/** A flow's arrivals in one run: ms from the handover's detach, sequence number. */
export interface RunArrivals {
  protocol: string;
  repeat: number;
  flow: number;
  point: string | null;
  packets: [number, number][];
}

export interface CompareResult {
  lab: string;
  file: string;
  protocols: string[];
  repeat: number;
  runs: RunMeasures[];
  summary: CompareSummary;
  /** Arrivals of every flow in each protocol's first run, for the overlaid plots. */
  arrivals: RunArrivals[];
}

/** The profiles `protocols` names, checked against the lab file; 'all' is every one it holds. */
export async function compareProtocols(file: string, protocols: readonly string[]): Promise<string[]> {
  const lab = await Lab.load(file);
  const have = lab.profiles ?? [];
  if (have.length === 0)
    throw new Error(
      `${file}: the lab has no profiles: to compare protocols, add a profiles: section (docs/topology.md)`,
    );
  if (protocols.includes('all')) return have;
  const unknown = protocols.filter((p) => !have.includes(p));
  if (unknown.length) throw new Error(`${file}: no profile ${unknown.join(', ')}: the lab holds ${have.join(', ')}`);
  return [...new Set(protocols)];
}

export async function runCompare(file: string, o: CompareOptions): Promise<CompareResult> {
  const protocols = await compareProtocols(file, o.protocols);
  const labs = new Map<string, ResolvedLab>();
  for (const p of protocols) labs.set(p, await Lab.load(file, { profile: p }));
  const runs: RunMeasures[] = [];
  const arrivals: RunArrivals[] = [];
  mkdirSync(o.outDir, { recursive: true });
  for (let i = 1; i <= o.repeat; i++) {
    for (const protocol of protocols) {
      o.signal?.throwIfAborted();
      const outDir = path.join(o.outDir, protocol, `run${i}`);
      o.onEvent?.(`${protocol} run ${i}/${o.repeat} -> ${outDir}`);
      const lab = await Lab.up(labs.get(protocol) as ResolvedLab, {
        runtime: o.runtime ?? 'netns',
        ...(o.name ? { name: o.name } : {}),
        outDir,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      let results: Results;
      let relay: RelayCounters | null;
      let impairmentPath: RunMeasures['impairmentPath'];
      try {
        const r = await lab.run({ ...(o.signal ? { signal: o.signal } : {}) });
        results = r.results;
        impairmentPath = lab.impairmentPath;
        relay = await lab.relayCounters();
      } finally {
        await lab.down();
      }
      const seen = await afterRun(lab.lab, results, outDir, i === 1);
      runs.push(
        runMeasures(results, {
          protocol,
          repeat: i,
          outDir,
          atHomeAgent: seen.atHomeAgent,
          impairmentPath,
          impairmentDrops: relay ? relayDrops(relay) : null,
        }),
      );
      for (const a of seen.arrivals) arrivals.push({ protocol, repeat: i, ...a });
      const m = runs.at(-1) as RunMeasures;
      o.onEvent?.(
        `  interruption down ${m.downInterruptionMs?.toFixed(1) ?? '-'} ms, lost down ${m.downLost ?? '-'}, up ${m.upInterruptionMs?.toFixed(1) ?? '-'} ms / ${m.upLost ?? '-'}`,
      );
    }
  }
  const lab0 = labs.get(protocols[0] as string) as ResolvedLab;
  const result: CompareResult = {
    lab: lab0.name,
    file: lab0.file,
    protocols,
    repeat: o.repeat,
    runs,
    summary: summarise(runs, protocols),
    arrivals,
  };
  writeFileSync(path.join(o.outDir, COMPARE_FILE), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(o.outDir, COMPARE_HTML), compareHtml(compareDoc(result, o.outDir)));
  return result;
}

export function compareDoc(r: CompareResult, outDir: string): CompareDoc {
  const rows = tableRows(r.summary);
  return {
    lab: r.lab,
    file: r.file,
    repeat: r.repeat,
    head: TABLE_HEAD,
    rows: rows.map((cells) => ({ protocol: cells[0] as string, cells: cells.slice(1) })),
    notes: tableNotes(r.summary),
    runs: r.runs.map((x) => ({
      protocol: x.protocol,
      repeat: x.repeat,
      dir: path.relative(outDir, x.outDir),
      passed: x.passed,
    })),
    arrivals: r.arrivals.map((a) => ({ protocol: a.protocol, flow: a.flow, point: a.point, packets: a.packets })),
  };
}

/** "link:direction" -> flow -> sorted sequence numbers the relay's loss dropped. */
export function relayDrops(c: RelayCounters): Record<string, Record<string, number[]>> {
  const out: Record<string, Record<string, number[]>> = {};
  for (const [link, dirs] of Object.entries(c.links))
    for (const [dir, d] of Object.entries(dirs)) {
      const flows = d.droppedLossFlows ?? {};
      if (Object.keys(flows).length === 0) continue;
      out[`${link}:${dir}`] = Object.fromEntries(
        Object.entries(flows).map(([f, seqs]) => [f, [...seqs].sort((a, b) => a - b)]),
      );
    }
  return out;
}

/** Signalling window around the first handover: from 1 s before the detach to 3 s after the attach. */
const BEFORE_NS = 1_000_000_000n;
const AFTER_NS = 3_000_000_000n;

/** From the run's captures: signalling that reached the home agent, and each flow's arrivals (first run only). */
async function afterRun(
  lab: ResolvedLab,
  r: Results,
  outDir: string,
  withArrivals: boolean,
): Promise<{ atHomeAgent: number | null; arrivals: Omit<RunArrivals, 'protocol' | 'repeat'>[] }> {
  const h = r.handovers[0];
  const has = lab.nodes.filter((n) => n.roles.includes('home-agent'));
  let atHomeAgent: number | null = null;
  if (h && has.length) {
    const own = new Set(
      has.flatMap((n) => n.interfaces.flatMap((i) => i.addresses.map((a) => canonical(a.split('/')[0] as string)))),
    );
    const from = BigInt(h.detachNs) - BEFORE_NS;
    const to = BigInt(h.attachNs) + AFTER_NS;
    const caps = await decodeCaptures(
      outDir,
      r.captures.filter((c) => has.some((n) => n.name === c.node)),
    );
    atHomeAgent = 0;
    for (const c of caps)
      for (const f of c.frames) {
        if (f.timestampNs < from || f.timestampNs > to || f.direction === 'out') continue;
        const k = signallingKind(f);
        // Addressed to the home agent (a forwarded message crosses two of its interfaces; this one ends there).
        if (k && k.group === 'mobility' && own.has(canonical(f.inner.header.dst))) atHomeAgent++;
      }
  }
  const arrivals: Omit<RunArrivals, 'protocol' | 'repeat'>[] = [];
  if (withArrivals && h) {
    const zero = BigInt(h.detachNs);
    for (const f of r.flows) {
      const cap = r.captures.find((c) => `${c.node}-${c.iface}` === f.receiverCapture);
      if (!cap) {
        arrivals.push({ flow: f.id, point: null, packets: [] });
        continue;
      }
      const [decoded] = await decodeCaptures(outDir, [cap]);
      const packets = flowArrivals(decoded?.frames ?? [], { flowId: f.id }).map((a): [number, number] => [
        Math.round(Number(a.recvNs - zero) / 1e3) / 1e3,
        a.seq,
      ]);
      arrivals.push({ flow: f.id, point: f.receiverCapture, packets });
    }
  }
  return { atHomeAgent, arrivals };
}
