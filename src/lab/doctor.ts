// What `mipshop-lab doctor` reports: the kernel's features (probed, see kernel.ts), the tools a lab
// needs, and which path each lab feature takes on this machine (kernel where present, else userspace).
import { execFileSync } from 'node:child_process';
import { kernelCaps, type KernelCaps } from './kernel.js';
import { checkNativeAddon, describeAddonProblem, type AddonCheck } from './native-addon.js';

export interface DoctorReport {
  kernel: string;
  features: { name: keyof KernelCaps; present: boolean; note: string }[];
  tools: { name: string; found: boolean; path?: string; neededFor: string }[];
  paths: { feature: string; path: string }[];
  /** The native addon the agents and the relay load; `advice` says how to rebuild it when not ok. */
  addon: AddonCheck & { advice?: string };
  /** Everything a netns lab needs is here. */
  ready: boolean;
}

const TOOLS: [string, string][] = [
  ['ip', 'namespaces, links, addresses (iproute2)'],
  ['tc', 'impairments with sch_netem (iproute2)'],
  ['tcpdump', 'captures'],
  ['tshark', 'wire-format checks in tests'],
  ['nft', 'keeping the kernel from answering mobility options'],
  ['iperf3', 'TCP workloads'],
  ['docker', 'the docker runtime'],
  ['kea-dhcp6', 'service nodes: dhcpv6-server (docs/mih.md)'],
  ['named', 'service nodes: dns-server (docs/mih.md)'],
];

const FEATURE_NOTES: Record<string, [string, string]> = {
  netem: ['sch_netem: link impairments in the kernel', 'no sch_netem: impaired links go through the userspace relay'],
  tbf: ['sch_tbf', 'no sch_tbf'],
  ip6tnl: ['ip6_tunnel devices', 'no ip6_tunnel: agents carry IPv6-in-IPv6 themselves'],
  mip6: ['IPv6 mobility (CONFIG_IPV6_MIP6)', 'no IPv6 mobility: agents read HAO/RH2 packets from AF_PACKET'],
  tun: ['TUN devices', 'no TUN: home addresses cannot be given to applications'],
  nftables: ['nftables (ip6 family)', 'no nftables: the kernel will answer HAO packets with Parameter Problem'],
  nftFib: ['nft fib expression', "no nft fib: routers' source-address validation (BCP 38) is left out"],
  optimisticDad: [
    'optimistic DAD (CONFIG_IPV6_OPTIMISTIC_DAD)',
    'no optimistic DAD: a new SLAAC address waits for DAD (~1 s) before use',
  ],
  docker: [
    'Docker engine answering',
    'no Docker engine: start dockerd (scripts/start-dockerd.sh) for --runtime docker',
  ],
};

function which(tool: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function doctorReport(): Promise<DoctorReport> {
  const { caps, notes } = await kernelCaps({ refresh: true });
  const features = (Object.keys(FEATURE_NOTES) as (keyof KernelCaps)[]).map((name) => {
    const present = Boolean(caps[name]);
    const [yes, no] = FEATURE_NOTES[name]!;
    const extra = notes[name] ? ` (${notes[name]})` : '';
    return { name, present, note: present ? yes : no + extra };
  });
  const tools = TOOLS.map(([name, neededFor]) => {
    const path = which(name);
    return path ? { name, found: true, path, neededFor } : { name, found: false, neededFor };
  });
  const paths = [
    {
      feature: 'link impairments',
      path: caps.netem ? 'sch_netem on each end' : 'userspace relay in the air namespace',
    },
    {
      feature: 'IPv6-in-IPv6 tunnels',
      path: `agent (raw sockets of protocol 41 + TUN); kernel ip6tnl ${caps.ip6tnl ? 'present but unused' : 'absent'}`,
    },
    {
      feature: 'HAO / type 2 RH',
      path: caps.mip6 ? 'kernel MIP6 present; agents still read AF_PACKET' : 'AF_PACKET + nftables drop rule',
    },
    {
      feature: 'source validation',
      path: caps.nftFib ? 'nft fib rule on each router' : 'none (no nft fib in this kernel)',
    },
    {
      feature: 'new care-of address',
      path: caps.optimisticDad ? 'optimistic (RFC 4429), usable at once' : 'after DAD (RFC 4862 §5.4)',
    },
    { feature: 'home address', path: caps.tun ? 'TUN device in the mobile node' : 'unavailable (no TUN)' },
    { feature: 'docker runtime', path: caps.docker ? 'available' : 'unavailable until dockerd runs' },
  ];
  const checked = await checkNativeAddon();
  const addon = checked.ok ? checked : { ...checked, advice: describeAddonProblem(checked) };
  const needed = ['ip', 'tcpdump'];
  const ready = tools.filter((t) => needed.includes(t.name)).every((t) => t.found) && caps.tun && addon.ok;
  return { kernel: caps.release, features, tools, paths, addon, ready };
}
