// Runs tshark on packets we encoded and compares the fields it shows with the values we encoded.
// tshark 4.0 is the oracle for layouts; its quirks are handled by the callers (tshark-expect.ts).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINKTYPE_RAW, writePcap } from '../../src/wire/testing/pcap-writer.js';

export type Expected = string | number | bigint | boolean;
export type FieldExpectations = Record<string, Expected[]>;

/** Expert severity of PI_ERROR (epan/proto.h); notes and warnings are below it. */
export const PI_ERROR = 0x00800000;
const AGG = '\u0001';

/** One map per frame: field name -> every occurrence (empty list when absent). */
export function tsharkFields(packets: Buffer[], fields: string[], linktype = LINKTYPE_RAW): Record<string, string[]>[] {
  const dir = mkdtempSync(join(tmpdir(), 'wire-tshark-'));
  try {
    const file = join(dir, 'frames.pcap');
    writeFileSync(file, writePcap(packets, linktype));
    const args = [
      '-n',
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      `aggregator=${AGG}`,
      '-E',
      'separator=\t',
    ];
    for (const f of fields) args.push('-e', f);
    const out = execFileSync('tshark', args, {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = out.split('\n').filter((l, i, a) => !(l === '' && i === a.length - 1));
    return lines.map((line) => {
      const cols = line.split('\t');
      const rec: Record<string, string[]> = {};
      fields.forEach((f, i) => {
        const v = cols[i] ?? '';
        rec[f] = v === '' ? [] : v.split(AGG);
      });
      return rec;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fields whose values are byte strings (tshark may print them with colons). */
export const BYTE_FIELDS = new Set([
  'mip6.bad.auth',
  'mip6.lla',
  'mip6.auth.auth_data',
  'mip6.badff.auth',
  'mip6.mnlli.lli',
  'icmpv6.opt.lla.bytes',
  'icmpv6.opt.hkr.encryption_public_key',
  'icmpv6.opt.linkaddr',
  'icmpv6.opt.src_linkaddr',
  'icmpv6.opt.target_linkaddr',
]);

function matches(field: string, actual: string, expected: Expected): boolean {
  if (typeof expected === 'boolean')
    return expected ? actual === '1' || actual === 'True' : actual === '0' || actual === 'False';
  if (typeof expected === 'number' || typeof expected === 'bigint') {
    try {
      return BigInt(actual) === BigInt(expected);
    } catch {
      return false;
    }
  }
  if (BYTE_FIELDS.has(field) || field.startsWith('mip6.options.'))
    return actual.replace(/:/g, '').toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

/** Mismatches between what tshark shows and what we expect, one line each (empty = all equal). */
export function compareFields(frame: Record<string, string[]>, expected: FieldExpectations): string[] {
  const problems: string[] = [];
  for (const [field, want] of Object.entries(expected)) {
    const got = frame[field] ?? [];
    const ok = got.length === want.length && want.every((w, i) => matches(field, got[i]!, w));
    if (!ok) problems.push(`${field}: tshark shows [${got.join(', ')}], we encoded [${want.map(String).join(', ')}]`);
  }
  return problems;
}

/** Malformed markers and error-level expert items of a frame (fields _ws.malformed, _ws.expert.*). */
export function frameErrors(frame: Record<string, string[]>): string[] {
  const errs: string[] = [];
  if ((frame['_ws.malformed'] ?? []).length > 0) errs.push('malformed packet');
  const sev = frame['_ws.expert.severity'] ?? [];
  const msg = frame['_ws.expert.message'] ?? [];
  sev.forEach((s, i) => {
    if (Number(s) >= PI_ERROR) errs.push(`expert error: ${msg[i] ?? '?'}`);
  });
  return errs;
}

export const FRAME_CHECK_FIELDS = ['_ws.malformed', '_ws.expert.severity', '_ws.expert.message'];
