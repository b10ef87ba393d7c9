// The application's record file (sink-record.ts): golden bytes, a round trip, and bad files that
// give a typed error instead of a throw.
import { describe, expect, it } from 'vitest';
import { decodeFile, encodeHeader, encodeRecord } from './sink-record.js';

const rec = { flowId: 7, seq: 0x01020304, sendNs: 1_800_000_000_123_456_789n, recvNs: 1_800_000_000_125_000_000n };

describe('sink record file', () => {
  it('encodes a header and 24-byte records, big-endian', () => {
    expect(encodeHeader().toString('hex')).toBe('4d4c535201180000');
    expect(encodeRecord(rec).toString('hex')).toBe(
      `00000007${'01020304'}${rec.sendNs.toString(16).padStart(16, '0')}${rec.recvNs.toString(16).padStart(16, '0')}`,
    );
  });

  it('decodes what it encodes and ignores a torn last record', () => {
    const file = Buffer.concat([encodeHeader(), encodeRecord(rec), encodeRecord({ ...rec, seq: 5 }), Buffer.alloc(10)]);
    const d = decodeFile(file);
    expect(d.ok && d.value).toEqual({ records: [rec, { ...rec, seq: 5 }], trailingBytes: 10 });
  });

  it('refuses what is not a record file', () => {
    expect(decodeFile(Buffer.alloc(3))).toMatchObject({ ok: false, error: { code: 'truncated' } });
    expect(decodeFile(Buffer.from('{"flow":1}\n'))).toMatchObject({ ok: false, error: { code: 'bad-value' } });
    const v2 = encodeHeader();
    v2[4] = 2;
    expect(decodeFile(v2)).toMatchObject({ ok: false, error: { code: 'unsupported', offset: 4 } });
    const short = encodeHeader();
    short[5] = 8;
    expect(decodeFile(short)).toMatchObject({ ok: false, error: { code: 'bad-length' } });
  });
});
