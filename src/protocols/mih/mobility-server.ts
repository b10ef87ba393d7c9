// The MoS side of MIH service management (IEEE 802.21, carried as RFC 5677 says): it answers
// MIH_Capability_Discover with what it supports and MIH_Register with a registration valid for a
// while. Over UDP a request with ACK-Req gets its response with ACK-Rsp set (the piggy-backed ACK: the
// response is ready at once); over TCP there are no MIH ACKs (RFC 5677 §6). A repeated request (same
// peer, MID and TID: a retransmission) gets the stored response again, not a second registration.
import { encodeIes, type IsNetwork, networksToIes } from '../../wire/mih/information.js';
import type { MihBody, MihFrame } from '../../wire/mih/message.js';
import { encodingLength, MihEvent, MihStatus, MihTransport } from '../../wire/mih/message.js';

/**
 * Largest MIH message the MoS sends over UDP: one datagram in the IPv6 minimum MTU (1280 − 40 − 8).
 * A larger Information Service answer is refused there: RFC 5677 §6.5 sends large IS messages over TCP.
 */
export const MAX_UDP_MESSAGE = 1232;

export type MihTransportName = 'udp' | 'tcp';

export interface MobilityServerSettings {
  mihfId: string;
  /** Valid time interval of a registration, s. */
  validTimeS: number;
  maxRegistrations: number;
  /** Responses kept to answer retransmissions. */
  maxAnswered: number;
  /** What the Information Service knows: the lab's networks and their points of attachment. */
  information?: readonly IsNetwork[];
}

export interface MihInput {
  frame: MihFrame;
  /** "[address]:port" of the sender (UDP) or the connection (TCP). */
  peer: string;
  transport: MihTransportName;
}

export type MobilityServerAction =
  | { kind: 'send'; frame: MihFrame; peer: string; transport: MihTransportName }
  | { kind: 'drop'; reason: 'not-for-us' | 'unsupported' | 'not-a-request' }
  /** An IS answer too large for UDP, refused there (status UnspecifiedFailure sent instead). */
  | { kind: 'too-large'; octets: number };

export interface Registration {
  mihfId: string;
  peer: string;
  expiresAt: number;
  links: number;
  count: number;
}

export class MobilityServer {
  readonly #registrations = new Map<string, Registration>();
  readonly #answered = new Map<string, MihFrame>();
  constructor(readonly settings: MobilityServerSettings) {}

  registrations(now: number): Registration[] {
    return [...this.#registrations.values()].filter((r) => r.expiresAt > now);
  }

  handle(now: number, input: MihInput): MobilityServerAction[] {
    const f = input.frame;
    // A Capability_Discover may come before its sender knows this MoS's MIHF ID: it is answered
    // whatever its destination, and the response's source tells the ID (docs/mih.md).
    const toUs = f.destination === this.settings.mihfId || f.body.kind === 'capability-discover-request';
    if (!toUs) return [{ kind: 'drop', reason: 'not-for-us' }];
    if (f.body.kind === 'ack' || f.ackRsp) return [{ kind: 'drop', reason: 'not-a-request' }];
    const key = `${input.transport}/${input.peer}/${f.source}/${f.transactionId}/${f.body.kind}`;
    const again = this.#answered.get(key);
    if (again) return [{ kind: 'send', frame: again, peer: input.peer, transport: input.transport }];
    let body = this.#answer(now, input);
    if (!body) return [{ kind: 'drop', reason: f.body.kind === 'other' ? 'unsupported' : 'not-a-request' }];
    const extra: MobilityServerAction[] = [];
    if (body.kind === 'get-information-response' && input.transport === 'udp') {
      const octets = encodingLength({ ...f, source: this.settings.mihfId, destination: f.source, body });
      if (octets > MAX_UDP_MESSAGE) {
        extra.push({ kind: 'too-large', octets });
        body = { kind: 'get-information-response', status: MihStatus.UnspecifiedFailure };
      }
    }
    const response: MihFrame = {
      ackReq: false,
      ackRsp: input.transport === 'udp' && f.ackReq,
      transactionId: f.transactionId,
      source: this.settings.mihfId,
      destination: f.source,
      body,
    };
    if (this.#answered.size >= this.settings.maxAnswered) this.#answered.delete(this.#answered.keys().next().value!);
    this.#answered.set(key, response);
    return [...extra, { kind: 'send', frame: response, peer: input.peer, transport: input.transport }];
  }

  #answer(now: number, input: MihInput): MihBody | undefined {
    const b = input.frame.body;
    switch (b.kind) {
      case 'capability-discover-request':
        return {
          kind: 'capability-discover-response',
          status: MihStatus.Success,
          eventList: [MihEvent.LinkUp, MihEvent.LinkDown, MihEvent.LinkGoingDown],
          commandList: [],
          transportList: [MihTransport.UDP, MihTransport.TCP],
        };
      case 'register-request': {
        for (const [k, r] of this.#registrations) if (r.expiresAt <= now) this.#registrations.delete(k);
        const known = this.#registrations.get(input.frame.source);
        if (!known && this.#registrations.size >= this.settings.maxRegistrations)
          return { kind: 'register-response', status: MihStatus.Rejected };
        this.#registrations.set(input.frame.source, {
          mihfId: input.frame.source,
          peer: input.peer,
          expiresAt: now + this.settings.validTimeS * 1000,
          links: b.linkIdentifiers.length,
          count: (known?.count ?? 0) + 1,
        });
        return { kind: 'register-response', status: MihStatus.Success, validTimeInterval: this.settings.validTimeS };
      }
      case 'get-information-request':
        return this.#information(input.frame, b.queries, b.maxResponseSize);
      default:
        return undefined;
    }
  }

  /**
   * One IR_BIN_DATA per query: the lab's networks with the IEs its template names. With a Max
   * Response Size, networks are left out from the end until the whole response fits it.
   */
  #information(request: MihFrame, queries: number[][], max: number | undefined): MihBody {
    const all = this.settings.information ?? [];
    const answer = (n: number): MihBody => ({
      kind: 'get-information-response',
      status: MihStatus.Success,
      responses: queries.map((t) => encodeIes(networksToIes(all.slice(0, n), t))),
    });
    let n = all.length;
    let body = answer(n);
    const size = (b: MihBody) =>
      encodingLength({ ...request, source: this.settings.mihfId, destination: request.source, body: b });
    while (max !== undefined && n > 0 && size(body) > max) body = answer(--n);
    return body;
  }
}
