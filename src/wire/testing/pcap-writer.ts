// A minimal classic pcap writer (libpcap format: 24-byte global header, 16-byte record headers,
// microsecond timestamps, little endian) for tests that hand packets to tshark. Reading pcaps is
// the analysis layer's job (src/analysis/pcap/).

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;

export interface PcapRecord {
  data: Buffer;
  /** Microseconds since the epoch; default: 1 s apart from 0. */
  timestampUs?: number;
}

export function writePcap(records: (Buffer | PcapRecord)[], linktype = LINKTYPE_RAW, snaplen = 65535): Buffer {
  const parts: Buffer[] = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeInt32LE(0, 8);
  g.writeUInt32LE(0, 12);
  g.writeUInt32LE(snaplen, 16);
  g.writeUInt32LE(linktype, 20);
  parts.push(g);
  records.forEach((r, i) => {
    const rec = Buffer.isBuffer(r) ? { data: r } : r;
    const ts = rec.timestampUs ?? i * 1_000_000;
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(ts / 1_000_000), 0);
    h.writeUInt32LE(ts % 1_000_000, 4);
    const incl = Math.min(rec.data.length, snaplen);
    h.writeUInt32LE(incl, 8);
    h.writeUInt32LE(rec.data.length, 12);
    parts.push(h, rec.data.subarray(0, incl));
  });
  return Buffer.concat(parts);
}
