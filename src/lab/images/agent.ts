// The agent image, in two images so a code change sends megabytes, not the 100 MB Node binary:
//   mipshop-lab/node:<hash>   base + the host's Node binary + production node_modules
//   mipshop-lab/agent:<hash>  node image + package.json, dist/, the addon
// Each is tagged by the hash of its files, its build arguments and its parent's image id, so it is
// rebuilt exactly when one of them changes (and a new parent rebuilds everything above it).
import { copyFile, link, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { imageExists, tagLatest, type EnsureResult } from './base.js';
import { inputsHash, tagOf, walk, type InputFile } from './hash.js';
import { AGENT_REPO, LABEL_IMAGE, LABEL_INPUTS, NODE_REPO, PACKAGE_ROOT } from './paths.js';

export const NODE_DOCKERFILE = `${PACKAGE_ROOT}/images/agent/Dockerfile.node`;
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
  const dirs = String(r.stdout)
    .split('\n')
    .filter((d) => d.startsWith(`${appDir}/node_modules/`));
  if (dirs.length === 0)
    throw new Error(
      `npm ls found no production dependencies in ${appDir} (npm ci first): ${String(r.stderr).slice(0, 500)}`,
    );
  return dirs;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Files of the Node layer. */
export async function nodeInputs(appDir: string, nodePath: string): Promise<InputFile[]> {
  const files: InputFile[] = [
    { source: NODE_DOCKERFILE, target: 'Dockerfile' },
    { source: nodePath, target: 'node' },
  ];
  for (const dir of await productionPackages(appDir)) {
    // Nested node_modules are listed by npm on their own.
    files.push(...(await walk(dir, `app/${dir.slice(appDir.length + 1)}`, new Set(['node_modules']))));
  }
  return files;
}

/** Files of the agent layer. */
export async function agentInputs(appDir: string): Promise<InputFile[]> {
  const files: InputFile[] = [
    { source: AGENT_DOCKERFILE, target: 'Dockerfile' },
    // "type": "module": without it Node would read dist/ as CommonJS.
    { source: join(appDir, 'package.json'), target: 'app/package.json' },
  ];
  if (!(await exists(join(appDir, 'dist')))) throw new Error(`${appDir}/dist is missing: npm run build first`);
  files.push(...(await walk(join(appDir, 'dist'), 'app/dist')));
  const release = join(appDir, 'build/Release');
  if (await exists(release)) {
    // The addon only: obj.target/ holds intermediate objects.
    const all = await walk(release, 'app/build/Release', new Set(['obj.target', '.deps']));
    files.push(...all.filter((f) => f.target.endsWith('.node')));
  }
  return files;
}

/** Hard links where possible (same filesystem), copies otherwise: staging costs no space. */
async function stage(files: readonly InputFile[], dir: string): Promise<void> {
  for (const f of files) {
    const to = join(dir, f.target);
    await mkdir(dirname(to), { recursive: true });
    await link(f.source, to).catch(() => copyFile(f.source, to));
  }
}

interface LayerSpec {
  kind: 'node' | 'agent';
  repo: string;
  parentId: string;
  files: InputFile[];
  buildargs: Record<string, string>;
}

/** One image over its parent: found by its input hash, or staged and built with Docker's builder. */
async function ensureLayer(
  docker: Docker,
  spec: LayerSpec,
  log: (line: string) => void,
  force: boolean,
): Promise<EnsureResult> {
  const t0 = performance.now();
  const hash = await inputsHash(spec.files, { ...spec.buildargs, BASE: spec.parentId });
  const tag = tagOf(spec.repo, hash);
  const have = await imageExists(docker, tag);
  if (have && !force) {
    await tagLatest(docker, have, spec.repo);
    return { tag, id: have, built: false, seconds: (performance.now() - t0) / 1000 };
  }

  log(`building ${tag} (${spec.files.length} files)`);
  const ctx = await mkdtemp(join(process.env.MIPSHOP_BUILD_DIR ?? tmpdir(), `mipshop-${spec.kind}-`));
  try {
    await stage(spec.files, ctx);
    const tar = execa('tar', ['-C', ctx, '-c', '.'], { stdout: 'pipe', buffer: false });
    const stream = await docker.buildImage(tar.stdout!, {
      t: tag,
      buildargs: { ...spec.buildargs, BASE: spec.parentId },
      labels: { [LABEL_IMAGE]: spec.kind, [LABEL_INPUTS]: hash },
      rm: true,
      forcerm: true,
    });
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, res: { error?: string }[]) => {
          const failed = err ?? res.find((r) => r.error)?.error;
          if (failed)
            reject(new Error(`${spec.kind} image build failed: ${String(failed)}\n${output.slice(-20).join('')}`));
          else resolve();
        },
        (ev: { stream?: string }) => {
          if (!ev.stream) return;
          output.push(ev.stream);
          if (ev.stream.startsWith('Step ')) log(ev.stream.trim());
        },
      );
    });
    await tar;
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
  const id = await imageExists(docker, tag);
  if (!id) throw new Error(`${spec.kind} image build finished but ${tag} is not in Docker`);
  await tagLatest(docker, id, spec.repo);
  return { tag, id, built: true, seconds: (performance.now() - t0) / 1000 };
}

/** The Node layer, then the agent image on it; returns both. */
export async function ensureAgentImages(
  docker: Docker,
  settings: AgentSettings,
  log: (line: string) => void = () => {},
  force = false,
): Promise<{ node: EnsureResult; agent: EnsureResult }> {
  const baseId = await imageExists(docker, settings.base);
  if (!baseId) throw new Error(`base image ${settings.base} not found`);
  const appDir = settings.appDir ?? PACKAGE_ROOT;
  const nodePath = settings.nodePath ?? process.execPath;
  // Paths are build arguments and part of the hash: the image mirrors the host's layout.
  const buildargs = { APP_DIR: appDir, NODE_PATH: nodePath };
  const [nodeFiles, agentFiles] = await Promise.all([nodeInputs(appDir, nodePath), agentInputs(appDir)]);
  const node = await ensureLayer(
    docker,
    { kind: 'node', repo: NODE_REPO, parentId: baseId, files: nodeFiles, buildargs },
    log,
    force,
  );
  const agent = await ensureLayer(
    docker,
    { kind: 'agent', repo: AGENT_REPO, parentId: node.id, files: agentFiles, buildargs },
    log,
    force,
  );
  return { node, agent };
}

/** The agent image (building the Node layer under it when needed). */
export async function ensureAgentImage(
  docker: Docker,
  settings: AgentSettings,
  log: (line: string) => void = () => {},
  force = false,
): Promise<EnsureResult> {
  return (await ensureAgentImages(docker, settings, log, force)).agent;
}
