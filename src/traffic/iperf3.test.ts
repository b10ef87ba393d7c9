import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iperf3ClientArgs, iperf3ClientArgsFor, iperf3ServerArgs, parseIperf3Json } from './iperf3.js';

// Written by iperf 3.12 here: `iperf3 -c ::1 -6 -p 5299 -t 1 -J -i 0.2 -b 50M`, and the same with no server.
const DATA = join(import.meta.dirname, 'testdata');

describe('iperf3', () => {
  it('builds server and client argv', () => {
    expect(iperf3ServerArgs({ port: 5201 })).toEqual(['-s', '-p', '5201', '-J', '-1']);
    expect(iperf3ServerArgs({ port: 5201, bindAddress: '2001:db8::1', oneOff: false })).toEqual([
      '-s',
      '-p',
      '5201',
      '-J',
      '-B',
      '2001:db8::1',
    ]);
    expect(
      iperf3ClientArgs({
        to: '2001:db8::1',
        port: 5201,
        durationMs: 2500,
        rateBps: 1e6,
        bindAddress: '2001:db8:aa::5',
        reverse: true,
      }),
    ).toEqual([
      '-c',
      '2001:db8::1',
      '-6',
      '-p',
      '5201',
      '-t',
      '3',
      '-J',
      '-i',
      '0.2',
      '-b',
      '1000000',
      '-l',
      '2500',
      '-B',
      '2001:db8:aa::5',
      '-R',
    ]);
    expect(iperf3ClientArgsFor({ toAddress: '2001:db8::9', port: 5202, durationMs: 10_000, rateBps: 0 })).toEqual([
      '-c',
      '2001:db8::9',
      '-6',
      '-p',
      '5202',
      '-t',
      '10',
      '-J',
      '-i',
      '0.2',
    ]);
  });

  it('parses intervals, totals and retransmits of a real run', () => {
    const r = parseIperf3Json(readFileSync(join(DATA, 'iperf3-client.json'), 'utf8'));
    expect(r.error).toBeUndefined();
    expect(r.intervals.length).toBe(5);
    expect(r.intervals[0]).toMatchObject({ startS: 0, bytes: 1310720, retransmits: 0 });
    expect(r.intervals[0]!.endS).toBeCloseTo(0.2, 2);
    expect(r.sent).toMatchObject({ bytes: 6291456, retransmits: 0 });
    expect(r.received?.bytes).toBe(6291456);
    expect(r.longestStallS).toBe(0);
  });

  it('reports iperf3 errors and bad output without throwing', () => {
    expect(parseIperf3Json(readFileSync(join(DATA, 'iperf3-refused.json'), 'utf8'))).toEqual({
      error: 'unable to connect to server: Connection refused',
      intervals: [],
      longestStallS: 0,
    });
    expect(parseIperf3Json('not json').error).toMatch(/^iperf3 output is not JSON/);
    expect(parseIperf3Json('[1]').error).toBe('iperf3 output is not a JSON object');
    expect(
      parseIperf3Json(
        '{"intervals":[{"sum":"x"},{"sum":{"start":0,"end":0.5,"bytes":0}},{"sum":{"start":0.5,"end":1,"bytes":0}}]}',
      ),
    ).toMatchObject({
      intervals: [{ bytes: 0 }, { bytes: 0 }],
      longestStallS: 1,
    });
  });
});
