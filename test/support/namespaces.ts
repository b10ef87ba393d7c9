// Namespaces for the data plane's integration tests: unique names with a random part (other
// root network tests may run on the machine at the same time), one `ip` call per step, teardown that never
// throws. Test-only code.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function uniqueId(): string {
  return randomBytes(3).toString('hex');
}

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function ipNs(ns: string, ...args: string[]): string {
  return sh('ip', ['-n', ns, ...args]);
}

export const nsPath = (ns: string) => `/run/netns/${ns}`;

/** Creates namespaces (lo up) and remembers them for destroy(). */
export class NamespaceSet {
  readonly names: string[] = [];
  add(name: string): string {
    sh('ip', ['netns', 'add', name]);
    this.names.push(name);
    ipNs(name, 'link', 'set', 'lo', 'up');
    return name;
  }
  /** A veth pair between two namespaces, both ends up (no addresses). */
  veth(nsA: string, ifA: string, nsB: string, ifB: string): void {
    sh('ip', ['link', 'add', ifA, 'netns', nsA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
    ipNs(nsA, 'link', 'set', ifA, 'up');
    ipNs(nsB, 'link', 'set', ifB, 'up');
  }
  destroy(): void {
    for (const n of this.names.splice(0)) spawnSync('ip', ['netns', 'del', n]);
  }
}

/** Runs `cmd` inside namespace `ns` (ip netns exec), returning stdout. */
export function inNs(ns: string, cmd: string, args: string[], input?: string): string {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], input);
}
