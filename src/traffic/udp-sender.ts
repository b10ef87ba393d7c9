// Constant-rate UDP sender. Packet n is due at start + n/rate on the monotonic clock; after a late
// timer it catches up, but never sends more than `maxBurst` packets at once: a longer stall (a
// stopped process, a swapped machine) shifts the schedule instead of bursting, and is counted.
// Send errors (ENETUNREACH, EADDRNOTAVAIL, ... while a mobile node has no link) are counted and the
// flow goes on: those packets are "sent" by the application and lost, as analysis should see them.

import dgram from 'node:dgram';
import { encode, FLOW_HEADER_LENGTH } from '../wire/flow.js';
import { realtimeNs } from './clock.js';

export interface UdpSenderOptions {
  flowId: number;
  to: string;
  port: number;
  ratePps: number;
  /** UDP payload size in bytes (at least the flow header, 24). */
  sizeBytes: number;
  /** 0 or absent = until stop(). */
  durationMs?: number;
  /** Source address to bind (e.g. a mobile node's home address). */
  bindAddress?: string;
  bindPort?: number;
  maxBurst?: number;
}

export interface UdpSenderSummary {
  flowId: number;
  /** Packets handed to the socket (including those that failed). */
  sent: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Sends that failed, by error code. */
  errors: Record<string, number>;
  errorCount: number;
  /** Times the schedule was shifted because the process fell more than maxBurst packets behind. */
  scheduleSlips: number;
  startNs: string;
  stopNs: string;
  ratePps: number;
  sizeBytes: number;
}

export class UdpSender {
  private readonly socket: dgram.Socket;
  private readonly intervalMs: number;
  private readonly maxBurst: number;
  private seq = 0;
  private errorCount = 0;
  private readonly errors: Record<string, number> = {};
  private slips = 0;
  private timer: NodeJS.Timeout | undefined;
  private startMono = 0;
  private startNs = 0n;
  private stopNs = 0n;
  private stopped = false;
  private pendingSends = 0;
  private resolveDone: (() => void) | undefined;
  readonly done: Promise<void>;

  constructor(private readonly opts: UdpSenderOptions) {
    if (!(opts.ratePps > 0)) throw new RangeError(`rate must be > 0 packets/s, got ${opts.ratePps}`);
    if (opts.sizeBytes < FLOW_HEADER_LENGTH) throw new RangeError(`size must be >= ${FLOW_HEADER_LENGTH} bytes`);
    this.intervalMs = 1000 / opts.ratePps;
    this.maxBurst = opts.maxBurst ?? 4;
    this.socket = dgram.createSocket({ type: 'udp6' });
    // Without this an async send error would be an 'error' event, which crashes by default.
    this.socket.on('error', (e) => this.countError(e));
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  async start(): Promise<void> {
    // Bind before the first packet so its send time is not spent on an implicit bind.
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ address: this.opts.bindAddress ?? '::', port: this.opts.bindPort ?? 0 }, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    this.startMono = performance.now();
    this.startNs = realtimeNs();
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    const now = performance.now();
    const elapsed = now - this.startMono;
    const durationMs = this.opts.durationMs ?? 0;
    const limit = durationMs > 0 ? Math.ceil((durationMs * this.opts.ratePps) / 1000) : Infinity;
    let due = Math.min(limit, Math.floor(elapsed / this.intervalMs) + 1);
    if (due - this.seq > this.maxBurst) {
      // Fell far behind: move the schedule so that only maxBurst packets are due now.
      this.slips++;
      const skipped = due - this.seq - this.maxBurst;
      this.startMono += skipped * this.intervalMs;
      due = this.seq + this.maxBurst;
    }
    while (this.seq < due) this.sendOne();
    if (this.seq >= limit) {
      void this.stop();
      return;
    }
    const nextAt = this.startMono + this.seq * this.intervalMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, nextAt - performance.now()));
  }

  private sendOne(): void {
    const seq = this.seq++;
    const payload = encode({ flowId: this.opts.flowId, seq, sendNs: realtimeNs(), size: this.opts.sizeBytes });
    this.pendingSends++;
    try {
      this.socket.send(payload, this.opts.port, this.opts.to, (err) => {
        this.pendingSends--;
        if (err) this.countError(err);
        this.maybeDone();
      });
    } catch (e) {
      // Synchronous failures (bad address) are also counted rather than fatal.
      this.pendingSends--;
      this.countError(e);
    }
  }

  private countError(e: unknown): void {
    const code = (e as NodeJS.ErrnoException)?.code ?? 'unknown';
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.errorCount++;
  }

  private maybeDone(): void {
    if (this.stopped && this.pendingSends === 0 && this.resolveDone) {
      this.resolveDone();
      this.resolveDone = undefined;
      try {
        this.socket.close();
      } catch {
        /* already closed */
      }
    }
  }

  /** Stops sending; resolves when every send callback has run and the socket is closed. */
  async stop(): Promise<UdpSenderSummary> {
    if (!this.stopped) {
      this.stopped = true;
      this.stopNs = realtimeNs();
      if (this.timer) clearTimeout(this.timer);
      this.maybeDone();
    }
    await this.done;
    return this.summary();
  }

  summary(): UdpSenderSummary {
    return {
      flowId: this.opts.flowId,
      sent: this.seq,
      firstSeq: this.seq > 0 ? 0 : null,
      lastSeq: this.seq > 0 ? this.seq - 1 : null,
      errors: { ...this.errors },
      errorCount: this.errorCount,
      scheduleSlips: this.slips,
      startNs: this.startNs.toString(),
      stopNs: (this.stopNs || realtimeNs()).toString(),
      ratePps: this.opts.ratePps,
      sizeBytes: this.opts.sizeBytes,
    };
  }
}
