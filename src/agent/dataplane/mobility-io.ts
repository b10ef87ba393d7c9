// The roles' side of the core message vocabulary (src/protocols/core/): received Mobility Headers and
// ICMPv6 messages become machine inputs, send actions become packets. Bytes from the network never
// reach a machine undecoded: what does not decode is counted `<mh|icmp>.malformed.<code>` and dropped,
// what is not for this role `<mh|icmp>.not-for-us.<reason>` (counters.ts).
import type { Icmpv6Input, MobilityHeaderInput, SendMobilityHeader } from '../../protocols/core/index.js';
import type { Raw6Packet, Raw6Socket } from '../../native/types.js';
import * as icmpv6 from '../../wire/icmpv6/header.js';
import * as mh from '../../wire/mh/index.js';
import type { Counters } from '../counters.js';
import { toMobilityHeaderToSend } from './actions.js';
import type { MobilitySender, ReceivedMobilityHeader } from './mobility-header-io.js';

/** Why a decoded message is not for this role (a counter suffix), or null to take it. */
export type Screen<I> = (input: I) => string | null;

export interface MobilityHeaderInputOptions {
  counters: Counters;
  onInput: (input: MobilityHeaderInput & { bytes: Buffer }, received: ReceivedMobilityHeader) => void;
  screen?: Screen<MobilityHeaderInput>;
  /** What `mh.received.<…>` names: the receive path (packet-socket, raw-socket) or the message type. */
  countBy?: 'via' | 'type';
}

/** An `onMessage` for openMobilityReceiver / openMobilityHeaderIo that feeds decoded inputs. */
export function mobilityHeaderInputs(o: MobilityHeaderInputOptions): (m: ReceivedMobilityHeader) => void {
  return (m) => {
    const r = mh.decode(m.mh, 0); // checksum already verified by the receiver (RFC 6275 §9.2)
    if (!r.ok) {
      o.counters.malformed('mh', r.error);
      return;
    }
    const input: MobilityHeaderInput & { bytes: Buffer } = {
      kind: 'mh',
      src: m.src,
      dst: m.dst,
      message: r.value,
      bytes: m.mh,
    };
    if (m.homeAddress !== undefined) input.homeAddressOption = m.homeAddress;
    const reason = o.screen?.(input) ?? null;
    if (reason !== null) {
      o.counters.add(`mh.not-for-us.${reason}`);
      return;
    }
    o.counters.add(`mh.received.${o.countBy === 'type' ? r.value.type : m.via}`);
    o.onInput(input, m);
  };
}

export interface Icmpv6InputOptions {
  counters: Counters;
  onInput: (input: Icmpv6Input) => void;
  screen?: Screen<Icmpv6Input>;
}

/** Starts `sock` feeding decoded ICMPv6 inputs, counted `icmp.received.<Type>`. */
export function receiveIcmpv6(sock: Raw6Socket, o: Icmpv6InputOptions): void {
  sock.start(
    (packets: Raw6Packet[]) => {
      for (const p of packets) {
        const r = icmpv6.decode(p.data);
        if (!r.ok) {
          o.counters.malformed('icmp', r.error);
          continue;
        }
        const input: Icmpv6Input = { kind: 'icmp', src: p.src, dst: p.dst, hopLimit: p.hopLimit, message: r.value };
        const reason = o.screen?.(input) ?? null;
        if (reason !== null) {
          o.counters.add(`icmp.not-for-us.${reason}`);
          continue;
        }
        o.counters.add(`icmp.received.${r.value.type}`);
        o.onInput(input);
      }
    },
    () => o.counters.add('icmp.socket-error'),
  );
}

/** Counts a send as `sent.<Type>` or `send-failed.<Type>`; returns `ok`. */
export function countSent(counters: Counters, what: string, ok: boolean): boolean {
  counters.add(ok ? `sent.${what}` : `send-failed.${what}`);
  return ok;
}

/** Performs a send-mh action through `sender` (checksum recomputed there over the right pseudo-header). */
export function sendMobilityHeader(
  sender: Pick<MobilitySender, 'send'>,
  counters: Counters,
  a: SendMobilityHeader,
): boolean {
  return countSent(counters, a.message.type, sender.send(toMobilityHeaderToSend(a)));
}
