// The package as a user gets it: `npm pack` of the built tree, installed into a fresh project (the
// addon built by the package's install script), and a vitest test written against
// `import { Lab } from 'mipshop-lab'`, type-checked with tsc (strict, NodeNext) and run as root:
// smoke.yaml up through the package API, a command in a node, down.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, distEntry } from '../../src/lab/paths.js';
import { cli } from '../support/cli.js';
import { uniqueLabName } from '../support/lab-names.js';
import { leftovers } from '../support/leftovers.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['npm', 'ip', 'tcpdump', 'make', 'g++', 'python3'] });

/** The consumer's own test: every type it names comes from the package's declarations. */
const CONSUMER_TEST = `
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect, test } from 'vitest';
import { Lab, type ExecResult, type ResolvedLab, type StartedLab, type UpOptions } from 'mipshop-lab';

const root = path.dirname(createRequire(import.meta.url).resolve('mipshop-lab/package.json'));

test('smoke.yaml comes up through the package API, answers in a node, and goes down', async () => {
  const options: UpOptions = { name: process.env.MLAB_NAME, outDir: process.env.MLAB_OUT };
  const lab: StartedLab = await Lab.up(path.join(root, 'topologies/smoke.yaml'), options);
  try {
    const plan: ResolvedLab = lab.lab;
    const h1 = plan.nodes.find((n) => n.name === 'h1');
    const address = h1?.interfaces[0]?.addresses[0]?.split('/')[0];
    expect(address).toBeTruthy();
    const r: ExecResult = await lab.node('h1').exec(['ip', '-6', '-o', 'addr', 'show']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(\`inet6 \${address}/\`);
  } finally {
    await lab.down();
  }
}, 60_000);
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
  },
  include: ['*.test.ts'],
};

const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), 'mlab-e2e-package-'));
const name = uniqueLabName('e2k');

/** Runs a command to its end; the test reads its exit code and output. */
async function sh(
  file: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string }> {
  try {
    // The outer vitest's own variables would tell the consumer's vitest it runs inside a worker.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
    const r = await run(file, args, { cwd, env: { ...base, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof err.code === 'number' ? err.code : -1,
      out: `${err.stdout ?? ''}${err.stderr ?? ''}${err.message}`,
    };
  }
}

afterAll(async () => {
  if (leftovers(name).length) await cli(['down', name]);
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(missing)('the npm package', () => {
  it('installs from its tarball, type-checks a consumer test against its declarations, and runs it', async () => {
    expect(existsSync(distEntry('index.js')), 'the package is packed from dist/: npm run build first').toBe(true);
    const packed = await sh('npm', ['pack', '--json', '--pack-destination', work], PROJECT_ROOT);
    expect(packed.code, packed.out).toBe(0);
    const tarball = path.join(
      work,
      (JSON.parse(packed.out.slice(packed.out.indexOf('['))) as { filename: string }[])[0]!.filename,
    );

    const proj = path.join(work, 'consumer');
    mkdirSync(proj);
    writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(path.join(proj, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    writeFileSync(path.join(proj, 'smoke.test.ts'), CONSUMER_TEST);
    // The addon builds against the installed Node's headers, as scripts/install-deps.sh does.
    const gyp =
      existsSync('/usr/include/node/node_api.h') && !process.env.npm_config_nodedir
        ? { npm_config_nodedir: '/usr' }
        : {};
    // Dependencies' own install scripts (dockerode's optional ssh2 and cpu-features compile native
    // code for a quarter of a minute) are not what is under test: the package's own runs on its own.
    const quiet = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
    const installed = await sh('npm', ['install', '--ignore-scripts', ...quiet, tarball], proj, gyp);
    expect(installed.code, installed.out).toBe(0);
    const rebuilt = await sh('npm', ['rebuild', '--foreground-scripts', ...quiet, 'mipshop-lab'], proj, gyp);
    expect(rebuilt.code, rebuilt.out).toBe(0);
    expect(existsSync(path.join(proj, 'node_modules/mipshop-lab/build/Release/mipshop_native.node'))).toBe(true);
    // The consumer's tools are the repository's own; the package is the tarball's. @types/node may
    // already be there as a dependency of a dependency.
    mkdirSync(path.join(proj, 'node_modules/@types'), { recursive: true });
    for (const tool of ['typescript', 'vitest', '@types/node']) {
      const at = path.join(proj, 'node_modules', tool);
      if (!existsSync(at)) symlinkSync(path.join(PROJECT_ROOT, 'node_modules', tool), at);
    }

    const tsc = await sh(process.execPath, [path.join(proj, 'node_modules/typescript/bin/tsc'), '-p', proj], proj);
    expect(tsc.code, tsc.out).toBe(0);

    const vitest = path.join(proj, 'node_modules/vitest/vitest.mjs');
    const tested = await sh(process.execPath, [vitest, 'run', '--root', proj], proj, {
      MLAB_NAME: name,
      MLAB_OUT: path.join(work, 'out'),
    });
    expect(tested.code, tested.out).toBe(0);
    expect(tested.out).toMatch(/1 passed/);
    expect(leftovers(name)).toEqual([]);
  }, 300_000);
});
