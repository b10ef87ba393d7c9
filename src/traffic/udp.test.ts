// Sender and sink over the loopback (no root needed): the rate, the packet format, the log and the
// summary, and that send errors are counted instead of stopping the flow.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UdpSender } from './udp-sender.js';
import { readSinkRecords, UdpSink } from './udp-sink.js';

describe('UDP sender and sink on ::1', () => {
  it('sends at the rate for the duration; the sink logs every packet', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sink-')), 'flow.rec');
    const sink = new UdpSink({ port: 0, bindAddress: '::1', out });
    const port = await sink.start();
    const sender = new UdpSender({ flowId: 4, to: '::1', port, ratePps: 100, sizeBytes: 200, durationMs: 500 });
    const t = performance.now();
    await sender.start();
    await sender.done;
    const elapsed = performance.now() - t;
    const s = await sender.stop();
    await new Promise((r) => setTimeout(r, 50));
    const k = await sink.stop();
    expect(s).toMatchObject({
      flowId: 4,
      sent: 50,
      firstSeq: 0,
      lastSeq: 49,
      errorCount: 0,
      ratePps: 100,
      sizeBytes: 200,
    });
    // Upper bounds leave room for a loaded machine's late timers; a sender whose intervals drift
    // (each measured from the last, late, send) by 5 ms per packet would still be past them.
    expect(elapsed).toBeGreaterThan(480);
    expect(elapsed).toBeLessThan(1200);
    expect(k.received).toBe(50);
    expect(k.perFlow['4']).toEqual({ received: 50, minSeq: 0, maxSeq: 49 });
    const log = readSinkRecords(out);
    expect(log.trailingBytes).toBe(0);
    expect(statSync(out).size).toBe(8 + 50 * 24);
    expect(log.records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(log.records.every((r) => r.flowId === 4 && r.recvNs >= r.sendNs)).toBe(true);
    expect(k.sources).toEqual({ '::1': 50 });
    // Send times follow the 10 ms schedule (within timer jitter, without drift).
    const send = log.records.map((r) => Number(r.sendNs - log.records[0]!.sendNs) / 1e6);
    expect(send[49]).toBeGreaterThan(470);
    expect(send[49]).toBeLessThan(700);
  });

  it('records at most maxRecords packets and counts the rest', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sink-')), 'flow.rec');
    const sink = new UdpSink({ port: 0, bindAddress: '::1', out, maxRecords: 10 });
    const port = await sink.start();
    const sender = new UdpSender({ flowId: 2, to: '::1', port, ratePps: 200, sizeBytes: 24, durationMs: 100 });
    await sender.start();
    await sender.done;
    await new Promise((r) => setTimeout(r, 50));
    const k = await sink.stop();
    expect(k.received).toBe(20);
    expect(k.notRecorded).toBe(10);
    expect(readSinkRecords(out).records.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('counts send errors and keeps going', async () => {
    // An IPv4-mapped destination from a socket bound to ::1 fails each send with ENETUNREACH, as on a detached node.
    const sender = new UdpSender({
      flowId: 1,
      to: '::ffff:192.0.2.1',
      port: 9,
      ratePps: 200,
      sizeBytes: 24,
      durationMs: 100,
      bindAddress: '::1',
    });
    await sender.start();
    await sender.done;
    const s = await sender.stop();
    expect(s.sent).toBe(20);
    expect(s.errorCount).toBe(20);
    expect(s.errors).toEqual({ ENETUNREACH: 20 });
  });

  it('stops on demand and reports what it sent', async () => {
    const sender = new UdpSender({ flowId: 1, to: '::1', port: 9, ratePps: 1000, sizeBytes: 24 });
    await sender.start();
    await new Promise((r) => setTimeout(r, 100));
    const s = await sender.stop();
    expect(s.sent).toBeGreaterThan(50);
    expect(s.lastSeq).toBe(s.sent - 1);
    expect((await sender.stop()).sent).toBe(s.sent);
  });

  it('rejects nonsense options', () => {
    expect(() => new UdpSender({ flowId: 1, to: '::1', port: 9, ratePps: 0, sizeBytes: 24 })).toThrow(/rate/);
    expect(() => new UdpSender({ flowId: 1, to: '::1', port: 9, ratePps: 1, sizeBytes: 10 })).toThrow(/size/);
  });
});
