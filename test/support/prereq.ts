// Prerequisites of integration tests. Under CI=true a missing one fails the test (the CI must install
// it); locally the test is skipped with the reason.
import { execFileSync } from 'node:child_process';
import { test } from 'vitest';

export const IN_CI = process.env.CI === 'true';

function missing(what: string): string | null {
  if (IN_CI) throw new Error(`prerequisite missing under CI=true: ${what}`);
  return what;
}

export function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Returns null when every prerequisite is there; otherwise the reason (throws under CI=true). */
export function checkPrereqs(opts: { root?: boolean; tools?: string[] }): string | null {
  if (opts.root && !isRoot()) return missing('root');
  for (const t of opts.tools ?? []) if (!hasTool(t)) return missing(`tool ${t}`);
  return null;
}

/** `describe.skipIf(reason)`-style helper: returns a reason string or false. */
export function skipReason(opts: { root?: boolean; tools?: string[] }): string | false {
  const r = checkPrereqs(opts);
  if (r) test.skip(`skipped: ${r}`, () => {});
  return r ?? false;
}
