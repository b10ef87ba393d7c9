import { describe, expect, it } from 'vitest';
import { loadLab, loadLabText } from './load.js';
import { labFileErrorOf } from './testing/lab-file-error.js';
import { mergeSettings } from './profiles.js';

const FILE = 'topologies/profiles.yaml';

const BASE = `name: t1
duration: 6s
nodes:
  r1: { roles: [par, nar] }
  mn:
    roles: [mobile-node]
    radio: { ap: ap1 }
    agent:
      mobile-node: { homeAddress: "fd00:1::100", homeAgent: "fd00:1::1", nai: mn@t1.lab, spi: 1000, key: "00" }
      fmipv6: { enabled: true }
aps:
  ap1: { router: r1 }
profiles:
  mipv6:
    nodes:
      mn: { agent: { fmipv6: { enabled: false } } }
  reactive:
    nodes:
      mn: { agent: { fmipv6: { mode: reactive } } }
  bare:
    nodes:
      mn: { roles: [mobile], agent: { fmipv6: null, mobile-node: null } }
`;

const errorOf = (text: string, profile?: string) =>
  labFileErrorOf(text, FILE, profile === undefined ? {} : { profile });

/** 1-based line of the first line of `text` holding `needle`. */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

const mnAgent = (profile?: string) =>
  loadLabText(BASE, FILE, profile === undefined ? {} : { profile }).nodes.find((n) => n.name === 'mn')!;

describe('profiles', () => {
  it('without a profile the lab is as written, and lists its profiles', () => {
    const lab = loadLabText(BASE, FILE);
    expect(lab.profiles).toEqual(['mipv6', 'reactive', 'bare']);
    expect(lab.profile).toBeUndefined();
    expect(mnAgent().agent).toMatchObject({ fmipv6: { enabled: true } });
  });

  it('agent settings merge key by key; roles replace; null removes', () => {
    expect(mnAgent('mipv6').agent).toMatchObject({
      fmipv6: { enabled: false },
      'mobile-node': { homeAddress: 'fd00:1::100' },
    });
    expect(mnAgent('reactive').agent).toMatchObject({ fmipv6: { enabled: true, mode: 'reactive' } });
    const bare = mnAgent('bare');
    expect(bare.agent).toEqual({});
    expect(loadLabText(BASE, FILE, { profile: 'bare' }).profile).toBe('bare');
  });

  it('mergeSettings leaves its inputs alone', () => {
    const base = { a: { b: 1, c: [1] }, d: 2 };
    expect(mergeSettings(base, { a: { c: [2] }, d: null })).toEqual({ a: { b: 1, c: [2] } });
    expect(base).toEqual({ a: { b: 1, c: [1] }, d: 2 });
  });

  it('an unknown profile is refused with the names the lab has', () => {
    expect(errorOf(BASE, 'pmipv6').message).toBe(
      `${FILE} profiles: no profile "pmipv6": expected one of mipv6, reactive, bare`,
    );
  });

  it('a profile naming a node the lab lacks: file, line, path', () => {
    const text = BASE.replace('      mn: { agent: { fmipv6: { enabled: false } } }', '      mx: { agent: {} }');
    const e = errorOf(text);
    expect(e.issues).toEqual([
      {
        file: FILE,
        line: lineOf(text, 'mx:'),
        col: 7,
        path: 'profiles.mipv6.nodes.mx',
        message: 'expected one of the lab\'s nodes (r1, mn), got "mx"',
      },
    ]);
  });

  it("a wrong agent setting in a profile is placed at the profile's line, whichever profile is asked for", () => {
    const text = BASE.replace('mode: reactive', 'mode: sideways');
    const e = errorOf(text, 'mipv6');
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({
      file: FILE,
      line: lineOf(text, 'sideways'),
      path: 'profiles.reactive.nodes.mn.agent.fmipv6.mode',
    });
    expect(e.issues[0]!.message).toBe(
      'under profile reactive: expected one of "predictive", "reactive", got "sideways"',
    );
  });

  it('a mistyped key in a profile', () => {
    const text = BASE.replace('mn: { roles: [mobile], agent', 'mn: { role: [mobile], agent');
    expect(errorOf(text).issues[0]).toMatchObject({
      line: lineOf(text, 'role:'),
      path: 'profiles.bare.nodes.mn.role',
      message: 'unknown key "role"',
    });
  });

  it('the shipped predictive lab holds mipv6, fmipv6-predictive and fmipv6-reactive', async () => {
    const lab = await loadLab('topologies/fmipv6-predictive.yaml', { profile: 'fmipv6-reactive' });
    expect(lab.profiles).toEqual(['mipv6', 'fmipv6-predictive', 'fmipv6-reactive']);
    expect(lab.nodes.find((n) => n.name === 'mn')!.agent).toMatchObject({
      fmipv6: { enabled: true, mode: 'reactive' },
    });
    const plain = await loadLab('topologies/fmipv6-predictive.yaml', { profile: 'mipv6' });
    expect(plain.nodes.find((n) => n.name === 'mn')!.agent).toMatchObject({ fmipv6: { enabled: false } });
    // Everything but the nodes' agents is the same under every profile.
    const pred = await loadLab('topologies/fmipv6-predictive.yaml', { profile: 'fmipv6-predictive' });
    expect(plain.scenario).toEqual(pred.scenario);
    expect(plain.links).toEqual(pred.links);
    expect(plain.traffic).toEqual(pred.traffic);
  });
});
