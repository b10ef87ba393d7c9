// JUnit XML of a run, for CI systems (GitLab, Jenkins, GitHub test reporters): one test suite per
// run, one test case per expectation. A failed expectation's failure says what was measured and
// which captures to open; they are also attached ([[ATTACHMENT|file]], Jenkins' and GitLab's
// convention). The XML itself is written by junit-report-builder.
import path from 'node:path';
import junitModule, { type Builder } from 'junit-report-builder';
import type { ExpectationResult, Results } from '../analysis/results.js';
import { type Evidence, evidenceFor } from './evidence.js';

// The package is CommonJS whose module.exports is the builder; its types say `export default`.
const junit = junitModule as unknown as Builder;

export interface JunitOptions {
  /** The run's output directory: evidence paths are given relative to it and, for attachments, absolute. */
  outDir: string;
}

/** The JUnit XML text of a run's results. */
export function junitXml(r: Results, o: JunitOptions): string {
  const builder = junit.newBuilder();
  const suite = builder
    .testSuite()
    .name(`mipshop-lab ${r.lab}`)
    .time(r.durationMs / 1000)
    .property('lab', r.lab)
    .property('runtime', r.runtime)
    .property('startedAt', r.startedAt)
    .property('results', path.join(o.outDir, 'results.json'));
  for (const e of r.expectations) {
    const evidence = evidenceFor(e, r);
    const tc = suite
      .testCase()
      .className(`mipshop-lab.${r.lab}`)
      .name(e.expectation)
      .property('measured', measuredText(e.measured));
    for (const ev of evidence) tc.property('evidence', ev.file);
    if (!e.held) {
      tc.failure(failureMessage(e, evidence), 'ExpectationFailed').stacktrace(failureBody(e, evidence, o.outDir));
      tc.standardOutput(evidence.map((ev) => `[[ATTACHMENT|${path.join(o.outDir, ev.file)}]]`).join('\n'));
    }
  }
  return builder.build();
}

export function measuredText(m: ExpectationResult['measured']): string {
  return m === null ? 'nothing (no measurement)' : String(m);
}

function failureMessage(e: ExpectationResult, evidence: Evidence[]): string {
  const open = evidence.length ? `; open ${evidence.map((x) => x.file).join(', ')}` : '';
  return `${e.expectation}: measured ${measuredText(e.measured)}${e.detail ? ` (${e.detail})` : ''}${open}`;
}

function failureBody(e: ExpectationResult, evidence: Evidence[], outDir: string): string {
  const lines = [`expectation: ${e.expectation}`, `measured: ${measuredText(e.measured)}`];
  if (e.detail) lines.push(`detail: ${e.detail}`);
  for (const ev of evidence) lines.push(`open: ${path.join(outDir, ev.file)} (${ev.why})`);
  return `${lines.join('\n')}\n`;
}

/** The JUnit XML of a run that could not be judged (the lab did not come up, its YAML is wrong): one test case in error. */
export function junitErrorXml(lab: string, message: string): string {
  const builder = junit.newBuilder();
  builder
    .testSuite()
    .name(`mipshop-lab ${lab}`)
    .testCase()
    .className(`mipshop-lab.${lab}`)
    .name('run')
    .error(message, 'LabError');
  return builder.build();
}
