// Mobile IPv6 throughput on topologies/mipv6.yaml: mn away on ap1, iperf3 TCP and UDP
// cn → mn's home address, which the home agent tunnels to the care-of address (RFC 6275 §10.4.1),
// beside the same lab without mobility in the path: cn → mn's care-of address (plain routing, the
// direct way), and cn → the home agent's address (plain routing over the same 25 ms cr–ha link the
// tunnel takes). Target: tunnelled ≥ 0.5 × routed to the care-of address (TCP and UDP).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sendControl } from '../agent/control-client.js';
import { Lab, type StartedLab } from '../lab/lab.js';
import { controlSocketPath } from '../lab/names.js';
import { PROJECT_ROOT } from '../lab/paths.js';

const SECONDS = 5;
const TARGET_RATIO = 0.5;

interface Binding {
  homeAddress: string;
  careOfAddress: string;
}

async function binding(lab: StartedLab, hoa: string): Promise<Binding | undefined> {
  const r = await sendControl(controlSocketPath(lab.name, 'ha'), { op: 'status' });
  if (!r.ok || !('status' in r) || !r.status) return undefined;
  const ha = r.status.state['home-agent'] as { bindingCache: Binding[] };
  return ha.bindingCache.find((b) => b.homeAddress === hoa);
}

/** iperf3 from cn to `dst` (server on mn): bits per second the receiver got. */
async function iperf3(
  lab: StartedLab,
  server: string,
  dst: string,
  udpBps?: number,
): Promise<{ bps: number; retransmits?: number }> {
  const udp = udpBps !== undefined;
  // Bound to the address under test: an unbound UDP server on mn would answer from its care-of
  // address (no RFC 6724 rule 4 "prefer home address" without the kernel's MIP6), which iperf3's
  // client, connected to the home address, refuses.
  const srv = lab.node(server).spawn(['iperf3', '-s', '-1', '-p', '5299', '-B', dst]);
  try {
    for (let attempt = 0; ; attempt++) {
      await new Promise((r) => setTimeout(r, 300));
      const args = [
        'iperf3',
        '-c',
        dst,
        '-p',
        '5299',
        '-t',
        String(SECONDS),
        '-J',
        ...(udp ? ['-u', '-b', String(Math.round(udpBps)), '-l', '1200'] : []),
      ];
      const r = await lab.node('cn').exec(args, { reject: false, timeoutMs: (SECONDS + 20) * 1000 });
      const j = JSON.parse(r.stdout || '{}') as {
        error?: string;
        end?: {
          sum_received?: { bits_per_second: number };
          sum_sent?: { retransmits?: number };
          sum?: { bits_per_second: number; lost_percent?: number };
        };
      };
      if (j.error && /connect|refused/i.test(j.error) && attempt < 5) continue;
      if (j.error || !j.end) throw new Error(`iperf3 ${udp ? 'UDP' : 'TCP'} to ${dst}: ${j.error ?? r.stderr}`);
      // TCP: what the server received; UDP: the server's rate of datagrams that arrived.
      if (udp) return { bps: j.end.sum!.bits_per_second * (1 - (j.end.sum!.lost_percent ?? 0) / 100) };
      return {
        bps: j.end.sum_received!.bits_per_second,
        ...(j.end.sum_sent?.retransmits !== undefined ? { retransmits: j.end.sum_sent.retransmits } : {}),
      };
    }
  } finally {
    srv.kill('SIGTERM');
    await srv.exited.catch(() => undefined);
  }
}

const mbit = (bps: number) => `${(bps / 1e6).toFixed(0).padStart(5)} Mbit/s`;

export async function run(): Promise<void> {
  const resolved = await Lab.load(path.join(PROJECT_ROOT, 'topologies/mipv6.yaml'));
  const hoa = (resolved.nodes.find((n) => n.name === 'mn')!.agent['mobile-node'] as { homeAddress: string })
    .homeAddress;
  const haAddress = resolved.nodes
    .find((n) => n.name === 'ha')!
    .interfaces.find((i) => i.kind === 'link')!
    .addresses[0]!.split('/')[0]!;
  const name = `bm${randomBytes(3).toString('hex')}`;
  const lab = await Lab.up(
    { ...resolved, scenario: [], traffic: [], expectations: [] },
    { name, outDir: mkdtempSync(path.join(tmpdir(), 'mlab-bench-mipv6-')) },
  );
  try {
    await lab.l2.detach('mn');
    await lab.l2.attach('mn', 'ap1');
    let b: Binding | undefined;
    for (let i = 0; i < 200; i++) {
      b = await binding(lab, hoa).catch(() => undefined);
      if (b?.careOfAddress.startsWith('fd00:6:6:a1:')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!b) throw new Error('mn did not register from ap1 within 10 s');
    console.log(
      `mipv6.yaml, mn away on ap1 (care-of ${b.careOfAddress}); iperf3 cn → mn ${SECONDS} s each, receiver's rate`,
    );
    const paths = [
      ['home address (HA tunnel)', 'mn', hoa],
      ['care-of address (routed)', 'mn', b.careOfAddress],
      ['HA address (routed, cr–ha)', 'ha', haAddress],
    ] as const;
    const tcp: { bps: number; retransmits?: number }[] = [];
    for (const [, server, dst] of paths) tcp.push(await iperf3(lab, server, dst));
    // UDP: one offered rate for every path (1.5 × the routed TCP rate), so the receivers' rates compare:
    // enough to fill the routed path, not so much that iperf3's own control connection (TCP, same
    // path) starves and the run aborts.
    const offered = Math.max(20e6, tcp[1]!.bps * 1.5);
    const rows: { label: string; tcp: number; retransmits?: number; udp: number }[] = [];
    for (const [i, [label, server, dst]] of paths.entries())
      rows.push({
        label,
        tcp: tcp[i]!.bps,
        retransmits: tcp[i]!.retransmits,
        udp: (await iperf3(lab, server, dst, offered)).bps,
      });
    console.log(`  (UDP offered at ${mbit(offered).trim()}, 1200-byte datagrams)`);
    for (const r of rows)
      console.log(
        `  ${r.label.padEnd(28)} TCP ${mbit(r.tcp)} (${r.retransmits ?? '?'} retransmits)   UDP ${mbit(r.udp)}`,
      );
    const [tunnel, routed] = rows;
    for (const kind of ['tcp', 'udp'] as const) {
      const ratio = tunnel![kind] / routed![kind];
      console.log(
        `  ${kind.toUpperCase()} tunnelled / routed (care-of): ${ratio.toFixed(2)}  target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`,
      );
    }
  } finally {
    await lab.down();
  }
}
