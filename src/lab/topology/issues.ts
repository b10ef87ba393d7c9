// Problems found in a lab file. Every message names the file, the place in the YAML (line:column and
// the path, e.g. links[2].delay) and what was expected, so the CLI can print it and exit 2.

export type YamlPath = readonly (string | number)[];

/** A problem at a path of the lab document; `onKey` points at the key itself rather than its value. */
export interface SpecIssue {
  path: YamlPath;
  message: string;
  onKey?: boolean;
}

export interface LabIssue {
  file: string;
  /** 1-based; absent when the lab did not come from text (e.g. a generated lab). */
  line?: number;
  col?: number;
  /** Dotted path in the YAML, e.g. "links[2].delay"; "" for the document itself. */
  path: string;
  message: string;
}

const MAX_ISSUES_SHOWN = 20;

/** The lab YAML is wrong. `message` holds one line per issue; the CLI maps this class to exit 2. */
export class LabFileError extends Error {
  override name = 'LabFileError';
  constructor(
    readonly file: string,
    readonly issues: LabIssue[],
  ) {
    // A wildly wrong file (not YAML at all) can yield hundreds of issues: the first ones say enough.
    const shown = issues.slice(0, MAX_ISSUES_SHOWN).map(formatIssue);
    if (issues.length > MAX_ISSUES_SHOWN)
      shown.push(`${file}: … and ${issues.length - MAX_ISSUES_SHOWN} more problems`);
    super(shown.join('\n'));
  }
}

export function formatIssue(i: LabIssue): string {
  const where = i.line === undefined ? i.file : `${i.file}:${i.line}:${i.col ?? 1}`;
  return i.path === '' ? `${where} ${i.message}` : `${where} ${i.path}: ${i.message}`;
}

/** Input quoted in a message: JSON (one line whatever it holds), cut at 120 characters. */
export function quoteInput(text: string): string {
  return cutLine(JSON.stringify(text), 120);
}

/** One line of at most `max` characters, an ellipsis where it was cut. */
export function cutLine(text: string, max = 200): string {
  const line = text.replace(/\r?\n[\s\S]*$/, ' …');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** ["links", 2, "delay"] -> "links[2].delay". */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}
