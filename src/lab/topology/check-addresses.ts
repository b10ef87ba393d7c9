// Addresses and prefixes written in the YAML: they win over the plan, so they must be well placed
// and never repeat.
import type { SpecIssue, YamlPath } from './issues.js';
import {
  formatPrefix,
  parseAddressWithLength,
  parsePrefix,
  prefixContains,
  prefixMask,
  prefixesOverlap,
  type Prefix,
} from './ipv6.js';
import type { LabSpec } from './schema.js';

/** A link's or AP's prefix as the YAML fixes it: `prefix`, else the network of its first address. */
export function declaredPrefix(prefix: string | undefined, addresses: readonly string[]): Prefix | undefined {
  if (prefix !== undefined) return parsePrefix(prefix);
  const first = addresses[0] === undefined ? undefined : parseAddressWithLength(addresses[0]);
  return first && { network: first.address & prefixMask(first.length), length: first.length };
}

export function checkExplicitAddresses(spec: LabSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const seenAddress = new Map<bigint, string>();
  const prefixes: { prefix: Prefix; path: YamlPath; where: string }[] = [];

  const place = (addrs: [YamlPath, string][], prefix: Prefix | undefined) => {
    for (const [path, text] of addrs) {
      const a = parseAddressWithLength(text);
      if (!a) continue;
      const other = seenAddress.get(a.address);
      if (other !== undefined) issues.push({ path, message: `address ${text} is already used at ${other}` });
      else seenAddress.set(a.address, pathText(path));
      if (prefix && (!prefixContains(prefix, a.address) || a.length !== prefix.length)) {
        issues.push({ path, message: `expected an address in ${formatPrefix(prefix)}, got ${text}` });
      }
    }
  };

  spec.links.forEach((link, i) => {
    const addrs = Object.entries(link.addresses ?? {}).map(([n, t]): [YamlPath, string] => [
      ['links', i, 'addresses', n],
      t,
    ]);
    const prefix = declaredPrefix(
      link.prefix,
      addrs.map(([, t]) => t),
    );
    place(addrs, prefix);
    if (prefix)
      prefixes.push({ prefix, path: ['links', i, link.prefix ? 'prefix' : 'addresses'], where: `links[${i}]` });
  });
  for (const [name, ap] of Object.entries(spec.aps)) {
    const addrs: [YamlPath, string][] = ap.address ? [[['aps', name, 'address'], ap.address]] : [];
    const prefix = declaredPrefix(
      ap.prefix,
      addrs.map(([, t]) => t),
    );
    place(addrs, prefix);
    if (!prefix) continue;
    const path = ['aps', name, ap.prefix ? 'prefix' : 'address'];
    // Stateless autoconfiguration on an Ethernet-like cell needs a /64 (RFC 4862 §5.5.3, RFC 2464 §4).
    if (prefix.length !== 64)
      issues.push({ path, message: `expected a /64 on an AP cell (SLAAC), got /${prefix.length}` });
    prefixes.push({ prefix, path, where: `aps.${name}` });
  }
  for (let i = 0; i < prefixes.length; i++) {
    for (let j = 0; j < i; j++) {
      if (prefixesOverlap(prefixes[i]!.prefix, prefixes[j]!.prefix)) {
        issues.push({
          path: prefixes[i]!.path,
          message: `prefix ${formatPrefix(prefixes[i]!.prefix)} overlaps ${formatPrefix(prefixes[j]!.prefix)} of ${prefixes[j]!.where}`,
        });
      }
    }
  }
  return issues;
}

function pathText(path: YamlPath): string {
  return path
    .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
    .join('')
    .replace(/^\./, '');
}
