// Reads a capture file of either format, all at once or frame by frame.

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CaptureError, type CaptureParser, type CapturedFrame } from './frame.js';
import { isPcapMagic, PcapParser } from './pcap.js';
import { isPcapngMagic, PcapngParser } from './pcapng.js';

export { CaptureError, LinkType, type CapturedFrame } from './frame.js';
export { writePcap } from './pcap.js';

function parserFor(first: Buffer, file: string): CaptureParser {
  if (isPcapngMagic(first)) return new PcapngParser(file);
  if (isPcapMagic(first)) return new PcapParser(file);
  if (first.length < 4) throw new CaptureError(file, 0, `file of ${first.length} bytes is too short to be a capture`);
  throw new CaptureError(file, 0, `neither pcap nor pcapng (starts with 0x${first.subarray(0, 4).toString('hex')})`);
}

/** Parses a capture held in memory. `name` is used in error messages. */
export function parseCapture(buf: Buffer, name = '<buffer>'): CapturedFrame[] {
  const p = parserFor(buf, name);
  const frames = p.feed(buf);
  p.end();
  return frames;
}

export interface ReadOptions {
  /**
   * A capture cut short (a tcpdump killed mid-write) keeps the frames before the cut instead of
   * failing; `onTruncated` is told where. Corruption other than a cut end still fails.
   */
  allowTruncated?: boolean;
  onTruncated?: (err: CaptureError) => void;
}

/** Yields the frames of a pcap or pcapng file as they are read. Throws CaptureError on a damaged file. */
export async function* iterateCapture(path: string, opts: ReadOptions = {}): AsyncGenerator<CapturedFrame> {
  let parser: CaptureParser | undefined;
  let pending = Buffer.alloc(0);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!parser) {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < 4) continue;
        parser = parserFor(pending, path);
        yield* parser.feed(pending);
      } else {
        yield* parser.feed(chunk);
      }
    }
  } finally {
    stream.destroy();
  }
  if (!parser) parser = parserFor(pending, path);
  try {
    parser.end();
  } catch (e) {
    if (opts.allowTruncated && e instanceof CaptureError) opts.onTruncated?.(e);
    else throw e;
  }
}

/** Reads a whole pcap or pcapng file. Throws CaptureError (file and offset) on a damaged file. */
export async function readCapture(path: string, opts: ReadOptions = {}): Promise<CapturedFrame[]> {
  if (!opts.allowTruncated) {
    // Fast path for the common case: one read, one parse.
    return parseCapture(await readFile(path), path);
  }
  const out: CapturedFrame[] = [];
  for await (const f of iterateCapture(path, opts)) out.push(f);
  return out;
}
