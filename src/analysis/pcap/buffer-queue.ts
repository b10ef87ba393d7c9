// Holds the unparsed tail of a byte stream between feed() calls and tracks its absolute offset.

export class BufferQueue {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Absolute offset in the stream of buf[pos]. */
  offset = 0;

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) this.buf = chunk;
    else this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
  }

  get available(): number {
    return this.buf.length - this.pos;
  }

  /** A view of the next n bytes without consuming them (caller checks `available` first). */
  peek(n: number): Buffer {
    return this.buf.subarray(this.pos, this.pos + n);
  }

  consume(n: number): void {
    this.pos += n;
    this.offset += n;
  }
}
