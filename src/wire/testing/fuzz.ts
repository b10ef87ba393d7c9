// Fuzzing the decoders: random bytes and mutated golden packets must never make a decoder throw,
// and every result must be well formed (consumed bytes inside the buffer, error offsets inside it).
// Used by fuzz.test.ts: 100k inputs per decoder in the unit suite, as many as asked with `make fuzz`.

import * as ethernet from '../ethernet.js';
import * as fragment from '../ext/fragment.js';
import * as optionsHeader from '../ext/hop-by-hop-dest-options.js';
import * as routing from '../ext/routing-type2.js';
import * as icmpv6 from '../icmpv6/header.js';
import * as ndOption from '../icmpv6/nd-options.js';
import { walkIpv6 } from '../ipv6.js';
import * as mh from '../mh/header.js';
import * as mobilityOption from '../mh/options/codec.js';
import type { Decoded } from '../result.js';
import { internetChecksum, pseudoHeaderSum } from '../checksum.js';
import * as udp from '../udp.js';
import { VECTORS } from './vectors.js';
import * as dhcpv6 from '../dhcpv6/message.js';
import * as mos from '../dhcpv6/mos.js';
import * as mih from '../mih/message.js';
import * as dns from '../dns/message.js';
import { MIH_VECTORS, mihVector } from './mih-vectors.js';

export type Decoder = (buf: Buffer) => Decoded<unknown>;

const ADDRS = { src: '2001:db8::1', dst: '2001:db8::2' };

type SeedKind = 'packet' | 'ext' | 'upper' | 'option' | 'udp' | 'mih' | 'dhcpv6' | 'mos' | 'dns';

export const DECODERS: Record<string, Decoder> = {
  ethernet: (b) => ethernet.decode(b),
  walkIpv6: (b) => walkIpv6(b),
  optionsHeader: (b) => optionsHeader.decode(b, 0, { keepPadding: true }),
  routingHeader: (b) => routing.decode(b),
  fragmentHeader: (b) => fragment.decode(b),
  udp: (b) => udp.decode(b, 0, { verify: ADDRS }),
  mobilityHeader: (b) => mh.decode(b),
  mobilityHeaderVerify: (b) => mh.decode(b, 0, { verify: ADDRS, keepPadding: true }),
  mobilityOption: (b) => mobilityOption.decode(b),
  icmpv6: (b) => icmpv6.decode(b),
  icmpv6Verify: (b) => icmpv6.decode(b, 0, { verify: ADDRS }),
  ndOption: (b) => ndOption.decode(b),
  mih: (b) => mih.decode(b),
  mihMsb0: (b) => mih.decode(b, 0, { bitOrder: 'msb0' }),
  dhcpv6: (b) => dhcpv6.decode(b),
  mosAddresses: (b) => mos.addresses.decode(b),
  mosDomains: (b) => mos.domains.decode(b),
  dnsResponse: (b) => dns.decodeResponse(b),
};

/** Half of the inputs of the verifying decoders get a correct checksum after mutation, so the
 * parsing behind the checksum check is fuzzed too (RFC 6275 §6.1.1, RFC 4443 §2.3). */
const FIXUP: Record<string, (b: Buffer) => void> = {
  mobilityHeaderVerify: (b) => {
    if (b.length < 6) return;
    const len = Math.min(b.length, (b[1]! + 1) * 8);
    b.writeUInt16BE(0, 4);
    b.writeUInt16BE(internetChecksum(b, 0, len, pseudoHeaderSum(ADDRS.src, ADDRS.dst, 135, len)), 4);
  },
  icmpv6Verify: (b) => {
    if (b.length < 4) return;
    b.writeUInt16BE(0, 2);
    b.writeUInt16BE(internetChecksum(b, 0, b.length, pseudoHeaderSum(ADDRS.src, ADDRS.dst, 58, b.length)), 2);
  },
  udp: (b) => {
    if (b.length < 8) return;
    const len = Math.max(8, Math.min(b.length, b.readUInt16BE(4)));
    b.writeUInt16BE(0, 6);
    b.writeUInt16BE(internetChecksum(b, 0, len, pseudoHeaderSum(ADDRS.src, ADDRS.dst, 17, len)) || 0xffff, 6);
  },
};

/** Which seeds suit each decoder (so mutations start from inputs it mostly accepts). */
const SEEDS_FOR: Record<string, SeedKind[]> = {
  ethernet: ['packet'],
  walkIpv6: ['packet'],
  optionsHeader: ['ext'],
  routingHeader: ['ext'],
  fragmentHeader: ['ext'],
  udp: ['udp'],
  mobilityHeader: ['upper'],
  mobilityHeaderVerify: ['upper'],
  mobilityOption: ['option'],
  icmpv6: ['upper'],
  icmpv6Verify: ['upper'],
  ndOption: ['option'],
  mih: ['mih'],
  mihMsb0: ['mih'],
  dhcpv6: ['dhcpv6'],
  mosAddresses: ['mos'],
  mosDomains: ['mos'],
  dnsResponse: ['dns'],
};

