// What a lab has created, written to STATE_ROOT/<lab>/ as it goes, so that a failure half way or a
// SIGKILL of the orchestrating process can be undone by `mipshop-lab down --all` (cleanup.ts).
// state.json lists namespaces (recorded before they are made); pids/<pid>.json one file per process,
// so concurrent spawns never rewrite the same file.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { labStateDir, STATE_ROOT } from '../names.js';

export interface LabState {
  lab: string;
  runtime: 'netns' | 'docker';
  createdAt: string;
  /** Every namespace the lab made or is about to make. */
  namespaces: string[];
}

export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a recorded process from a later one with the same pid. */
  startTime: string;
  netns: string;
  argv: string[];
}

function stateFile(lab: string): string {
  return `${labStateDir(lab)}/state.json`;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function readLabState(lab: string): LabState | null {
  try {
    return JSON.parse(readFileSync(stateFile(lab), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

/**
 * Claims a lab name for one `up`: the state directory is made without `recursive`, so of two processes
 * bringing up the same name at once exactly one gets it. False when the name is taken.
 */
export function claimLabName(lab: string): boolean {
  mkdirSync(STATE_ROOT, { recursive: true });
  try {
    mkdirSync(labStateDir(lab));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** Adds namespaces to the lab's state (creating it); call before creating them. */
export function recordNamespaces(lab: string, runtime: LabState['runtime'], namespaces: string[]): void {
  mkdirSync(`${labStateDir(lab)}/pids`, { recursive: true });
  const s = readLabState(lab) ?? { lab, runtime, createdAt: new Date().toISOString(), namespaces: [] };
  for (const ns of namespaces) if (!s.namespaces.includes(ns)) s.namespaces.push(ns);
  writeAtomic(stateFile(lab), `${JSON.stringify(s, null, 2)}\n`);
}

export function forgetNamespaces(lab: string, namespaces: string[]): void {
  const s = readLabState(lab);
  if (!s) return;
  s.namespaces = s.namespaces.filter((n) => !namespaces.includes(n));
  writeAtomic(stateFile(lab), `${JSON.stringify(s, null, 2)}\n`);
}

/** Start time of a live process, or null when there is none with that pid. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

export function recordProcess(lab: string, rec: Omit<ProcessRecord, 'startTime'>): void {
  const dir = `${labStateDir(lab)}/pids`;
  mkdirSync(dir, { recursive: true });
  const full: ProcessRecord = { ...rec, startTime: processStartTime(rec.pid) ?? '' };
  writeAtomic(`${dir}/${rec.pid}.json`, `${JSON.stringify(full)}\n`);
}

export function forgetProcess(lab: string, pid: number): void {
  rmSync(`${labStateDir(lab)}/pids/${pid}.json`, { force: true });
}

export function listProcesses(lab: string): ProcessRecord[] {
  const dir = `${labStateDir(lab)}/pids`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: ProcessRecord[] = [];
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(`${dir}/${n}`, 'utf8')) as ProcessRecord);
    } catch {
      // a torn write of a process that never started: nothing to kill
    }
  }
  return out;
}

/** True when the recorded process is still the one running under that pid. */
export function isSameProcess(rec: ProcessRecord): boolean {
  const now = processStartTime(rec.pid);
  return now !== null && (rec.startTime === '' || now === rec.startTime);
}

export function removeLabState(lab: string): void {
  rmSync(labStateDir(lab), { recursive: true, force: true });
}
