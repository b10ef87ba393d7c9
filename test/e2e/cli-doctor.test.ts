// `mipshop-lab doctor` reports what this machine's kernel offers and the path each lab feature takes.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { distEntry } from '../../src/lab/paths.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'tc'] });

function kernelConfig(option: string): boolean | null {
  try {
    const text = gunzipSync(readFileSync('/proc/config.gz')).toString();
    if (new RegExp(`^CONFIG_${option}=[ym]$`, 'm').test(text)) return true;
    return false;
  } catch {
    return null;
  }
}

function both(a: boolean | null, b: boolean | null): boolean | null {
  return a === null || b === null ? null : a && b;
}

describe.skipIf(missing)('mipshop-lab doctor', () => {
  it('--json agrees with the kernel configuration on every probed feature, and names the impairment path', async () => {
    const r = await promisify(execFile)(process.execPath, [distEntry('cli/main.js'), 'doctor', '--json']);
    const doc = JSON.parse(r.stdout) as {
      features: { name: string; present: boolean }[];
      paths: { feature: string; path: string }[];
      tools: { name: string; found: boolean }[];
    };
    const feat = (n: string) => doc.features.find((f) => f.name === n)?.present;
    const netem = kernelConfig('NET_SCH_NETEM');
    if (netem !== null) expect(feat('netem')).toBe(netem);
    const mip6 = kernelConfig('IPV6_MIP6');
    if (mip6 !== null) expect(feat('mip6')).toBe(mip6);
    // The rest of the features labs detect (src/lab/kernel.ts), against the same configuration.
    const config: [string, boolean | null][] = [
      ['tbf', kernelConfig('NET_SCH_TBF')],
      ['ip6tnl', kernelConfig('IPV6_TUNNEL')],
      ['optimisticDad', kernelConfig('IPV6_OPTIMISTIC_DAD')],
      ['nftables', both(kernelConfig('NF_TABLES'), kernelConfig('NF_TABLES_IPV6'))],
      ['nftFib', both(kernelConfig('NF_TABLES_IPV6'), kernelConfig('NFT_FIB_IPV6'))],
    ];
    for (const [name, want] of config) if (want !== null) expect(feat(name), name).toBe(want);
    const path = doc.paths.find((p) => p.feature === 'link impairments')!.path;
    expect(path).toMatch(feat('netem') ? /netem/ : /relay/);
    expect(doc.tools.find((t) => t.name === 'ip')?.found).toBe(true);
  });
});
