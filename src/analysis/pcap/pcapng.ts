// pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks {type, total length, body, total length}.
// A Section Header Block (type 0x0A0D0D0A) starts each section and its byte-order magic 0x1A2B3C4D
// says how the rest of the section is written. Interface Description Blocks give each interface its
// link type and timestamp resolution (if_tsresol, option 9; if_tsoffset, option 14); Enhanced (6),
// Simple (3) and the obsolete Packet (2) blocks carry frames. Other blocks are skipped.

import { BufferQueue } from './buffer-queue.js';
import { CaptureError, MAX_RECORD, type CaptureParser, type CapturedFrame } from './frame.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
export const BLOCK_PB = 2;
export const BLOCK_SPB = 3;
export const BLOCK_EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const OPT_EPB_FLAGS = 2;

export function isPcapngMagic(b: Buffer): boolean {
  return b.length >= 4 && b.readUInt32BE(0) === BLOCK_SHB;
}

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second, as (mantissa) 10^k or 2^k. */
  resol: { base: 10 | 2; exp: number };
  offsetS: bigint;
}

export class PcapngParser implements CaptureParser {
  private readonly q = new BufferQueue();
  private le = true;
  private inSection = false;
  private ifaces: Iface[] = [];

  constructor(private readonly file: string) {}

  get offset(): number {
    return this.q.offset;
  }

  private fail(offset: number, reason: string): never {
    throw new CaptureError(this.file, offset, reason);
  }

