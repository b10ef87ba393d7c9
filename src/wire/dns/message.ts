// DNS messages (RFC 1035 §4.1) as far as MoS discovery needs them (RFC 5679 §2): a query with one
// question; a response's answer and additional records, with NAPTR (RFC 3403 §4.1), SRV (RFC 2782)
// and AAAA (RFC 3596) data read, other types kept as bytes. Names in responses may be compressed
// (RFC 1035 §4.1.4); a pointer loop or a pointer forward is an error.
import { bytesToIpv6 } from '../address.js';
import { type Decoded, decodeFail, decodeOk } from '../result.js';
import { encodeDomainName } from '../dhcpv6/mos.js';

export const DnsType = { A: 1, AAAA: 28, SRV: 33, NAPTR: 35 } as const;
export const DNS_PORT = 53;
const CLASS_IN = 1;
/** At most this many records per section are read: a response claiming more is cut, not followed. */
export const MAX_RECORDS = 64;

export interface NaptrData {
  order: number;
  preference: number;
  flags: string;
  services: string;
  regexp: string;
  replacement: string;
}
export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export type DnsRecord = { name: string; ttl: number } & (
  | { type: typeof DnsType.NAPTR; data: NaptrData }
  | { type: typeof DnsType.SRV; data: SrvData }
  | { type: typeof DnsType.AAAA; data: string }
  | { type: number; data: Buffer }
);

export interface DnsQuery {
  id: number;
  name: string;
  type: number;
}

export interface DnsResponse {
  id: number;
  /** RCODE (RFC 1035 §4.1.1): 0 no error, 3 name error. */
  rcode: number;
  question?: { name: string; type: number };
  answers: DnsRecord[];
  additionals: DnsRecord[];
}

/** A standard query, recursion not desired (the lab's servers are authoritative). */
export function encodeQuery(q: DnsQuery): Buffer {
  const name = encodeDomainName(q.name);
  const out = Buffer.alloc(12 + name.length + 4);
  out.writeUInt16BE(q.id & 0xffff, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(1, 4); // QDCOUNT
  name.copy(out, 12);
  out.writeUInt16BE(q.type, 12 + name.length);
  out.writeUInt16BE(CLASS_IN, 14 + name.length);
  return out;
}

/** A name at `offset`: its text and the bytes it takes where it starts (a pointer ends it). */
export function readName(buf: Buffer, offset: number): Decoded<string> {
  const labels: string[] = [];
  let p = offset;
  let bytes = -1;
  let total = 0;
  for (let jumps = 0; ; ) {
    if (p >= buf.length) return decodeFail('truncated', Math.min(p, buf.length), 'DNS name runs past the message');
    const len = buf[p]!;
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= buf.length) return decodeFail('truncated', p, 'DNS name pointer cut');
      const to = ((len & 0x3f) << 8) | buf[p + 1]!;
      if (bytes < 0) bytes = p + 2 - offset;
      // Only backward pointers: every jump goes to a smaller offset, so there is no loop.
      if (to >= p || ++jumps > 64) return decodeFail('bad-value', p, 'DNS name pointer does not point back');
      p = to;
      continue;
    }
    if (len & 0xc0) return decodeFail('bad-value', p, `DNS label type ${len >> 6}`);
    if (len === 0) {
      if (bytes < 0) bytes = p + 1 - offset;
      return decodeOk(labels.join('.'), bytes);
    }
    if (p + 1 + len > buf.length) return decodeFail('truncated', p, 'DNS label runs past the message');
    total += len + 1;
    if (total > 255) return decodeFail('bad-length', p, 'DNS name longer than 255 octets');
    labels.push(buf.toString('latin1', p + 1, p + 1 + len));
    p += 1 + len;
  }
}

function readCharString(buf: Buffer, offset: number, end: number): Decoded<string> {
  if (offset >= end) return decodeFail('truncated', offset, 'character-string missing');
  const len = buf[offset]!;
  if (offset + 1 + len > end) return decodeFail('truncated', offset, 'character-string runs past its record');
  return decodeOk(buf.toString('latin1', offset + 1, offset + 1 + len), 1 + len);
}

function readRecord(buf: Buffer, offset: number): Decoded<DnsRecord> {
  const name = readName(buf, offset);
  if (!name.ok) return name;
  let p = offset + name.bytes;
  if (p + 10 > buf.length) return decodeFail('truncated', p, 'DNS record header cut');
  const type = buf.readUInt16BE(p);
  const ttl = buf.readUInt32BE(p + 4);
  const rdlen = buf.readUInt16BE(p + 8);
  p += 10;
  const end = p + rdlen;
  if (end > buf.length) return decodeFail('bad-length', p - 2, `RDLENGTH ${rdlen} runs past the message`);
  const bytes = end - offset;
  const base = { name: name.value, ttl };
  if (type === DnsType.AAAA) {
    if (rdlen !== 16) return decodeFail('bad-length', p - 2, `AAAA of ${rdlen} octets`);
    return decodeOk({ ...base, type, data: bytesToIpv6(buf, p) }, bytes);
  }
  if (type === DnsType.SRV) {
    if (rdlen < 7) return decodeFail('bad-length', p - 2, `SRV of ${rdlen} octets`);
    const target = readName(buf, p + 6);
    if (!target.ok) return target;
    const data = {
      priority: buf.readUInt16BE(p),
      weight: buf.readUInt16BE(p + 2),
      port: buf.readUInt16BE(p + 4),
      target: target.value,
    };
    return decodeOk({ ...base, type, data }, bytes);
  }
  if (type === DnsType.NAPTR) {
    if (rdlen < 8) return decodeFail('bad-length', p - 2, `NAPTR of ${rdlen} octets`);
    let q = p + 4;
    const strings: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = readCharString(buf, q, end);
      if (!s.ok) return s;
      strings.push(s.value);
      q += s.bytes;
    }
    const replacement = readName(buf, q);
    if (!replacement.ok) return replacement;
    const data = {
      order: buf.readUInt16BE(p),
      preference: buf.readUInt16BE(p + 2),
      flags: strings[0]!,
      services: strings[1]!,
      regexp: strings[2]!,
      replacement: replacement.value,
    };
    return decodeOk({ ...base, type, data }, bytes);
  }
  return decodeOk({ ...base, type, data: Buffer.from(buf.subarray(p, end)) }, bytes);
}

export function decodeResponse(buf: Buffer): Decoded<DnsResponse> {
  if (buf.length < 12) return decodeFail('truncated', 0, 'DNS header shorter than 12 octets');
  if ((buf[2]! & 0x80) === 0) return decodeFail('bad-value', 2, 'DNS message is a query, not a response');
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  let p = 12;
  let question: DnsResponse['question'];
  for (let i = 0; i < counts[0]!; i++) {
    const n = readName(buf, p);
    if (!n.ok) return n;
    if (p + n.bytes + 4 > buf.length) return decodeFail('truncated', p, 'DNS question cut');
    if (i === 0) question = { name: n.value, type: buf.readUInt16BE(p + n.bytes) };
    p += n.bytes + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const r = readRecord(buf, p);
      if (!r.ok) return r;
      if (sections[s]!.length < MAX_RECORDS) sections[s]!.push(r.value);
      p += r.bytes;
    }
  }
  return decodeOk(
    {
      id: buf.readUInt16BE(0),
      rcode: buf[3]! & 0xf,
      ...(question ? { question } : {}),
      answers: sections[0]!,
      additionals: sections[2]!,
    },
    p,
  );
}
