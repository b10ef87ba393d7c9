// The command lines of the traffic tool (main.ts parses them), built in one place for whoever starts
// it: the lab's run, the tests. Arguments after `node dist/traffic/main.js`.

export interface UdpSendArgs {
  flowId: number;
  to: string;
  port: number;
  ratePps: number;
  sizeBytes: number;
  /** 0 or absent: until stopped. */
  durationMs?: number;
  /** Source address to bind: an uplink flow from a mobile node sends from its home address. */
  bindAddress?: string;
}

export function udpSendArgs(f: UdpSendArgs): string[] {
  const a = [
    'send',
    '--flow',
    String(f.flowId),
    '--to',
    f.to,
    '--port',
    String(f.port),
    '--rate',
    String(f.ratePps),
    '--size',
    String(f.sizeBytes),
  ];
  if (f.durationMs) a.push('--duration', String(f.durationMs));
  if (f.bindAddress) a.push('--bind', f.bindAddress);
  return a;
}

/** `outFile`: the record file, 24 bytes per packet received (udp-sink.ts, src/wire/sink-record.ts). */
export function udpSinkArgs(port: number, outFile?: string): string[] {
  return ['sink', '--port', String(port), ...(outFile ? ['--out', outFile] : [])];
}

/** One node's flows in one process (udp-sender-group.ts): the flows file, and the file t0 is written to. */
export function udpSendGroupArgs(flowsFile: string, goFile: string): string[] {
  return ['send-group', '--flows', flowsFile, '--go', goFile];
}
