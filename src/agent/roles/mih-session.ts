// The mobile node's MIH connection to its MoS: TLS over TCP port 4551 (docs/mih.md, "Security"), kept
// open so the MoS can send on it too (indications, commands). Requests are matched to responses by
// transaction ID (no MIH ACKs on TCP, RFC 5677 §6); anything else the MoS sends goes to `onMessage`.
// The MoS must prove the MIHF ID its messages carry: the Source MIHF ID of every message must be the
// name its certificate holds.
import { connect, type TLSSocket } from 'node:tls';
import type { AgentMihTls } from '../config.js';
import { decode, encode, type MihFrame } from '../../wire/mih/message.js';
import { keyLogger, MAX_MIH_FRAME, MihFramer, peerMihfId, tlsOptions } from './mih-stream.js';

export interface MihSessionEvents {
  /** A message that answers no request of ours. */
  onMessage?(f: MihFrame): void;
  /** Counted problems: malformed frames, identity mismatches. */
  onProblem?(what: string): void;
}

export class MihSession {
  readonly #pending = new Map<number, { resolve: (f: MihFrame) => void; reject: (e: Error) => void }>();
  #closed = false;
  private constructor(
    readonly sock: TLSSocket,
    /** The MoS's MIHF ID, from its certificate. */
    readonly peerId: string,
    events: MihSessionEvents,
  ) {
    const framer = new MihFramer();
    sock.on('data', (chunk: Buffer) => {
      for (const bytes of framer.push(chunk)) {
        const d = decode(bytes);
        if (!d.ok) {
          events.onProblem?.(`malformed.${d.error.code}`);
          continue;
        }
        if (d.value.source !== peerId) {
          events.onProblem?.('identity-mismatch');
          continue;
        }
        const p = this.#pending.get(d.value.transactionId);
        if (p) {
          this.#pending.delete(d.value.transactionId);
          p.resolve(d.value);
        } else events.onMessage?.(d.value);
      }
      if (framer.pending > MAX_MIH_FRAME) sock.destroy(new Error('MIH frame larger than its length field allows'));
    });
    const fail = (e: Error) => {
      this.#closed = true;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('the MoS closed the MIH connection')));
  }

  /** A TLS connection to the MoS, its certificate checked against the run's CA. */
  static open(
    address: string,
    port: number,
    files: AgentMihTls,
    events: MihSessionEvents = {},
    timeoutMs = 10_000,
  ): Promise<MihSession> {
    return new Promise((resolve, reject) => {
      const sock = connect({
        host: address,
        port,
        ...tlsOptions(files),
        // The MoS is addressed by IP; its identity is its MIHF ID, checked against every message
        // it sends (above), not against the address.
        checkServerIdentity: () => undefined,
      });
      sock.setNoDelay(true);
      sock.on('keylog', keyLogger(files));
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`no TLS connection to [${address}]:${port} in ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('secureConnect', () => {
        clearTimeout(timer);
        const id = peerMihfId(sock);
        if (!id) {
          sock.destroy();
          reject(new Error(`the MoS at [${address}]:${port} has no MIHF ID in its certificate`));
          return;
        }
        resolve(new MihSession(sock, id, events));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** Sends `frame` (one message, one write: RFC 5677 §6.1) and waits for the message with its TID. */
  request(frame: MihFrame, timeoutMs = 10_000): Promise<MihFrame> {
    if (this.#closed) return Promise.reject(new Error('the MIH connection is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(frame.transactionId);
        reject(new Error(`no MIH response to TID ${frame.transactionId} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(frame.transactionId, {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.sock.write(encode(frame));
    });
  }

  /** A message that expects no answer (an indication, a response to the MoS's request). */
  send(frame: MihFrame): void {
    if (!this.#closed) this.sock.write(encode(frame));
  }

  close(): void {
    this.#closed = true;
    this.sock.destroy();
  }
}
