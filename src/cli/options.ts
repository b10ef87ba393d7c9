// Options shared by several commands, so each reads the same in every command's --help.
import { Option } from 'commander';
import type { UpOptions } from '../lab/lab.js';
import type { Output } from './output.js';

const OUT_DEFAULT = 'out/<lab>';

export const runtimeOption = () =>
  new Option('--runtime <kind>', 'where nodes run: network namespaces or Docker containers')
    .choices(['netns', 'docker'])
    .default('netns');
export const jsonOption = () => new Option('--json', 'print one JSON document on stdout instead of text');
export const nameOption = () => new Option('--name <lab>', 'run the lab under another name (two copies at once)');
export const profileOption = () =>
  new Option('--profile <name>', 'run the lab as one of its `profiles:` makes it (docs/topology.md, Profiles)');
export const outOption = () => new Option('--out <dir>', 'where pcaps, logs and results.json go').default(OUT_DEFAULT);

/** Lab.up's options from the flags up and run share; progress lines as each step is done. */
export function upOptions(
  o: { runtime: 'netns' | 'docker'; name?: string; out: string },
  out: Output,
  signal: AbortSignal,
): UpOptions {
  return {
    runtime: o.runtime,
    name: o.name,
    outDir: o.out === OUT_DEFAULT ? undefined : o.out,
    signal,
    onEvent: (e) => e.phase === 'done' && out.progress(`  ✓ ${e.step} (${e.ms?.toFixed(0)} ms)`),
  };
}
export const junitOption = () =>
  new Option(
    '--junit <file>',
    'also write JUnit XML: one test case per expectation, failures with the measured value and the captures to open',
  );
