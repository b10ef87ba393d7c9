// Classic libpcap files (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/ §4-5): a 24-byte
// file header whose magic tells the byte order and the timestamp unit (0xa1b2c3d4 = microseconds,
// 0xa1b23c4d = nanoseconds), then records of a 16-byte header and the captured bytes.

import { BufferQueue } from './buffer-queue.js';
import { CaptureError, MAX_RECORD, type CaptureParser, type CapturedFrame } from './frame.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/** True when the first four bytes are a classic pcap magic in either byte order. */
export function isPcapMagic(b: Buffer): boolean {
  if (b.length < 4) return false;
  const be = b.readUInt32BE(0);
  const le = b.readUInt32LE(0);
  return be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS;
}

export class PcapParser implements CaptureParser {
  private readonly q = new BufferQueue();
  private le = true;
  private nanos = false;
  private linkType = -1;
  private snaplen = 0;

  constructor(private readonly file: string) {}

  get offset(): number {
    return this.q.offset;
  }

  private fail(offset: number, reason: string): never {
    throw new CaptureError(this.file, offset, reason);
  }

  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  feed(chunk: Buffer): CapturedFrame[] {
    this.q.push(chunk);
    const out: CapturedFrame[] = [];
    if (this.linkType < 0) {
      if (this.q.available < FILE_HEADER) return out;
      const h = this.q.peek(FILE_HEADER);
      const le = h.readUInt32LE(0);
      const be = h.readUInt32BE(0);
      if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
        this.le = true;
        this.nanos = le === PCAP_MAGIC_NS;
      } else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) {
        this.le = false;
        this.nanos = be === PCAP_MAGIC_NS;
      } else {
        this.fail(0, `not a pcap file (magic 0x${be.toString(16)})`);
      }
      const major = this.le ? h.readUInt16LE(4) : h.readUInt16BE(4);
      if (major !== 2) this.fail(4, `pcap major version ${major}, expected 2`);
      this.snaplen = this.u32(h, 16);
      // The low 16 bits are the link type; upper bits may carry FCS information (draft §5.8).
      this.linkType = this.u32(h, 20) & 0xffff;
      this.q.consume(FILE_HEADER);
    }
    while (this.q.available >= RECORD_HEADER) {
      const h = this.q.peek(RECORD_HEADER);
      const sec = this.u32(h, 0);
      const frac = this.u32(h, 4);
      const incl = this.u32(h, 8);
      const orig = this.u32(h, 12);
      if (incl > MAX_RECORD || incl > Math.max(this.snaplen, 262144)) {
        this.fail(this.q.offset + 8, `record captured length ${incl} exceeds snaplen ${this.snaplen}`);
      }
      if (frac >= (this.nanos ? 1_000_000_000 : 1_000_000)) {
        this.fail(this.q.offset + 4, `record timestamp fraction ${frac} out of range`);
      }
      if (this.q.available < RECORD_HEADER + incl) break;
      const data = Buffer.from(this.q.peek(RECORD_HEADER + incl).subarray(RECORD_HEADER));
      out.push({
        timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(this.nanos ? frac : frac * 1000),
        capturedLength: incl,
        originalLength: orig,
        linkType: this.linkType,
        data,
      });
      this.q.consume(RECORD_HEADER + incl);
    }
    return out;
  }

  end(): void {
    if (this.linkType < 0)
      this.fail(this.q.offset, `file ends inside the pcap file header (${this.q.available} of ${FILE_HEADER} bytes)`);
    if (this.q.available > 0)
      this.fail(this.q.offset, `file ends inside a record (${this.q.available} bytes left over)`);
  }
}

export interface PcapWriteOptions {
  linkType: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d); default microseconds like tcpdump. */
  nanos?: boolean;
  snaplen?: number;
  bigEndian?: boolean;
}

/** Writes a classic pcap file image. Frames' own linkType is ignored (one link type per file). */
export function writePcap(
  frames: Pick<CapturedFrame, 'timestampNs' | 'data' | 'originalLength'>[],
  o: PcapWriteOptions,
): Buffer {
  const le = !o.bigEndian;
  const total = FILE_HEADER + frames.reduce((n, f) => n + RECORD_HEADER + f.data.length, 0);
  const b = Buffer.alloc(total);
  const u32 = (v: number, off: number): number => (le ? b.writeUInt32LE(v >>> 0, off) : b.writeUInt32BE(v >>> 0, off));
  const u16 = (v: number, off: number): number => (le ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off));
  u32(o.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, 0);
  u16(2, 4);
  u16(4, 6);
  u32(0, 8);
  u32(0, 12);
  u32(o.snaplen ?? 262144, 16);
  u32(o.linkType, 20);
  let off = FILE_HEADER;
  for (const f of frames) {
    const sec = f.timestampNs / 1_000_000_000n;
    const ns = f.timestampNs % 1_000_000_000n;
    u32(Number(sec), off);
    u32(Number(o.nanos ? ns : ns / 1000n), off + 4);
    u32(f.data.length, off + 8);
    u32(Math.max(f.originalLength ?? 0, f.data.length), off + 12);
    f.data.copy(b, off + RECORD_HEADER);
    off += RECORD_HEADER + f.data.length;
  }
  return b;
}
