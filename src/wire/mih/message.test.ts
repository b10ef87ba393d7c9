import { describe, expect, test } from 'vitest';
import { mihVector } from '../testing/mih-vectors.js';
import { decode as decodeHeader, messageId } from './header.js';
import { decode, encode, encodingLength, type MihFrame, MihEvent, MihTransport } from './message.js';
import { decodeTlvs, encodeTlvs, readLength, writeLength } from './tlv.js';
import { bitmap, readBitmap } from './types.js';

const ids = { source: 'mn1.example.com', destination: 'pos1.example.com' };
const back = { source: 'pos1.example.com', destination: 'mn1.example.com' };
const mac = (m: string) => ({ kind: 'mac' as const, mac: m });
const link = { linkType: 19, address: mac('02:00:00:00:00:10'), poa: mac('02:00:00:00:00:aa') };

function roundTrip(f: MihFrame, golden: Buffer, bitOrder: 'lsb0' | 'msb0' = 'lsb0') {
  const b = encode(f, undefined, 0, { bitOrder });
  expect(b.toString('hex')).toBe(golden.toString('hex'));
  expect(encodingLength(f, { bitOrder })).toBe(b.length);
  const d = decode(golden, 0, { bitOrder });
  expect(d).toEqual({ ok: true, value: { version: 1, uir: false, ...f }, bytes: golden.length });
}

describe('MIH header', () => {
  test('fields and masks (Link_Going_Down indication, ACK-Req, TID 0x123)', () => {
    const h = decodeHeader(mihVector('linkGoingDown'));
    expect(h.ok && h.value).toMatchObject({
      version: 1,
      ackReq: true,
      ackRsp: false,
      sid: 2,
      opcode: 3,
      aid: 6,
      transactionId: 0x123,
      payloadLength: 0x44,
    });
    expect(messageId({ sid: 2, opcode: 3, aid: 6 })).toBe(0x2c06);
    expect(messageId({ sid: 1, opcode: 2, aid: 1 })).toBe(0x1801);
  });
});

describe('TLV length coding', () => {
  test.each([
    [0, '00'],
    [127, '7f'],
    [128, '80'],
    [129, '8101'],
    [200, '8148'],
    [383, '81ff'],
    [384, '820100'],
    [1000, '820368'],
  ])('%i -> %s', (n, hex) => {
    const b = Buffer.alloc(4);
    const k = writeLength(n, b, 0);
    expect(b.subarray(0, k).toString('hex')).toBe(hex);
    expect(readLength(b, 0)).toEqual({ ok: true, value: n, bytes: k });
  });
  test('a long TLV round-trips', () => {
    const t = [{ type: 100, value: Buffer.alloc(200, 0x41) }];
    const b = Buffer.alloc(203);
    expect(encodeTlvs(t, b, 0)).toBe(203);
    expect(b.subarray(0, 3).toString('hex')).toBe('648148');
    expect(decodeTlvs(b, 0, b.length)).toEqual({ ok: true, value: t, bytes: 203 });
  });
  test('a length past the payload or of more than 4 octets is an error', () => {
    expect(decodeTlvs(Buffer.from('0105aa', 'hex'), 0, 3).ok).toBe(false);
    expect(readLength(Buffer.from('8501020304050', 'hex'), 0).ok).toBe(false);
  });
});

describe('BITMAP bit order: both readings', () => {
  test('Link_Going_Down (bit 4) of a 32-bit MIH_EVT_LIST', () => {
    expect(bitmap([MihEvent.LinkGoingDown], 4, 'lsb0').toString('hex')).toBe('00000010');
    expect(bitmap([MihEvent.LinkGoingDown], 4, 'msb0').toString('hex')).toBe('08000000');
    expect(readBitmap(Buffer.from('00000010', 'hex'), 'lsb0')).toEqual([4]);
    expect(readBitmap(Buffer.from('08000000', 'hex'), 'msb0')).toEqual([4]);
    // The same octets read the other way are another event.
    expect(readBitmap(Buffer.from('08000000', 'hex'), 'lsb0')).toEqual([27]);
  });
  test('TRANSPORT_LIST UDP and TCP', () => {
    expect(bitmap([MihTransport.UDP, MihTransport.TCP], 2, 'lsb0').toString('hex')).toBe('0003');
    expect(bitmap([MihTransport.UDP, MihTransport.TCP], 2, 'msb0').toString('hex')).toBe('c000');
  });
});

