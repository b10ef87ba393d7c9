// The agent image: base + the host's Node binary + our built package (dist/, the addon, production
// node_modules). Tagged by the hash of all of them and of the base image's id, so it is rebuilt
// exactly when one of them changes.
import { copyFile, link, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { imageExists, type EnsureResult } from './base.js';
import { inputsHash, tagOf, walk, type InputFile } from './hash.js';
import { AGENT_REPO, LABEL_IMAGE, LABEL_INPUTS, PACKAGE_ROOT } from './paths.js';

export const AGENT_DOCKERFILE = `${PACKAGE_ROOT}/images/agent/Dockerfile`;

export interface AgentSettings {
  /** Base image (tag or id). */
  base: string;
  /** Node binary to copy; default the one running us. */
  nodePath?: string;
  /** Package root to copy; default this package. */
  appDir?: string;
}

/** Directories of production dependencies, from npm's own resolution (works offline). */
async function productionPackages(appDir: string): Promise<string[]> {
  const r = await execa('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: appDir, reject: false });
  // npm exits 1 on extraneous or missing optional packages and still lists the tree.
  const dirs = String(r.stdout).split('\n').filter((d) => d.startsWith(`${appDir}/node_modules/`));
  if (dirs.length === 0) throw new Error(`npm ls found no production dependencies in ${appDir} (npm ci first): ${String(r.stderr).slice(0, 500)}`);
  return dirs;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** Every file the agent image is made of, with its place in the build context. */
export async function agentInputs(appDir: string, nodePath: string): Promise<InputFile[]> {
  const files: InputFile[] = [
    { source: AGENT_DOCKERFILE, target: 'Dockerfile' },
    { source: nodePath, target: 'node' },
    { source: join(appDir, 'package.json'), target: 'app/package.json' },
  ];
  if (!(await exists(join(appDir, 'dist')))) throw new Error(`${appDir}/dist is missing: npm run build first`);
  files.push(...(await walk(join(appDir, 'dist'), 'app/dist')));
  const release = join(appDir, 'build/Release');
  if (await exists(release)) {
    // The addon only: obj.target/ holds intermediate objects.
    files.push(...(await walk(release, 'app/build/Release', new Set(['obj.target', '.deps']))).filter((f) => f.target.endsWith('.node')));
  }
  for (const dir of await productionPackages(appDir)) {
    const rel = dir.slice(appDir.length + 1);
    // Nested node_modules are listed by npm on their own.
    files.push(...(await walk(dir, `app/${rel}`, new Set(['node_modules']))));
  }
  return files;
}

export async function agentImageTag(settings: AgentSettings, baseId: string): Promise<{ tag: string; hash: string; files: InputFile[] }> {
  const appDir = settings.appDir ?? PACKAGE_ROOT;
  const nodePath = settings.nodePath ?? process.execPath;
  const files = await agentInputs(appDir, nodePath);
  const hash = await inputsHash(files, { BASE_ID: baseId, APP_DIR: appDir, NODE_PATH: nodePath });
  return { tag: tagOf(AGENT_REPO, hash), hash, files };
}

/** Hard links where possible (same filesystem), copies otherwise: staging costs no space. */
async function stage(files: readonly InputFile[], dir: string): Promise<void> {
  for (const f of files) {
    const to = join(dir, f.target);
    await mkdir(dirname(to), { recursive: true });
    await link(f.source, to).catch(() => copyFile(f.source, to));
  }
}

export async function ensureAgentImage(
  docker: Docker,
  settings: AgentSettings,
  log: (line: string) => void = () => {},
  force = false,
): Promise<EnsureResult> {
  const t0 = performance.now();
  const baseId = await imageExists(docker, settings.base);
  if (!baseId) throw new Error(`base image ${settings.base} not found`);
  const appDir = settings.appDir ?? PACKAGE_ROOT;
  const nodePath = settings.nodePath ?? process.execPath;
  const { tag, hash, files } = await agentImageTag(settings, baseId);
  const have = await imageExists(docker, tag);
  if (have && !force) return { tag, id: have, built: false, seconds: (performance.now() - t0) / 1000 };

  log(`building ${tag} from ${settings.base} (${files.length} files)`);
  const ctx = await mkdtemp(join(process.env.MIPSHOP_BUILD_DIR ?? tmpdir(), 'mipshop-agent-'));
  try {
    await stage(files, ctx);
    const tar = execa('tar', ['-C', ctx, '-c', '.'], { stdout: 'pipe', buffer: false });
    const stream = await docker.buildImage(tar.stdout!, {
      t: tag,
      buildargs: { BASE: baseId, APP_DIR: appDir, NODE_PATH: nodePath },
      labels: { [LABEL_IMAGE]: 'agent', [LABEL_INPUTS]: hash },
      rm: true,
      forcerm: true,
    });
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, res: { error?: string }[]) => {
          const failed = err ?? res.find((r) => r.error)?.error;
          if (failed) reject(new Error(`agent image build failed: ${String(failed)}\n${output.slice(-20).join('')}`));
          else resolve();
        },
        (ev: { stream?: string; error?: string }) => {
          if (ev.stream) output.push(ev.stream);
        },
      );
    });
    await tar;
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
  const id = await imageExists(docker, tag);
  if (!id) throw new Error(`agent image build finished but ${tag} is not in Docker`);
  return { tag, id, built: true, seconds: (performance.now() - t0) / 1000 };
}
