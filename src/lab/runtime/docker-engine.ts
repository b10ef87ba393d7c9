// Cheap questions to the Docker engine over its Unix socket with node:http. `down` of a netns lab asks
// whether the lab has containers on every call, and loading the Docker client costs more than the
// answer; the client (docker.ts) is loaded only when there is something to remove.
import { readdir, readlink, unlink } from 'node:fs/promises';
import { request } from 'node:http';
import { LABEL_LAB, NETNS_PREFIX, parseNetns } from '../names.js';

export const NETNS_DIR = '/run/netns';

/** The engine's socket when it is a local Unix socket (as dockerode would find it); else null. */
function socketPath(): string | null {
  const host = process.env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : null;
}

/**
 * Containers (any state) labelled as ours, of one lab or of all; null when the question could not
 * be asked or answered here (the caller then asks through the Docker client).
 */
export function countLabContainers(lab?: string, timeoutMs = 2000): Promise<number | null> {
  const sock = socketPath();
  if (!sock) return Promise.resolve(null);
  const filters = encodeURIComponent(JSON.stringify({ label: [lab ? `${LABEL_LAB}=${lab}` : LABEL_LAB] }));
  return new Promise((resolve) => {
    const req = request(
      { socketPath: sock, path: `/containers/json?all=1&filters=${filters}`, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('error', () => resolve(null));
        res.on('end', () => {
          try {
            const list: unknown = JSON.parse(body);
            resolve(res.statusCode === 200 && Array.isArray(list) ? list.length : null);
          } catch {
            resolve(null);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/**
 * Removes /run/netns links into /proc of a lab (all labs when absent). Links are the docker
 * backend's (a netns-backend namespace is a mount, not a link); with the lab's containers gone, any
 * such link is stale, even if its pid was reused.
 */
export async function removeNetnsLinks(lab?: string): Promise<void> {
  const names = await readdir(NETNS_DIR).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(NETNS_PREFIX)) continue;
    const p = parseNetns(name);
    if (!p || (lab && p.lab !== lab)) continue;
    const path = `${NETNS_DIR}/${name}`;
    const target = await readlink(path).catch(() => null);
    if (target?.startsWith('/proc/')) await unlink(path).catch(() => {});
  }
}
