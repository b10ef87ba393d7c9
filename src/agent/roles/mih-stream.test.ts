import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { encode, type MihFrame } from '../../wire/mih/message.js';
import { certificateMihfId, MihFramer } from './mih-stream.js';

const frame = (tid: number): MihFrame => ({
  ackReq: false,
  ackRsp: false,
  transactionId: tid,
  source: 'mn.lab.mih',
  destination: 'mos.lab.mih',
  body: { kind: 'capability-discover-request' },
});

describe('MihFramer', () => {
  it('cuts a stream at payload lengths, whatever the chunks (RFC 5677 §4)', () => {
    const bytes = Buffer.concat([encode(frame(1)), encode(frame(2)), encode(frame(3))]);
    for (const step of [1, 5, 7, 13, bytes.length]) {
      const f = new MihFramer();
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...f.push(bytes.subarray(i, i + step)));
      expect(out.map((b) => b.readUInt16BE(4))).toEqual([1, 2, 3]);
      expect(f.pending).toBe(0);
    }
  });
  it('holds an unfinished frame and says how much of it', () => {
    const f = new MihFramer();
    expect(f.push(encode(frame(9)).subarray(0, 10))).toEqual([]);
    expect(f.pending).toBe(10);
  });
});

describe('certificateMihfId', () => {
  it('reads the DNS subjectAltName, else the CN; none without a certificate', () => {
    const cert = (c: Partial<PeerCertificate>) => c as PeerCertificate;
    expect(certificateMihfId(cert({ subjectaltname: 'DNS:mos.lab.mih', subject: { CN: 'x' } as never }))).toBe(
      'mos.lab.mih',
    );
    expect(certificateMihfId(cert({ subject: { CN: 'mn.lab.mih' } as never }))).toBe('mn.lab.mih');
    expect(certificateMihfId(cert({}))).toBeUndefined();
    expect(certificateMihfId(undefined)).toBeUndefined();
  });
});
