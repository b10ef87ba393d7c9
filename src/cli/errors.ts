import { LabFileError } from '../lab/topology/load.js';

/** The message a user sees for an error that stopped a lab: YAML problems as file:line path: reason. */
export function describeLabError(err: unknown): string {
  if (err instanceof LabFileError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
