// The reason an agent gave for failing, from the tail of its log (JSON lines from its logger, plain
// text from its stderr), short enough to quote in the CLI's error: at most `max` lines, each cut.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const TAIL_BYTES = 64 * 1024;
const LINE_CHARS = 160;

/** The last error lines of an agent's log: `event: message` of JSON error records, and plain text lines. */
export function lastAgentErrors(file: string, max = 3): string[] {
  let text: string;
  try {
    const size = statSync(file).size;
    const fd = openSync(file, 'r');
    try {
      const len = Math.min(size, TAIL_BYTES);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    for (const l of errorLines(line)) if (l !== out.at(-1)) out.push(l);
  }
  return out.slice(-max).map(cut);
}

function errorLines(line: string): string[] {
  if (!line.startsWith('{')) return [line]; // stderr: usage, a message before the logger existed
  try {
    const rec = JSON.parse(line) as { level?: unknown; event?: unknown; err?: { message?: unknown } };
    if (rec.level !== 'error') return [];
    const message = typeof rec.err?.message === 'string' ? rec.err.message : '';
    const event = typeof rec.event === 'string' ? rec.event : 'error';
    return message === '' ? [event] : message.split('\n').map((m, i) => (i === 0 ? `${event}: ${m}` : m));
  } catch {
    return [line]; // a line cut by the tail's start, or not ours
  }
}

function cut(line: string): string {
  return line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS - 1)}…` : line;
}
