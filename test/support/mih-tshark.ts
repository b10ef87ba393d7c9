// tshark's reading of an MIH lab capture whose TCP 4551 carries TLS: decrypted with the run's key log
// (OUT/tls/keylog.txt) and the MIH inside decoded (scripts/wireshark/mih-over-tls.lua).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { frameErrors } from './tshark.js';

export const MIH_TLS_LUA = path.resolve('scripts/wireshark/mih-over-tls.lua');

/** Every frame of `pcap` matching `filter`: its fields (occurrences joined by ","). No key log: no decryption. */
export function mihShark(pcap: string, filter: string, fields: string[], keyLog?: string): Record<string, string>[] {
  const tls = keyLog
    ? ['-X', `lua_script:${MIH_TLS_LUA}`, '-d', 'tcp.port==4551,tls', '-o', `tls.keylog_file:${keyLog}`]
    : ['-d', 'tcp.port==4551,tls'];
  const out = execFileSync(
    'tshark',
    [
      '-n',
      ...tls,
      '-r',
      pcap,
      '-Y',
      filter,
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
      ...fields.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [fields[i]!, v])));
}

/** frameErrors of a mihShark row that asked for FRAME_CHECK_FIELDS (occurrences joined by ","). */
export function mihFrameErrors(f: Record<string, string>): string[] {
  return frameErrors({
    '_ws.malformed': f['_ws.malformed'] ? [f['_ws.malformed']] : [],
    '_ws.expert.severity': f['_ws.expert.severity'] ? f['_ws.expert.severity'].split(',') : [],
    '_ws.expert.message': [],
  });
}
