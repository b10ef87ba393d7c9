// Lab YAML -> ResolvedLab. Parses with a LineCounter so every problem, from the schema or from the
// semantic checks, is reported as `file:line:col path: expected ..., got ...`.
import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { formatPath, LabFileError, type LabIssue, type SpecIssue, type YamlPath } from './issues.js';
import { resolveSpec } from './resolve.js';
import { labSchema } from './schema.js';
import type { ResolvedLab } from './types.js';

export { LabFileError } from './issues.js';

/** Reads, validates and resolves a lab file; throws LabFileError when the YAML is wrong. */
export async function loadLab(file: string): Promise<ResolvedLab> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((e as Error).message);
    throw new LabFileError(file, [{ file, path: '', message: `cannot read the lab file: ${reason}` }]);
  }
  return loadLabText(text, file);
}

/** As loadLab, from text; `file` names the source in messages and in ResolvedLab.file. */
export function loadLabText(text: string, file: string): ResolvedLab {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new LabFileError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, col: pos.col, path: '', message: `invalid YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const parsed = labSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    throw new LabFileError(
      file,
      parsed.error.issues.flatMap((i) => zodIssues(i)).map((i) => locate(i, doc, lineCounter, file)),
    );
  }
  const r = resolveSpec(parsed.data, file);
  if (!r.ok)
    throw new LabFileError(
      file,
      r.issues.map((i) => locate(i, doc, lineCounter, file)),
    );
  return r.lab;
}

/** A zod issue in our words: one SpecIssue per unknown key, the key's own message for a bad key. */
function zodIssues(issue: z.core.$ZodIssue): SpecIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => ({ path: [...path, k], message: `unknown key "${k}"`, onKey: true }));
    case 'invalid_key':
      return [{ path, message: issue.issues[0]?.message ?? 'invalid key', onKey: true }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    case 'invalid_type':
      return [
        {
          path,
          message: issue.message.startsWith('Invalid input') ? `expected ${article(issue.expected)}` : issue.message,
        },
      ];
    case 'too_small':
    case 'too_big':
      return [{ path, message: bound(issue) }];
    case 'invalid_union': {
      // A discriminated union whose discriminator is wrong: name the choices.
      if (issue.errors.length === 0) return [{ path, message: 'expected kind: udp or iperf3' }];
      const keys = oneKeyChoices(issue.errors);
      if (keys)
        return keys.unknown.map((k) => ({
          path: [...path, k],
          message: `expected one of ${keys.wanted.map((w) => `"${w}"`).join(', ')}`,
          onKey: true,
        }));
      const deepest = issue.errors.map((errs) =>
        errs.flatMap((e) => zodIssues({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue)),
      );
      return deepest.sort((a, b) => depth(b) - depth(a))[0] ?? [{ path, message: issue.message }];
    }
    default:
      return [{ path, message: lowerFirst(issue.message) }];
  }
}

/** zod's "Too small: expected array to have >=2 items" in our words: "expected at least 2 items". */
function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  if (issue.origin === 'array' || issue.origin === 'set') {
    const n = issue.inclusive ? limit : small ? limit + 1 : limit - 1;
    return `expected ${small ? 'at least' : 'at most'} ${n} item${n === 1 ? '' : 's'}`;
  }
  if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
    return `expected a number ${small ? '>' : '<'}${issue.inclusive ? '=' : ''} ${limit}`;
  }
  return lowerFirst(issue.message);
}

/**
 * A union of one-key records (expectations) where no branch's key is present: every branch misses its
 * own key and finds the same unknown ones. Then the user wants the list of keys, not the first branch.
 */
function oneKeyChoices(branches: z.core.$ZodIssue[][]): { wanted: string[]; unknown: string[] } | null {
  const wanted: string[] = [];
  let unknown: string[] = [];
  for (const errs of branches) {
    const missing = errs.find(
      (e) => e.code === 'invalid_type' && e.path.length === 1 && e.message.endsWith('received undefined'),
    );
    const extra = errs.find((e) => e.code === 'unrecognized_keys' && e.path.length === 0);
    if (!missing || !extra || errs.length !== 2) return null;
    wanted.push(String(missing.path[0]));
    unknown = (extra as z.core.$ZodIssueUnrecognizedKeys).keys;
  }
  return { wanted, unknown };
}

function depth(issues: SpecIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}

function article(expected: string): string {
  const names: Record<string, string> = {
    object: 'a map',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    tuple: 'a list',
    boolean: 'true or false',
    record: 'a map',
  };
  return names[expected] ?? expected;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Finds the YAML node at `path` (or its nearest existing parent) and adds line, column and what was there. */
function locate(issue: SpecIssue, doc: Document, lc: LineCounter, file: string): LabIssue {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  let found = true;
  for (const seg of issue.path) {
    const child = childOf(node, seg);
    if (!child) {
      found = false;
      break;
    }
    node = child.value;
    keyNode = child.key;
  }
  const target = (issue.onKey && found ? keyNode : node) as Node | undefined;
  const offset = target?.range?.[0] ?? 0;
  const { line, col } = lc.linePos(offset);
  if (!found) {
    // Only a missing last key can be absent here: zod reports the rest of a path only where the YAML has it.
    const key = issue.path.at(-1);
    const message = typeof key === 'string' ? `missing key "${key}": ${issue.message}` : issue.message;
    return { file, line, col, path: formatPath(issue.path), message };
  }
  const says = (prefix: string) => issue.message.startsWith(prefix) && !issue.message.includes(', got ');
  const got = issue.onKey
    ? ''
    : isScalar(node)
      ? says('expected')
        ? gotText(node)
        : ''
      : says('expected a')
        ? gotText(node)
        : '';
  return { file, line, col, path: formatPath(issue.path), message: `${issue.message}${got}` };
}

function childOf(node: unknown, seg: string | number): { key: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === seg);
    return pair && { key: pair.key, value: pair.value ?? pair.key };
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item === undefined ? undefined : { key: item, value: item };
  }
  return undefined;
}

function gotText(node: unknown): string {
  if (isScalar(node)) return node.value === null ? ', got nothing' : `, got ${JSON.stringify(String(node.value))}`;
  if (isMap(node)) return ', got a map';
  if (isSeq(node)) return `, got a list of ${node.items.length}`;
  return '';
}

export type { YamlPath };
