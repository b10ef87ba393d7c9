// Which files of a run's output directory show an expectation's outcome: the capture points its
// flow, node or detail names, and the logs of agents that counted bugs. Paths are relative to the
// output directory (results.json's captures[].file).
import type { ExpectationResult, Results } from '../analysis/results.js';

export interface Evidence {
  /** Relative to the run's output directory, e.g. pcap/mn-wlan0.pcap or logs/mn-agent.log. */
  file: string;
  /** Why this file: "flow 1 received here", "named in the detail", ... */
  why: string;
}

const NO_AGENT_BUGS = 'no agent bugs';

export function evidenceFor(e: ExpectationResult, r: Results): Evidence[] {
  const out: Evidence[] = [];
  const add = (file: string, why: string) => {
    if (!out.some((x) => x.file === file)) out.push({ file, why });
  };
  const captureFile = (point: string) => r.captures.find((c) => `${c.node}-${c.iface}` === point)?.file;

  if (e.expectation === NO_AGENT_BUGS) {
    for (const [node, a] of Object.entries(r.agents ?? {}))
      if (a.bugs > 0 || a.error !== undefined) add(`logs/${node}-agent.log`, `${node}'s agent log`);
    return out;
  }
  const flowIds = [...e.expectation.matchAll(/\bflow (\d+)\b/g)].map((m) => Number(m[1]));
  for (const id of flowIds) {
    const f = r.flows.find((x) => x.id === id);
    if (!f) continue;
    const rx = f.receiverCapture && captureFile(f.receiverCapture);
    if (rx) add(rx, `flow ${id} received here`);
    const tx = f.senderCapture && captureFile(f.senderCapture);
    if (tx) add(tx, `flow ${id} sent here`);
  }
  // Capture points the detail names ("first seen in mn-wlan0", "seen on ar1-eth2, mn-wlan0").
  for (const c of r.captures) {
    const point = `${c.node}-${c.iface}`;
    if (e.detail && new RegExp(`(^|[\\s,;:(])${escapeRegExp(point)}($|[\\s,;:)])`).test(e.detail))
      add(c.file, 'named in the detail');
  }
  const node = /^(\S+) uses an address/.exec(e.expectation)?.[1] ?? /\bnode (\S+?)[,)]/.exec(e.expectation)?.[1];
  if (node) for (const c of r.captures.filter((x) => x.node === node)) add(c.file, `${node}'s capture`);
  // A handover measure without a flow or node: the moving nodes' own captures.
  if (out.length === 0 && !/malformed|Parameter Problem/.test(e.expectation)) {
    for (const n of new Set(r.handovers.map((h) => h.node)))
      for (const c of r.captures.filter((x) => x.node === n)) add(c.file, `${n}'s capture (it moved)`);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
