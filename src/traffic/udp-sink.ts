// UDP sink: records every flow packet it receives as one JSON line {flow, seq, sendNs, recvNs, from,
// size}. Analysis takes its numbers from pcaps; this log is there to cross-check them.

import dgram from 'node:dgram';
import fs from 'node:fs';
import { decode } from '../wire/flow.js';
import { realtimeNs } from './clock.js';

export interface UdpSinkOptions {
  port: number;
  bindAddress?: string;
  /** JSONL output; absent = keep counts only. */
  out?: string;
}

export interface SinkRecord {
  flow: number;
  seq: number;
  /** Decimal strings: JSON has no 64-bit integers. */
  sendNs: string;
  recvNs: string;
  from: string;
  size: number;
}

export interface UdpSinkSummary {
  received: number;
  /** Datagrams that were not flow packets. */
  notFlow: number;
  socketErrors: number;
  perFlow: Record<string, { received: number; minSeq: number; maxSeq: number }>;
}

export class UdpSink {
  private readonly socket = dgram.createSocket({ type: 'udp6' });
  private readonly stream: fs.WriteStream | undefined;
  private received = 0;
  private notFlow = 0;
  private socketErrors = 0;
  private readonly perFlow: UdpSinkSummary['perFlow'] = {};
  readonly records: SinkRecord[] | undefined;

  constructor(private readonly opts: UdpSinkOptions & { keepRecords?: boolean }) {
    this.stream = opts.out ? fs.createWriteStream(opts.out, { flags: 'w' }) : undefined;
    this.records = opts.keepRecords ? [] : undefined;
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address));
    // A socket error after bind (rare for a receiving UDP socket) is counted, not fatal.
    this.socket.on('error', () => {
      this.socketErrors++;
    });
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ port: this.opts.port, address: this.opts.bindAddress ?? '::' }, () => {
        this.socket.off('error', reject);
        resolve(this.socket.address().port);
      });
    });
  }

  private onMessage(msg: Buffer, from: string): void {
    const recvNs = realtimeNs();
    const d = decode(msg);
    if (!d.ok) {
      this.notFlow++;
      return;
    }
    const p = d.value;
    this.received++;
    this.perFlow[p.flowId] ??= { received: 0, minSeq: p.seq, maxSeq: p.seq };
    const f = this.perFlow[p.flowId]!;
    f.received++;
    f.minSeq = Math.min(f.minSeq, p.seq);
    f.maxSeq = Math.max(f.maxSeq, p.seq);
    const rec: SinkRecord = {
      flow: p.flowId,
      seq: p.seq,
      sendNs: p.sendNs.toString(),
      recvNs: recvNs.toString(),
      from,
      size: p.size,
    };
    this.records?.push(rec);
    this.stream?.write(`${JSON.stringify(rec)}\n`);
  }

  async stop(): Promise<UdpSinkSummary> {
    await new Promise<void>((r) => this.socket.close(() => r()));
    if (this.stream) await new Promise<void>((r) => this.stream!.end(() => r()));
    return this.summary();
  }

  summary(): UdpSinkSummary {
    return {
      received: this.received,
      notFlow: this.notFlow,
      socketErrors: this.socketErrors,
      perFlow: structuredClone(this.perFlow),
    };
  }
}

/** Reads a sink's JSONL log; lines that do not parse are skipped and counted. */
export function parseSinkLog(text: string): { records: SinkRecord[]; badLines: number } {
  const records: SinkRecord[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as SinkRecord;
      if (typeof r.flow === 'number' && typeof r.seq === 'number' && typeof r.sendNs === 'string') records.push(r);
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { records, badLines };
}
