// schemas/results.schema.json: the JSON Schema of results.json, written by hand beside the `Results`
// type (results.ts) and checked with Ajv. Its `version` is RESULTS_VERSION; the rule for changing it
// is in docs/results.md ("Versions").
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { RESULTS_VERSION } from './results.js';

/** Where the committed schema lives: <repo>/schemas/results.schema.json (same depth from src/ and dist/). */
export const RESULTS_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/results.schema.json', import.meta.url));

// ajv is CommonJS: under NodeNext its class is the default export's `default`.
const Ajv2020 = Ajv2020Module.default;

export function resultsJsonSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(RESULTS_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled)
    compiled = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(resultsJsonSchema());
  return compiled;
}

/** Where a document departs from the schema, one line per problem ("/handovers/0/l2GapMs: must be number"); empty when valid. */
export function resultsSchemaErrors(doc: unknown): string[] {
  const validate = validator();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(describeError);
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath || '/';
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
      : e.keyword === 'const' || e.keyword === 'enum'
        ? ` (${JSON.stringify((e.params as { allowedValue?: unknown; allowedValues?: unknown }).allowedValue ?? (e.params as { allowedValues?: unknown }).allowedValues)})`
        : '';
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

/** The version a results.json document says it is; undefined when it has none. */
export function resultsVersionOf(doc: unknown): unknown {
  return doc && typeof doc === 'object' ? (doc as { version?: unknown }).version : undefined;
}

export { RESULTS_VERSION };
