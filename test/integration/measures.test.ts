// Measures and verdicts on the shipped labs. Loss is counted at the receiving application (its
// record in logs/) and never below what the wire lost; each handover's protocol and mode are read
// from the captures: mipv6.yaml -> mipv6, fmipv6-predictive -> predictive, fmipv6-reactive ->
// reactive. mipv6.yaml's iperf3 flow gets its longest stall per handover from the captures.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../src/lab/lab.js';
import { runLab, type RunResult } from '../../src/lab/run.js';
import { readSinkRecords } from '../../src/traffic/udp-sink.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'nft', 'tcpdump', 'iperf3'] });

async function runFile(file: string): Promise<{ run: RunResult; out: string }> {
  const out = mkdtempSync(path.join(tmpdir(), 'mlab-measures-'));
  const lab = await Lab.up(path.resolve(file), { name: uniqueLabName('msr'), outDir: out });
  try {
    return { run: await runLab(lab), out };
  } finally {
    await lab.down();
  }
}

describe.skipIf(missing)('measures at the application, verdicts from the wire', () => {
  it('mipv6.yaml: loss is sent - received by the application, at least the wire loss; mode mipv6; TCP stalls', async () => {
    const { run, out } = await runFile('topologies/mipv6.yaml');
    const f = run.results.flows.find((x) => x.id === 1)!;
    const record = readSinkRecords(path.join(out, 'logs', 'flow1-sink.rec')).records;
    const appReceived = new Set(record.filter((r) => r.flowId === 1).map((r) => r.seq)).size;
    const sender = JSON.parse(readFileSync(path.join(out, 'logs', 'flow1-sender.json'), 'utf8').trim());
    console.log(
      `mipv6 flow 1: sent ${sender.sent}, application got ${appReceived}, interface ${f.receivedOnWire}; lost ${f.lost} (wire ${f.lostOnWire})`,
    );
    expect(f.measuredAt).toBe('application');
    expect(f.sent).toBe(sender.sent);
    expect(f.received).toBe(appReceived);
    expect(f.lost).toBe(sender.sent - appReceived);
    expect(f.lost).toBeGreaterThanOrEqual(f.lostOnWire);
    expect(run.results.handovers.map((h) => h.mode)).toEqual(['mipv6', 'mipv6', 'mipv6']);
    for (const h of run.results.handovers) {
      expect(h.lost).toBeGreaterThanOrEqual(h.downlink!.lostOnWire);
      const tcp = h.tcp.find((t) => t.flow === 2)!;
      // The stall spans the L2 gap at least: the radio carried nothing then. (Whether TCP resumed
      // before the next move depends on its retransmission backoff; mipv6-lab.test.ts checks that the
      // connection survives every move.)
      expect(tcp.longestStallMs!).toBeGreaterThanOrEqual(h.l2GapMs);
      console.log(`handover ${h.index}: TCP stall ${tcp.longestStallMs} ms, ${tcp.retransmissions} retransmissions`);
    }
  }, 120_000);

  it('fmipv6-predictive.yaml: predictive, from an FBack on the old link', async () => {
    const { run } = await runFile('topologies/fmipv6-predictive.yaml');
    expect(run.results.handovers.map((h) => [h.protocol, h.mode])).toEqual([['fmipv6', 'predictive']]);
    console.log(`predictive: ${run.results.handovers[0]!.modeEvidence}`);
  }, 120_000);

  it('fmipv6-reactive.yaml: reactive, from an FBU sent from the new link', async () => {
    const { run } = await runFile('topologies/fmipv6-reactive.yaml');
    expect(run.results.handovers.map((h) => [h.protocol, h.mode])).toEqual([['fmipv6', 'reactive']]);
    console.log(`reactive: ${run.results.handovers[0]!.modeEvidence}`);
  }, 120_000);
});
