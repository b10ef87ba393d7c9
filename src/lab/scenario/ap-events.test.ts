import { describe, expect, it } from 'vitest';
import type { L2TriggerEvent } from '../../agent/roles/role.js';
import { addAp, addNode, addRadio, emptyLab } from '../net/fixtures.js';
import { ApEventSource, scheduleApEvent } from './ap-events.js';

/** A lab with ar1 (ap1) and ar2 (ap2), both access routers with agents, and mn on ap1. */
function lab() {
  const l = emptyLab('t');
  addNode(l, 'ar1', ['par', 'nar']);
  addNode(l, 'ar2', ['par', 'nar']);
  addNode(l, 'cr', ['router']);
  addAp(l, 'ap1', 'ar1', 'ap1', 'fd00:1:a1');
  addAp(l, 'ap2', 'ar2', 'ap2', 'fd00:1:a2');
  addAp(l, 'ap3', 'cr', 'ap3', 'fd00:1:a3');
  addNode(l, 'mn', ['mobile', 'mobile-node']);
  const radio = addRadio(l, 'mn', 'ap1');
  return { l, mac: radio.mac.toLowerCase() };
}

/** Virtual clocks: `now` in ns moves with the monotonic ms clock the scheduler sleeps on. */
function clocks(startNs: bigint) {
  let ms = 0;
  return {
    clock: { now: () => (ms += 0.5) },
    now: () => startNs + BigInt(Math.round(ms * 1e6)),
  };
}

describe('AP station reports (RFC 4260 §4)', () => {
  it("sends station-left to the old AP's router notifyLatency after the applied detach, with the time it left", async () => {
    const { l, mac } = lab();
    l.aps[0]!.notifyLatencyMs = 7;
    const sent: [string, L2TriggerEvent][] = [];
    const t0 = 1_000_000_000_000n;
    const rec = await scheduleApEvent(
      { lab: l, send: async (r, e) => void sent.push([r, e]), ...clocks(t0) },
      { change: 'detach', node: 'mn', ap: 'ap1', appliedNs: t0, startedNs: t0 - 2_000_000n },
    );
    expect(sent).toEqual([['ar1', { event: 'station-left', ap: 'ap1', station: mac, atNs: String(t0 - 2_000_000n) }]]);
    expect(rec).toMatchObject({ kind: 'ap-event', router: 'ar1', scheduledNs: String(t0 + 7_000_000n) });
    expect(BigInt(rec!.appliedNs)).toBeGreaterThanOrEqual(t0 + 7_000_000n);
    expect(rec!.atSource).toBe('change-started');
  });

  it('takes the leave from the last frame the AP sent the station when a witness saw one', async () => {
    const { l } = lab();
    const t0 = 1_000_000_000_000n;
    const sent: L2TriggerEvent[] = [];
    const head = Buffer.alloc(48, 0xab);
    const witness = { lastFrameAtOrBefore: () => ({ ns: t0 - 500_000n, head }), close() {} };
    const rec = await scheduleApEvent(
      { lab: l, witness, send: async (_r, e) => void sent.push(e), ...clocks(t0) },
      { change: 'detach', node: 'mn', ap: 'ap1', appliedNs: t0, startedNs: t0 - 2_000_000n },
    );
    expect(sent[0]!.atNs).toBe(String(t0 - 500_000n + 1n));
    // The frame itself, hop limit zeroed, so the PAR can find it among its copies.
    expect(sent[0]!.lastFrame).toBe(
      Buffer.concat([Buffer.alloc(7, 0xab), Buffer.alloc(1), Buffer.alloc(40, 0xab)]).toString('hex'),
    );
    expect(rec!.atSource).toBe('last-frame');
  });

  it('follows the AP across detach/attach, records a refused report, and tells no router without an agent', async () => {
    const { l, mac } = lab();
    const sent: [string, string][] = [];
    const src = new ApEventSource({
      lab: l,
      send: async (r, e) => {
        sent.push([r, e.event]);
        if (r === 'ar2') throw new Error('refused');
      },
      ...clocks(5n),
    });
    src.detached('mn', 5n);
    src.attached('mn', 'ap2', 6n);
    src.attached('mn', 'ap3', 7n); // straight from ap2 to ap3 (cr runs no agent)
    const recs = await src.records();
    // Deliveries run side by side (each waits for its own time); the records come back in time order.
    expect(sent.map((x) => x.join(' ')).sort()).toEqual(['ar1 station-left', 'ar2 station-joined', 'ar2 station-left']);
    expect(recs.map((r) => [r.event, r.ap, r.error ?? null])).toEqual([
      ['station-left', 'ap1', null],
      ['station-joined', 'ap2', 'refused'],
      ['station-left', 'ap2', 'refused'],
    ]);
    expect(recs.every((r) => r.station === mac)).toBe(true);
  });
});
