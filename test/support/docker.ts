// Prerequisites of the docker runtime's tests: the tools, and an engine that answers.
import { execFileSync } from 'node:child_process';
import { IN_CI, checkPrereqs } from './prereq.js';

function dockerAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** null when Docker tests can run; else the reason (throws under CI=true, like checkPrereqs). */
export function dockerMissing(tools: string[]): string | null {
  const reason = checkPrereqs({ root: true, tools: ['docker', ...tools] }) ?? (dockerAnswers() ? null : 'dockerd');
  if (reason && IN_CI) throw new Error(`prerequisite missing under CI=true: ${reason}`);
  return reason;
}
