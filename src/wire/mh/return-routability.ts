// Return routability messages, RFC 6275 §6.1.3–§6.1.6: cookies, nonce indices and keygen tokens are
// 64-bit opaque values (8-byte Buffers).

import { bodyCodec } from './body.js';
import { MhType } from './binding.js';
import type { MobilityOption } from './options/types.js';

export interface HomeTestInit {
  type: 'HomeTestInit';
  homeInitCookie: Buffer;
  options: MobilityOption[];
}
export interface CareOfTestInit {
  type: 'CareOfTestInit';
  careOfInitCookie: Buffer;
  options: MobilityOption[];
}
export interface HomeTest {
  type: 'HomeTest';
  homeNonceIndex: number;
  homeInitCookie: Buffer;
  homeKeygenToken: Buffer;
  options: MobilityOption[];
}
export interface CareOfTest {
  type: 'CareOfTest';
  careOfNonceIndex: number;
  careOfInitCookie: Buffer;
  careOfKeygenToken: Buffer;
  options: MobilityOption[];
}

function put64(v: Buffer, b: Buffer, o: number): void {
  if (v.length !== 8) throw new RangeError(`64-bit cookie/token must be 8 bytes, got ${v.length}`);
  v.copy(b, o);
}
const get64 = (b: Buffer, o: number): Buffer => Buffer.from(b.subarray(o, o + 8));

export const homeTestInitCodec = bodyCodec<HomeTestInit>({
  type: 'HomeTestInit',
  mhType: MhType.HomeTestInit,
  fixedLength: 10,
  writeFixed(m, b, o) {
    b.writeUInt16BE(0, o);
    put64(m.homeInitCookie, b, o + 2);
  },
  readFixed: (b, o) => ({ type: 'HomeTestInit', homeInitCookie: get64(b, o + 2) }),
});

export const careOfTestInitCodec = bodyCodec<CareOfTestInit>({
  type: 'CareOfTestInit',
  mhType: MhType.CareOfTestInit,
  fixedLength: 10,
  writeFixed(m, b, o) {
    b.writeUInt16BE(0, o);
    put64(m.careOfInitCookie, b, o + 2);
  },
  readFixed: (b, o) => ({ type: 'CareOfTestInit', careOfInitCookie: get64(b, o + 2) }),
});

export const homeTestCodec = bodyCodec<HomeTest>({
  type: 'HomeTest',
  mhType: MhType.HomeTest,
  fixedLength: 18,
  writeFixed(m, b, o) {
    b.writeUInt16BE(m.homeNonceIndex, o);
    put64(m.homeInitCookie, b, o + 2);
    put64(m.homeKeygenToken, b, o + 10);
  },
  readFixed: (b, o) => ({
    type: 'HomeTest',
    homeNonceIndex: b.readUInt16BE(o),
    homeInitCookie: get64(b, o + 2),
    homeKeygenToken: get64(b, o + 10),
  }),
});

export const careOfTestCodec = bodyCodec<CareOfTest>({
  type: 'CareOfTest',
  mhType: MhType.CareOfTest,
  fixedLength: 18,
  writeFixed(m, b, o) {
    b.writeUInt16BE(m.careOfNonceIndex, o);
    put64(m.careOfInitCookie, b, o + 2);
    put64(m.careOfKeygenToken, b, o + 10);
  },
  readFixed: (b, o) => ({
    type: 'CareOfTest',
    careOfNonceIndex: b.readUInt16BE(o),
    careOfInitCookie: get64(b, o + 2),
    careOfKeygenToken: get64(b, o + 10),
  }),
});
