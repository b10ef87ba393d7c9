import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LabFileError, loadLabText } from './load.js';

const MIPV6 = readFileSync('topologies/mipv6.yaml', 'utf8');

function errorOf(text: string, file = 'lab.yaml'): string {
  try {
    loadLabText(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(LabFileError);
    return (e as Error).message;
  }
  throw new Error('the lab loaded');
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe("a node's agent: map, read with the agent's role settings schemas", () => {
  it('every shipped topology passes', () => {
    for (const f of readdirSync('topologies').filter((x) => x.endsWith('.yaml')))
      expect(() => loadLabText(readFileSync(`topologies/${f}`, 'utf8'), f), f).not.toThrow();
  });

  it('routeOptimisation names a node of the lab or gives an address; an unknown name is refused at its position', () => {
    const ok = MIPV6.replace('lifetimeS: 60', 'lifetimeS: 60\n        routeOptimisation: [cn, "fd00:9::9"]');
    expect(() => loadLabText(ok, 'lab.yaml')).not.toThrow();
    const bad = MIPV6.replace('lifetimeS: 60', 'lifetimeS: 60\n        routeOptimisation: [cm]');
    expect(errorOf(bad)).toMatch(
      /nodes\.mn\.agent\.mobile-node\.routeOptimisation\[0\]: expected an IPv6 address or one of the nodes \(.*cn.*\), got "cm"/,
    );
  });

  it('a hex key of digits only (a YAML number) is refused at its position, with the fix', () => {
    const text = MIPV6.replace('key: 6d6970763620686f6d65206b65792031 }', 'key: 1234567890 }');
    const line = lineOf(text, 'key: 1234567890');
    expect(errorOf(text)).toMatch(
      new RegExp(
        `^lab\\.yaml:${line}:\\d+ nodes\\.ha\\.agent\\.home-agent\\.mobileNodes\\[0\\]\\.key: expected the MN-HA key as hex in quotes.*got "1234567890"$`,
      ),
    );
  });

  it('a wrong type, an unknown setting and an unknown role key are each reported', () => {
    const text = MIPV6.replace('lifetimeS: 60', 'lifetimeS: "60"\n        colour: red').replace(
      'ar1: { roles: [access-router] }',
      'ar1: { roles: [access-router], agent: { home-agnet: {} } }',
    );
    const lines = errorOf(text).split('\n');
    expect(lines).toContain(
      `lab.yaml:${lineOf(text, 'lifetimeS: "60"')}:20 nodes.mn.agent.mobile-node.lifetimeS: expected a number, got "60"`,
    );
    expect(lines).toContain(
      `lab.yaml:${lineOf(text, 'colour: red')}:9 nodes.mn.agent.mobile-node.colour: unknown key "colour"`,
    );
    expect(
      lines.some((l) =>
        /nodes\.ar1\.agent\.home-agnet: unknown key "home-agnet": expected one of .*"home-agent"/.test(l),
      ),
    ).toBe(true);
  });

  it('fmipv6 settings follow the role: a router schema for par/nar, a node schema for mobile-node', () => {
    const p2p = readFileSync('topologies/fmipv6-p2p.yaml', 'utf8');
    // enabled belongs to the mobile node's settings only
    const text = p2p.replace(/(\n {2}ar1:[\s\S]*?fmipv6: \{)/, '$1 enabled: true,');
    expect(text).not.toBe(p2p);
    expect(errorOf(text)).toMatch(/nodes\.ar1\.agent\.fmipv6\.enabled: unknown key "enabled"/);
  });
});
