import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, encodingLength, FLOW_HEADER_LENGTH, FLOW_MAGIC, type FlowPacket } from './flow.js';

describe('flow packet', () => {
  it('has fixed golden bytes', () => {
    const p: FlowPacket = { flowId: 7, seq: 0x01020304, sendNs: 1_700_000_000_123_456_789n, size: 32 };
    const b = encode(p);
    expect(b.toString('hex')).toBe(
      `4d4c4650010000180000000701020304${1_700_000_000_123_456_789n.toString(16).padStart(16, '0')}${'00'.repeat(8)}`,
    );
    expect(b.readUInt32BE(0)).toBe(FLOW_MAGIC);
  });

  it('round-trips any header and size, also at an offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.integer({ min: FLOW_HEADER_LENGTH, max: 1500 }),
        (flowId, seq, sendNs, size) => {
          const p = { flowId, seq, sendNs, size };
          const buf = Buffer.alloc(size + 10, 0xff);
          encode(p, buf, 5);
          const d = decode(buf, 5, 5 + size);
          expect(d).toEqual({ ok: true, value: p, bytes: size });
          expect(buf[4]).toBe(0xff);
          expect(buf[5 + size]).toBe(0xff);
          expect(encodingLength(p)).toBe(size);
        },
      ),
    );
  });

  it('never throws on arbitrary bytes and rejects what is not a flow packet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: -2, max: 70 }), (bytes, off) => {
        const d = decode(Buffer.from(bytes), off);
        if (d.ok) expect(Buffer.from(bytes).readUInt32BE(off)).toBe(FLOW_MAGIC);
      }),
    );
    // Every strict prefix of a valid packet is an error, with an offset.
    const b = encode({ flowId: 1, seq: 2, sendNs: 3n, size: 24 });
    for (let n = 0; n < b.length; n++) {
      const d = decode(b.subarray(0, n));
      expect(d.ok).toBe(false);
    }
    const wrongVersion = Buffer.from(b);
    wrongVersion[4] = 9;
    expect(decode(wrongVersion)).toMatchObject({ ok: false, error: { code: 'unsupported', offset: 4 } });
    const badHlen = Buffer.from(b);
    badHlen.writeUInt16BE(8, 6);
    expect(decode(badHlen)).toMatchObject({ ok: false, error: { code: 'bad-length', offset: 6 } });
  });
});
