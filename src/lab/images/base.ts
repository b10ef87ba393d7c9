// The base image, built without any registry: images/base/bootstrap.sh debootstraps Debian from
// the machine's apt mirror and `docker import`s it. Tagged by the hash of the script and its settings.
import type Docker from 'dockerode';
import { execa } from 'execa';
import { inputsHash, tagOf } from './hash.js';
import { BASE_REPO, LABEL_IMAGE, LABEL_INPUTS, PACKAGE_ROOT } from './paths.js';

export const BOOTSTRAP_SCRIPT = `${PACKAGE_ROOT}/images/base/bootstrap.sh`;

/** The bootstrap's settings; empty means the script's default (see the script's header). */
export interface BaseSettings {
  suite?: string;
  mirror?: string;
  include?: string;
}

export async function baseImageTag(settings: BaseSettings = {}): Promise<{ tag: string; hash: string }> {
  const hash = await inputsHash([{ source: BOOTSTRAP_SCRIPT, target: 'bootstrap.sh' }], {
    SUITE: settings.suite ?? '',
    MIRROR: settings.mirror ?? '',
    INCLUDE: settings.include ?? '',
  });
  return { tag: tagOf(BASE_REPO, hash), hash };
}

export async function imageExists(docker: Docker, tag: string): Promise<string | null> {
  try {
    return (await docker.getImage(tag).inspect()).Id;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    throw e;
  }
}

/** Points <repo>:latest at an image, so a lab can name `mipshop-lab/base:latest` as a node's image. */
export async function tagLatest(docker: Docker, id: string, repo: string): Promise<void> {
  await docker.getImage(id).tag({ repo, tag: 'latest' });
}

export interface EnsureResult {
  tag: string;
  id: string;
  /** False when an image with the same input hash was already there. */
  built: boolean;
  seconds: number;
}

/** Returns the base image for these settings, bootstrapping it first when it is missing. */
export async function ensureBaseImage(
  docker: Docker,
  settings: BaseSettings = {},
  log: (line: string) => void = () => {},
  force = false,
): Promise<EnsureResult> {
  const t0 = performance.now();
  const { tag, hash } = await baseImageTag(settings);
  const have = await imageExists(docker, tag);
  if (have && !force) {
    await tagLatest(docker, have, BASE_REPO);
    return { tag, id: have, built: false, seconds: (performance.now() - t0) / 1000 };
  }
  log(`building ${tag} with debootstrap (about a minute)`);
  const env: Record<string, string> = {};
  if (settings.suite) env.SUITE = settings.suite;
  if (settings.mirror) env.MIRROR = settings.mirror;
  if (settings.include) env.INCLUDE = settings.include;
  const r = await execa(BOOTSTRAP_SCRIPT, [tag, `${LABEL_IMAGE}=base`, `${LABEL_INPUTS}=${hash}`], {
    env,
    reject: false,
    all: true,
  });
  if (r.exitCode !== 0) {
    throw new Error(
      `base image bootstrap failed (exit ${r.exitCode}): ${BOOTSTRAP_SCRIPT} ${tag}\n${String(r.all).split('\n').slice(-20).join('\n')}`,
    );
  }
  const id = await imageExists(docker, tag);
  if (!id) throw new Error(`base image bootstrap finished but ${tag} is not in Docker`);
  await tagLatest(docker, id, BASE_REPO);
  return { tag, id, built: true, seconds: (performance.now() - t0) / 1000 };
}
