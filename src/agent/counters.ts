// Named counters a role or the control channel keeps; reported by the control channel's `status`.
// Decode errors are counted per error code (wire/result.ts) and the packet dropped: bytes from the
// network never crash the agent (architecture.md, "wire/").
import type { DecodeError } from '../wire/result.js';

export class Counters {
  private readonly values = new Map<string, number>();

  add(name: string, n = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  /** Counts a dropped packet as `<what>.malformed.<code>`, e.g. `rs.malformed.truncated`. */
  malformed(what: string, error: Pick<DecodeError, 'code'> | string): void {
    this.add(`${what}.malformed.${typeof error === 'string' ? error : error.code}`);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}
