// JSON-lines logger: one event per line { time, level, event, ...context, ...fields } on stdout (and
// appended to a log file when configured), so the orchestrator and people can grep and parse it.
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `context` (e.g. { role: 'access-router' }) to every line. */
  child(context: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default process.stdout. */
  write?: (line: string) => void;
  /** Also appended here (synchronously, so the last lines survive a crash). */
  file?: string;
  context?: LogFields;
}

const RESERVED = new Set(['time', 'level', 'event']);

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => void process.stdout.write(line));
  const make = (context: LogFields): Logger => {
    const emit = (level: LogLevel, event: string, fields?: LogFields): void => {
      if (RANK[level] < min) return;
      const rec: LogFields = { time: new Date().toISOString(), level, event };
      for (const [k, v] of Object.entries(context)) if (!RESERVED.has(k)) rec[k] = v;
      if (fields) for (const [k, v] of Object.entries(fields)) if (!RESERVED.has(k)) rec[k] = v;
      const line = `${safeStringify(rec)}\n`;
      write(line);
      if (opts.file) {
        try {
          appendFileSync(opts.file, line);
        } catch {
          // A full disk or a removed directory must not take the agent down.
        }
      }
    };
    return {
      debug: (e, f) => emit('debug', e, f),
      info: (e, f) => emit('info', e, f),
      warn: (e, f) => emit('warn', e, f),
      error: (e, f) => emit('error', e, f),
      child: (c) => make({ ...context, ...c }),
    };
  };
  return make(opts.context ?? {});
}

/** Errors become { name, message, code, stack }; bigints become strings; cycles are cut. */
function safeStringify(rec: LogFields): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(rec, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) {
      const e = v as NodeJS.ErrnoException;
      return { name: e.name, message: e.message, code: e.code, stack: e.stack };
    }
    if (Buffer.isBuffer(v)) return v.toString('hex');
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return v;
  });
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger({ write: () => {}, level: 'error' });
