// Localized mobility (RFC 5380, RFC 5568 inside a MAP domain) against Mobile IPv6 on one network and
// one move (localized-lab.ts: topologies/fhmipv6.yaml, ap1 -> ap2 under map1, 100 ms L2 gap, 200
// packets/s from cn): per protocol, medians over LOCALIZED_RUNS runs (default 10) of the flow's
// interruption and loss at the application, and the bytes of mobility signalling on the home agent's
// and the correspondent's links in the move's window (detach .. detach + 2 s, both directions,
// tunnelled messages too, from tshark). Then the comparison RFC 5380 is about: HMIPv6's interruption
// below Mobile IPv6 with route optimisation by at least (home agent round trip - MAP round trip -
// 10 ms), each round trip the median of the runs' own BU -> BA on the node's radio. Prints; asserts
// nothing. LOCALIZED_RUNS=2 LOCALIZED_VARIANTS=mipv6-ro,hmipv6 narrow it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lab } from '../lab/lab.js';
import { PROJECT_ROOT } from '../lab/paths.js';
import { resolveLab } from '../lab/topology/resolve.js';
import { labSchema } from '../lab/topology/schema.js';
import { isHierarchical, localizedLab, parseLab, VARIANTS, type Variant } from './localized-lab.js';

const RUNS = Number(process.env.LOCALIZED_RUNS ?? '10');
const WANTED = (process.env.LOCALIZED_VARIANTS?.split(',') ?? [...VARIANTS]) as Variant[];
const WINDOW_MS = 2000;
const HA = 'fd00:5380:0:100::1';
const MAP1 = 'fd00:5380:0:50::1';

interface Sample {
  interruptionMs: number | null;
  lost: number;
  haBytes: number;
  cnBytes: number;
  /** BU -> BA on the node's radio after the attach: to the MAP (hmipv6) or the home agent (mipv6). */
  roundTripMs: number | null;
}

function tshark(pcap: string, filter: string, fields: string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'));
}

/** Bytes (whole frames) of Mobility Header messages in the captures of `node` during [from, to) ms. */
function signallingBytes(pcapDir: string, node: string, from: number, to: number): number {
  let bytes = 0;
  for (const f of readdirSync(pcapDir).filter((x) => x.startsWith(`${node}-`) && x.endsWith('.pcap')))
    for (const [t, len] of tshark(path.join(pcapDir, f), 'mipv6', ['frame.time_epoch', 'frame.len'])) {
      const at = Number(t) * 1000;
      if (at >= from && at < to) bytes += Number(len);
    }
  return bytes;
}

/** The first BU to `peer` after `from` on the node's radio, to the first BA from it: ms. */
function roundTrip(pcap: string, peer: string, from: number): number | null {
  const at = (filter: string) =>
    tshark(pcap, filter, ['frame.time_epoch'])
      .map((r) => Number(r[0]) * 1000)
      .filter((t) => t >= from);
  const bu = at(`mip6.mhtype == 5 && ipv6.dst == ${peer}`)[0];
  if (bu === undefined) return null;
  const ba = at(`mip6.mhtype == 6 && ipv6.src == ${peer}`).find((t) => t >= bu);
  return ba === undefined ? null : ba - bu;
}

async function sample(variant: Variant): Promise<Sample> {
  const text = readFileSync(path.join(PROJECT_ROOT, 'topologies/fhmipv6.yaml'), 'utf8');
  const name = `bl${randomBytes(3).toString('hex')}`;
  const resolved = resolveLab(labSchema.parse(localizedLab(parseLab(text), variant, name)), '<localized bench>');
  const outDir = mkdtempSync(path.join(tmpdir(), 'mlab-bench-localized-'));
  const lab = await Lab.up(resolved, { name, outDir });
  try {
    const { results } = await lab.run();
    const h = results.handovers[0];
    if (!h) throw new Error('no handover in results.json');
    const f = h.flows.find((x) => x.flow === 1);
    const detach = Number(BigInt(h.detachNs) / 1000n) / 1000;
    const attach = Number(BigInt(h.attachNs) / 1000n) / 1000;
    const pcapDir = path.join(outDir, 'pcap');
    return {
      interruptionMs: f?.interruptionMs ?? null,
      lost: f?.lost ?? 0,
      haBytes: signallingBytes(pcapDir, 'ha', detach, detach + WINDOW_MS),
      cnBytes: signallingBytes(pcapDir, 'cn', detach, detach + WINDOW_MS),
      roundTripMs: roundTrip(path.join(pcapDir, 'mn-wlan0.pcap'), isHierarchical(variant) ? MAP1 : HA, attach),
    };
  } finally {
    await lab.down();
    rmSync(outDir, { recursive: true, force: true });
  }
}

