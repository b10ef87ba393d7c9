// For tests of the loader's refusals: the LabFileError a lab text is refused with.
import { LabFileError, type LoadOptions, loadLabText } from '../load.js';

/** The LabFileError `text` (as file `file`) is refused with; throws when it loads or fails otherwise. */
export function labFileErrorOf(text: string, file: string, options: LoadOptions = {}): LabFileError {
  try {
    loadLabText(text, file, options);
  } catch (e) {
    if (e instanceof LabFileError) return e;
    throw e;
  }
  throw new Error('expected a LabFileError');
}
