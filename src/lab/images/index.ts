// The images API for `mipshop-lab images build` and the docker runtime.
import { ensureImages, type BuildImagesOptions } from './build.js';

export { ensureImages, defaultAgentImage, pruneImages, type BuildImagesOptions, type BuiltImages } from './build.js';
export { baseImageTag, ensureBaseImage, type BaseSettings, type EnsureResult } from './base.js';
export { agentInputs, ensureAgentImage, ensureAgentImages, nodeInputs, type AgentSettings } from './agent.js';

export interface ImageBuildResult {
  name: 'base' | 'node' | 'agent';
  tag: string;
  id: string;
  /** False: an image with the same input hash was already there. */
  built: boolean;
  seconds: number;
}

/** Base, Node layer, then agent image, each built only when its inputs changed (or with `force`). */
export async function buildImages(
  options: BuildImagesOptions & { onProgress?: (line: string) => void } = {},
): Promise<ImageBuildResult[]> {
  const r = await ensureImages({ ...options, log: options.log ?? options.onProgress });
  return [
    { name: 'base', ...r.base },
    { name: 'node', ...r.node },
    { name: 'agent', ...r.agent },
  ];
}
