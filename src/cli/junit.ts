// --junit FILE: the run's expectations as JUnit XML for CI (src/report/junit.ts). Loaded only when asked.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Results } from '../analysis/results.js';

export async function writeJunit(file: string, results: Results, outDir: string): Promise<void> {
  const { junitXml } = await import('../report/junit.js');
  await writeText(file, junitXml(results, { outDir: path.resolve(outDir) }));
}

export async function writeJunitError(file: string, lab: string, message: string): Promise<void> {
  const { junitErrorXml } = await import('../report/junit.js');
  await writeText(file, junitErrorXml(lab, message));
}

async function writeText(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, text);
}
