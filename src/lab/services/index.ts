// Starts the server daemons nodes declare (`services:`) inside their namespaces, each with the
// configuration the lab writes from the topology, and stops them like agents. Daemons are the
// distribution's, unmodified: kea-dhcp6, named and freeradius. Configurations go to OUT/services/<node>/ (kept, to
// read after a run), their logs to OUT/logs/<node>-<daemon>.log, their run-time files to the lab's
// state directory (removed with the lab).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labStateDir } from '../names.js';
import type { NodeHandle, Runtime, Subprocess } from '../runtime/runtime.js';
import type { ResolvedLab, ResolvedNode } from '../topology/types.js';
import { KEA_ERROR, KEA_READY, keaConfig } from './kea.js';
import { FREERADIUS_ERROR, FREERADIUS_READY, freeradiusConfig } from './radius.js';
import { NAMED_ERROR, NAMED_READY, NAMED_ZONE_FAILED, namedConf, zoneFile } from './named.js';

export interface RunningService {
  node: string;
  daemon: 'kea-dhcp6' | 'named' | 'freeradius';
  process: Subprocess;
  logFile: string;
}

interface Launch {
  daemon: RunningService['daemon'];
  argv: string[];
  env?: Record<string, string>;
  ready: RegExp;
  failed?: RegExp;
  error: RegExp;
}

/** Where Debian's packages put the daemons; PATH may lack /usr/sbin for a non-login root shell. */
const SBIN = ['/usr/sbin', '/usr/bin', '/sbin'];

export function daemonPath(name: string): string | undefined {
  return SBIN.map((d) => path.join(d, name)).find((p) => existsSync(p));
}

export function nodesWithServices(lab: ResolvedLab): ResolvedNode[] {
  return lab.nodes.filter((n) => n.services && Object.keys(n.services).length > 0);
}

function launches(lab: ResolvedLab, node: ResolvedNode, outDir: string): Launch[] {
  const confDir = path.join(outDir, 'services', node.name);
  const runDir = path.join(labStateDir(lab.name), 'services', node.name);
  mkdirSync(confDir, { recursive: true });
  const out: Launch[] = [];
  const dhcp = node.services?.['dhcpv6-server'];
  if (dhcp) {
    const dataDir = path.join(runDir, 'kea');
    mkdirSync(dataDir, { recursive: true });
    const conf = path.join(confDir, 'kea-dhcp6.json');
    writeFileSync(conf, `${JSON.stringify(keaConfig(dhcp, dataDir), null, 2)}\n`);
    out.push({
      daemon: 'kea-dhcp6',
      argv: [need('kea-dhcp6'), '-c', conf],
      // Kea's pid and lock files; the defaults under /run/kea would be shared by every lab.
      env: { KEA_PIDFILE_DIR: dataDir, KEA_LOCKFILE_DIR: dataDir },
      ready: KEA_READY,
      error: KEA_ERROR,
    });
  }
  const dns = node.services?.['dns-server'];
  if (dns) {
    const workDir = path.join(runDir, 'named');
    mkdirSync(workDir, { recursive: true });
    const zf = (zone: string) => path.join(confDir, `${zone}.zone`);
    for (const z of dns.zones) writeFileSync(zf(z.name), zoneFile(z));
    const conf = path.join(confDir, 'named.conf');
    writeFileSync(conf, namedConf(dns.zones, workDir, zf));
    out.push({
      daemon: 'named',
      // -g: foreground, every log line to stderr; -n 1: one worker (labs share few cores).
      argv: [need('named'), '-g', '-n', '1', '-c', conf],
      ready: NAMED_READY,
      failed: NAMED_ZONE_FAILED,
      error: NAMED_ERROR,
    });
  }
  const radius = node.services?.['radius-server'];
  if (radius) {
    const dir = path.join(confDir, 'freeradius');
    const workDir = path.join(runDir, 'freeradius');
    mkdirSync(dir, { recursive: true });
    mkdirSync(workDir, { recursive: true });
    // The users file and the clients' secrets are keys: root only, like the agents' configs.
    for (const [f, text] of Object.entries(freeradiusConfig(radius, dir, workDir)))
      writeFileSync(path.join(dir, f), text, { mode: 0o600 });
    out.push({
      daemon: 'freeradius',
      // -f: foreground; -l stdout: its log to our file; -x: one line per request received and sent;
      // -d: this lab's configuration, never the system's.
      argv: [need('freeradius'), '-f', '-l', 'stdout', '-x', '-d', dir],
      ready: FREERADIUS_READY,
      error: FREERADIUS_ERROR,
    });
  }
  return out;
}

