// The scenario's timeline to the millisecond: detach/attach pairs 20 ms and 80 ms apart, applied by
// the real-time helper and seen by the independent witness (ip monitor in the air), land within
// 2 ms of their schedule; a derived action follows its reference's applied time as precisely.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, type StartedLab } from '../../src/lab/lab.js';
import { startRealtimeTimeline, TIMELINE_HELPER } from '../../src/lab/scenario/realtime.js';
import type { PlannedAction } from '../../src/lab/scenario/schedule.js';
import { dockerMissing } from '../support/docker.js';
import { uniqueLabName } from '../support/lab-names.js';
import { checkPrereqs } from '../support/prereq.js';

// The helper is built with the addon (binding.gyp); a missing one fails the test, it does not skip it.
const missing = checkPrereqs({ root: true, tools: ['ip', 'chrt'] });

/** Pairs at 20 ms and 80 ms gaps, alternating APs, 300 ms apart. */
function pairs(): { at: number; gap: number; ap: string }[] {
  const out = [];
  for (let i = 0; i < 8; i++) out.push({ at: 500 + 300 * i, gap: i % 2 ? 80 : 20, ap: i % 2 ? 'ap1' : 'ap2' });
  return out;
}

function labYaml(name: string): string {
  const scenario = pairs()
    .flatMap((p) => [
      `  - { at: ${p.at}ms, detach: mn }`,
      `  - { at: ${p.at + p.gap}ms, attach: { node: mn, ap: ${p.ap} } }`,
    ])
    .join('\n');
  return `name: ${name}
duration: 3.5s
nodes:
  r1: { roles: [router] }
  mn:
    roles: [mobile]
    radio: { ap: ap1 }
aps:
  ap1: { router: r1 }
  ap2: { router: r1 }
capture: []
scenario:
  - { at: 400ms, trigger: { node: mn, event: link-going-down, ap: ap2 } }
${scenario}
`;
}

/** The witnessed gaps of a run of labYaml, each within 2 ms of the scheduled one. */
function expectGapsHeld(results: Awaited<ReturnType<StartedLab['run']>>['results']): void {
  expect(results.handovers.map((h) => h.scheduledL2GapMs)).toEqual(pairs().map((p) => p.gap));
  for (const h of results.handovers) {
    expect(h.l2GapSource).toBe('witness');
    expect(Math.abs(h.l2GapMs - h.scheduledL2GapMs!), JSON.stringify(h)).toBeLessThanOrEqual(2);
  }
}

