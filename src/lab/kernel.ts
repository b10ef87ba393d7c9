// What this kernel and machine offer, found by trying each feature in a scratch namespace (the
// honest test: a module may be loadable though absent from /proc/config.gz, or built in but blocked).
// `doctor` prints it; the lab picks netem or the userspace relay from it. Cached per boot (a cached
// "no Docker" is checked again: dockerd may start later).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { nsExec, run } from './exec.js';
import { NETNS_PREFIX, STATE_ROOT } from './names.js';

export interface KernelCaps {
  /** sch_netem: delay/loss/duplication/rate in the kernel; without it impaired links use the relay. */
  netem: boolean;
  /** sch_tbf. */
  tbf: boolean;
  /** ip6_tunnel (ip6tnl devices); agents carry IPv6-in-IPv6 themselves when absent. */
  ip6tnl: boolean;
  /** CONFIG_IPV6_MIP6: Home Address option and type 2 routing header in the kernel. */
  mip6: boolean;
  /** /dev/net/tun and TUN devices. */
  tun: boolean;
  /** nftables, ip6 family (keeps the kernel from answering HAO packets with Parameter Problem). */
  nftables: boolean;
  /** nft `fib` expression (routers' strict uRPF, RFC 3704 §2.2); a kernel may have nftables without it. */
  nftFib: boolean;
  /** CONFIG_IPV6_OPTIMISTIC_DAD (RFC 4429): radios use a new SLAAC address before DAD ends. */
  optimisticDad: boolean;
  /** A reachable Docker daemon (the docker runtime). */
  docker: boolean;
  /** uname -r, for the report. */
  release: string;
}

export interface ProbeResult {
  caps: KernelCaps;
  /** Why a feature is absent (the tool's message), for `doctor`. */
  notes: Partial<Record<keyof KernelCaps, string>>;
}

let cached: Promise<ProbeResult> | null = null;

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

const cacheFile = () => `${STATE_ROOT}/kernel-caps.json`;

/** Bumped when KernelCaps gains a field, so a cache written by an older version is probed again. */
const CACHE_VERSION = 2;

/** The machine's capabilities; probed once per boot (file cache) and once per process (memory). */
export function kernelCaps(options: { refresh?: boolean } = {}): Promise<ProbeResult> {
  if (options.refresh) cached = null;
  cached ??= (async () => {
    const boot = bootId();
    if (!options.refresh) {
      try {
        const c = JSON.parse(readFileSync(cacheFile(), 'utf8')) as {
          boot: string;
          version?: number;
          result: ProbeResult;
        };
        if (c.boot === boot && c.version === CACHE_VERSION) {
          // The kernel does not change within a boot, but dockerd may have been started since.
          if (!c.result.caps.docker) {
            const notes = { ...c.result.notes };
            delete notes.docker;
            const docker = await dockerReachable(notes);
            return { caps: { ...c.result.caps, docker }, notes };
          }
          return c.result;
        }
      } catch {
        // no cache yet
      }
    }
    const result = await probe();
    try {
      mkdirSync(STATE_ROOT, { recursive: true });
      writeFileSync(cacheFile(), `${JSON.stringify({ boot, version: CACHE_VERSION, result })}\n`);
    } catch {
      // not root: probe again next time
    }
    return result;
  })();
  return cached;
}

async function attempt(argv: string[]): Promise<string | null> {
  const r = await run(argv, { reject: false, timeoutMs: 5000 });
  return r.exitCode === 0 ? null : (r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`);
}

async function probe(): Promise<ProbeResult> {
  const notes: ProbeResult['notes'] = {};
  const release = (await run(['uname', '-r'])).stdout.trim();
  // The scratch namespace is named like a lab's, so `down --all` removes it if we are killed here.
  const ns = `${NETNS_PREFIX}_probe${randomBytes(3).toString('hex')}-k`;
  const feature = async (key: keyof KernelCaps, argv: string[]) => {
    const err = await attempt(argv);
    if (err) notes[key] = err;
    return err === null;
  };
  await run(['ip', 'netns', 'add', ns]);
  try {
    await run(['ip', '-n', ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
    const netem = await feature('netem', [
      'tc',
      '-n',
      ns,
      'qdisc',
      'add',
      'dev',
      'p0',
      'root',
      'netem',
      'delay',
      '1ms',
    ]);
    const tbf = await feature('tbf', [
      'tc',
      '-n',
      ns,
      'qdisc',
      'replace',
      'dev',
      'p1',
      'root',
      'tbf',
      'rate',
      '1mbit',
      'burst',
      '32kbit',
      'latency',
      '400ms',
    ]);
    const ip6tnl = await feature('ip6tnl', [
      'ip',
      '-n',
      ns,
      'link',
      'add',
      't0',
      'type',
      'ip6tnl',
      'mode',
      'ip6ip6',
      'local',
      '2001:db8::1',
      'remote',
      '2001:db8::2',
    ]);
    // MIP6 registers the xfrm types for the type 2 routing header and the Home Address option.
    const mip6 = await feature('mip6', [
      'ip',
      '-n',
      ns,
      'xfrm',
      'state',
      'add',
      'src',
      '2001:db8::1',
      'dst',
      '2001:db8::2',
      'proto',
      'route2',
      'mode',
      'ro',
      'coa',
      '2001:db8::3',
    ]);
    const tun =
      existsSync('/dev/net/tun') &&
      (await feature('tun', ['ip', '-n', ns, 'tuntap', 'add', 'dev', 'tn0', 'mode', 'tun']));
    if (!existsSync('/dev/net/tun')) notes.tun = '/dev/net/tun missing';
    // The family the labs use (ip6: mobility-header-io.ts, node-config.ts); some kernels lack inet.
    const nftables = await nftFeature(ns, 'nftables', 'add table ip6 probe', notes);
    const nftFib =
      nftables &&
      (await nftFeature(
        ns,
        'nftFib',
        'add chain ip6 probe c { type filter hook prerouting priority 0 ; } ; add rule ip6 probe c fib saddr . iif oif missing drop',
        notes,
      ));
    // The sysctl exists only when the kernel was built with CONFIG_IPV6_OPTIMISTIC_DAD.
    const optimisticDad = existsSync('/proc/sys/net/ipv6/conf/all/optimistic_dad');
    if (!optimisticDad) notes.optimisticDad = 'no /proc/sys/net/ipv6/conf/all/optimistic_dad';
    const docker = await dockerReachable(notes);
    return { caps: { netem, tbf, ip6tnl, mip6, tun, nftables, nftFib, optimisticDad, docker, release }, notes };
  } finally {
    await run(['ip', 'netns', 'del', ns], { reject: false });
  }
}

async function nftFeature(
  ns: string,
  key: 'nftables' | 'nftFib',
  script: string,
  notes: ProbeResult['notes'],
): Promise<boolean> {
  try {
    const r = await nsExec(ns, ['nft', script], { reject: false });
    if (r.exitCode === 0) return true;
    notes[key] = r.stderr.trim().split('\n')[0] ?? `nft exit ${r.exitCode}`;
  } catch (e) {
    notes[key] = (e as Error).message.split('\n')[0];
  }
  return false;
}

async function dockerReachable(notes: ProbeResult['notes']): Promise<boolean> {
  try {
    const r = await run(['docker', 'info', '--format', '{{.ServerVersion}}'], { reject: false, timeoutMs: 5000 });
    if (r.exitCode === 0 && r.stdout.trim()) return true;
    notes.docker = r.stderr.trim().split('\n')[0] ?? 'docker info failed';
  } catch (e) {
    notes.docker = (e as Error).message.split('\n')[0];
  }
  return false;
}
