// Shared by the fmipv6-*.test.ts integration tests: run a lab file (or a variant of it written to a
// temporary file), read the agents' final status, and read the captures with tshark.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lab, type StartedLab } from '../../src/lab/lab.js';
import { runLab, type RunResult } from '../../src/lab/run.js';
import { uniqueLabName } from '../support/lab-names.js';

export const TOOLS = ['ip', 'nft', 'tcpdump', 'tshark'];

/** tshark fields of matching frames: one array of field values per frame. */
export function tshark(pcap: string, filter: string, fields: string[]): string[][] {
  const out = execFileSync(
    'tshark',
    ['-r', pcap, '-Y', filter, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'));
}

/** The parts of the agents' role state (as written to the status file) that the fmipv6 tests read. */
export interface FmipRoleState {
  'fmipv6-router': {
    par: { counters: Record<string, number>; handovers: { pcoa: string }[] };
    nar: {
      counters: Record<string, number>;
      routerAdvertisements: number;
      records: [{ prefix: string }, ...{ prefix: string }[]];
    };
  };
  'fmipv6-mobile-node': {
    counters: Record<'predictive-handovers' | 'reactive-handovers', number> & Record<string, number>;
    events: { name: string; reason?: string }[];
    tunnel: { decapsulated: number; delivered: number };
  };
  'mobile-node': { homeAddressPlane: { tunnel: { notLocal: number }; rejectedFromTunnel: number } };
}

export interface LabRun {
  out: string;
  run: RunResult;
  pcap(name: string): string;
  pcaps(): string[];
  /** The agent's final status (logs/<node>-agent-status.json). */
  status(node: string): { roles: string[]; counters: Record<string, Record<string, number>>; state: FmipRoleState };
  /** The flow sink's report: what the application on the mobile node received. */
  sink(flow?: number): { received: number; perFlow: Record<string, { received: number }> };
  /** Agent log events of a node, with their wall-clock time in ms. */
  events(node: string, event: string): { at: number; [k: string]: unknown }[];
}

/**
 * Brings up `file` (after `edit` of its text, written to a temporary file), calls `during` once the
 * run has started, runs it and tears it down.
 */
export async function runLabFile(
  file: string,
  opts: {
    prefix: string;
    edit?: (text: string) => string;
    /** Start the captures before the agents (Lab.up's `capture`), so the agents' first messages are in them. */
    captureFirst?: boolean;
    beforeRun?: (lab: StartedLab) => Promise<void>;
    /** `flowStarted` settles when the run says flow 1 started (at its `start` in the lab's timeline). */
    during?: (lab: StartedLab, flowStarted: Promise<void>) => Promise<void>;
  },
): Promise<LabRun> {
  const out = mkdtempSync(path.join(tmpdir(), `mlab-${opts.prefix}-`));
  let labFile = path.resolve(file);
  if (opts.edit) {
    const text = opts.edit(readFileSync(labFile, 'utf8'));
    labFile = path.join(out, path.basename(file));
    writeFileSync(labFile, text);
  }
  const lab = await Lab.up(labFile, {
    name: uniqueLabName(opts.prefix),
    outDir: out,
    ...(opts.captureFirst ? { capture: true } : {}),
  });
  let run: RunResult;
  try {
    await opts.beforeRun?.(lab);
    let started!: () => void;
    const flowStarted = new Promise<void>((res) => (started = res));
    const running = runLab(lab, { onEvent: (line) => line.startsWith('flow 1 started') && started() });
    const side = opts.during?.(lab, flowStarted);
    run = await running;
    await side;
  } finally {
    await lab.down();
  }
  const pcapDir = path.join(out, 'pcap');
  return {
    out,
    run,
    pcap: (name) => path.join(pcapDir, `${name}.pcap`),
    pcaps: () =>
      readdirSync(pcapDir)
        .filter((f) => f.endsWith('.pcap'))
        .map((f) => path.join(pcapDir, f)),
    status: (node) => JSON.parse(readFileSync(path.join(out, 'logs', `${node}-agent-status.json`), 'utf8')),
    sink: (flow = 1) => JSON.parse(readFileSync(path.join(out, 'logs', `flow${flow}-sink.json`), 'utf8')),
    events: (node, event) =>
      readFileSync(path.join(out, 'logs', `${node}-agent.log`), 'utf8')
        .split('\n')
        .filter((l) => l.includes(`"${event}"`))
        .map((l) => JSON.parse(l) as { time: string })
        .map((e) => ({ ...e, at: Date.parse(e.time) })),
  };
}

/** Flow sequence numbers seen in a capture (also inside tunnels), with their capture time in ms. */
export function flowPackets(
  pcap: string,
  flowId = 1,
): { seq: number; at: number; outerSrc: string; outerDst: string }[] {
  // Flow packet (src/wire/flow.ts): magic "MLFP" at 0, flow id at 8, seq at 12.
  return tshark(pcap, 'udp.payload[0:4] == 4d:4c:46:50', ['frame.time_epoch', 'udp.payload', 'ipv6.src', 'ipv6.dst'])
    .map((r) => ({ at: Number(r[0]) * 1000, payload: r[1]!, src: r[2]!.split(',')[0]!, dst: r[3]!.split(',')[0]! }))
    .filter((r) => parseInt(r.payload.slice(16, 24), 16) === flowId)
    .map((r) => ({ seq: parseInt(r.payload.slice(24, 32), 16), at: r.at, outerSrc: r.src, outerDst: r.dst }));
}

/** FMIPv6 / Mobile IPv6 signalling as tshark decodes it, from every capture: name, time (ms), addresses. */
export function signalling(
  pcaps: string[],
): { name: string; at: number; src: string; dst: string; pcap: string; hao: string; status: string; code: string }[] {
  const names: Record<string, string> = { '5': 'BU', '6': 'BA', '8': 'FBU', '9': 'FBack', '14': 'HI', '15': 'HAck' };
  const out: {
    name: string;
    at: number;
    src: string;
    dst: string;
    pcap: string;
    hao: string;
    status: string;
    code: string;
  }[] = [];
  for (const p of pcaps) {
    const rows = tshark(
      p,
      'mipv6 || icmpv6.type == 154 || (icmpv6.type == 136 && icmpv6.nd.na.flag.s == 0 && ipv6.dst == ff02::1)',
      [
        'frame.time_epoch',
        'mip6.mhtype',
        'icmpv6.type',
        'icmpv6.fmip6.subtype',
        'ipv6.src',
        'ipv6.dst',
        'ipv6.opt.mipv6.home_address',
        'mip6.fback.status',
        'mip6.hack.code',
        'icmpv6.nd.na.target_address',
      ],
    );
    for (const r of rows) {
      // A UNA (RFC 5568 §6.4) announces the sender's own new address; a proxy NA (a home agent's) does not.
      const una = r[2] === '136' && r[9] === r[4];
      const name = r[1]
        ? names[r[1]]
        : r[2] === '154'
          ? r[3] === '2'
            ? 'RtSolPr'
            : r[3] === '3'
              ? 'PrRtAdv'
              : undefined
          : una
            ? 'UNA'
            : undefined;
      if (!name) continue;
      out.push({
        name,
        at: Number(r[0]) * 1000,
        src: r[4]!,
        dst: r[5]!,
        pcap: path.basename(p, '.pcap'),
        hao: r[6] ?? '',
        status: r[7] ?? '',
        code: r[8] ?? '',
      });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
