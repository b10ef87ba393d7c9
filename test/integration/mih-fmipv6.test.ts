// topologies/mih-fmipv6.yaml: MIH drives an FMIPv6 handover. The lab's L2 says only "link going
// down"; the mobile node's MIH function picks the target AP from the Information Service's answer,
// reports MIH_Link_Going_Down to the MoS over TLS and hands the trigger to FMIPv6, whose predictive
// handover then loses nothing of 200 packets/s each way.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendControl } from '../../src/agent/control-client.js';
import { Lab } from '../../src/lab/lab.js';
import { controlSocketPath } from '../../src/lab/names.js';
import { uniqueLabName } from '../support/lab-names.js';
import { leftovers } from '../support/leftovers.js';
import { mihShark } from '../support/mih-tshark.js';
import { checkPrereqs } from '../support/prereq.js';

const missing = checkPrereqs({ root: true, tools: ['ip', 'kea-dhcp6', 'named', 'tshark', 'tcpdump', 'openssl'] });

interface Handover {
  atMs: number;
  from: string | null;
  target: string;
  messages: { message: string; to: string; atMs: number }[];
}

describe.skipIf(missing)(
  'MIH drives FMIPv6: the target from the Information Service, the move from Link_Going_Down',
  () => {
    it('hands over predictively to the AP the IS named, losing nothing at 200 packets/s', async () => {
      const name = uniqueLabName('mfm');
      const out = path.join(mkdtempSync(path.join(tmpdir(), 'mlab-mihfm-')), name);
      const lab = await Lab.up(path.resolve('topologies/mih-fmipv6.yaml'), { name, outDir: out });
      const bssid = (ap: string) => lab.lab.aps.find((a) => a.name === ap)!.bssid;
      let handovers: Handover[] = [];
      let fmn: { events?: { name: string }[] } = {};
      let mosCounters: Record<string, number> = {};
      let result: Awaited<ReturnType<typeof lab.run>>;
      try {
        result = await lab.run();
        const st = (node: string) =>
          sendControl(controlSocketPath(name, node), { op: 'status' }, 2000) as unknown as Promise<{
            status: { state: Record<string, unknown>; counters: Record<string, Record<string, number>> };
          }>;
        const mn = await st('mn');
        handovers = (mn.status.state.mihf as { handovers: Handover[] }).handovers;
        fmn = mn.status.state['fmipv6-mobile-node'] as typeof fmn;
        mosCounters = (await st('mos')).status.counters.mos!;
      } finally {
        await lab.down();
      }
      expect(leftovers(name)).toEqual([]);
      expect(result.passed, JSON.stringify(result.results.expectations)).toBe(true);

      // One handover, from ap1 to ap2 (the AP of the other FMIPv6 network the IS listed), its MIH
      // messages in order: the local indication, then the remote one to the MoS.
      expect(handovers).toHaveLength(1);
      const h = handovers[0]!;
      expect(h).toMatchObject({ from: bssid('ap1'), target: bssid('ap2') });
      expect(h.messages.map((m) => `${m.message}>${m.to}`)).toEqual([
        'MIH_Link_Going_Down.indication>local',
        'MIH_Link_Going_Down.indication>mos',
      ]);
      expect(h.messages[1]!.atMs).toBeGreaterThanOrEqual(h.messages[0]!.atMs);
      expect(mosCounters['mih.tcp.received.link-going-down-indication']).toBe(1);
      // results.json lists the same handover with its MIH messages, timed within the run.
      const reported = result.results.agents?.mn?.mihHandovers ?? [];
      expect(reported).toHaveLength(1);
      expect(reported[0]).toMatchObject({ from: bssid('ap1'), target: bssid('ap2') });
      const start = Date.parse(result.results.startedAt);
      const offset = reported[0]!.atUnixMs - start;
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThan(result.results.durationMs);
      // FMIPv6 ran predictively toward that AP: RtSolPr, PrRtAdv, FBU, FBack, then the UNA on the new link.
      const names = (fmn.events ?? []).map((e) => e.name);
      for (const step of ['rtsolpr-sent', 'prrtadv-received', 'fbu-sent', 'fback-received', 'handover-complete'])
        expect(names).toContain(step);

      // The indication travels inside the TLS session opened at `up`, before the capture started, so
      // tshark cannot decrypt it here (mih-lab and mih-tls decrypt whole sessions): the MoS's capture
      // holds one TLS application data record from mn at the trigger, and no MIH in clear.
      const pcaps = readdirSync(path.join(out, 'pcap'));
      const mosPcap = path.join(out, 'pcap', pcaps.find((f) => f.startsWith('mos-'))!);
      expect(mihShark(mosPcap, 'mih', ['frame.number'])).toEqual([]);
      const records = mihShark(mosPcap, 'tls.record.content_type == 23 && tcp.dstport == 4551', [
        'frame.time_relative',
      ]);
      expect(records).toHaveLength(1);
    }, 120_000);
  },
);
