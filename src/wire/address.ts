// Address text <-> bytes. Text comes from our own config (encoders may throw on bad text);
// bytes come from the network (bytesToIpv6 never throws for offsets inside the buffer).

const HEX = '0123456789abcdef';

/** Parses an IPv6 address (RFC 4291 §2.2 text forms, incl. '::' and a trailing dotted IPv4) into 16 bytes. */
export function ipv6ToBytes(s: string): Buffer {
  const out = Buffer.alloc(16);
  writeIpv6(s, out, 0);
  return out;
}

/** Writes the 16 bytes of an IPv6 address at `offset`. Throws on malformed text (our input, not the network's). */
export function writeIpv6(s: string, buf: Buffer, offset: number): void {
  const cached = CACHE.get(s);
  if (cached) {
    for (let i = 0; i < 16; i++) buf[offset + i] = cached[i]!;
    return;
  }
  const parsed = parseIpv6(s);
  if (CACHE.size >= 4096) CACHE.clear(); // bounded: agents reuse a handful of addresses
  CACHE.set(s, parsed);
  for (let i = 0; i < 16; i++) buf[offset + i] = parsed[i]!;
}

const CACHE = new Map<string, Uint8Array>();

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** RFC 4291 §2.2 text -> 16 bytes; a hand-written scanner (no regex) since encoders call it per address. */
function parseIpv6(s: string): Uint8Array {
  const bad = (): never => {
    throw new TypeError(`not an IPv6 address: ${JSON.stringify(s)}`);
  };
  if (typeof s !== 'string' || s.length < 2 || s.length > 45) bad();
  const groups: number[] = [];
  let gap = -1; // index in groups where '::' stands
  let i = 0;
  const n = s.length;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) bad();
    gap = 0;
    i = 2;
  }
  while (i < n) {
    // A trailing dotted IPv4 (RFC 4291 §2.2 form 3) fills the last two groups.
    const rest = s.slice(i);
    if (rest.indexOf(':') < 0 && rest.indexOf('.') >= 0) {
      const v4 = ipv4ToBytes(rest);
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      i = n;
      break;
    }
    let v = 0;
    let digits = 0;
    while (i < n) {
      const d = hexDigit(s.charCodeAt(i));
      if (d < 0) break;
      v = (v << 4) | d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4) bad();
    groups.push(v);
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) bad();
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap >= 0) bad();
      gap = groups.length;
      i++;
    } else if (i === n) bad(); // trailing single ':'
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) bad();
  const out = new Uint8Array(16);
  const tail = gap < 0 ? 0 : groups.length - gap;
  for (let g = 0; g < groups.length; g++) {
    const pos = gap >= 0 && g >= gap ? 8 - tail + (g - gap) : g;
    out[2 * pos] = groups[g]! >> 8;
    out[2 * pos + 1] = groups[g]! & 0xff;
  }
  return out;
}

/** RFC 5952 canonical text of the 16 bytes at `offset`: lower case, no leading zeros, the longest
 * run (first on a tie) of two or more zero groups as '::'; ::ffff:0:0/96 shown with dotted IPv4 (§5). */
export function bytesToIpv6(buf: Uint8Array, offset = 0): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (buf[offset + 2 * i]! << 8) | buf[offset + 2 * i + 1]!;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${buf[offset + 12]}.${buf[offset + 13]}.${buf[offset + 14]}.${buf[offset + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += hex16(g[i]!);
  }
  return out;
}

function hex16(v: number): string {
  if (v < 0x10) return HEX[v]!;
  return v.toString(16);
}

export function ipv4ToBytes(s: string): Buffer {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
    throw new TypeError(`not an IPv4 address: ${JSON.stringify(s)}`);
  }
  return Buffer.from(parts.map(Number));
}

