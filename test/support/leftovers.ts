// What a lab could leave behind: the tests of teardown expect this list to be empty.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { labStateDir } from '../../src/lab/names.js';

/** Everything of a lab the kernel or the process table could still hold. */
export function leftovers(lab: string): string[] {
  const out: string[] = [];
  const ns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const l of ns.split('\n')) if (l.startsWith(`mlab-${lab}-`)) out.push(`netns ${l.split(' ')[0]}`);
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  for (const l of mounts.split('\n')) if (l.includes(`/run/netns/mlab-${lab}-`)) out.push(`mount ${l.split(' ')[1]}`);
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  for (const l of ps.split('\n'))
    if (l.includes(`/${lab}/`) || l.includes(`mlab-${lab}-`)) out.push(`process ${l.trim()}`);
  if (existsSync(labStateDir(lab))) out.push(`state ${labStateDir(lab)}`);
  // Links: every interface of ours lives in a lab namespace; the host namespace must hold none.
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  for (const l of links.split('\n')) if (l.includes(lab)) out.push(`link ${l.split(':')[1]?.trim()}`);
  return out;
}
