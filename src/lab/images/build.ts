// `mipshop-lab images build`: the base image (offline bootstrap, or one the user names), then the
// Node layer and the agent image on top (agent.ts). Each step is skipped when an image with the same input hash exists.
import Docker from 'dockerode';
import { ensureAgentImages, type AgentSettings } from './agent.js';
import { ensureBaseImage, imageExists, type BaseSettings, type EnsureResult } from './base.js';
import { LABEL_IMAGE } from './paths.js';

export interface BuildImagesOptions extends BaseSettings, Omit<AgentSettings, 'base'> {
  docker?: Docker;
  /** Use this image as the base instead of bootstrapping one (e.g. debian:bookworm from a registry). */
  baseImage?: string;
  log?: (line: string) => void;
  /** Build even when an image with the same input hash exists (it is replaced under the same tag). */
  force?: boolean;
}

export interface BuiltImages {
  base: EnsureResult;
  /** Node binary and production node_modules over the base. */
  node: EnsureResult;
  agent: EnsureResult;
}

export async function ensureImages(options: BuildImagesOptions = {}): Promise<BuiltImages> {
  const docker = options.docker ?? new Docker();
  const log = options.log ?? (() => {});
  let base: EnsureResult;
  if (options.baseImage) {
    const id = await imageExists(docker, options.baseImage);
    if (!id) throw new Error(`base image ${options.baseImage} not found in Docker (pull or import it first)`);
    base = { tag: options.baseImage, id, built: false, seconds: 0 };
  } else {
    base = await ensureBaseImage(docker, options, log, !!options.force);
  }
  const { node, agent } = await ensureAgentImages(
    docker,
    { base: base.id, nodePath: options.nodePath, appDir: options.appDir },
    log,
    !!options.force,
  );
  return { base, node, agent };
}

/** The agent image's tag, building what is missing: what the docker runtime uses by default. */
export async function defaultAgentImage(docker?: Docker): Promise<string> {
  return (await ensureImages({ docker })).agent.tag;
}

/** Removes our images except the ones named in `keep` (ids or tags); returns how many went. */
export async function pruneImages(keep: readonly string[] = [], docker: Docker = new Docker()): Promise<number> {
  const images = await docker.listImages({ filters: { label: [LABEL_IMAGE] } });
  let removed = 0;
  for (const img of images) {
    if (keep.includes(img.Id) || img.RepoTags?.some((t) => keep.includes(t))) continue;
    try {
      await docker.getImage(img.Id).remove({ force: false });
      removed++;
    } catch {
      // in use by a container, or a parent of a kept image
    }
  }
  return removed;
}
