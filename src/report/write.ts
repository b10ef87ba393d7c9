// Builds OUT/report.html from what a run left in its output directory: results.json (checked
// against schemas/results.schema.json), topology.json when there is one, the pcaps and the logs.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeCaptures, RESULTS_VERSION, type Results } from '../analysis/results.js';
import { resultsSchemaErrors, resultsVersionOf } from '../analysis/results-schema.js';
import { reportHtml } from './html.js';
import { buildReportModel } from './model.js';
import { TOPOLOGY_FILE, type ReportTopology } from './topology.js';

export const REPORT_FILE = 'report.html';

/** An output directory the report cannot be built from; the message says why. */
export class ReportInputError extends Error {}

/** Reads results.json of `outDir`, refusing another version or a document the schema refuses. */
export function readResults(outDir: string): Results {
  const file = path.join(outDir, 'results.json');
  if (!existsSync(file)) throw new ReportInputError(`${file}: no such file (is ${outDir} a run's output directory?)`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ReportInputError(`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const version = resultsVersionOf(doc);
  if (version !== RESULTS_VERSION)
    throw new ReportInputError(
      `${file}: version ${String(version)}, this mipshop-lab reads version ${RESULTS_VERSION}`,
    );
  const errors = resultsSchemaErrors(doc);
  if (errors.length)
    throw new ReportInputError(`${file} does not follow schemas/results.schema.json: ${errors.slice(0, 5).join('; ')}`);
  return doc as Results;
}

function readTopology(outDir: string): ReportTopology | null {
  const file = path.join(outDir, TOPOLOGY_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ReportTopology) : null;
}

function logFiles(outDir: string): string[] {
  const dir = path.join(outDir, 'logs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(log|json|jsonl|err)$/.test(f))
    .sort()
    .map((f) => `logs/${f}`);
}

/** Writes OUT/report.html and returns its path. */
export async function writeReport(outDir: string): Promise<string> {
  const results = readResults(outDir);
  const captures = await decodeCaptures(
    outDir,
    results.captures.map((c) => ({ node: c.node, iface: c.iface, file: c.file })),
  );
  const model = buildReportModel({ results, topology: readTopology(outDir), captures, logs: logFiles(outDir) });
  const file = path.join(outDir, REPORT_FILE);
  writeFileSync(file, reportHtml(model));
  return file;
}
