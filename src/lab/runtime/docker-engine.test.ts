import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { countLabContainers } from './docker-engine.js';

const saved = process.env.DOCKER_HOST;
let server: Server | undefined;
afterEach(() => {
  server?.close();
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

/** An engine on a Unix socket that answers every request with `status` and `body`; the last URL asked. */
async function engine(status: number, body: string): Promise<{ url: () => string }> {
  const sock = path.join(mkdtempSync(path.join(tmpdir(), 'mlab-engine-')), 'docker.sock');
  let url = '';
  server = createServer((req, res) => {
    url = req.url ?? '';
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server!.listen(sock, r));
  process.env.DOCKER_HOST = `unix://${sock}`;
  return { url: () => url };
}

test('counts the containers labelled with the lab, of any state', async () => {
  const e = await engine(200, '[{"Id":"a"},{"Id":"b"}]');
  expect(await countLabContainers('smoke')).toBe(2);
  const q = new URL(e.url(), 'http://engine');
  expect(q.pathname).toBe('/containers/json');
  expect(q.searchParams.get('all')).toBe('1');
  expect(JSON.parse(q.searchParams.get('filters') ?? '')).toEqual({ label: ['org.mipshop-lab.lab=smoke'] });
});

test('no answer it can trust is null, so the caller asks through the Docker client', async () => {
  await engine(500, '{"message":"boom"}');
  expect(await countLabContainers('smoke')).toBeNull();
  process.env.DOCKER_HOST = 'tcp://127.0.0.1:2375';
  expect(await countLabContainers('smoke')).toBeNull();
  process.env.DOCKER_HOST = `unix://${path.join(tmpdir(), 'mlab-no-such-socket')}`;
  expect(await countLabContainers()).toBeNull();
});
