import { describe, expect, it } from 'vitest';
import { planScenario } from './realtime.js';
import { buildRecords } from './records.js';
import {
  type ApplierReport,
  applierLine,
  type LinkEvent,
  matchWitness,
  type PlannedAction,
  parseApplierLine,
  parseLinkShow,
  parseMonitorLine,
  quantile,
  transitions,
} from './schedule.js';

const T0_MONO = 5_000_000_000n;
const T0_REAL = 1_800_000_000_000_000_000n;
const ctx = {
  lab: 'x',
  t0MonoNs: T0_MONO,
  socketOf: (n: string) => `/run/mipshop-lab/x/${n}.sock`,
  apFields: (ap: string) => ({ ap, bssid: '02:00:00:00:00:02', prefix: '2001:db8:2::/64' }),
};

describe('planScenario', () => {
  it('gives each event its absolute CLOCK_MONOTONIC deadline, in time order, ties in file order; an attach follows its detach', () => {
    const plan = planScenario(
      [
        { atMs: 3100, action: { kind: 'attach', node: 'mn', ap: 'ap2' } },
        { atMs: 2900.5, action: { kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap2' } },
        { atMs: 3000, action: { kind: 'detach', node: 'mn' } },
      ],
      ctx,
    );
    expect(plan.map(applierLine)).toEqual([
      'at 0 7900500000 send /run/mipshop-lab/x/mn.sock {"op":"l2","event":"link-going-down","ap":"ap2","bssid":"02:00:00:00:00:02","prefix":"2001:db8:2::/64","id":"tl-0"}',
      // The detach leaves the port, down, on the next AP's bridge: the attach is then one request.
      'at 1 8000000000 detach wmn ap2',
      // The gap from the detach is kept; the absolute deadline only if the detach fails.
      'follow 2 1 100000000 8100000000 attach wmn ap2',
    ]);
  });

  it('an isolated AP: its attach, and the detach that parks the port on its bridge, isolate the port', () => {
    const plan = planScenario(
      [
        { atMs: 3000, action: { kind: 'detach', node: 'mn' } },
        { atMs: 3100, action: { kind: 'attach', node: 'mn', ap: 'ap2' } },
        { atMs: 4000, action: { kind: 'detach', node: 'mn' } },
        { atMs: 4100, action: { kind: 'attach', node: 'mn', ap: 'ap1' } },
      ],
      { ...ctx, isolated: (ap: string) => ap === 'ap2' },
    );
    expect(plan.map(applierLine)).toEqual([
      'at 0 8000000000 detach wmn ap2 isolated',
      'follow 1 0 100000000 8100000000 attach wmn ap2 isolated',
      'at 2 9000000000 detach wmn ap1',
      'follow 3 2 100000000 9100000000 attach wmn ap1',
    ]);
  });

  it('places an AP event after the action it follows, timed from that action', () => {
    const plan = planScenario([{ atMs: 1000, action: { kind: 'detach', node: 'mn' } }], {
      ...ctx,
      followUps: (a) =>
        a.kind === 'detach'
          ? [
              {
                delayMs: 5,
                action: { kind: 'ap-event', ap: 'ap1', router: 'ar1', event: 'station-left', station: a.node },
              },
            ]
          : [],
    });
    expect(plan.map(applierLine)).toEqual([
      'at 0 6000000000 detach wmn',
      'after 1 0 5000000 send /run/mipshop-lab/x/ar1.sock {"op":"l2","event":"station-left","ap":"ap1","station":"mn","atNs":"@REF_REAL_NS@","lastFrame":"@LAST_FRAME@","id":"tl-1"}',
    ]);
  });
});

describe('the applier output', () => {
  it('reads each kind of line and nothing else', () => {
    expect(parseApplierLine('ready 1 2')).toEqual({ kind: 'ready', monoNs: 1n, realNs: 2n });
    expect(parseApplierLine('applied 3 10 20 30')).toEqual({
      kind: 'applied',
      id: 3,
      startMonoNs: 10n,
      monoNs: 20n,
      realNs: 30n,
    });
    expect(parseApplierLine('failed 4 20 30 No such device')).toMatchObject({ id: 4, reason: 'No such device' });
    expect(parseApplierLine('reply {"id":"tl-0","ok":false,"error":"unknown"}')).toEqual({
      kind: 'reply',
      id: 'tl-0',
      ok: false,
      error: 'unknown',
    });
    expect(parseApplierLine('reply {not json')).toBeNull();
    expect(parseApplierLine(`last-frame 5 77 ${'ab'.repeat(40)}`)).toEqual({
      kind: 'last-frame',
      id: 5,
      realNs: 77n,
      head: 'ab'.repeat(40),
    });
    expect(parseApplierLine('last-frame 5 0 -')).toEqual({ kind: 'last-frame', id: 5, realNs: null, head: null });
    expect(parseApplierLine('last-frame 5 0 xyz')).toBeNull();
    expect(parseApplierLine('applied 3 x 20 30')).toBeNull();
    expect(parseApplierLine('applied 3 10')).toBeNull();
    expect(parseApplierLine('hello')).toBeNull();
  });
});

describe('the witness', () => {
  it('reads ip -ts -o monitor link lines: local time to the microsecond, admin state, master', () => {
    const e = parseMonitorLine(
      '[2026-12-06T12:15:33.013437] 3: wmn@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master ap2 state UP group default \\    link/ether 22:c2',
    );
    expect(e).toEqual({
      realNs: BigInt(new Date('2026-12-06T12:15:33').getTime()) * 1_000_000n + 13_437_000n,
      ifname: 'wmn',
      up: true,
      master: 'ap2',
    });
    const down = parseMonitorLine(
      '[2026-12-06T12:15:33.118457] 3: wmn: <BROADCAST,MULTICAST> mtu 1500 master ap1 state DOWN',
    );
    expect(down).toMatchObject({ up: false, master: 'ap1' });
    // LOWER_UP is not UP: the admin flag decides.
    expect(parseMonitorLine('[2026-12-06T12:15:33.000001] 3: wmn: <NO-CARRIER,LOWER_UP> mtu 1500')?.up).toBe(false);
    expect(parseMonitorLine('[2026-12-06T12:15:33.121636] Deleted 3: wmn: <BROADCAST> mtu 1500')).toBeNull();
    expect(parseMonitorLine('garbage')).toBeNull();
  });

  const ev = (ms: number, up: boolean, ifname = 'wmn'): LinkEvent => ({
    realNs: T0_REAL + BigInt(ms * 1e6),
    ifname,
    up,
    master: null,
  });

  it('keeps only changes of the admin state, per link', () => {
    const evs = [ev(1, false), ev(1.1, false), ev(2, false, 'wmn2'), ev(20, true), ev(20.1, true)];
    expect(transitions(evs)).toEqual([evs[0], evs[2], evs[3]]);
  });

  it('pairs each link action with the nearest transition of its direction, each used once', () => {
    const m = matchWitness(
      [
        { id: 1, ifname: 'wmn', up: false, realNs: T0_REAL + 100_000_000n },
        { id: 2, ifname: 'wmn', up: true, realNs: T0_REAL + 120_000_000n },
        { id: 3, ifname: 'wmn', up: false, realNs: T0_REAL + 200_000_000n },
      ],
      [ev(100.05, false), ev(123, true), ev(200.01, false)],
    );
    expect(m.get(1)?.disagreementMs).toBeCloseTo(0.05, 6);
    expect(m.get(2)?.disagreementMs).toBeCloseTo(3, 6);
    expect(m.get(3)?.realNs).toBe(T0_REAL + 200_010_000n);
  });

  it('pairs in order, so a witness reading 10 ms late behind changes 5 ms apart still pairs each with its own', () => {
    const applied = Array.from({ length: 8 }, (_, i) => ({
      id: i,
      ifname: 'wmn',
      up: i % 2 === 1,
      realNs: T0_REAL + BigInt(i) * 5_000_000n,
    }));
    const m = matchWitness(
      applied,
      applied.map((a) => ev(Number(a.realNs - T0_REAL) / 1e6 + 10, a.up)),
      new Map([['wmn', true]]),
    );
    expect([...m.values()].map((w) => w.disagreementMs)).toEqual(Array(8).fill(10));
  });

  it('starts from the links as ip link show gave them: an event that changes nothing is no transition', () => {
    const initial = parseLinkShow(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n7: wmn@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master ap1 state UP\n',
    );
    expect(initial).toEqual(
      new Map([
        ['lo', true],
        ['wmn', true],
      ]),
    );
    // A bridge's report about the port (still up) comes before the detach.
    expect(transitions([ev(1, true), ev(2, false)], initial)).toEqual([ev(2, false)]);
    expect(transitions([ev(1, true), ev(2, false)])).toHaveLength(2);
  });

  it('leaves an action the witness never saw unmatched', () => {
    expect(matchWitness([{ id: 1, ifname: 'wmn', up: false, realNs: T0_REAL }], [ev(0, true)]).size).toBe(0);
  });
});

describe('buildRecords', () => {
  // The clock is injected: t0 is T0_MONO on CLOCK_MONOTONIC and T0_REAL on CLOCK_REALTIME.
  const clock = { t0MonoNs: T0_MONO, t0RealNs: T0_REAL };
  const mono = (ms: number) => T0_MONO + BigInt(Math.round(ms * 1e6));
  const real = (ms: number) => T0_REAL + BigInt(Math.round(ms * 1e6));
  const plan: PlannedAction[] = [
    { id: 0, action: { kind: 'detach', node: 'mn' }, at: { monoNs: mono(100) }, op: { kind: 'detach', ifname: 'wmn' } },
    {
      id: 1,
      action: { kind: 'ap-event', ap: 'ap1', router: 'ar1', event: 'station-left', station: 'mn' },
      at: { after: 0, delayNs: 5_000_000n },
      op: { kind: 'send', socket: '/s', request: { op: 'l2' } },
    },
    {
      id: 2,
      action: { kind: 'attach', node: 'mn', ap: 'ap2' },
      at: { monoNs: mono(120) },
      op: { kind: 'attach', ifname: 'wmn', bridge: 'ap2' },
    },
    {
      id: 3,
      action: { kind: 'trigger', node: 'mn', trigger: 'link-up' },
      at: { monoNs: mono(130) },
      op: { kind: 'send', socket: '/m', request: { op: 'l2' } },
    },
  ];
  const reports: ApplierReport[] = [
    { kind: 'applied', id: 0, startMonoNs: mono(100.01), monoNs: mono(100.2), realNs: real(100.2) },
    { kind: 'applied', id: 1, startMonoNs: mono(105.2), monoNs: mono(105.21), realNs: real(105.21) },
    { kind: 'reply', id: 'tl-1', ok: true },
    { kind: 'applied', id: 2, startMonoNs: mono(120.01), monoNs: mono(120.3), realNs: real(120.3) },
    { kind: 'applied', id: 3, startMonoNs: mono(130), monoNs: mono(130.02), realNs: real(130.02) },
    { kind: 'reply', id: 'tl-3', ok: false, error: 'unknown event' },
  ];

  it('uses the witness for link changes, the applier for sends, and schedules derived actions from their reference', () => {
    const witness: LinkEvent[] = [
      { realNs: real(100.19), ifname: 'wmn', up: false, master: 'ap1' },
      { realNs: real(123.3), ifname: 'wmn', up: true, master: 'ap2' },
    ];
    const recs = buildRecords(plan, reports, [witness], clock);
    expect(recs[0]).toMatchObject({ atMs: 100, timeSource: 'witness', appliedNs: String(real(100.19)) });
    expect(recs[0]!.disagreementMs).toBeCloseTo(-0.01, 6);
    expect(recs[0]!.applierNs).toBe(String(real(100.2)));
    expect(recs[1]).toMatchObject({ timeSource: 'applier', after: { index: 0, delayMs: 5 } });
    expect(recs[1]!.atMs).toBeCloseTo(105.2, 6);
    expect(recs[1]!.error).toBeUndefined();
    expect(recs[2]!.disagreementMs).toBeCloseTo(3, 6);
    expect(recs[3]!.error).toBe('agent refused: unknown event');
  });

  it('takes the earliest stamp among the witness readers (a reader on a stalled CPU stamps late)', () => {
    const early: LinkEvent[] = [{ realNs: real(100.21), ifname: 'wmn', up: false, master: null }];
    const late: LinkEvent[] = [{ realNs: real(140), ifname: 'wmn', up: false, master: null }];
    const recs = buildRecords(plan.slice(0, 1), reports.slice(0, 1), [late, early], clock);
    expect(recs[0]!.appliedNs).toBe(String(real(100.21)));
    expect(recs[0]!.disagreementMs).toBeCloseTo(0.01, 6);
  });

  it('times an attach that follows its detach from the detach, or from its own deadline when the detach failed', () => {
    const follow: PlannedAction[] = [
      plan[0]!,
      {
        id: 2,
        action: { kind: 'attach', node: 'mn', ap: 'ap2' },
        at: { after: 0, delayNs: 20_000_000n, fallbackMonoNs: mono(120) },
        op: { kind: 'attach', ifname: 'wmn', bridge: 'ap2' },
      },
    ];
    const late: ApplierReport = {
      kind: 'applied',
      id: 0,
      startMonoNs: mono(100),
      monoNs: mono(140),
      realNs: real(140),
    };
    expect(buildRecords(follow, [late], null, clock)[1]!.atMs).toBeCloseTo(160, 6);
    const failed: ApplierReport = { kind: 'failed', id: 0, monoNs: mono(100), realNs: real(100), reason: 'x' };
    expect(buildRecords(follow, [failed], null, clock)[1]!.atMs).toBe(120);
  });

  it('falls back to the applier without a witness, and says what never happened', () => {
    const recs = buildRecords(plan, reports.slice(0, 3), null, clock);
    expect(recs[0]).toMatchObject({ timeSource: 'applier', appliedNs: String(real(100.2)) });
    expect(recs[2]!.error).toBe('never applied');
    expect(recs[3]!.error).toBe('never applied');
  });

  it('records a failed action and the follow-up that could not be timed', () => {
    const recs = buildRecords(
      plan.slice(0, 2),
      [
        { kind: 'failed', id: 0, monoNs: mono(100.1), realNs: real(100.1), reason: 'No such device' },
        { kind: 'failed', id: 1, monoNs: mono(100.1), realNs: real(100.1), reason: 'reference failed' },
      ],
      [[]],
      clock,
    );
    expect(recs.map((r) => r.error)).toEqual(['No such device', 'reference failed']);
    expect(Number.isNaN(recs[1]!.atMs)).toBe(true);
  });
});

describe('quantile', () => {
  it('is the nearest-rank quantile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
