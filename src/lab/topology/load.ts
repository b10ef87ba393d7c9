// Lab YAML -> ResolvedLab. Parses with a LineCounter so every problem, from the schema or from the
// semantic checks, is reported as `file:line:col path: expected ..., got ...`.
import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import {
  cutLine,
  formatPath,
  LabFileError,
  quoteInput,
  type LabIssue,
  type SpecIssue,
  type YamlPath,
} from './issues.js';
import { zodIssues } from './zod-issues.js';
import { applyProfile, checkProfiles, profileIssuePath } from './profiles.js';
import { resolveSpec } from './resolve.js';
import { labSchema, type LabSpec } from './schema.js';
import type { ResolvedLab } from './types.js';

export { LabFileError } from './issues.js';

export interface LoadOptions {
  /** Resolve the lab as this profile of its `profiles:` makes it (docs/compare.md). */
  profile?: string;
}

/** Reads, validates and resolves a lab file; throws LabFileError when the YAML is wrong. */
export async function loadLab(file: string, options: LoadOptions = {}): Promise<ResolvedLab> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((e as Error).message);
    throw new LabFileError(file, [{ file, path: '', message: `cannot read the lab file: ${reason}` }]);
  }
  return loadLabText(text, file, options);
}

/** As loadLab, from text; `file` names the source in messages and in ResolvedLab.file. */
export function loadLabText(text: string, file: string, options: LoadOptions = {}): ResolvedLab {
  // A binary file is not YAML; say so rather than echo it back as a scalar.
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = text.slice(0, nul).split('\n').length;
    throw new LabFileError(file, [{ file, line, path: '', message: 'not a YAML text file (it holds a NUL byte)' }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new LabFileError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          file,
          line: pos.line,
          col: pos.col,
          path: '',
          message: cutLine(`invalid YAML: ${e.message.split('\n')[0]}`),
        };
      }),
    );
  }
  const parsed = labSchema.safeParse(toJs(doc, lineCounter, file) ?? {});
  if (!parsed.success) {
    throw new LabFileError(
      file,
      parsed.error.issues.flatMap((i) => zodIssues(i)).map((i) => locate(i, doc, lineCounter, file)),
    );
  }
  const where = (issues: SpecIssue[]) => issues.map((i) => locate(i, doc, lineCounter, file));
  const spec = parsed.data;
  const profileIssues = checkProfiles(spec);
  if (profileIssues.length) throw new LabFileError(file, where(profileIssues));
  const names = Object.keys(spec.profiles ?? {});
  if (options.profile !== undefined && !names.includes(options.profile))
    throw new LabFileError(file, [
      {
        file,
        path: 'profiles',
        message: `no profile "${options.profile}": expected one of ${names.length ? names.join(', ') : '(the lab has no profiles)'}`,
      },
    ]);
  const r = resolveSpec(withoutProfiles(spec), file);
  if (!r.ok) throw new LabFileError(file, where(r.issues));
  // Every profile must make a valid lab, whichever one is asked for: a wrong one is found at load.
  let chosen: ResolvedLab | undefined;
  for (const name of names) {
    const p = resolveSpec(applyProfile(spec, name), file);
    if (!p.ok)
      throw new LabFileError(
        file,
        where(p.issues.map((i) => ({ ...i, path: profileIssuePath(spec, name, i.path) }))).map((i) => ({
          ...i,
          message: `under profile ${name}: ${i.message}`,
        })),
      );
    if (name === options.profile) chosen = { ...p.lab, profile: name };
  }
  const lab = chosen ?? r.lab;
  return names.length ? { ...lab, profiles: names } : lab;
}

function withoutProfiles(spec: LabSpec): LabSpec {
  const { profiles: _profiles, ...rest } = spec;
  return rest;
}

/**
 * The document as plain values. The yaml library refuses aliases that expand to far more nodes than the
 * text holds (a "billion laughs" document, yaml's maxAliasCount); that is a problem of this file, told
 * with its name and the line of the first alias.
 */
function toJs(doc: Document, lc: LineCounter, file: string): unknown {
  try {
    return doc.toJS();
  } catch (e) {
    let offset: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0];
        return visit.BREAK;
      },
    });
    const pos = offset === undefined ? undefined : lc.linePos(offset);
    const reason = /alias/i.test((e as Error).message)
      ? 'aliases expand to too many nodes (a "billion laughs" document); refused'
      : cutLine((e as Error).message);
    throw new LabFileError(file, [
      { file, line: pos?.line, col: pos?.col, path: '', message: `invalid YAML: ${reason}` },
    ]);
  }
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
  if (isScalar(node)) return node.value === null ? ', got nothing' : `, got ${quoteInput(String(node.value))}`;
  if (isMap(node)) return ', got a map';
  if (isSeq(node)) return `, got a list of ${node.items.length}`;
  return '';
}

export type { YamlPath };
