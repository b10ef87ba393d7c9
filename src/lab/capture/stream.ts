// `mipshop-lab capture LAB NODE:IFACE`: tcpdump in the node writing pcap to its stdout, handed to the
// caller's stdout so `| wireshark -k -i -` or `> x.pcap` work while the lab runs. The same options
// as the run's captures (tcpdump.ts), with `-w -`.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { nodeNetns } from '../names.js';
import type { ResolvedLab } from '../topology/types.js';
import { tcpdumpArgs } from './tcpdump.js';

/** "mn:wlan0" -> the node and interface, checked against the lab; throws with what exists. */
export function capturePoint(lab: ResolvedLab, point: string): { node: string; iface: string } {
  const [node, iface] = point.split(':');
  const n = lab.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`lab ${lab.name} has no node ${node} (nodes: ${lab.nodes.map((x) => x.name).join(', ')})`);
  const names = n.interfaces.map((i) => i.name);
  if (!iface || !names.includes(iface))
    throw new Error(`expected NODE:IFACE with IFACE one of ${node}'s interfaces (${names.join(', ')}), got "${point}"`);
  return { node: n.name, iface };
}

/** tcpdump in the node, pcap on its stdout; `count` stops it after that many packets. */
export function streamCapture(
  lab: ResolvedLab,
  point: { node: string; iface: string },
  options: { count?: number } = {},
): ChildProcessByStdio<null, Readable, Readable> {
  const argv = [...tcpdumpArgs(point.iface, '-'), ...(options.count ? ['-c', String(options.count)] : [])];
  return spawn('ip', ['netns', 'exec', nodeNetns(lab.name, point.node), ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
