// Kernel configuration the data plane needs (addresses, routes, rules, proxy ND entries, sysctls,
// nft tables), done with the ordinary tools (iproute2, nft) so a reader can replay every step by
// hand. With `netns` (a path such as /run/netns/NAME) the tool runs under `nsenter --net=PATH`, the
// same namespace option the native addon takes.
import { execFile, execFileSync } from 'node:child_process';

/** argv that runs `cmd args` in `netns` (or here). */
export function inNetns(netns: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return netns ? ['nsenter', [`--net=${netns}`, cmd, ...args]] : [cmd, [...args]];
}

export class KernelCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly input?: string,
  ) {
    super(`${argv.join(' ')} failed: ${stderr.trim() || 'no message'}${input ? `\n--- input ---\n${input}` : ''}`);
  }
}

/** Runs a tool (with optional stdin) and resolves with its stdout; rejects with KernelCommandError. */
export function run(netns: string | undefined, cmd: string, args: readonly string[], input?: string): Promise<string> {
  const [file, argv] = inNetns(netns, cmd, args);
  return new Promise((resolve, reject) => {
    const child = execFile(file, argv, { encoding: 'utf8', timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new KernelCommandError([file, ...argv], stderr || err.message, input));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Synchronous variant for close() paths (shutdown must finish before the process exits). */
export function runSync(netns: string | undefined, cmd: string, args: readonly string[], input?: string): string {
  const [file, argv] = inNetns(netns, cmd, args);
  try {
    return execFileSync(file, argv, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new KernelCommandError([file, ...argv], e.stderr || e.message, input);
  }
}

/** `ip -6 -batch -`: one process for many changes; every line is checked. */
export function ipBatch(netns: string | undefined, lines: readonly string[]): Promise<string> {
  return run(netns, 'ip', ['-6', '-batch', '-'], lines.join('\n') + '\n');
}

/** Best-effort teardown: `ip -6 -force -batch -` carries on past lines that fail (already gone). */
export function ipBatchForceSync(netns: string | undefined, lines: readonly string[]): void {
  if (lines.length === 0) return;
  try {
    runSync(netns, 'ip', ['-6', '-force', '-batch', '-'], lines.join('\n') + '\n');
  } catch {
    // Whatever failed was already gone; teardown must not throw.
  }
}

/** Writes a sysctl through `sysctl -w` in the namespace (e.g. net.ipv6.conf.all.forwarding=1). */
export function sysctl(netns: string | undefined, settings: Record<string, string | number>): Promise<string> {
  return run(netns, 'sysctl', ['-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
}

/** The MAC address of `ifname` (for Target Link-Layer Address options). */
export async function linkLayerAddress(netns: string | undefined, ifname: string): Promise<string> {
  const out = await run(netns, 'ip', ['-j', 'link', 'show', 'dev', ifname]);
  const links = JSON.parse(out) as { address?: string }[];
  const mac = links[0]?.address;
  if (!mac || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) throw new Error(`${ifname}: no Ethernet address (ip link shows ${JSON.stringify(mac)})`);
  return mac;
}
