// The rebuild rule: an image is named by a hash of everything that goes into it, so an unchanged
// input set finds its image by tag and nothing is rebuilt.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface InputFile {
  /** Where it is on this machine. */
  source: string;
  /** Where it goes in the build context (posix, relative). */
  target: string;
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Hash of a set of inputs: each file's target path, mode bits and content, plus free-form values
 * (base image id, build arguments). Order-independent; any change in any of them changes it.
 */
export async function inputsHash(files: readonly InputFile[], values: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`value ${k}=${v}`);
  }
  const sorted = [...files].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  // Hash in parallel batches: node_modules is a few thousand small files.
  const digests = new Array<string>(sorted.length);
  const BATCH = 64;
  for (let i = 0; i < sorted.length; i += BATCH) {
    await Promise.all(
      sorted.slice(i, i + BATCH).map(async (f, j) => {
        const st = await stat(f.source);
        digests[i + j] = `${(st.mode & 0o111) !== 0 ? 'x' : '-'} ${await fileSha256(f.source)}`;
      }),
    );
  }
  sorted.forEach((f, i) => {
    lines.push(`file ${f.target} ${digests[i]}`);
  });
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Files under dir (recursively), skipping directory names in `skip`; targets under `prefix`. */
export async function walk(dir: string, prefix: string, skip: ReadonlySet<string> = new Set()): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const visit = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!skip.has(e.name)) await visit(p);
      } else if (e.isFile()) {
        out.push({ source: p, target: `${prefix}/${relative(dir, p).split(sep).join('/')}` });
      }
    }
  };
  await visit(dir);
  return out;
}

/** The short form used in tags: 16 hex digits are plenty to tell input sets apart. */
export function tagOf(repo: string, hash: string): string {
  return `${repo}:${hash.slice(0, 16)}`;
}