/** xorshift32: a small seeded generator so failures can be replayed from the seed. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Seeds from the spec vectors: whole packets, extension headers, upper layers, and every suffix of
 * an upper layer (so option decoders see real options at their start). */
export function corpus(): Record<SeedKind, Buffer[]> {
  const c: Record<SeedKind, Buffer[]> = {
    packet: [],
    ext: [],
    upper: [],
    option: [],
    udp: [],
    mih: [],
    dhcpv6: [],
    mos: [],
    dns: [],
  };
  for (const h of Object.values(VECTORS)) {
    const p = Buffer.from(h, 'hex');
    c.packet.push(p);
    const w = walkIpv6(p);
    if (!w.ok) continue;
    const upper = p.subarray(w.value.upperOffset);
    c.upper.push(upper);
    if (w.value.upperOffset > 40) c.ext.push(p.subarray(40));
    for (let i = 4; i < upper.length; i++) c.option.push(upper.subarray(i));
  }
  for (const name of Object.keys(MIH_VECTORS) as (keyof typeof MIH_VECTORS)[]) c.mih.push(mihVector(name));
  const mosAddresses = mos.addresses.encode([
    { code: 1, values: ['2001:db8::1'] },
    { code: 3, values: ['2001:db8::1', '2001:db8::2'] },
    { code: 2, values: [] },
  ]);
  const mosDomains = mos.domains.encode([{ code: 1, values: ['example.com', 'example.net'] }]);
  c.mos.push(mosAddresses, mosDomains);
  // A NAPTR response (owner compressed to the question) and an SRV one, as named writes them.
  c.dns.push(
    Buffer.from(
      '123484000001000100000000036d6968076578616d706c650000230001c00c002300010000003c0025000a005001730' +
        '94d494845532b4d325400065f4d49484553045f746370036d6968076578616d706c6500',
      'hex',
    ),
    Buffer.from(
      '567884000001000100000000065f4d49484553045f756470036d6968076578616d706c650000210001c00c0021000100' +
        '00003c00180000000111c7046d6f7331036d6968076578616d706c6500',
      'hex',
    ),
  );
  c.dhcpv6.push(
    dhcpv6.encode({ msgType: 11, transactionId: 0x123456, options: [dhcpv6.oro([54, 55])] }),
    dhcpv6.encode({
      msgType: 7,
      transactionId: 0x123456,
      options: [
        { code: 54, data: mosAddresses },
        { code: 55, data: mosDomains },
      ],
    }),
  );
  for (let n = 0; n < 64; n += 7) {
    c.udp.push(
      udp.encode({ srcPort: 5000 + n, dstPort: 6000, payload: Buffer.alloc(n, n) }, undefined, 0, { addresses: ADDRS }),
    );
  }
  return c;
}

/** The i-th fuzz input: random bytes (1 in 4) or a golden seed with a few mutations. */
export function input(next: () => number, seeds: Buffer[]): Buffer {
  if ((next() & 3) === 0) {
    const n = next() % 96;
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = next() & 0xff;
    return b;
  }
  const seed = seeds[next() % seeds.length]!;
  let b = Buffer.from(seed);
  const edits = 1 + (next() % 4);
  for (let e = 0; e < edits; e++) {
    const kind = next() % 6;
    if (b.length === 0) break;
    const at = next() % b.length;
    if (kind <= 2)
      b[at] = next() & 0xff; // overwrite a byte
    else if (kind === 3)
      b[at] = b[at]! ^ (1 << (next() & 7)); // flip a bit
    else if (kind === 4)
      b = b.subarray(0, at); // truncate
    else b[at] = [0, 1, 0xff, 0x80, 8, 2][next() % 6]!; // interesting values (lengths, pads)
  }
  return b;
}

export interface FuzzReport {
  decoder: string;
  inputs: number;
  ok: number;
  failed: number;
}

/** Runs `count` inputs through one decoder; throws (with the input in hex) on a crash or a malformed result. */
export function fuzzDecoder(name: string, count: number, seed = 1, all = corpus()): FuzzReport {
  const decode = DECODERS[name]!;
  const seeds = (SEEDS_FOR[name] ?? ['packet']).flatMap((k) => all[k]);
  const next = rng(seed);
  let ok = 0;
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const b = input(next, seeds);
    const fix = FIXUP[name];
    if (fix && (next() & 1) === 0) fix(b);
    let r: Decoded<unknown>;
    try {
      r = decode(b);
    } catch (e) {
      throw new Error(`${name} threw on input #${i} (seed ${seed}) ${b.toString('hex')}: ${(e as Error).stack}`);
    }
    if (r.ok) {
      if (!(r.bytes >= 0 && r.bytes <= b.length))
        throw new Error(`${name}: consumed ${r.bytes} of ${b.length} bytes on ${b.toString('hex')}`);
      ok++;
    } else {
      const o = r.error.offset;
      if (!(Number.isInteger(o) && o >= 0 && o <= b.length))
        throw new Error(`${name}: error offset ${o} outside ${b.length} bytes on ${b.toString('hex')}`);
      failed++;
    }
  }
  return { decoder: name, inputs: count, ok, failed };
}