function need(daemon: string): string {
  const p = daemonPath(daemon);
  if (!p) throw new Error(`${daemon} is not installed (scripts/install-deps.sh installs it)`);
  return p;
}

/** Starts every node's services and waits until each says it serves; a failure stops the others. */
export async function startServices(
  lab: ResolvedLab,
  runtime: Runtime,
  handles: Map<string, NodeHandle>,
  outDir: string,
): Promise<RunningService[]> {
  const nodes = nodesWithServices(lab);
  if (nodes.length === 0) return [];
  if (runtime.kind !== 'netns')
    throw new Error(
      `services (${nodes.map((n) => n.name).join(', ')}) run on the netns runtime only; use --runtime netns`,
    );
  const logDir = path.join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const running: RunningService[] = [];
  const waits: Promise<void>[] = [];
  try {
    for (const node of nodes) {
      const handle = handles.get(node.name);
      if (!handle) throw new Error(`no runtime handle for node ${node.name}`);
      for (const l of launches(lab, node, outDir)) {
        const logFile = path.join(logDir, `${node.name}-${l.daemon}.log`);
        writeFileSync(logFile, '');
        const proc = runtime.spawn(handle, l.argv, {
          stdoutFile: logFile,
          stderrFile: logFile,
          ...(l.env ? { env: l.env } : {}),
        });
        const s: RunningService = { node: node.name, daemon: l.daemon, process: proc, logFile };
        running.push(s);
        waits.push(waitReady(s, l));
      }
    }
    await Promise.all(waits);
  } catch (err) {
    await Promise.allSettled(waits);
    await stopServices(running);
    throw err;
  }
  return running;
}

async function waitReady(s: RunningService, l: Launch, timeoutMs = 15_000): Promise<void> {
  let exited: number | null | undefined;
  void s.process.exited.then((c) => (exited = c));
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const text = readLog(s.logFile);
    if (l.failed?.test(text))
      throw new Error(`${s.daemon} of ${s.node} failed to start; see ${s.logFile}${quote(text, l.error)}`);
    if (l.ready.test(text)) return;
    if (exited !== undefined)
      throw new Error(`${s.daemon} of ${s.node} exited with ${exited}; see ${s.logFile}${quote(text, l.error)}`);
    if (performance.now() > deadline)
      throw new Error(
        `${s.daemon} of ${s.node} did not start within ${timeoutMs} ms; see ${s.logFile}${quote(text, l.error)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The daemon's own error lines (at most 5), indented under our message. */
export function quote(text: string, error: RegExp, max = 5): string {
  const lines = text.split('\n').filter((l) => error.test(l));
  return lines.length
    ? `\n${lines
        .slice(-max)
        .map((l) => `  ${l.trim().slice(0, 240)}`)
        .join('\n')}`
    : '';
}

/** SIGTERM (both daemons shut down cleanly on it), SIGKILL after 3 s. */
export async function stopServices(services: RunningService[]): Promise<void> {
  await Promise.all(
    services.map(async (s) => {
      s.process.kill('SIGTERM');
      const t = setTimeout(() => s.process.kill('SIGKILL'), 3000);
      await s.process.exited;
      clearTimeout(t);
    }),
  );
}
