// What each node's kernel is told: sysctls, addresses, routes. Pure planners; net/apply.ts runs them.
import type { KernelCaps } from '../kernel.js';
import { isRouter } from '../topology/roles.js';
import type { ResolvedNode } from '../topology/types.js';

/** A node forwards IPv6 between its interfaces when it is a router (agent router roles imply it). */
export function isForwarding(node: ResolvedNode): boolean {
  return isRouter(node.roles);
}

/**
 * Namespace-wide sysctls (`all` and `default`; interfaces made later, such as an agent's TUN, inherit
 * the `default` ones).
 * - DAD off: static addresses are planned unique, and a tentative link-local (RFC 4862 §5.4, ~1 s)
 *   would hold back the agents' first Router Advertisements and Binding Updates.
 * - accept_ra off: addressing is static except on radios (nodeSysctls).
 */
export function namespaceSysctls(node: ResolvedNode): Record<string, string> {
  const s: Record<string, string> = {
    'net.ipv6.conf.all.disable_ipv6': '0',
    'net.ipv6.conf.default.disable_ipv6': '0',
    'net.ipv6.conf.all.accept_dad': '0',
    'net.ipv6.conf.default.accept_dad': '0',
    'net.ipv6.conf.default.accept_ra': '0',
    'net.ipv6.conf.all.forwarding': isForwarding(node) ? '1' : '0',
  };
  return s;
}

/**
 * Every sysctl of a node, applied once its interfaces exist and before they come up: the namespace
 * values, the same values per interface (an interface made before `default` was set keeps its own),
 * then the node's own extra sysctls (they win).
 * A radio does SLAAC from the access router's RAs (RFC 4862): accept_ra=1, autoconf=1, EUI-64
 * interface ids (addr_gen_mode=0), and optimistic DAD (RFC 4429) so a new care-of address is usable
 * at once after a move; its first RS goes out without the random delay (RFC 4861 §6.3.7 allows 0..1 s).
 * A kernel built without CONFIG_IPV6_OPTIMISTIC_DAD has no optimistic_dad/use_optimistic sysctls: the
 * radio then does plain DAD (RFC 4862 §5.4, about 1 s before a new address is usable).
 */
export function nodeSysctls(node: ResolvedNode, caps: Pick<KernelCaps, 'optimisticDad'>): Record<string, string> {
  const s: Record<string, string> = namespaceSysctls(node);
  for (const i of node.interfaces) {
    const k = `net.ipv6.conf.${i.name}`;
    if (i.kind !== 'radio') {
      s[`${k}.accept_dad`] = '0';
      s[`${k}.accept_ra`] = '0';
      continue;
    }
    // forwarding=1 makes the kernel ignore RAs unless accept_ra=2 (a mobile router).
    s[`${k}.accept_ra`] = isForwarding(node) ? '2' : '1';
    s[`${k}.autoconf`] = '1';
    s[`${k}.addr_gen_mode`] = '0';
    s[`${k}.accept_dad`] = '1';
    if (caps.optimisticDad) {
      s[`${k}.optimistic_dad`] = '1';
      s[`${k}.use_optimistic`] = '1';
    }
    s[`${k}.router_solicitation_delay`] = '0';
  }
  return { ...s, ...node.sysctls };
}

/** `sysctl -q -w` arguments for a set of keys. */
export function sysctlArgv(values: Record<string, string>): string[] {
  return ['sysctl', '-q', '-w', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)];
}

/**
 * iproute2 batch lines run inside the node once its interfaces exist: loopback up, static addresses
 * (nodad: planned unique, and DAD would delay them ~1 s), interfaces up, then routes.
 */
export function planNodeAddressing(node: ResolvedNode): string[] {
  const lines = ['link set dev lo up'];
  for (const i of node.interfaces) {
    // No `-6` in batch lines (a global option): the family follows from the address.
    for (const a of i.addresses) lines.push(`address add ${a} dev ${i.name}${a.includes(':') ? ' nodad' : ''}`);
  }
  for (const i of node.interfaces) lines.push(`link set dev ${i.name} up`);
  for (const r of node.routes) {
    // The family follows from dst or via; a bare "default" with no via would mean IPv4, so say ::/0.
    const dst = r.dst === 'default' && !(r.via ?? '').match(/^\d+\./) ? '::/0' : r.dst;
    let line = `route replace ${dst}`;
    if (r.via) line += ` via ${r.via}`;
    if (r.dev) line += ` dev ${r.dev}`;
    lines.push(line);
  }
  return lines;
}

/** nft table of a router's source-address validation. */
export const SOURCE_VALIDATION_TABLE = 'mipshop_urpf';

/**
 * BCP 38 ingress filtering as strict uRPF (RFC 3704 §2.2): a packet that comes in on one of the
 * node's lab interfaces is dropped when the route back to its source does not leave by that same
 * interface, so a source address of another link dies at the first router. The unspecified source
 * (DAD, RFC 4862 §5.4.2) and link-local sources (valid on their own link only) pass; the agents'
 * TUN devices and loopback are not filtered, nor a home agent's home link. Routers only, unless the
 * lab turns it off, and only where the kernel has nft's fib expression (`doctor` says when it has not).
 */
export function planSourceValidation(node: ResolvedNode, caps: Pick<KernelCaps, 'nftFib'>): string[] | null {
  if (!isForwarding(node) || node.sourceValidation === false || !caps.nftFib) return null;
  // A home agent's home link is left out: while a node is away its home address routes into the HA's
  // tunnel, and on return its deregistration BU comes from the home link with that address as source
  // (RFC 6275 §11.5.4), which strict uRPF would drop.
  const homeAgent = node.roles.includes('home-agent');
  const ifaces = node.interfaces
    .filter((i) => i.kind !== 'radio' && !(homeAgent && i.kind === 'ap'))
    .map((i) => `"${i.name}"`);
  if (ifaces.length === 0) return null;
  const t = `ip6 ${SOURCE_VALIDATION_TABLE}`;
  return [
    'nft',
    [
      `add table ${t}`,
      `add chain ${t} prerouting { type filter hook prerouting priority -310 ; policy accept ; }`,
      `add rule ${t} prerouting ip6 saddr :: accept`,
      `add rule ${t} prerouting ip6 saddr fe80::/10 accept`,
      `add rule ${t} prerouting iifname { ${ifaces.join(', ')} } fib saddr . iif oif missing counter drop comment "BCP 38: source of another link"`,
    ].join(' ; '),
  ];
}
