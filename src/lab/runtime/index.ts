// Chooses a runtime backend by kind. The docker backend is loaded only when asked for, so the netns
// path never pulls in dockerode.
import { NetnsRuntime } from './netns.js';
import type { Runtime } from './runtime.js';

export type RuntimeKind = Runtime['kind'];

export async function createRuntime(kind: RuntimeKind = 'netns'): Promise<Runtime> {
  if (kind === 'netns') return new NetnsRuntime();
  // A computed specifier: docker.ts belongs to another backend and may be absent from a build.
  const specifier = './docker.js';
  const mod = (await import(specifier)) as { DockerRuntime: new () => Runtime };
  return new mod.DockerRuntime();
}

export { NetnsRuntime };
