// TCP around a handover from sequence numbers (tcp.ts): the longest stall in delivered bytes and the
// retransmissions, with synthetic segments of 1000 bytes every 10 ms and a detach at 1000 ms.
import { describe, expect, it } from 'vitest';
import { decodeFrames } from './frames.js';
import { tcpAroundHandover, tcpDataSegments } from './tcp.js';
import { ether, frame, tcpSegment } from './testing/packets.js';

const MS = 1_000_000n;
const T0 = 1_800_000_000_000n * MS;
const at = (ms: number) => T0 + BigInt(Math.round(ms * 1e6));
const H = { l2StartNs: at(1000), attachNs: at(1050) };
const ISN = 0xffff_f000; // wraps past 2^32 during the run

function segments(items: [number, number][]) {
  const frames = items.map(([t, n]) => frame(ether(tcpSegment(40000, 5201, ISN + n * 1000, 1000)), at(t)));
  return tcpDataSegments(decodeFrames(frames).frames, 5201);
}

describe('TCP around a handover', () => {
  it('unwraps sequence numbers and ignores segments to other ports', () => {
    const frames = [
      frame(ether(tcpSegment(40000, 5201, ISN, 1000)), at(0)),
      frame(ether(tcpSegment(40000, 80, 7, 1000)), at(1)),
      frame(ether(tcpSegment(40000, 5201, ISN + 5000, 1000)), at(2)),
    ];
    expect(tcpDataSegments(decodeFrames(frames).frames, 5201).map((s) => s.seq)).toEqual([0, 5000]);
  });

  it("follows the connection that brought the most bytes, not iperf3's control connection to the same port", () => {
    const frames = [
      frame(ether(tcpSegment(40001, 5201, 77, 300)), at(0)), // control: parameters
      frame(ether(tcpSegment(40002, 5201, ISN, 1000)), at(1)),
      frame(ether(tcpSegment(40002, 5201, ISN + 1000, 1000)), at(2)),
      frame(ether(tcpSegment(40001, 5201, 377, 200)), at(3)), // control: results
      frame(ether(tcpSegment(40002, 5201, ISN + 2000, 1000)), at(4)),
    ];
    const segs = tcpDataSegments(decodeFrames(frames).frames, 5201);
    expect(segs.map((s) => s.seq)).toEqual([0, 1000, 2000]);
    expect(segs.map((s) => s.timestampNs)).toEqual([at(1), at(2), at(4)]);
  });

  it('finds the stall across the gap and counts the re-sent segments', () => {
    // Sent: n at 10n ms up to 99 (990 ms), lost in the gap; after the attach 98 and 99 again, then 100...
    const sent: [number, number][] = [];
    const received: [number, number][] = [];
    for (let n = 0; n < 100; n++) {
      sent.push([n * 10, n]);
      if (n < 98) received.push([n * 10 + 2, n]);
    }
    sent.push([1240, 98], [1250, 99]);
    received.push([1242, 98], [1252, 99]);
    for (let n = 100; n < 150; n++) {
      sent.push([1250 + (n - 99) * 10, n]);
      received.push([1252 + (n - 99) * 10, n]);
    }
    const m = tcpAroundHandover(segments(received), segments(sent), H, at(3000));
    // Last new bytes at 972 ms (seq 97), next at 1242 ms (seq 98).
    expect(Number(m.longestStallNs) / 1e6).toBe(270);
    expect(m.resumed).toBe(true);
    expect(m.retransmissions).toBe(2);
  });

  it('runs the stall to the end of the window when no new bytes come', () => {
    const m = tcpAroundHandover(
      segments([[990, 0]]),
      segments([
        [990, 0],
        [1300, 0],
      ]),
      H,
      at(2000),
    );
    expect(Number(m.longestStallNs) / 1e6).toBe(1010);
    expect(m.resumed).toBe(false);
    expect(m.retransmissions).toBe(1);
  });
});
