// Properties of the plan over generated topologies: no address, MAC or prefix is ever handed out
// twice, and the automatic routes deliver exactly where a path through routers exists.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainLab } from './generate.js';
import { parseAddressWithLength, parsePrefix, prefixesOverlap } from './ipv6.js';
import { resolveLab } from './resolve.js';
import { allAddresses, forward } from './testing/forwarding.js';
import { labSchema, type LabInput } from './schema.js';
import type { ResolvedLab } from './types.js';

const labArb: fc.Arbitrary<LabInput> = fc
  .record({
    routers: fc.integer({ min: 1, max: 6 }),
    hosts: fc.integer({ min: 0, max: 5 }),
    mobiles: fc.integer({ min: 0, max: 3 }),
    apRouters: fc.array(fc.nat(), { maxLength: 4 }),
    links: fc.array(
      fc.tuple(fc.nat(), fc.nat(), fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }), fc.boolean()),
      { maxLength: 14 },
    ),
    initialAps: fc.array(fc.option(fc.nat(), { nil: undefined }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ routers, hosts, mobiles, apRouters, links, initialAps }) => {
    const fixed = [...Array(routers).keys()]
      .map((i) => `r${i + 1}`)
      .concat([...Array(hosts).keys()].map((i) => `h${i + 1}`));
    const nodes: NonNullable<LabInput['nodes']> = {};
    for (const n of fixed) nodes[n] = { roles: [n.startsWith('r') ? 'router' : 'host'] };
    const aps: NonNullable<LabInput['aps']> = {};
    apRouters.forEach((r, i) => {
      aps[`ap${i + 1}`] = { router: `r${(r % routers) + 1}` };
    });
    for (let m = 0; m < mobiles; m++) {
      const ap = initialAps[m];
      nodes[`mn${m + 1}`] = {
        roles: ['mobile'],
        radio: ap === undefined || apRouters.length === 0 ? {} : { ap: `ap${(ap % apRouters.length) + 1}` },
      };
    }
    const usedSubnets = new Set<number>();
    const linkList: NonNullable<LabInput['links']> = [];
    for (const [x, y, subnet, explicitAddress] of links) {
      const a = fixed[x % fixed.length]!;
      const b = fixed[y % fixed.length]!;
      if (a === b) continue;
      // Some links take an explicit prefix inside the lab /48 (the plan must step around it), some an explicit ::1.
      if (subnet !== undefined && !usedSubnets.has(subnet)) {
        usedSubnets.add(subnet);
        const prefix = `fd00:1:2:${subnet.toString(16)}::/64`;
        linkList.push({
          endpoints: [a, b],
          prefix,
          ...(explicitAddress ? { addresses: { [b]: `fd00:1:2:${subnet.toString(16)}::1/64` } } : {}),
        });
      } else {
        linkList.push({ endpoints: [a, b] });
      }
    }
    return { name: 'prop', prefix: 'fd00:1:2::/48', duration: '1s', nodes, links: linkList, aps };
  });

function resolve(input: LabInput): ResolvedLab {
  return resolveLab(labSchema.parse(input), 'prop.yaml');
}

function duplicates<T>(xs: T[]): T[] {
  const seen = new Set<T>();
  return xs.filter((x) => {
    if (seen.has(x)) return true;
    seen.add(x);
    return false;
  });
}

/** Independent of routes.ts: can `from` reach a router on `owners` (or is it on the prefix) through routers only? */
function reachable(lab: ResolvedLab, from: string, owners: string[]): boolean {
  if (owners.includes(from)) return true;
  const isRouter = (n: string) => lab.nodes.find((x) => x.name === n)!.roles.includes('router');
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const u = queue.shift()!;
    if (u !== from && !isRouter(u)) continue;
    for (const l of lab.links) {
      const v = l.a.node === u ? l.b.node : l.b.node === u ? l.a.node : undefined;
      if (v === undefined || seen.has(v)) continue;
      if (owners.includes(v)) return true;
      seen.add(v);
      queue.push(v);
    }
  }
  return false;
}

describe('the address plan never repeats', () => {
  it('addresses, SLAAC addresses on every cell, MACs, BSSIDs, prefixes and interface names are unique', () => {
    fc.assert(
      fc.property(labArb, (input) => {
        const lab = resolve(input);
        expect(duplicates(allAddresses(lab))).toEqual([]);
        const macs = lab.nodes.flatMap((n) => n.interfaces.map((i) => i.mac)).concat(lab.aps.map((a) => a.bssid));
        expect(duplicates(macs)).toEqual([]);
        for (const n of lab.nodes) expect(duplicates(n.interfaces.map((i) => i.name))).toEqual([]);
        const prefixes = lab.links
          .map((l) => {
            const a = lab.nodes.find((n) => n.name === l.a.node)!.interfaces.find((i) => i.name === l.a.iface)!
              .addresses[0]!;
            const p = parseAddressWithLength(a)!;
            return { network: p.address & ~((1n << BigInt(128 - p.length)) - 1n), length: p.length };
          })
          .concat(lab.aps.map((a) => parsePrefix(a.prefix)!));
        for (let i = 0; i < prefixes.length; i++)
          for (let j = 0; j < i; j++) expect(prefixesOverlap(prefixes[i]!, prefixes[j]!)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('also on long chains', () => {
    const lab = chainLab(200);
    expect(duplicates(allAddresses(lab))).toEqual([]);
    expect(allAddresses(lab)).toHaveLength(2 * (2 * 200 - 1));
  });
});

describe('automatic routes', () => {
  it('deliver from every fixed node to every link and cell exactly when a path through routers exists', () => {
    fc.assert(
      fc.property(labArb, (input) => {
        const lab = resolve(input);
        const targets = [
          ...lab.links.map((l) => {
            const end = lab.nodes.find((n) => n.name === l.a.node)!.interfaces.find((i) => i.name === l.a.iface)!;
            return { address: end.addresses[0]!.split('/')[0]!, owners: [l.a.node, l.b.node] };
          }),
          ...lab.aps.map((ap) => {
            const iface = lab.nodes
              .find((n) => n.name === ap.router)!
              .interfaces.find((i) => i.name === ap.routerIface)!;
            return { address: iface.addresses[0]!.split('/')[0]!, owners: [ap.router] };
          }),
        ];
        for (const node of lab.nodes.filter((n) => !n.roles.includes('mobile'))) {
          for (const t of targets) {
            // Only routers forward onto a prefix: a link between two hosts is reachable from its ends only.
            const owners = t.owners.filter((o) => lab.nodes.find((n) => n.name === o)!.roles.includes('router'));
            const expected = t.owners.includes(node.name) || (owners.length > 0 && reachable(lab, node.name, owners));
            expect(forward(lab, node.name, t.address).delivered, `${node.name} -> ${t.address}`).toBe(expected);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
