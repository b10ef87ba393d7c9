import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { evidenceFor } from './evidence.js';
import { junitErrorXml, junitXml } from './junit.js';
import { sampleResults } from './testing/results.js';

interface Case {
  '@_name': string;
  '@_classname': string;
  failure?: { '@_message': string; '@_type': string; '#text': string };
  'system-out'?: string;
  properties: { property: { '@_name': string; '@_value': string }[] };
}

function parse(xml: string) {
  const doc = new XMLParser({
    ignoreAttributes: false,
    cdataPropName: false as never,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  }).parse(xml);
  return doc.testsuites.testsuite[0] as {
    '@_name': string;
    '@_tests': string;
    '@_failures': string;
    '@_time': string;
    testcase: Case[];
  };
}

describe('JUnit XML of a run', () => {
  const r = sampleResults();
  const suite = parse(junitXml(r, { outDir: '/runs/out' }));
  const byName = (n: string) => suite.testcase.find((c) => c['@_name'] === n)!;

  it('has one test case per expectation and counts the failed ones', () => {
    expect(suite['@_name']).toBe('mipshop-lab sample-lab');
    expect(suite.testcase.map((c) => c['@_name'])).toEqual(r.expectations.map((e) => e.expectation));
    expect(Number(suite['@_tests'])).toBe(r.expectations.length);
    expect(Number(suite['@_failures'])).toBe(r.expectations.filter((e) => !e.held).length);
    expect(Number(suite['@_time'])).toBe(6);
    expect(suite.testcase.every((c) => c['@_classname'] === 'mipshop-lab.sample-lab')).toBe(true);
  });

  it('a held expectation has no failure, and keeps its measured value as a property', () => {
    const c = byName('interruption <= 115 ms (flow 1)');
    expect(c.failure).toBeUndefined();
    expect(c.properties.property).toContainEqual({ '@_name': 'measured', '@_value': '100.4' });
  });

  it('a failure says what was measured and which capture to open, and attaches it', () => {
    const c = byName('lost <= 0 (flow 1)');
    expect(c.failure!['@_type']).toBe('ExpectationFailed');
    expect(c.failure!['@_message']).toBe(
      'lost <= 0 (flow 1): measured 3 (3 of 800 sent); open pcap/mn-wlan0.pcap, pcap/cn-eth1.pcap',
    );
    expect(c.failure!['#text']).toContain('open: /runs/out/pcap/mn-wlan0.pcap (flow 1 received here)');
    expect(c['system-out']).toContain('[[ATTACHMENT|/runs/out/pcap/mn-wlan0.pcap]]');
  });

  it('no measurement reads as such; agent bugs point at the agent log', () => {
    expect(byName('flow resumes after each handover (node mn)').failure!['@_message']).toContain('measured nothing');
    expect(byName('no agent bugs').failure!['@_message']).toContain('open logs/ar2-agent.log');
  });
});

describe('evidence of an expectation', () => {
  const r = sampleResults();
  const files = (name: string) =>
    evidenceFor(r.expectations.find((e) => e.expectation === name)!, r).map((e) => e.file);

  it("capture points named in the detail, a node's captures, and nothing it cannot name", () => {
    expect(files('no ICMPv6 Parameter Problem in any capture')).toEqual(['pcap/ar1-eth2.pcap', 'pcap/ha-home.pcap']);
    expect(files('mn uses an address from ap2')).toEqual(['pcap/mn-wlan0.pcap']);
    expect(files('flow resumes after each handover (node mn)')).toEqual(['pcap/mn-wlan0.pcap']);
    expect(files('no agent bugs')).toEqual(['logs/ar2-agent.log']);
  });

  it('a handover measure without flow or node: the captures of the nodes that moved', () => {
    expect(files('interruption <= 50 ms')).toEqual([]);
    const withHandover = { ...r, handovers: [{ node: 'mn' } as (typeof r.handovers)[number]] };
    const e = r.expectations.find((x) => x.expectation === 'interruption <= 50 ms')!;
    expect(evidenceFor(e, withHandover).map((x) => x.file)).toEqual(['pcap/mn-wlan0.pcap']);
  });
});

describe('JUnit XML of a run that could not be judged', () => {
  it('is one test case in error with the message', () => {
    const xml = junitErrorXml('broken', 'lab.yaml: nodes.mn.radio.ap: expected one of ap1, ap2');
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
    const s = doc.testsuites.testsuite;
    expect(s['@_errors']).toBe('1');
    expect(s.testcase['@_name']).toBe('run');
    expect(s.testcase.error['@_message']).toBe('lab.yaml: nodes.mn.radio.ap: expected one of ap1, ap2');
  });
});
