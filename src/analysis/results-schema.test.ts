import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFrames } from './frames.js';
import { buildResults, RESULTS_VERSION, type DecodedCapture, type Results } from './results.js';
import { RESULTS_SCHEMA_PATH, resultsJsonSchema, resultsSchemaErrors } from './results-schema.js';
import { ether, flowIpv6, frame, mhPacket } from './testing/packets.js';

/**
 * The schema's text for each version that was ever published. A change to schemas/results.schema.json
 * without a new RESULTS_VERSION fails here (docs/results.md, "Versions").
 */
const SCHEMA_SHA256: Record<number, string> = {
  1: 'b9523dd9612b77d25c55bd25c3108df07428cc5a58df85944212d5d17e146f93',
  // 2: protocol pmipv6 and pfmipv6, mode pmipv6 (PMIPv6 handovers named from the captures); the optional
  // agents.<node>.aaaExchanges (each RADIUS exchange of an AAA-keyed access router, with its latency);
  // agents.<node>.mihHandovers (the MIH messages of each handover the node's MIH function started).
  2: '8626da52f225a1c744288c6178cb7c595dab75c33247883c74d84d181f34bce0',
  // 3: mode `transient` (a PMIPv6 handover whose new MAG registered with RFC 6058's Transient Binding option).
  3: '58f549fe5325965c33d863152bd5b585532da25b220589670897bd15d240a82d',
};

const MS = 1_000_000n;
const T0 = 1_800_000_000_000n * MS;
const at = (ms: number): bigint => T0 + BigInt(Math.round(ms * 1e6));

