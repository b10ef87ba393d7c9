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
  return a;
}

/** `outFile`: one JSON line per packet received (udp-sink.ts). */
export function udpSinkArgs(port: number, outFile?: string): string[] {
  return ['sink', '--port', String(port), ...(outFile ? ['--out', outFile] : [])];
}
