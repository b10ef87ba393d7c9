import { describe, expect, it } from 'vitest';
import { loadLab, loadLabText } from './load.js';
import { labFileErrorOf } from './testing/lab-file-error.js';

const FILE = 'topologies/broken.yaml';

/** A small valid lab; tests break one thing in it. */
const BASE = `name: t1
duration: 6s
nodes:
  cn: { roles: [host] }
  r1: { roles: [router] }
  mn:
    roles: [mobile]
    radio: { ap: ap1 }
links:
  - { endpoints: [cn, r1], delay: 20ms }
aps:
  ap1: { router: r1 }
  ap2: { router: r1 }
`;

const errorOf = (text: string) => labFileErrorOf(text, FILE);

describe('loadLabText errors name file:line:col, the YAML path and what was expected', () => {
  it('accepts the base lab', () => {
    expect(loadLabText(BASE, FILE).nodes.map((n) => n.name)).toEqual(['cn', 'r1', 'mn']);
  });

  it('a mistyped key', () => {
    const e = errorOf(BASE.replace('cn: { roles: [host] }', 'cn: { rolez: [host] }'));
    expect(e.message).toBe(`${FILE}:4:9 nodes.cn.rolez: unknown key "rolez"`);
    expect(e.issues).toEqual([{ file: FILE, line: 4, col: 9, path: 'nodes.cn.rolez', message: 'unknown key "rolez"' }]);
  });

  it('a duration without unit', () => {
    const e = errorOf(BASE.replace('delay: 20ms', 'delay: 20'));
    expect(e.message).toBe(`${FILE}:10:35 links[0].delay: expected a duration like "20ms", got "20"`);
  });

  it('a malformed duration string', () => {
    const e = errorOf(BASE.replace('duration: 6s', 'duration: 6 seconds'));
    expect(e.message).toBe(`${FILE}:2:11 duration: expected a duration like "20ms", got "6 seconds"`);
  });

  it('a link to an unknown node', () => {
    const e = errorOf(BASE.replace('endpoints: [cn, r1]', 'endpoints: [cn, r9]'));
    expect(e.message).toBe(`${FILE}:10:23 links[0].endpoints[1]: expected one of the nodes (cn, r1, mn), got "r9"`);
  });

  it('an AP whose router is not a router', () => {
    const e = errorOf(BASE.replace('ap2: { router: r1 }', 'ap2: { router: cn }'));
    expect(e.message).toBe(
      `${FILE}:13:18 aps.ap2.router: expected a node with the role router, got "cn" (roles: host)`,
    );
  });

  it('a radio on an unknown AP, and a radio on a host', () => {
    const e = errorOf(
      BASE.replace('radio: { ap: ap1 }', 'radio: { ap: ap7 }').replace(
        'cn: { roles: [host] }',
        'cn: { roles: [host], radio: {} }',
      ),
    );
    expect(e.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`)).toEqual([
      '4:24 nodes.cn.radio: a radio needs the role mobile (or mobile-node)',
      '8:18 nodes.mn.radio.ap: expected one of the APs (ap1, ap2), got "ap7"',
    ]);
  });

  it('an attach while the node is still attached (the timeline is simulated)', () => {
    const e = errorOf(`${BASE}scenario:\n  - { at: 1s, attach: { node: mn, ap: ap2 } }\n`);
    expect(e.message).toBe(`${FILE}:15:23 scenario[0].attach: "mn" is still attached to ap1 at 1s; detach it first`);
  });

  it('a detach of a node already detached, sorted by time not by position', () => {
    const e = errorOf(`${BASE}scenario:\n  - { at: 2s, detach: mn }\n  - { at: 1s, detach: mn }\n`);
    expect(e.message).toBe(`${FILE}:15:23 scenario[0].detach: "mn" is not attached to any AP at 2s`);
  });

  it('a scenario event with two actions', () => {
    const e = errorOf(`${BASE}scenario:\n  - { at: 1s, detach: mn, attach: { node: mn, ap: ap2 } }\n`);
    expect(e.message).toBe(`${FILE}:15:5 scenario[0]: expected exactly one of detach, attach, trigger`);
  });

  it('a duplicate explicit address', () => {
    const text = BASE.replace('ap1: { router: r1 }', 'ap1: { router: r1, address: "2001:db8::1/64" }').replace(
      'ap2: { router: r1 }',
      'ap2: { router: r1, address: "2001:db8::1/64" }',
    );
    expect(errorOf(text).issues.map((i) => i.message)).toContain(
      'address 2001:db8::1/64 is already used at aps.ap1.address',
    );
  });

  it('a missing key, an unknown role and an unknown traffic kind', () => {
    const text = `${BASE.replace('duration: 6s\n', '').replace('roles: [host]', 'roles: [hots]')}traffic:\n  - { kind: tcp, from: cn, to: mn }\n`;
    expect(errorOf(text).message.split('\n')).toEqual([
      `${FILE}:1:1 duration: missing key "duration": expected a duration like "20ms"`,
      `${FILE}:3:17 nodes.cn.roles[0]: expected one of "host", "router", "mobile", "access-router", "home-agent", "mobile-node", "correspondent", "par", "nar", "map", "lma", "mag", "mos", "mihf", got "hots"`,
      `${FILE}:14:13 traffic[0].kind: expected kind: udp or iperf3, got "tcp"`,
    ]);
  });

  it('a plain host with a radio (roles host, mobile) takes no L2 triggers: it runs no agent', () => {
    const text = BASE.replace('roles: [mobile]', 'roles: [host, mobile]');
    expect(loadLabText(text, FILE).nodes.find((n) => n.name === 'mn')!.roles).toEqual(['host', 'mobile']);
    const e = errorOf(`${text}scenario:\n  - { at: 2s, trigger: { node: mn, event: link-down } }\n`);
    expect(e.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'scenario[0].trigger.node: "mn" is a host (no agent): L2 triggers go to a mobile node\'s agent, except link-going-down with "ap" (reported by its AP to the AP\'s router)',
    ]);
    // RFC 5949 §4.1: link-going-down toward an AP is the serving AP's report to its router.
    const ok = `${text}scenario:\n  - { at: 2s, trigger: { node: mn, event: link-going-down, ap: ap1 } }\n`;
    expect(loadLabText(ok, FILE).scenario).toHaveLength(1);
  });

  it("lma and mag settings are read with their roles' schemas at load", () => {
    const e = errorOf(
      BASE.replace('r1: { roles: [router] }', 'r1: { roles: [mag], agent: { mag: { lma: 7 }, lma: { pool: x } } }'),
    );
    expect(e.issues.map((i) => i.path)).toEqual([
      'nodes.r1.agent.mag.lma',
      'nodes.r1.agent.mag.mobileNodes',
      'nodes.r1.agent.lma',
    ]);
  });

  it('a YAML syntax error', () => {
    const e = errorOf('name: t1\nnodes: { cn: [\n');
    expect(e.issues[0]).toMatchObject({ file: FILE, path: '' });
    expect(e.issues[0]!.line).toBeGreaterThanOrEqual(2);
    expect(e.message).toMatch(/^topologies\/broken\.yaml:\d+:\d+ invalid YAML: /);
  });

  it('a flow that outlives the lab', () => {
    const e = errorOf(`${BASE}traffic:\n  - { kind: udp, from: cn, to: mn, rate: 10pps, start: 5s, duration: 2s }\n`);
    expect(e.message).toBe(`${FILE}:15:70 traffic[0].duration: ends at 7s, after the lab's duration 6s`);
  });

  it('L2 triggers: new-ap-detected needs the AP; a trigger to a host is refused', () => {
    const e = errorOf(
      `${BASE}scenario:\n  - { at: 1s, trigger: { node: mn, event: new-ap-detected } }\n  - { at: 2s, trigger: { node: cn, event: link-down } }\n`,
    );
    expect(e.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`)).toEqual([
      '15:24 scenario[0].trigger: missing key "ap": the AP that new-ap-detected reports',
      '16:32 scenario[1].trigger.node: expected a mobile node (mn), got "cn" has no radio (role mobile)',
    ]);
    const lab = loadLabText(
      `${BASE}scenario:\n  - { at: 1.25s, trigger: { node: mn, event: link-going-down, ap: ap2 } }\n`,
      FILE,
    );
    expect(lab.scenario).toEqual([
      { atMs: 1250, action: { kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap2' } },
    ]);
  });

  it('a link with one end, a negative number', () => {
    const e = errorOf(
      `${BASE.replace('endpoints: [cn, r1]', 'endpoints: [cn]')}expectations:\n  - lost: { max: -1 }\n`,
    );
    expect(e.message.split('\n')).toEqual([
      `${FILE}:10:18 links[0].endpoints: expected at least 2 items, got a list of 1`,
      `${FILE}:15:18 expectations[0].lost.max: expected a number >= 0, got "-1"`,
    ]);
  });

  it('an expectation of an unknown kind names the kinds there are', () => {
    const e = errorOf(`${BASE}expectations:\n  - malformed: none\n`);
    expect(e.message).toBe(
      `${FILE}:15:5 expectations[0].malformed: expected one of "interruption", "lost", "loss-rate", "resumed", "address", "no-malformed", "no-icmpv6-error", "no-global-signalling", "location-privacy", "localized"`,
    );
  });

  it('expectations that name a node, AP or flow the lab does not have', () => {
    const text =
      `${BASE}traffic:\n  - { kind: udp, from: cn, to: mn, rate: 10pps }\nexpectations:\n` +
      '  - address: { node: mm, ap: ap3 }\n  - interruption: { max: 100ms, node: cn, flow: 2 }\n  - lost: { max: 0, flow: 1 }\n';
    expect(errorOf(text).message.split('\n')).toEqual([
      `${FILE}:17:22 expectations[0].address.node: expected a mobile node (mn), got "mm"`,
      `${FILE}:17:30 expectations[0].address.ap: expected one of the APs (ap1, ap2), got "ap3"`,
      `${FILE}:18:39 expectations[1].interruption.node: expected a mobile node (mn), got "cn"`,
      `${FILE}:18:49 expectations[1].interruption.flow: expected the id of a udp flow (1), got 2`,
    ]);
  });

  it('a missing file', async () => {
    await expect(loadLab('/nonexistent/lab.yaml')).rejects.toThrow(
      '/nonexistent/lab.yaml cannot read the lab file: no such file',
    );
  });
});
