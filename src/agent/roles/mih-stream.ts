// MIH on a byte stream (TCP, or TLS over TCP): messages are framed by the header's payload length
// (RFC 5677 §4), one message per write with Nagle off (§6.1). And the TLS around it (docs/mih.md,
// "Security"): mutual certificate authentication against the run's CA, the secrets appended to the
// run's key log in SSLKEYLOGFILE format for tshark, and the peer's MIHF ID read from its certificate.
import { appendFileSync, readFileSync } from 'node:fs';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { AgentMihTls } from '../config.js';
import { MIH_HEADER_LENGTH } from '../../wire/mih/header.js';

/** Largest MIH frame: 8 octets of header and a 16-bit payload length. */
export const MAX_MIH_FRAME = MIH_HEADER_LENGTH + 0xffff;

/** Cuts a stream into MIH frames; holds at most one unfinished frame (bounded by MAX_MIH_FRAME). */
export class MihFramer {
  #buf: Buffer = Buffer.alloc(0);
  /** The whole frames `chunk` completes. */
  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.#buf.length >= MIH_HEADER_LENGTH) {
      const len = MIH_HEADER_LENGTH + this.#buf.readUInt16BE(6);
      if (this.#buf.length < len) break;
      out.push(this.#buf.subarray(0, len));
      this.#buf = this.#buf.subarray(len);
    }
    return out;
  }
  /** Octets of a frame not yet complete. */
  get pending(): number {
    return this.#buf.length;
  }
}

/** Options for tls.createServer / tls.connect: this node's certificate, the run's CA only, TLS 1.3. */
export function tlsOptions(m: AgentMihTls) {
  return {
    ca: readFileSync(m.ca),
    cert: readFileSync(m.cert),
    key: readFileSync(m.key),
    minVersion: 'TLSv1.3' as const,
  };
}

/** Appends a `keylog` event's line (NSS key log format, newline included) to the run's key log. */
export function keyLogger(m: AgentMihTls): (line: Buffer) => void {
  return (line) => appendFileSync(m.keyLog, line);
}

/** The MIHF ID a lab certificate names: its DNS subjectAltName (src/lab/pki.ts), else its CN. */
export function certificateMihfId(cert: PeerCertificate | undefined): string | undefined {
  if (!cert || Object.keys(cert).length === 0) return undefined;
  const dns = cert.subjectaltname
    ?.split(',')
    .map((s) => s.trim())
    .find((s) => s.startsWith('DNS:'));
  if (dns) return dns.slice(4);
  const cn = cert.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

export function peerMihfId(sock: TLSSocket): string | undefined {
  return certificateMihfId(sock.getPeerCertificate());
}