describe.skipIf(missing)('timeline (real-time applier and witness)', () => {
  let lab: StartedLab;
  const dir = mkdtempSync(path.join(tmpdir(), 'mlab-timeline-'));

  beforeAll(async () => {
    const name = uniqueLabName();
    const file = path.join(dir, 'lab.yaml');
    writeFileSync(file, labYaml(name));
    lab = await Lab.up(file, { name, outDir: path.join(dir, 'out') });
  }, 60_000);
  afterAll(async () => {
    await lab?.down();
  });

  it('each witnessed L2 gap is within 2 ms of the scheduled one (20 ms and 80 ms)', async () => {
    const { results } = await lab.run();
    const gaps = pairs().map((p) => p.gap);
    expectGapsHeld(results);
    // Every action was begun within 2 ms of its schedule and took effect no earlier. (How long the
    // kernel then takes is not the timeline's: a link change waits for rtnl_lock, which other labs
    // hold, seen up to 57 ms; the attach's follow keeps the gap, checked above.)
    // The scenario's actions, then each detach's and attach's station report to the AP's router.
    const reports = results.scenario.filter((s) => s.action.kind === 'ap-event');
    expect(results.scenario.length - reports.length).toBe(1 + 2 * gaps.length);
    expect(reports).toHaveLength(2 * gaps.length);
    for (const s of results.scenario) {
      expect(s.error, JSON.stringify(s)).toBeUndefined();
      expect(s.startedMs! - s.scheduledMs!, JSON.stringify(s)).toBeGreaterThanOrEqual(0);
      expect(s.startedMs! - s.scheduledMs!, JSON.stringify(s)).toBeLessThanOrEqual(2);
      expect(s.lateMs!, JSON.stringify(s)).toBeGreaterThanOrEqual(0);
    }
    expect(results.scenario[0]!.timeSource).toBe('applier');
  }, 60_000);

  it('an orchestrator that reads nothing for 2 s (its event loop blocked) changes no time', async () => {
    const tl = await startRealtimeTimeline(lab.name);
    try {
      const t0 = process.hrtime.bigint();
      // 100 link changes, 19 ms apart: the witness's lines (about 1 KB per change) are more than a
      // pipe holds while nobody reads them.
      const plan: PlannedAction[] = Array.from({ length: 100 }, (_, i) => ({
        id: i,
        action: i % 2 ? { kind: 'attach', node: 'mn', ap: 'ap1' } : { kind: 'detach', node: 'mn' },
        at: { monoNs: t0 + 100_000_000n + BigInt(i) * 19_000_000n },
        op: i % 2 ? { kind: 'attach', ifname: 'wmn', bridge: 'ap1' } : { kind: 'detach', ifname: 'wmn' },
      }));
      const done = tl.run(plan, t0);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_000);
      const recs = await done;
      expect(recs.filter((r) => r.error || r.timeSource !== 'witness')).toEqual([]);
      // With pipes, the witness stopped on a full one and stamped the later changes late. Witness
      // against applier leaves out what delays both alike (the kernel's rtnl_lock, held by other labs).
      const apart = recs.map((r) => Math.abs(r.disagreementMs!)).sort((a, b) => a - b);
      expect(apart[Math.ceil(0.99 * apart.length) - 1]).toBeLessThanOrEqual(2);
    } finally {
      tl.close();
    }
  }, 30_000);

  it('a derived action is applied its delay after its reference', async () => {
    // A stand-in for the AP's router agent: records when each control line arrives.
    const sock = path.join(dir, 'router.sock');
    const arrivals: { line: string; realNs: bigint }[] = [];
    const server: Server = createServer((c) => {
      let buf = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => {
        buf += d;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          arrivals.push({ line, realNs: BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) });
          c.write(`${JSON.stringify({ id: (JSON.parse(line) as { id: string }).id, ok: true })}\n`);
        }
      });
    });
    await new Promise<void>((r) => server.listen(sock, r));
    const tl = await startRealtimeTimeline(lab.name);
    try {
      const t0 = process.hrtime.bigint();
      const plan: PlannedAction[] = [
        {
          id: 0,
          action: { kind: 'detach', node: 'mn' },
          at: { monoNs: t0 + 100_000_000n },
          op: { kind: 'detach', ifname: 'wmn' },
        },
        {
          id: 1,
          action: { kind: 'ap-event', ap: 'ap1', router: 'r1', event: 'station-left', station: 'mn' },
          at: { after: 0, delayNs: 15_000_000n },
          op: { kind: 'send', socket: sock, request: { op: 'l2', event: 'station-left', ap: 'ap1', station: 'mn' } },
        },
        {
          id: 2,
          action: { kind: 'attach', node: 'mn', ap: 'ap1' },
          at: { monoNs: t0 + 150_000_000n },
          op: { kind: 'attach', ifname: 'wmn', bridge: 'ap1' },
        },
      ];
      const recs = await tl.run(plan, t0);
      expect(recs.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
      expect(recs[0]!.timeSource).toBe('witness');
      expect(recs[1]!.after).toEqual({ index: 0, delayMs: 15 });
      // Scheduled 15 ms after the detach was applied (applier's time), delivered within 2 ms of it.
      const detachApplied = BigInt(recs[0]!.applierNs!);
      const sent = BigInt(recs[1]!.appliedNs);
      expect(Number(sent - detachApplied) / 1e6).toBeGreaterThanOrEqual(15);
      expect(Number(sent - detachApplied) / 1e6).toBeLessThanOrEqual(17);
      expect(arrivals).toHaveLength(1);
      expect(JSON.parse(arrivals[0]!.line)).toMatchObject({
        op: 'l2',
        event: 'station-left',
        ap: 'ap1',
        station: 'mn',
      });
    } finally {
      tl.close();
      server.close();
    }
  }, 30_000);
});