describe('MIH messages against hand-built frames', () => {
  test('Capability_Discover request and its stand-alone ACK', () => {
    roundTrip(
      { ackReq: true, ackRsp: false, transactionId: 1, ...ids, body: { kind: 'capability-discover-request' } },
      mihVector('capabilityDiscoverRequest'),
    );
    roundTrip(
      { ackReq: false, ackRsp: true, transactionId: 1, ...back, body: { kind: 'ack', sid: 1, opcode: 1, aid: 1 } },
      mihVector('capabilityDiscoverAck'),
    );
  });
  test('Register request and response', () => {
    roundTrip(
      {
        ackReq: false,
        ackRsp: false,
        transactionId: 2,
        ...ids,
        body: {
          kind: 'register-request',
          linkIdentifiers: [{ linkType: 19, address: mac('02:00:00:00:00:10') }],
          requestCode: 0,
        },
      },
      mihVector('registerRequest'),
    );
    roundTrip(
      {
        ackReq: false,
        ackRsp: false,
        transactionId: 2,
        ...back,
        body: { kind: 'register-response', status: 0, validTimeInterval: 3600 },
      },
      mihVector('registerResponse'),
    );
  });
  test('Event_Subscribe request (MSB-first bitmap) and Link_Going_Down indication', () => {
    roundTrip(
      {
        ackReq: false,
        ackRsp: false,
        transactionId: 3,
        ...ids,
        body: { kind: 'event-subscribe-request', linkIdentifier: link, eventList: [4] },
      },
      mihVector('eventSubscribeRequestMsb0'),
      'msb0',
    );
    roundTrip(
      {
        ackReq: true,
        ackRsp: false,
        transactionId: 0x123,
        ...back,
        body: { kind: 'link-going-down-indication', linkIdentifier: link, timeInterval: 500, reason: 1 },
      },
      mihVector('linkGoingDown'),
    );
  });
  test('capability response, event subscribe response and Link_Up round-trip', () => {
    const frames: MihFrame[] = [
      {
        ackReq: false,
        ackRsp: true,
        transactionId: 9,
        ...back,
        body: {
          kind: 'capability-discover-response',
          status: 0,
          eventList: [1, 4],
          commandList: [0],
          transportList: [0, 1],
        },
      },
      {
        ackReq: false,
        ackRsp: false,
        transactionId: 10,
        ...back,
        body: { kind: 'event-subscribe-response', status: 0, linkIdentifier: link, eventList: [4] },
      },
      {
        ackReq: true,
        ackRsp: false,
        transactionId: 11,
        ...back,
        body: {
          kind: 'link-up-indication',
          linkIdentifier: { linkType: 19, address: mac('02:00:00:00:00:10') },
          newAccessRouter: mac('02:00:00:00:00:bb'),
          ipRenewal: true,
          mobilityManagement: [2, 5],
        },
      },
    ];
    for (const f of frames)
      for (const bitOrder of ['lsb0', 'msb0'] as const) {
        const b = encode(f, undefined, 0, { bitOrder });
        expect(decode(b, 0, { bitOrder })).toEqual({
          ok: true,
          value: { version: 1, uir: false, ...f },
          bytes: b.length,
        });
      }
  });
  test('unknown TLVs are kept; unknown messages keep their TLVs', () => {
    const b = Buffer.concat([mihVector('registerResponse'), Buffer.from('6403001122', 'hex')]);
    b.writeUInt16BE(0x2e + 5, 6);
    const d = decode(b);
    expect(d.ok && d.value.extra).toEqual([{ type: 100, value: Buffer.from('001122', 'hex') }]);
    if (d.ok) expect(encode(d.value).equals(b)).toBe(true);
    const other = Buffer.from(mihVector('registerResponse'));
    other.writeUInt16BE(0x4802, 2); // MIH_Push_Information response: no typed body
    const o = decode(other);
    expect(o.ok && o.value.body).toMatchObject({ kind: 'other', sid: 4, opcode: 2, aid: 2 });
    if (o.ok) expect(encode(o.value).equals(other)).toBe(true);
  });
  test('bad frames are typed errors', () => {
    const v = mihVector('registerResponse');
    expect(decode(v.subarray(0, 20)).ok).toBe(false); // payload length past the buffer
    const frag = Buffer.from(v);
    frag[0] = frag[0]! | 1; // M set
    expect(decode(frag)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    const noStatus = Buffer.from(v.subarray(0, v.length - 9));
    noStatus.writeUInt16BE(0x2e - 9, 6);
    expect(decode(noStatus)).toMatchObject({ ok: false, error: { code: 'bad-value', message: 'Status TLV missing' } });
    const swapped = Buffer.from(mihVector('capabilityDiscoverRequest'));
    swapped[8] = 2;
    expect(decode(swapped).ok).toBe(false);
  });
  test("a TCP stream holds frames back to back: decode reports each one's length", () => {
    const a = mihVector('registerRequest');
    const s = Buffer.concat([a, mihVector('registerResponse')]);
    const d = decode(s);
    expect(d.ok && d.bytes).toBe(a.length);
    expect(decode(s, a.length).ok).toBe(true);
  });
});