export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const f1 = (v: number | null, w: number): string => (v === null ? '-' : v.toFixed(1)).padStart(w);

export async function run(): Promise<void> {
  console.log(
    `localized mobility (fhmipv6.yaml's network, move ap1 -> ap2 inside map1's domain, 100 ms L2 gap, 200 pps from cn): medians of ${RUNS} run(s); signalling = bytes of mobility messages on ha's / cn's links, detach .. +${WINDOW_MS / 1000} s`,
  );
  console.log(
    `  ${'protocol'.padEnd(10)} ${'runs'.padStart(4)} ${'int med'.padStart(8)} ${'int min'.padStart(8)} ${'int max'.padStart(8)} ${'lost med'.padStart(8)} ${'to ha B'.padStart(8)} ${'to cn B'.padStart(8)} ${'BU->BA'.padStart(7)}`,
  );
  const rows = new Map<Variant, Sample[]>();
  for (const v of WANTED) {
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      try {
        samples.push(await sample(v));
      } catch (err) {
        console.log(`  ${v}: run ${i + 1} could not run: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    rows.set(v, samples);
    const ints = samples.map((s) => s.interruptionMs).filter((x): x is number => x !== null);
    console.log(
      `  ${v.padEnd(10)} ${String(samples.length).padStart(4)} ${f1(median(ints), 8)} ${f1(ints.length ? Math.min(...ints) : null, 8)} ${f1(ints.length ? Math.max(...ints) : null, 8)} ${f1(median(samples.map((s) => s.lost)), 8)} ${f1(median(samples.map((s) => s.haBytes)), 8)} ${f1(median(samples.map((s) => s.cnBytes)), 8)} ${f1(median(samples.map((s) => s.roundTripMs).filter((x): x is number => x !== null)), 7)}`,
    );
  }
  // RFC 5380's point, as the check: a move inside the domain costs the MAP's round trip instead of the
  // home agent's (and the correspondent's), so HMIPv6 is below Mobile IPv6, route optimisation on for
  // both, by at least the difference of the round trips, less 10 ms of scheduling. Without the
  // hmipv6-ro row, HMIPv6 without it stands in (said on the line).
  const ro = rows.get('mipv6-ro');
  const hmRo = rows.get('hmipv6-ro');
  const hm = hmRo?.length ? hmRo : rows.get('hmipv6');
  const hmName = hmRo?.length ? 'HMIPv6 + RO' : 'HMIPv6 (no RO)';
  if (!ro?.length || !hm?.length) return;
  const intOf = (xs: Sample[]) => median(xs.map((s) => s.interruptionMs).filter((x): x is number => x !== null));
  const rttOf = (xs: Sample[]) => median(xs.map((s) => s.roundTripMs).filter((x): x is number => x !== null));
  const [roInt, hmInt, haRtt, mapRtt] = [intOf(ro), intOf(hm), rttOf(ro), rttOf(hm)];
  if (roInt === null || hmInt === null || haRtt === null || mapRtt === null) {
    console.log('  check: not enough measurements');
    return;
  }
  const need = haRtt - mapRtt - 10;
  const gain = roInt - hmInt;
  console.log(
    `  check: ${hmName} ${hmInt.toFixed(1)} ms vs Mobile IPv6 + RO ${roInt.toFixed(1)} ms: ${gain.toFixed(1)} ms below; needed >= home agent round trip ${haRtt.toFixed(1)} - MAP round trip ${mapRtt.toFixed(1)} - 10 = ${need.toFixed(1)} ms: ${gain >= need ? 'HOLDS' : 'FAILS'}`,
  );
}
