// Where the project's own programs are, whether this code runs from dist/ (the CLI) or src/ (vitest).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root (the directory holding package.json). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A built entry point, e.g. distEntry('agent/main.js'). Nodes run the built JavaScript. */
export function distEntry(rel: string): string {
  return path.join(PROJECT_ROOT, 'dist', rel);
}