  feed(chunk: Buffer): CapturedFrame[] {
    this.q.push(chunk);
    const out: CapturedFrame[] = [];
    while (this.q.available >= 12) {
      const head = this.q.peek(12);
      const typeBe = head.readUInt32BE(0);
      if (typeBe === BLOCK_SHB) {
        // The SHB's own byte order is known only from its magic.
        const magicLe = head.readUInt32LE(8);
        if (magicLe === BYTE_ORDER_MAGIC) this.le = true;
        else if (head.readUInt32BE(8) === BYTE_ORDER_MAGIC) this.le = false;
        else this.fail(this.q.offset + 8, `bad section byte-order magic 0x${head.readUInt32BE(8).toString(16)}`);
      } else if (!this.inSection) {
        this.fail(this.q.offset, 'pcapng file does not start with a Section Header Block');
      }
      const type = this.le ? head.readUInt32LE(0) : typeBe;
      const len = this.le ? head.readUInt32LE(4) : head.readUInt32BE(4);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD + 256) {
        this.fail(this.q.offset + 4, `block type 0x${type.toString(16)} has invalid total length ${len}`);
      }
      if (this.q.available < len) break;
      const block = this.q.peek(len);
      const trailer = this.le ? block.readUInt32LE(len - 4) : block.readUInt32BE(len - 4);
      if (trailer !== len)
        this.fail(this.q.offset + len - 4, `block total length ${len} does not match trailing copy ${trailer}`);
      const frame = this.block(type, block, this.q.offset);
      if (frame) out.push(frame);
      this.q.consume(len);
    }
    return out;
  }

  private u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  /** Options are {code u16, length u16, value padded to 4}, ending at opt_endofopt (0) or the body's end. */
  private options(b: Buffer, start: number, end: number, at: number): Map<number, Buffer> {
    const m = new Map<number, Buffer>();
    let o = start;
    while (o + 4 <= end) {
      const code = this.u16(b, o);
      const l = this.u16(b, o + 2);
      if (code === 0) break;
      if (o + 4 + l > end) this.fail(at + o + 2, `option ${code} length ${l} overruns its block`);
      if (!m.has(code)) m.set(code, b.subarray(o + 4, o + 4 + l));
      o += 4 + Math.ceil(l / 4) * 4;
    }
    return m;
  }

  private block(type: number, b: Buffer, at: number): CapturedFrame | undefined {
    const bodyEnd = b.length - 4;
    switch (type) {
      case BLOCK_SHB: {
        if (b.length < 28) this.fail(at, `Section Header Block of ${b.length} bytes is too short`);
        const major = this.u16(b, 12);
        if (major !== 1) this.fail(at + 12, `pcapng major version ${major}, expected 1`);
        this.inSection = true;
        this.ifaces = [];
        return undefined;
      }
      case BLOCK_IDB: {
        if (b.length < 20) this.fail(at, 'Interface Description Block too short');
        const opts = this.options(b, 16, bodyEnd, at);
        const iface: Iface = {
          linkType: this.u16(b, 8),
          snaplen: this.u32(b, 12),
          resol: { base: 10, exp: 6 },
          offsetS: 0n,
        };
        const r = opts.get(OPT_IF_TSRESOL);
        if (r && r.length >= 1) {
          const v = r[0]!;
          iface.resol = v & 0x80 ? { base: 2, exp: v & 0x7f } : { base: 10, exp: v };
          if (iface.resol.exp > 63) this.fail(at, `if_tsresol ${v} out of range`);
        }
        const to = opts.get(OPT_IF_TSOFFSET);
        if (to && to.length >= 8) iface.offsetS = this.le ? to.readBigInt64LE(0) : to.readBigInt64BE(0);
        this.ifaces.push(iface);
        return undefined;
      }
      case BLOCK_EPB:
      case BLOCK_PB: {
        if (b.length < 32) this.fail(at, `packet block of ${b.length} bytes is too short`);
        const ifIndex = type === BLOCK_EPB ? this.u32(b, 8) : this.u16(b, 8);
        const iface = this.ifaces[ifIndex];
        if (!iface)
          this.fail(at + 8, `packet refers to interface ${ifIndex}, but the section describes ${this.ifaces.length}`);
        const ts = (BigInt(this.u32(b, 12)) << 32n) | BigInt(this.u32(b, 16));
        const cap = this.u32(b, 20);
        const orig = this.u32(b, 24);
        const dataEnd = 28 + cap;
        if (dataEnd > bodyEnd) this.fail(at + 20, `captured length ${cap} overruns its block of ${b.length} bytes`);
        const frame: CapturedFrame = {
          timestampNs: toNs(ts, iface),
          capturedLength: cap,
          originalLength: orig,
          linkType: iface.linkType,
          data: Buffer.from(b.subarray(28, dataEnd)),
          interfaceIndex: ifIndex,
        };
        if (type === BLOCK_EPB) {
          const flags = this.options(b, 28 + Math.ceil(cap / 4) * 4, bodyEnd, at).get(OPT_EPB_FLAGS);
          if (flags && flags.length >= 4) frame.direction = this.u32(flags, 0) & 3;
        }
        return frame;
      }
      case BLOCK_SPB: {
        const iface = this.ifaces[0];
        if (!iface) this.fail(at, 'Simple Packet Block without an interface');
        if (b.length < 16) this.fail(at, 'Simple Packet Block too short');
        const orig = this.u32(b, 8);
        // SPB has no captured length: it is the smaller of the original length and the snaplen.
        let cap = Math.min(orig, bodyEnd - 12);
        if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
        return {
          // SPB carries no timestamp.
          timestampNs: 0n,
          capturedLength: cap,
          originalLength: orig,
          linkType: iface.linkType,
          data: Buffer.from(b.subarray(12, 12 + cap)),
          interfaceIndex: 0,
        };
      }
      default:
        return undefined;
    }
  }

  end(): void {
    if (!this.inSection) this.fail(this.q.offset, 'file ends before a complete Section Header Block');
    if (this.q.available > 0)
      this.fail(this.q.offset, `file ends inside a block (${this.q.available} bytes left over)`);
  }
}

function toNs(ts: bigint, i: Iface): bigint {
  const off = i.offsetS * 1_000_000_000n;
  if (i.resol.base === 2) return off + (ts * 1_000_000_000n) / (1n << BigInt(i.resol.exp));
  const e = i.resol.exp;
  if (e <= 9) return off + ts * 10n ** BigInt(9 - e);
  return off + ts / 10n ** BigInt(e - 9);
}
