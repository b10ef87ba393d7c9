// The localized-mobility expectations (docs/topology.md: `localized`, `no-global-signalling`,
// `location-privacy`) judged on real runs of the plain Mobile IPv6 and the predictive FMIPv6 labs,
// each with the three added for mn. What each protocol gives (docs/hmipv6.md, "Localized mobility by
// protocol"; HMIPv6's intra-domain move, where all three hold, is in hmipv6.test.ts):
//   - Mobile IPv6 (topologies/mipv6.yaml, three moves): none holds on any move: the home agent sees
//     each BU before mn gets its flow back, the BU crosses its link, and so does the care-of address;
//   - FMIPv6 predictive (topologies/fmipv6-predictive.yaml): the BU and the care-of address still
//     reach the home agent; `localized` is a race of the NAR's delivery against the BU (logged).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPrereqs } from '../support/prereq.js';
import { runLabFile, TOOLS } from './fmipv6-helpers.js';

const missing = checkPrereqs({ root: true, tools: TOOLS });

const withLocalized = (text: string) => {
  const out = text.replace(
    /^expectations:\n/m,
    'expectations:\n  - localized: { node: mn }\n  - no-global-signalling: { node: mn }\n  - location-privacy: { node: mn }\n',
  );
  if (out === text) throw new Error('the lab file changed shape');
  return out;
};

async function judged(lab: string, prefix: string) {
  const r = await runLabFile(path.resolve('topologies', lab), { prefix, edit: withLocalized });
  const verdict = (start: string) => {
    const e = r.run.results.expectations.find((x) => x.expectation.startsWith(start));
    if (!e) throw new Error(`${lab}: no "${start}" expectation in results.json`);
    console.log(`${lab}: ${e.expectation}: ${e.held ? 'holds' : 'fails'} (${e.detail})`);
    return e;
  };
  const others = r.run.results.expectations.filter(
    (e) => !/^mn gets its flow|^mn's moves put no BU|^no packet on the home agent/.test(e.expectation),
  );
  return {
    handovers: r.run.results.handovers.length,
    localized: verdict('mn gets its flow on the new link'),
    noGlobal: verdict("mn's moves put no BU"),
    privacy: verdict('no packet on the home agent'),
    othersFailed: others.filter((e) => !e.held),
  };
}

describe.skipIf(missing)('localized-mobility expectations on Mobile IPv6 and FMIPv6', () => {
  it('plain Mobile IPv6: none of the three holds on any of its moves', async () => {
    const v = await judged('mipv6.yaml', 'locm');
    expect(v.handovers).toBe(3);
    expect(v.localized.held).toBe(false);
    expect(v.localized.measured).toBe(3); // each move: a BU reached the home agent before the flow came back
    expect(v.noGlobal.held).toBe(false);
    expect(v.noGlobal.measured).toBe(3);
    expect(v.privacy.held).toBe(false);
    expect(v.othersFailed).toEqual([]); // the lab's own expectations still hold
  }, 120_000);

  it('FMIPv6 predictive: BU and care-of address still reach the home agent (localized is a race, logged)', async () => {
    const v = await judged('fmipv6-predictive.yaml', 'locf');
    expect(v.handovers).toBe(1);
    // `localized` holds when the NAR's buffered flow reaches mn before mn's BU reaches the home agent:
    // both leave at the attach (the UNA, the BU), so it is a race of the NAR's delivery against the
    // BU's trip; judged and logged above, not asserted (docs/hmipv6.md).
    expect(v.noGlobal.held).toBe(false);
    expect(v.privacy.held).toBe(false);
    expect(v.othersFailed).toEqual([]);
  }, 120_000);
});