export function bytesToIpv4(buf: Uint8Array, offset = 0): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** 'aa:bb:cc:dd:ee:ff' (or '-' separated) -> 6 bytes. */
export function macToBytes(s: string): Buffer {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new TypeError(`not a MAC address: ${JSON.stringify(s)}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** 6 bytes at `offset` -> lower-case 'aa:bb:cc:dd:ee:ff'. */
export function bytesToMac(buf: Uint8Array, offset = 0): string {
  let out = '';
  for (let i = 0; i < 6; i++) {
    const b = buf[offset + i]!;
    out += (i ? ':' : '') + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Prefix and interface-identifier arithmetic, shared by every mobility protocol. Never throws on
// network text where noted: a bad address is "not in the prefix", or comes back unchanged.

/** Canonical text (RFC 5952) so addresses compare as strings; the input back if it does not parse. */
export function canonical(address: string): string {
  try {
    return bytesToIpv6(ipv6ToBytes(address));
  } catch {
    return address;
  }
}

/** Lower-case colon-separated MAC; the input lower-cased if it is not a MAC. */
export function canonicalMac(mac: string): string {
  try {
    return bytesToMac(macToBytes(mac));
  } catch {
    return mac.toLowerCase();
  }
}

/** True when `address` lies in `prefix`/`length`. Never throws: bad text is "not in the prefix". */
export function inPrefix(address: string, prefix: string, length: number): boolean {
  let a: Buffer;
  let p: Buffer;
  try {
    a = ipv6ToBytes(address);
    p = ipv6ToBytes(prefix);
  } catch {
    return false;
  }
  const full = length >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== p[i]) return false;
  const rest = length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & mask) === (p[full]! & mask);
}

/** The first `length` bits of `address` with the rest zeroed. */
export function prefixOf(address: string, length: number): string {
  const a = ipv6ToBytes(address);
  for (let bit = length; bit < 128; bit++) a[bit >> 3] = a[bit >> 3]! & ~(0x80 >> (bit & 7));
  return bytesToIpv6(a);
}

/** The address made of the first `length` bits of `prefix` and the rest of `interfaceId` (RFC 4862 §5.5.3). */
export function slaacAddress(prefix: string, length: number, interfaceId: string): string {
  const p = ipv6ToBytes(prefix);
  const iid = ipv6ToBytes(interfaceId);
  const out = Buffer.alloc(16);
  for (let bit = 0; bit < 128; bit++) {
    const src = bit < length ? p : iid;
    const byte = bit >> 3;
    const m = 0x80 >> (bit & 7);
    if (src[byte]! & m) out[byte] = out[byte]! | m;
  }
  return bytesToIpv6(out);
}

/** Modified EUI-64 interface identifier of a 48-bit MAC (RFC 4291 Appendix A): U/L bit flipped, ff:fe inserted. */
export function eui64InterfaceId(mac: string | Buffer): Buffer {
  const m = typeof mac === 'string' ? macToBytes(mac) : mac;
  return Buffer.from([m[0]! ^ 0x02, m[1]!, m[2]!, 0xff, 0xfe, m[3]!, m[4]!, m[5]!]);
}

/** A /64 prefix plus a 64-bit interface identifier. */
export function addressFromPrefix(prefix: string, interfaceId: Buffer): string {
  const a = ipv6ToBytes(prefix);
  interfaceId.copy(a, 8, 0, 8);
  return bytesToIpv6(a);
}

/** The address a node forms statelessly on a /64 from its MAC (RFC 4862 §5.5.3), e.g. an FMIPv6 NCoA (RFC 5568 §3.1). */
export function eui64Address(prefix: string, mac: string | Buffer): string {
  return addressFromPrefix(prefix, eui64InterfaceId(mac));
}

/** The n-th /`length` prefix inside `pool`/`poolLength` (n counted from 0), for per-MN prefixes. */
export function nthPrefix(pool: string, poolLength: number, length: number, n: number): string {
  const a = ipv6ToBytes(prefixOf(pool, poolLength));
  // Add n at bit position `length` (counting from the left); prefixes up to /64 fit n in the upper half.
  let carry = BigInt(n) << BigInt(128 - length);
  for (let i = 15; i >= 0 && carry > 0n; i--) {
    const sum = BigInt(a[i]!) + (carry & 0xffn);
    a[i] = Number(sum & 0xffn);
    carry = (carry >> 8n) + (sum >> 8n);
  }
  return bytesToIpv6(a);
}
