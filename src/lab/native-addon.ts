// The native addon (native/, built by node-gyp into build/Release/) opens the agents' AF_PACKET and raw
// sockets and TUN devices, and the impairment relay's sockets. `doctor` and `up` load it here first, so a
// missing or unloadable build is one line of advice instead of an agent's stack trace mid-lab.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './paths.js';

/** Where src/native/index.ts loads the addon from. */
export const NATIVE_ADDON_PATH = path.join(PROJECT_ROOT, 'build', 'Release', 'mipshop_native.node');

export const REBUILD_ADVICE = `rebuild it in ${PROJECT_ROOT} with "npm rebuild" or "npx node-gyp rebuild"`;

export interface AddonCheck {
  path: string;
  ok: boolean;
  /** Why it cannot be used, e.g. "is missing" or "cannot be loaded: <the loader's first line>". */
  problem?: string;
}

// A child process loads it: a build for another Node ABI or a missing library fails there, not here.
const LOAD =
  "try { require(process.argv[1]); } catch (e) { process.stderr.write(String(e?.message ?? e).split('\\n')[0]); process.exit(1); }";

export async function checkNativeAddon(file = NATIVE_ADDON_PATH): Promise<AddonCheck> {
  if (!existsSync(file)) return { path: file, ok: false, problem: 'is missing' };
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', LOAD, file], { timeout: 20_000 }, (err, _stdout, stderr) => {
      if (!err) resolve({ path: file, ok: true });
      else
        resolve({ path: file, ok: false, problem: `cannot be loaded: ${stderr.trim() || err.message.split('\n')[0]}` });
    });
  });
}

/** One line: what is wrong with the addon and how to rebuild it. */
export function describeAddonProblem(c: AddonCheck): string {
  return `native addon ${c.path} ${c.problem ?? 'is unusable'}: ${REBUILD_ADVICE}`;
}

/** `up` refuses to start a lab whose agents or relay could not load the addon. */
export class NativeAddonError extends Error {
  override name = 'NativeAddonError';
  constructor(readonly check: AddonCheck) {
    super(describeAddonProblem(check));
  }
}

export async function assertNativeAddon(): Promise<void> {
  const c = await checkNativeAddon();
  if (!c.ok) throw new NativeAddonError(c);
}