/** cn -> mn at 100/s for 1 s, mn away 400-500 ms (lost), a BU/BA after; every optional part filled in. */
function sample(): Results {
  const cn: ReturnType<typeof frame>[] = [];
  const mn: ReturnType<typeof frame>[] = [];
  for (let s = 0; s < 100; s++) {
    const p = flowIpv6({ flowId: 1, seq: s, sendNs: at(s * 10) }, '2001:db8:c::1', '2001:db8:b::5');
    cn.push(frame(ether(p), at(s * 10)));
    if (s < 40 || s >= 50) mn.push(frame(ether(p), at(s * 10 + 1)));
  }
  mn.push(frame(ether(mhPacket(5)), at(502)), frame(ether(mhPacket(6, '2001:db8:a1::1', '2001:db8:a1::5')), at(504)));
  mn.sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : 1));
  const cap = (node: string, iface: string, f: typeof cn): DecodedCapture => ({
    node,
    iface,
    file: `pcap/${node}-${iface}.pcap`,
    ...decodeFrames(f),
  });
  const r = buildResults({
    lab: 'sample',
    runtime: 'netns',
    startedNs: T0,
    durationMs: 1000,
    captures: [cap('cn', 'eth0', cn), { ...cap('mn', 'wlan0', mn), error: 'truncated at byte 9000' }],
    flows: [{ id: 1, from: 'cn', to: 'mn', ratePps: 100, sizeBytes: 64 }],
    senders: { 1: { firstSeq: 0, lastSeq: 99, errors: { ENETUNREACH: 2 }, errorCount: 2 } },
    application: { 1: { arrivals: [], error: 'no record' } },
    scenario: [
      { action: { kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap2' }, appliedNs: at(350).toString() },
      {
        action: { kind: 'detach', node: 'mn' },
        appliedNs: at(400).toString(),
        atMs: 400,
        startedMs: 399.9,
        timeSource: 'witness',
        applierNs: at(400.01).toString(),
        disagreementMs: -0.01,
      },
      {
        action: { kind: 'ap-event', ap: 'ap1', event: 'station-left', station: '02:00:00:00:00:05', router: 'ar1' },
        appliedNs: at(405).toString(),
        after: { index: 1, delayMs: 5 },
        timeSource: 'applier',
        lastFrame: { ns: at(399.9).toString(), head: '60'.padEnd(80, '0') },
      },
      { action: { kind: 'attach', node: 'mn', ap: 'ap2' }, appliedNs: at(500).toString(), atMs: 500 },
      { action: { kind: 'attach', node: 'mn', ap: 'ap9' }, appliedNs: '0', error: 'no such AP' },
    ],
    initialAp: { mn: 'ap1' },
    protocols: { mn: { protocol: 'fmipv6', mode: 'predictive' } },
    expectations: [
      { expectation: 'lost <= 0 (flow 1)', held: false, measured: 10, detail: '10 of 100 sent' },
      { expectation: 'mn uses an address from ap2', held: true, measured: '2001:db8:a2::5' },
      { expectation: 'flow resumes', held: true, measured: true },
      { expectation: 'interruption <= 50 ms', held: false, measured: null },
    ],
  });
  r.agents = {
    mn: { bugs: 1, firstBug: { where: 'mobile-node', message: 'boom' } },
    ar1: { bugs: 0, error: 'no status' },
    ar2: {
      bugs: 0,
      aaaExchanges: [
        {
          nai: 'mn@x',
          node: 'fe80::1%ap2',
          startedAt: '2026-01-01T00:00:00.000Z',
          result: 'accept',
          latencyMs: 41.5,
          durationMs: 41.5,
          transmissions: 1,
          forgedDropped: 0,
        },
        { nai: 'mn@x', node: 'fe80::1%ap2', startedAt: 'x', result: 'timeout', transmissions: 4, forgedDropped: 0 },
      ],
    },
  };
  return r;
}

describe('schemas/results.schema.json', () => {
  it('is the text published as RESULTS_VERSION (a changed schema needs a new version)', () => {
    const digest = createHash('sha256').update(readFileSync(RESULTS_SCHEMA_PATH)).digest('hex');
    expect(
      SCHEMA_SHA256[RESULTS_VERSION],
      'schemas/results.schema.json changed: raise RESULTS_VERSION and record the new digest (docs/results.md, "Versions")',
    ).toBe(digest);
    expect(new Set(Object.values(SCHEMA_SHA256)).size).toBe(Object.keys(SCHEMA_SHA256).length);
  });

  it('pins `version` to RESULTS_VERSION', () => {
    const s = resultsJsonSchema() as { properties: { version: { const: number } }; required: string[] };
    expect(s.properties.version.const).toBe(RESULTS_VERSION);
    expect(s.required).toContain('version');
  });

  it('accepts what buildResults writes, optional parts included', () => {
    const r = sample();
    // The sample does reach the optional parts it means to cover.
    expect(r.flows[0]!.sendErrors).toEqual({ ENETUNREACH: 2 });
    expect(r.flows[0]!.applicationError).toBe('no record');
    expect(r.handovers).toHaveLength(1);
    expect(r.scenario.some((s) => s.error)).toBe(true);
    expect(r.scenario.some((s) => s.after && s.disagrees === undefined)).toBe(true);
    expect(r.scenario.some((s) => s.disagrees === false)).toBe(true);
    expect(resultsSchemaErrors(JSON.parse(JSON.stringify(r)))).toEqual([]);
  });

  it('names where a document departs from it', () => {
    const doc = JSON.parse(JSON.stringify(sample()));
    doc.version = RESULTS_VERSION + 1;
    doc.handovers[0].l2GapMs = '100';
    doc.flows[0].jitterMs = 3;
    delete doc.captures[0].frames;
    doc.scenario[0].action.kind = 'teleport';
    const errors = resultsSchemaErrors(doc);
    expect(errors).toContain(`/version: must be equal to constant (${RESULTS_VERSION})`);
    expect(errors).toContain('/handovers/0/l2GapMs: must be number');
    expect(errors).toContain('/flows/0: must NOT have additional properties (jitterMs)');
    expect(errors).toContain("/captures/0: must have required property 'frames'");
    expect(errors.some((e) => e.startsWith('/scenario/0/action'))).toBe(true);
  });
});