describe.skipIf(dockerMissing(['ip', 'chrt', 'debootstrap']))('timeline on the docker runtime', () => {
  it('applies and witnesses in the air container as on netns', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mlab-timeline-dk-'));
    const name = uniqueLabName('dk');
    const file = path.join(dir, 'lab.yaml');
    writeFileSync(file, labYaml(name));
    const lab = await Lab.up(file, { runtime: 'docker', name, outDir: path.join(dir, 'out') });
    try {
      const { results } = await lab.run();
      expect(results.runtime).toBe('docker');
      expectGapsHeld(results);
      expect(results.scenario.filter((s) => s.error)).toEqual([]);
    } finally {
      await lab.down();
    }
  }, 300_000);
});

describe('the applier refuses bad schedule lines', () => {
  it('counts each as malformed, drops it, and applies the rest', () => {
    const soon = process.hrtime.bigint() + 20_000_000n;
    const input = [
      'hello',
      `at 1 ${soon} detach`,
      `at 2 -5 detach wmn`,
      `after 3 99 1000 detach wmn`,
      `at 4 ${soon} fly wmn`,
      `at 5 ${soon} attach ${'x'.repeat(40)} ap1`,
      'x'.repeat(80_000),
      `at 6 ${soon} detach no0such0if`,
      `at 6 ${soon} detach wmn`,
      `after 7 6 1000000 send /nonexistent/sock {"op":"l2"}`,
      `follow 8 6 1000000 ${soon + 5_000_000n} detach no0such1if`,
    ].join('\n');
    const r = spawnSync(TIMELINE_HELPER, [], { input: `${input}\n`, encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('malformed'))).toEqual([
      'malformed verb',
      'malformed bad interface',
      'malformed deadline',
      'malformed unknown reference 99',
      'malformed unknown action',
      'malformed bad interface',
      'malformed line longer than 70000 bytes',
      'malformed duplicate id 6',
    ]);
    // The one good link action fails in this namespace (no such interface); the action after it cannot
    // be timed; a follow whose reference failed keeps its own deadline and is applied (and fails here).
    expect(
      lines
        .filter((l) => l.startsWith('failed'))
        .map((l) => l.split(' ').slice(0, 2).concat(l.split(' ').slice(4)).join(' ')),
    ).toEqual(['failed 6 no such interface', 'failed 7 reference failed', 'failed 8 no such interface']);
  });

  it('an action due before its predecessor on the same link waits for it, and both are applied (no hang)', () => {
    // Read in this order, 11 is 12's predecessor on wq0 (order kept per link), but 12 is due first:
    // as when the kernel held a detach back and two of one agent's reports fell due out of order.
    const t = process.hrtime.bigint();
    const input = [`at 11 ${t + 150_000_000n} detach wq0`, `at 12 ${t + 50_000_000n} detach wq0`].join('\n');
    const r = spawnSync(TIMELINE_HELPER, [], { input: `${input}\n`, encoding: 'utf8', timeout: 10_000 });
    expect(r.error, 'the applier ended').toBeUndefined();
    expect(r.status).toBe(0);
    const done = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('failed') || l.startsWith('applied'))
      .map((l) => l.split(' ')[1]);
    // Each is applied (and fails: no such interface here), the predecessor first.
    expect(done).toEqual(['11', '12']);
  });
});
