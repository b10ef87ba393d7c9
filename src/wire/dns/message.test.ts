import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeQuery, readName } from './message.js';

// A response for "mih.example NAPTR" as an authoritative server writes it: the owner name compressed
// to the question (offset 12), the replacement uncompressed (RFC 3403 §4.1).
const q = encodeQuery({ id: 0x1234, name: 'mih.example', type: 35 });
const replacement = Buffer.from('065f4d49484553045f746370036d6968076578616d706c6500', 'hex');
const rdata = Buffer.concat([
  Buffer.from('000a0032', 'hex'),
  Buffer.from('0173', 'hex'),
  Buffer.from('094d494845532b4d3254', 'hex'),
  Buffer.from('00', 'hex'),
  replacement,
]);
const rr = Buffer.concat([
  Buffer.from('c00c', 'hex'),
  Buffer.from('0023000100000e10', 'hex'),
  Buffer.from([0, rdata.length]),
  rdata,
]);
const response = Buffer.concat([
  Buffer.from('1234840000010001000000', 'hex'),
  Buffer.from('00', 'hex'),
  q.subarray(12),
  rr,
]);

describe('DNS', () => {
  it('encodes a query with one question', () => {
    expect(q.toString('hex')).toBe(
      `123400000001000000000000036d696807${Buffer.from('example').toString('hex')}0000230001`,
    );
  });
  it('reads a NAPTR answer with a compressed owner', () => {
    const d = decodeResponse(response);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value).toMatchObject({ id: 0x1234, rcode: 0, question: { name: 'mih.example', type: 35 } });
    expect(d.value.answers).toEqual([
      {
        name: 'mih.example',
        ttl: 3600,
        type: 35,
        data: {
          order: 10,
          preference: 50,
          flags: 's',
          services: 'MIHES+M2T',
          regexp: '',
          replacement: '_MIHES._tcp.mih.example',
        },
      },
    ]);
  });
  it('refuses pointer loops, forward pointers and cut messages', () => {
    expect(readName(Buffer.from('c000', 'hex'), 0).ok).toBe(false);
    expect(readName(Buffer.from('c002c000', 'hex'), 0).ok).toBe(false);
    for (let n = 12; n < response.length; n++) expect(decodeResponse(response.subarray(0, n)).ok).toBe(false);
    expect(decodeResponse(q).ok).toBe(false); // a query
  });
});

describe('fuzz seeds', () => {
  it('the NAPTR and SRV responses the fuzzer mutates decode', async () => {
    const { corpus } = await import('../testing/fuzz.js');
    const seeds = corpus().dns;
    expect(seeds.length).toBe(2);
    const [naptr, srv] = seeds.map((b) => decodeResponse(b));
    expect(naptr?.ok && naptr.value.answers[0]?.data).toMatchObject({
      services: 'MIHES+M2T',
      replacement: '_MIHES._tcp.mih.example',
    });
    expect(srv?.ok && srv.value.answers[0]?.data).toEqual({
      priority: 0,
      weight: 1,
      port: 4551,
      target: 'mos1.mih.example',
    });
  });
});
