// UDP sink: the receiving application of a flow. Every flow packet its socket hands it is written as
// one 24-byte record (src/wire/sink-record.ts: flow, seq, send and receive time), through a fixed
// buffer flushed when full, every second and at stop: memory stays bounded however fast packets
// come, and a crashed sink loses at most a second of records. Loss and interruption are measured
// from this record (docs/measures.md), since the stack can drop what the interface saw.

import dgram from 'node:dgram';
import fs from 'node:fs';
import { decode } from '../wire/flow.js';
import { decodeFile, encodeHeader, encodeRecord, SINK_RECORD_LENGTH, type SinkRecord } from '../wire/sink-record.js';
import { realtimeNs } from './clock.js';

export interface UdpSinkOptions {
  port: number;
  bindAddress?: string;
  /** Record file; absent = keep counts only. */
  out?: string;
  /** Records written at most (24 bytes each); later packets are counted in `notRecorded`. */
  maxRecords?: number;
}

/** 10 M records: 240 MB, over 13 hours of a 200 packets/s flow. */
export const DEFAULT_MAX_RECORDS = 10_000_000;
/** Distinct source addresses counted one by one; the rest go to `otherSources`. */
const MAX_SOURCES = 16;
const BUFFER_RECORDS = 2048;
const FLUSH_INTERVAL_MS = 1000;

export interface UdpSinkSummary {
  received: number;
  /** Datagrams that were not flow packets. */
  notFlow: number;
  socketErrors: number;
  /** Flow packets received beyond maxRecords (counted, not written). */
  notRecorded: number;
  /** Failed writes of the record file, in records. */
  writeErrors: number;
  perFlow: Record<string, { received: number; minSeq: number; maxSeq: number }>;
  /** Packets per source address (an uplink flow shows the home address here), the first 16 addresses. */
  sources: Record<string, number>;
  otherSources: number;
}

export class UdpSink {
  private readonly socket = dgram.createSocket({ type: 'udp6' });
  private readonly fd: number | undefined;
  private readonly buf = Buffer.alloc(SINK_RECORD_LENGTH * BUFFER_RECORDS);
  private used = 0;
  private recorded = 0;
  private readonly maxRecords: number;
  private readonly flushTimer: NodeJS.Timeout | undefined;
  private received = 0;
  private notFlow = 0;
  private socketErrors = 0;
  private notRecorded = 0;
  private writeErrors = 0;
  private otherSources = 0;
  private readonly sources: Record<string, number> = {};
  private readonly perFlow: UdpSinkSummary['perFlow'] = {};

  constructor(private readonly opts: UdpSinkOptions) {
    this.maxRecords = opts.maxRecords ?? DEFAULT_MAX_RECORDS;
    if (opts.out) {
      this.fd = fs.openSync(opts.out, 'w');
      fs.writeSync(this.fd, encodeHeader());
      this.flushTimer = setInterval(() => this.flush(), FLUSH_INTERVAL_MS);
      this.flushTimer.unref();
    }
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
    if (this.sources[from] !== undefined) this.sources[from]++;
    else if (Object.keys(this.sources).length < MAX_SOURCES) this.sources[from] = 1;
    else this.otherSources++;
    if (this.fd === undefined) return;
    if (this.recorded >= this.maxRecords) {
      this.notRecorded++;
      return;
    }
    encodeRecord({ flowId: p.flowId, seq: p.seq, sendNs: p.sendNs, recvNs }, this.buf, this.used);
    this.used += SINK_RECORD_LENGTH;
    this.recorded++;
    if (this.used === this.buf.length) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.used === 0) return;
    try {
      fs.writeSync(this.fd, this.buf, 0, this.used);
    } catch {
      this.writeErrors += this.used / SINK_RECORD_LENGTH;
    }
    this.used = 0;
  }

  async stop(): Promise<UdpSinkSummary> {
    await new Promise<void>((r) => this.socket.close(() => r()));
    if (this.fd !== undefined) {
      clearInterval(this.flushTimer);
      this.flush();
      fs.closeSync(this.fd);
    }
    return this.summary();
  }

  summary(): UdpSinkSummary {
    return {
      received: this.received,
      notFlow: this.notFlow,
      socketErrors: this.socketErrors,
      notRecorded: this.notRecorded,
      writeErrors: this.writeErrors,
      perFlow: structuredClone(this.perFlow),
      sources: { ...this.sources },
      otherSources: this.otherSources,
    };
  }
}

/** Reads a sink's record file; throws with the reason when it is not one. */
export function readSinkRecords(file: string): { records: SinkRecord[]; trailingBytes: number } {
  const d = decodeFile(fs.readFileSync(file));
  if (!d.ok) throw new Error(`${file}: ${d.error.message}`);
  return d.value;
}
