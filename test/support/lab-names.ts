import { randomBytes } from 'node:crypto';

/** A lab name no other test (or concurrent run) uses: a short prefix and random hex. */
export function uniqueLabName(prefix = 't'): string {
  return `${prefix}${randomBytes(3).toString('hex')}`;
}
