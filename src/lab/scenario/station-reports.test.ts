import { describe, expect, it } from 'vitest';
import type { ResolvedLab } from '../topology/types.js';
import { stationReportFollowUps } from './station-reports.js';

const radio = (ap?: string) => ({
  name: 'wlan0',
  kind: 'radio' as const,
  mac: '02:AA:00:00:00:01',
  addresses: [],
  ...(ap ? { ap } : {}),
});
const lab = {
  aps: [
    { name: 'ap1', router: 'ar1', notifyLatencyMs: 5 },
    { name: 'ap2', router: 'ar2', notifyLatencyMs: 7 },
    { name: 'ap3', router: 'plain', notifyLatencyMs: 5 },
  ],
  nodes: [
    { name: 'mn', roles: ['mobile-node'], routerAdvertisements: [], interfaces: [radio('ap1')] },
    { name: 'ar1', roles: ['par', 'nar'], routerAdvertisements: [], interfaces: [] },
    { name: 'ar2', roles: ['par', 'nar'], routerAdvertisements: [], interfaces: [] },
    { name: 'plain', roles: ['router'], routerAdvertisements: [], interfaces: [] },
  ],
} as unknown as Pick<ResolvedLab, 'aps' | 'nodes'>;

describe('station reports on the real-time timeline', () => {
  it('a detach reports station-left to the router of the AP the node was on, an attach station-joined to the new one', () => {
    const f = stationReportFollowUps(lab);
    expect(f({ kind: 'trigger', node: 'mn', trigger: 'link-going-down', ap: 'ap2' })).toEqual([]);
    expect(f({ kind: 'detach', node: 'mn' })).toEqual([
      {
        delayMs: 5,
        action: { kind: 'ap-event', ap: 'ap1', router: 'ar1', event: 'station-left', station: '02:aa:00:00:00:01' },
      },
    ]);
    expect(f({ kind: 'attach', node: 'mn', ap: 'ap2' })).toEqual([
      {
        delayMs: 7,
        action: { kind: 'ap-event', ap: 'ap2', router: 'ar2', event: 'station-joined', station: '02:aa:00:00:00:01' },
      },
    ]);
    // The next detach leaves ap2.
    expect(f({ kind: 'detach', node: 'mn' })[0]?.action.router).toBe('ar2');
  });

  it('no report to a router that runs no agent', () => {
    const f = stationReportFollowUps(lab);
    f({ kind: 'detach', node: 'mn' });
    expect(f({ kind: 'attach', node: 'mn', ap: 'ap3' })).toEqual([]);
  });
});
