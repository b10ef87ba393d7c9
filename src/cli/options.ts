// Options shared by several commands, so each reads the same in every command's --help.
import { Option } from 'commander';

export const runtimeOption = () =>
  new Option('--runtime <kind>', 'where nodes run: network namespaces or Docker containers')
    .choices(['netns', 'docker'])
    .default('netns');
export const jsonOption = () => new Option('--json', 'print one JSON document on stdout instead of text');
export const nameOption = () => new Option('--name <lab>', 'run the lab under another name (two copies at once)');
export const outOption = () => new Option('--out <dir>', 'where pcaps, logs and results.json go').default('out/<lab>');
