// zod's issues in the lab's words (SpecIssue: a YAML path and "expected ..."), for the lab schema
// (load.ts) and for the agent settings schemas applied to each node's `agent:` map (check-agent.ts).
import type { z } from 'zod';
import type { SpecIssue } from './issues.js';

/** A zod issue in our words: one SpecIssue per unknown key, the key's own message for a bad key. */
export function zodIssues(issue: z.core.$ZodIssue): SpecIssue[] {
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
