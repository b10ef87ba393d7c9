// Chooses a runtime backend by kind. The docker backend is loaded only when asked for, so the netns
// path never pulls in dockerode.
import type { DockerRuntimeOptions } from './docker.js';
import { NetnsRuntime } from './netns.js';
import type { Runtime } from './runtime.js';

export type RuntimeKind = Runtime['kind'];

/** Backend settings; netns ignores them. */
export interface RuntimeOptions {
  /**
   * Docker: host directories mounted at the same path in every container (pass the run's output
   * directory, where agents and flow sinks write their files).
   */
  sharedDirs?: string[];
}

export async function createRuntime(kind: RuntimeKind = 'netns', options: RuntimeOptions = {}): Promise<Runtime> {
  if (kind === 'netns') return new NetnsRuntime();
  const { DockerRuntime } = await import('./docker.js');
  const docker: Partial<DockerRuntimeOptions> = { sharedDirs: options.sharedDirs };
  return new DockerRuntime(docker);
}

export { NetnsRuntime };
