// What a lab could leave behind on the machine: namespaces, their mounts, processes, state, links in
// the host namespace, containers. The teardown tests and `make soak` expect this list to be empty.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { LABEL_LAB, labStateDir } from './names.js';

/** Everything of a lab the kernel, the process table or a Docker engine could still hold. */
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
  for (const c of containers(lab)) out.push(`container ${c}`);
  return out;
}

/** Containers labelled with the lab; none when there is no Docker engine to ask. */
function containers(lab: string): string[] {
  try {
    const text = execFileSync(
      'docker',
      ['ps', '-a', '--filter', `label=${LABEL_LAB}=${lab}`, '--format', '{{.Names}}'],
      { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return text.split('\n').filter(Boolean);
  } catch {
    return []; // no docker CLI or no engine: nothing can hold a container
  }
}
