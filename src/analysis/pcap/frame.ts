// What the capture readers produce, and the error they raise on a damaged file.

/** Link types this project reads (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  Ethernet: 1,
  Raw: 101,
  LinuxSll: 113,
  Ipv6: 229,
  LinuxSll2: 276,
} as const;

export interface CapturedFrame {
  /** Capture time, ns since the Unix epoch. */
  timestampNs: bigint;
  capturedLength: number;
  originalLength: number;
  linkType: number;
  data: Buffer;
  /** pcapng: the interface (IDB index in its section). Absent for classic pcap. */
  interfaceIndex?: number;
  /** pcapng EPB epb_flags direction: 1 inbound, 2 outbound (0/absent unknown). */
  direction?: number;
}

/** A capture file that cannot be read further. Names the file and the byte offset of the problem. */
export class CaptureError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: at byte ${offset}: ${reason}`);
    this.name = 'CaptureError';
  }
}

/** Incremental parser: feed bytes as they come, get the frames they complete. */
export interface CaptureParser {
  feed(chunk: Buffer): CapturedFrame[];
  /** Call at end of input; throws CaptureError when the file stops inside a header or record. */
  end(): void;
  /** Bytes consumed so far (offset of the next record). */
  readonly offset: number;
}

/** Largest record we accept: a sanity bound against corrupt length fields (256 KiB is tcpdump's snaplen). */
export const MAX_RECORD = 16 * 1024 * 1024;
