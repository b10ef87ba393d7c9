/**
 * The message a user sees for an error that stopped a command. A wrong lab file (LabFileError) already
 * says `file:line:col path: what was expected` on each line; other errors say what failed.
 */
export function describeLabError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
