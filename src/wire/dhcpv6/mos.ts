// The MoS discovery options of RFC 5678: OPTION_MOS_ADDRESSES (54, §4) and OPTION_MOS_DOMAINS
// (55, §5). Their data is a list of sub-options, sub-opt code (2) + sub-opt len (2) + value; the
// codes are the IEEE 802.21 service types (§8). Addresses are in order of preference; an empty
// sub-option says there is no server of that type (§6.2.2).
import { bytesToIpv6, writeIpv6 } from '../address.js';
import { type Decoded, decodeFail, decodeOk } from '../result.js';

/** IEEE 802.21 IPv6 Service Type codes (RFC 5678 §4, §8). */
export const MosServiceType = { IS: 1, CS: 2, ES: 3 } as const;
export type MosService = keyof typeof MosServiceType;
export const MOS_SERVICES: readonly MosService[] = ['IS', 'CS', 'ES'];

export interface MosSubOption<T> {
  /** The service type code; unknown codes are kept (raw bytes in `raw`). */
  code: number;
  values: T[];
  /** The sub-option's bytes when its code is not one of IS, CS, ES, or they do not parse. */
  raw?: Buffer;
}

export type MosAddresses = MosSubOption<string>[];
export type MosDomains = MosSubOption<string>[];

function encodeSubOptions(subs: { code: number; value: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of subs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(s.code, 0);
    head.writeUInt16BE(s.value.length, 2);
    parts.push(head, s.value);
  }
  return Buffer.concat(parts);
}

function decodeSubOptions(buf: Buffer, offset: number): Decoded<{ code: number; value: Buffer; at: number }[]> {
  const out: { code: number; value: Buffer; at: number }[] = [];
  let p = offset;
  while (p < buf.length) {
    if (buf.length - p < 4) return decodeFail('truncated', p, 'MoS sub-option header shorter than 4 octets');
    const code = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    if (p + 4 + len > buf.length)
      return decodeFail('bad-length', p + 2, `MoS sub-option ${code} length ${len} runs past the option`);
    out.push({ code, value: Buffer.from(buf.subarray(p + 4, p + 4 + len)), at: p });
    p += 4 + len;
  }
  return decodeOk(out, buf.length - offset);
}

/** Option 54 data: per sub-option 16 octets per address (§4). */
export const addresses = {
  encode(v: MosAddresses): Buffer {
    return encodeSubOptions(
      v.map((s) => {
        if (s.raw) return { code: s.code, value: s.raw };
        const value = Buffer.alloc(16 * s.values.length);
        for (const [i, a] of s.values.entries()) writeIpv6(a, value, i * 16);
        return { code: s.code, value };
      }),
    );
  },
  decode(buf: Buffer, offset = 0): Decoded<MosAddresses> {
    const subs = decodeSubOptions(buf, offset);
    if (!subs.ok) return subs;
    const out: MosAddresses = [];
    for (const s of subs.value) {
      if (!isKnown(s.code)) {
        out.push({ code: s.code, values: [], raw: s.value });
        continue;
      }
      if (s.value.length % 16 !== 0)
        return decodeFail(
          'bad-length',
          s.at + 2,
          `MoS address sub-option length ${s.value.length} is not a multiple of 16`,
        );
      const values: string[] = [];
      for (let i = 0; i < s.value.length; i += 16) values.push(bytesToIpv6(s.value, i));
      out.push({ code: s.code, values });
    }
    return decodeOk(out, buf.length - offset);
  },
  encodingLength(v: MosAddresses): number {
    return v.reduce((n, s) => n + 4 + (s.raw ? s.raw.length : 16 * s.values.length), 0);
  },
};

/** Option 55 data: per sub-option a list of domain names in RFC 8415 §10 (RFC 1035 §3.1) form, uncompressed (§5). */
export const domains = {
  encode(v: MosDomains): Buffer {
    return encodeSubOptions(
      v.map((s) => ({ code: s.code, value: s.raw ?? Buffer.concat(s.values.map(encodeDomainName)) })),
    );
  },
  decode(buf: Buffer, offset = 0): Decoded<MosDomains> {
    const subs = decodeSubOptions(buf, offset);
    if (!subs.ok) return subs;
    const out: MosDomains = [];
    for (const s of subs.value) {
      if (!isKnown(s.code)) {
        out.push({ code: s.code, values: [], raw: s.value });
        continue;
      }
      const names = decodeDomainNames(s.value);
      if (!names.ok) return decodeFail(names.error.code, s.at + 4 + names.error.offset, names.error.message);
      out.push({ code: s.code, values: names.value });
    }
    return decodeOk(out, buf.length - offset);
  },
  encodingLength(v: MosDomains): number {
    return v.reduce(
      (n, s) => n + 4 + (s.raw ? s.raw.length : s.values.reduce((m, d) => m + encodeDomainName(d).length, 0)),
      0,
    );
  },
};

function isKnown(code: number): boolean {
  return code === 1 || code === 2 || code === 3;
}

/** "mih.example" -> 03 'mih' 07 'example' 00; a trailing dot is allowed. */
export function encodeDomainName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'ascii');
    parts.push(Buffer.from([Math.min(b.length, 63)]), b.subarray(0, 63));
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** A sequence of uncompressed names filling the buffer; a compression pointer is refused. */
export function decodeDomainNames(buf: Buffer): Decoded<string[]> {
  const names: string[] = [];
  let p = 0;
  while (p < buf.length) {
    const labels: string[] = [];
    for (;;) {
      if (p >= buf.length) return decodeFail('truncated', p, 'domain name without its terminating zero label');
      const len = buf[p]!;
      if (len === 0) {
        p += 1;
        break;
      }
      if (len > 63) return decodeFail('bad-value', p, `label length ${len} (compression is not allowed, RFC 8415 §10)`);
      if (p + 1 + len > buf.length) return decodeFail('truncated', p, 'label runs past the sub-option');
      labels.push(buf.toString('latin1', p + 1, p + 1 + len));
      p += 1 + len;
    }
    names.push(labels.join('.'));
  }
  return decodeOk(names, buf.length);
}
