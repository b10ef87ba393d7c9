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
  const bad = (): never => {
    throw new TypeError(`not an IPv6 address: ${JSON.stringify(s)}`);
  };
  if (typeof s !== 'string' || s.length < 2 || s.length > 45) bad();
  let text = s;
  const groups: number[] = [];
  // Trailing dotted-quad IPv4 (e.g. ::ffff:192.0.2.1) becomes two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4ToBytes(tail);
    text = text.slice(0, lastColon + 1) + ((v4[0]! << 8) | v4[1]!).toString(16) + ':' + ((v4[2]! << 8) | v4[3]!).toString(16);
  }
  const dbl = text.indexOf('::');
  if (dbl !== text.lastIndexOf('::')) bad();
  const parse = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').map((g) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
      return parseInt(g, 16);
    });
  };
  if (dbl >= 0) {
    const head = parse(text.slice(0, dbl));
    const rest = parse(text.slice(dbl + 2));
    if (head.length + rest.length > 7) bad();
    groups.push(...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest);
  } else {
    groups.push(...parse(text));
    if (groups.length !== 8) bad();
  }
  for (let i = 0; i < 8; i++) buf.writeUInt16BE(groups[i]!, offset + 2 * i);
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
