import { describe, expect, test } from 'vitest';
import { encode as encodeFlow } from '../../wire/flow.js';
import { impairment } from '../net/fixtures.js';
import { flowKeyOf, keyedRandom } from './flow-key.js';
import { DirectionShaper, xorshift32 } from './relay-queue.js';

/** An IPv6 header (addresses zero) with `next` and `payload` behind it. */
function ipv6(next: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payload.length, 4);
  h[6] = next;
  h[7] = 64;
  return Buffer.concat([h, payload]);
}

function udp(payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

function ethernet(packet: Buffer): Buffer {
  const h = Buffer.alloc(14);
  h.writeUInt16BE(0x86dd, 12);
  return Buffer.concat([h, packet]);
}

const flowFrame = (flowId: number, seq: number) =>
  ethernet(ipv6(17, udp(encodeFlow({ flowId, seq, sendNs: 1n, size: 100 }))));

describe('flowKeyOf', () => {
  test('a flow packet in UDP, in a tunnel, in a tunnel in a tunnel, behind a destination options header', () => {
    const inner = ipv6(17, udp(encodeFlow({ flowId: 7, seq: 4242, sendNs: 1n, size: 100 })));
    expect(flowKeyOf(ethernet(inner))).toEqual({ flowId: 7, seq: 4242 });
    expect(flowKeyOf(ethernet(ipv6(41, inner)))).toEqual({ flowId: 7, seq: 4242 });
    expect(flowKeyOf(ethernet(ipv6(41, ipv6(41, inner))))).toEqual({ flowId: 7, seq: 4242 });
    const dstOpts = Buffer.alloc(8);
    dstOpts[0] = 17; // next header, length 0 (8 bytes), PadN
    dstOpts[2] = 1;
    dstOpts[3] = 4;
    expect(
      flowKeyOf(
        ethernet(ipv6(60, Buffer.concat([dstOpts, udp(encodeFlow({ flowId: 1, seq: 2, sendNs: 1n, size: 30 }))]))),
      ),
    ).toEqual({ flowId: 1, seq: 2 });
  });

  test('anything else is not a flow packet, and odd bytes never throw', () => {
    expect(flowKeyOf(ethernet(ipv6(17, udp(Buffer.alloc(40)))))).toBeNull(); // UDP, no magic
    expect(flowKeyOf(ethernet(ipv6(58, Buffer.alloc(40))))).toBeNull(); // ICMPv6
    expect(flowKeyOf(Buffer.alloc(10))).toBeNull();
    const arp = flowFrame(1, 1);
    arp.writeUInt16BE(0x0806, 12);
    expect(flowKeyOf(arp)).toBeNull();
    const full = flowFrame(1, 1);
    const rnd = xorshift32(99);
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rnd() * full.length);
      const b = Buffer.from(full.subarray(0, len));
      for (let k = 14; k < len; k++) if (rnd() < 0.05) b[k] = Math.floor(rnd() * 256);
      expect(() => flowKeyOf(b)).not.toThrow();
    }
  });
});

describe('keyed loss', () => {
  /** Runs 20 000 flow packets through a 1 % loss shaper with `signalling` other frames between them. */
  function dropped(signalling: (seq: number) => number, running: number): number[] {
    const shaper = new DirectionShaper(impairment({ lossPct: 1, jitterMs: 1, delayMs: 2 }));
    const rand = xorshift32(running);
    const out: number[] = [];
    for (let seq = 0; seq < 20_000; seq++) {
      for (let k = signalling(seq); k > 0; k--) shaper.lost(rand); // other frames use the running generator
      const key = flowKeyOf(flowFrame(1, seq));
      if (!key) throw new Error('not a flow frame');
      const r = keyedRandom('l0:ab', key);
      if (shaper.lost(r)) out.push(seq);
      else shaper.admit(seq * 5, 150, r);
    }
    return out;
  }

  test('the same sequence numbers drop whatever other frames come between them and whatever the seed', () => {
    const quiet = dropped(() => 0, 1);
    const busy = dropped((seq) => (seq % 7 === 0 ? 3 : 0), 12345);
    expect(busy).toEqual(quiet);
    // Binomial(20000, 0.01): mean 200, sd 14.1; 4 sd either side.
    expect(quiet.length).toBeGreaterThan(143);
    expect(quiet.length).toBeLessThan(257);
  });

  test('another link, direction or flow draws differently', () => {
    const a = keyedRandom('l0:ab', { flowId: 1, seq: 5 })();
    expect(keyedRandom('l0:ab', { flowId: 1, seq: 5 })()).toBe(a);
    expect(keyedRandom('l0:ba', { flowId: 1, seq: 5 })()).not.toBe(a);
    expect(keyedRandom('l1:ab', { flowId: 1, seq: 5 })()).not.toBe(a);
    expect(keyedRandom('l0:ab', { flowId: 2, seq: 5 })()).not.toBe(a);
  });

  test('consecutive sequence numbers give independent-looking first draws (no runs of losses)', () => {
    let lost = 0;
    let pairs = 0;
    let prev = false;
    for (let seq = 0; seq < 100_000; seq++) {
      const l = keyedRandom('cn-cr:ab', { flowId: 1, seq })() < 0.1;
      if (l) lost++;
      if (l && prev) pairs++;
      prev = l;
    }
    // 10 % loss: about 10 000 losses, and about 1 % of pairs both lost (1000; sd ~31).
    expect(lost).toBeGreaterThan(9600);
    expect(lost).toBeLessThan(10_400);
    expect(pairs).toBeGreaterThan(850);
    expect(pairs).toBeLessThan(1150);
  });
});
