// MIH protocol frames (IEEE 802.21) as RFC 5677 carries them over UDP and TCP: the header, the
// Source and Destination MIHF ID TLVs, then the message's own TLVs. Typed bodies for the service
// management messages (capability discover, register, event subscribe) and the Link_Up and
// Link_Going_Down indications; any other message keeps its TLVs. TLVs a typed body does not know are
// kept in `extra` and re-encoded after the known ones.
import { type Decoded, decodeFail, decodeOk } from '../result.js';
import * as header from './header.js';
import { MIH_HEADER_LENGTH, MIH_VERSION, MihOpcode, MihService } from './header.js';
import { iqBinData, readIqBinData } from './information.js';
import { decodeTlvs, encodeTlvs, type MihTlv, tlvLength } from './tlv.js';
import {
  type BitOrder,
  bitmap,
  DEFAULT_BIT_ORDER,
  type LinkAddr,
  type LinkId,
  type LinkTupleId,
  linkAddr,
  linkId,
  linkTupleId,
  list,
  octetString,
  readBitmap,
  readLinkAddr,
  readLinkId,
  readLinkTupleId,
  readList,
  readOctetString,
} from './types.js';

/** TLV type numbers, as Wireshark's packet-mih.c and ODTONE number them (docs/mih.md, sources). */
export const MihTlvType = {
  SourceId: 1,
  DestinationId: 2,
  Status: 3,
  EventList: 5,
  CommandList: 6,
  TransportList: 8,
  RegisterRequestCode: 11,
  ValidTimeInterval: 12,
  LinkIdentifier: 13,
  OldAccessRouter: 15,
  NewAccessRouter: 16,
  IpRenewalFlag: 17,
  MobilityManagementSupport: 18,
  TimeInterval: 21,
  LinkGoingDownReason: 22,
  LinkIdentifierList: 25,
  InfoQueryBinaryDataList: 43,
  MaxResponseSize: 47,
  InfoResponseBinaryDataList: 48,
} as const;

/** MIH_EVT_LIST bit numbers. */
export const MihEvent = {
  LinkDetected: 0,
  LinkUp: 1,
  LinkDown: 2,
  LinkParametersReport: 3,
  LinkGoingDown: 4,
  LinkHandoverImminent: 5,
  LinkHandoverComplete: 6,
} as const;
/** TRANSPORT_LIST bit numbers. */
export const MihTransport = { UDP: 0, TCP: 1 } as const;
/** STATUS values. */
export const MihStatus = {
  Success: 0,
  UnspecifiedFailure: 1,
  Rejected: 2,
  AuthorizationFailure: 3,
  NetworkError: 4,
} as const;

export type MihBody =
  | { kind: 'capability-discover-request'; eventList?: number[]; commandList?: number[]; transportList?: number[] }
  | {
      kind: 'capability-discover-response';
      status: number;
      eventList?: number[];
      commandList?: number[];
      transportList?: number[];
    }
  | { kind: 'register-request'; linkIdentifiers: LinkId[]; requestCode: number }
  | { kind: 'register-response'; status: number; validTimeInterval?: number }
  | { kind: 'event-subscribe-request'; linkIdentifier: LinkTupleId; eventList: number[] }
  | { kind: 'event-subscribe-response'; status: number; linkIdentifier: LinkTupleId; eventList?: number[] }
  | { kind: 'link-going-down-indication'; linkIdentifier: LinkTupleId; timeInterval: number; reason: number }
  | {
      kind: 'link-up-indication';
      linkIdentifier: LinkTupleId;
      oldAccessRouter?: LinkAddr;
      newAccessRouter?: LinkAddr;
      ipRenewal?: boolean;
      mobilityManagement?: number[];
    }
  /** MIH_Get_Information: binary queries (each the IE types of its report template), an optional size limit. */
  | { kind: 'get-information-request'; queries: number[][]; maxResponseSize?: number }
  /** One IR_BIN_DATA (information elements, information.ts) per query answered. */
  | { kind: 'get-information-response'; status: number; responses?: Buffer[] }
  /** A stand-alone acknowledgement: ACK-Rsp set, the acknowledged message's MID and TID, no TLV but the IDs (RFC 5677 §6.3). */
  | { kind: 'ack'; sid: number; opcode: number; aid: number }
  | { kind: 'other'; sid: number; opcode: number; aid: number; tlvs: MihTlv[] };

export type MihBodyKind = MihBody['kind'];

export interface MihFrame {
  version?: number;
  ackReq: boolean;
  ackRsp: boolean;
  uir?: boolean;
  transactionId: number;
  /** MIHF IDs: an FQDN or NAI on IP (RFC 5677 §4.2). */
  source: string;
  destination: string;
  body: MihBody;
  /** TLVs of a typed body that it does not know, kept in order. */
  extra?: MihTlv[];
}

export interface MihCodecOptions {
  bitOrder?: BitOrder;
}

const { Management, Event, Information } = MihService;
const { Request, Response, Indication } = MihOpcode;

/** (SID, opcode, AID) of each typed body, as Wireshark's packet-mih.c, ODTONE and tshark 4.0 agree. */
const MIDS: Record<Exclude<MihBodyKind, 'ack' | 'other'>, [number, number, number]> = {
  'capability-discover-request': [Management, Request, 1],
  'capability-discover-response': [Management, Response, 1],
  'register-request': [Management, Request, 2],
  'register-response': [Management, Response, 2],
  'event-subscribe-request': [Management, Request, 4],
  'event-subscribe-response': [Management, Response, 4],
  'link-up-indication': [Event, Indication, 2],
  'link-going-down-indication': [Event, Indication, 6],
  'get-information-request': [Information, Request, 1],
  'get-information-response': [Information, Response, 1],
};

export function midOf(body: MihBody): [number, number, number] {
  if (body.kind === 'ack' || body.kind === 'other') return [body.sid, body.opcode, body.aid];
  return MIDS[body.kind];
}

const u8 = (n: number) => Buffer.from([n & 0xff]);
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function bodyTlvs(body: MihBody, order: BitOrder): MihTlv[] {
  const T = MihTlvType;
  const t: MihTlv[] = [];
  const opt = (type: number, v: Buffer | undefined) => v !== undefined && t.push({ type, value: v });
  const bits = (v: number[] | undefined, octets: number) => (v ? bitmap(v, octets, order) : undefined);
  switch (body.kind) {
    case 'capability-discover-request':
    case 'capability-discover-response':
      if (body.kind === 'capability-discover-response') opt(T.Status, u8(body.status));
      opt(T.EventList, bits(body.eventList, 4));
      opt(T.CommandList, bits(body.commandList, 4));
      opt(T.TransportList, bits(body.transportList, 2));
      break;
    case 'register-request':
      opt(T.LinkIdentifierList, list(body.linkIdentifiers, linkId));
      opt(T.RegisterRequestCode, u8(body.requestCode));
      break;
    case 'register-response':
      opt(T.Status, u8(body.status));
      opt(T.ValidTimeInterval, body.validTimeInterval !== undefined ? u32(body.validTimeInterval) : undefined);
      break;
    case 'event-subscribe-request':
      opt(T.LinkIdentifier, linkTupleId(body.linkIdentifier));
      opt(T.EventList, bitmap(body.eventList, 4, order));
      break;
    case 'event-subscribe-response':
      opt(T.Status, u8(body.status));
      opt(T.LinkIdentifier, linkTupleId(body.linkIdentifier));
      opt(T.EventList, bits(body.eventList, 4));
      break;
    case 'link-going-down-indication':
      opt(T.LinkIdentifier, linkTupleId(body.linkIdentifier));
      opt(T.TimeInterval, u16(body.timeInterval));
      opt(T.LinkGoingDownReason, u8(body.reason));
      break;
    case 'link-up-indication':
      opt(T.LinkIdentifier, linkTupleId(body.linkIdentifier));
      opt(T.OldAccessRouter, body.oldAccessRouter ? linkAddr(body.oldAccessRouter) : undefined);
      opt(T.NewAccessRouter, body.newAccessRouter ? linkAddr(body.newAccessRouter) : undefined);
      opt(T.IpRenewalFlag, body.ipRenewal !== undefined ? u8(body.ipRenewal ? 1 : 0) : undefined);
      opt(T.MobilityManagementSupport, bits(body.mobilityManagement, 2));
      break;
    case 'get-information-request':
      opt(T.InfoQueryBinaryDataList, list(body.queries, iqBinData));
      opt(T.MaxResponseSize, body.maxResponseSize !== undefined ? u16(body.maxResponseSize) : undefined);
      break;
    case 'get-information-response':
      opt(T.Status, u8(body.status));
      opt(T.InfoResponseBinaryDataList, body.responses ? list(body.responses, octetString) : undefined);
      break;
    case 'ack':
      break;
    case 'other':
      t.push(...body.tlvs);
      break;
  }
  return t;
}

function allTlvs(f: MihFrame, order: BitOrder): MihTlv[] {
  return [
    { type: MihTlvType.SourceId, value: octetString(Buffer.from(f.source, 'utf8')) },
    { type: MihTlvType.DestinationId, value: octetString(Buffer.from(f.destination, 'utf8')) },
    ...bodyTlvs(f.body, order),
    ...(f.extra ?? []),
  ];
}

export function encodingLength(f: MihFrame, options: MihCodecOptions = {}): number {
  return MIH_HEADER_LENGTH + allTlvs(f, options.bitOrder ?? DEFAULT_BIT_ORDER).reduce((n, t) => n + tlvLength(t), 0);
}

export function encode(f: MihFrame, buf?: Buffer, offset = 0, options: MihCodecOptions = {}): Buffer {
  const tlvs = allTlvs(f, options.bitOrder ?? DEFAULT_BIT_ORDER);
  const payload = tlvs.reduce((n, t) => n + tlvLength(t), 0);
  const out = buf ?? Buffer.alloc(offset + MIH_HEADER_LENGTH + payload);
  const [sid, opcode, aid] = midOf(f.body);
  header.encode(
    {
      version: f.version ?? MIH_VERSION,
      ackReq: f.ackReq,
      ackRsp: f.ackRsp,
      uir: f.uir ?? false,
      moreFragment: false,
      fragmentNumber: 0,
      sid,
      opcode,
      aid,
      transactionId: f.transactionId,
    },
    payload,
    out,
    offset,
  );
  encodeTlvs(tlvs, out, offset + MIH_HEADER_LENGTH);
  return out;
}

/** One frame at `offset`; `bytes` is its length (8 + payload length), so a TCP stream decodes frame by frame. */
export function decode(buf: Buffer, offset = 0, options: MihCodecOptions = {}): Decoded<MihFrame> {
  const order = options.bitOrder ?? DEFAULT_BIT_ORDER;
  const h = header.decode(buf, offset);
  if (!h.ok) return h;
  const hv = h.value;
  const end = offset + MIH_HEADER_LENGTH + hv.payloadLength;
  if (end > buf.length)
    return decodeFail('truncated', offset + 6, `MIH payload length ${hv.payloadLength} runs past the buffer`);
  // RFC 5677 §6.1: MIH fragmentation is not used over IP.
  if (hv.moreFragment || hv.fragmentNumber !== 0)
    return decodeFail('unsupported', offset, 'MIH fragment (M or FN set): not used over IP, RFC 5677 §6.1');
  const tlvs = decodeTlvs(buf, offset + MIH_HEADER_LENGTH, end);
  if (!tlvs.ok) return tlvs;
  const [src, dst, ...rest] = tlvs.value;
  if (src?.type !== MihTlvType.SourceId || dst?.type !== MihTlvType.DestinationId)
    return decodeFail(
      'bad-value',
      offset + MIH_HEADER_LENGTH,
      'MIH payload does not start with the Source and Destination MIHF ID TLVs',
    );
  const s = readOctetString(src.value, 0);
  const d = readOctetString(dst.value, 0);
  if (!s.ok || !d.ok || s.bytes !== src.value.length || d.bytes !== dst.value.length)
    return decodeFail('bad-length', offset + MIH_HEADER_LENGTH, 'MIHF ID is not one OCTET_STRING');
  const body = decodeBody(hv, rest, order);
  if (!body.ok) return decodeFail(body.error.code, offset + MIH_HEADER_LENGTH, body.error.message);
  const frame: MihFrame = {
    version: hv.version,
    ackReq: hv.ackReq,
    ackRsp: hv.ackRsp,
    uir: hv.uir,
    transactionId: hv.transactionId,
    source: s.value.toString('utf8'),
    destination: d.value.toString('utf8'),
    body: body.value.body,
  };
  if (body.value.extra.length) frame.extra = body.value.extra;
  return decodeOk(frame, end - offset);
}

type BodyResult = Decoded<{ body: MihBody; extra: MihTlv[] }>;

function decodeBody(h: header.MihHeader, tlvs: MihTlv[], order: BitOrder): BodyResult {
  const mid = [h.sid, h.opcode, h.aid] as const;
  if (h.ackRsp && tlvs.length === 0)
    return decodeOk({ body: { kind: 'ack', sid: h.sid, opcode: h.opcode, aid: h.aid }, extra: [] }, 0);
  const kind = (Object.keys(MIDS) as (keyof typeof MIDS)[]).find((k) => MIDS[k].every((v, i) => v === mid[i]));
  if (!kind) return decodeOk({ body: { kind: 'other', sid: h.sid, opcode: h.opcode, aid: h.aid, tlvs }, extra: [] }, 0);
  const used = new Set<MihTlv>();
  const take = (type: number): Buffer | undefined => {
    const t = tlvs.find((x) => x.type === type && !used.has(x));
    if (t) used.add(t);
    return t?.value;
  };
  let failure: string | undefined;
  const fail = (m: string) => {
    failure ??= m;
    return undefined;
  };
  const T = MihTlvType;
  const fixed = (type: number, n: number, name: string): number | undefined => {
    const v = take(type);
    if (v === undefined) return undefined;
    if (v.length !== n) return fail(`${name} TLV of ${v.length} octets, expected ${n}`);
    return v.readUIntBE(0, n);
  };
  const need = <T>(v: T | undefined, name: string): T => (v === undefined ? (fail(`${name} TLV missing`) as T) : v);
  const bits = (type: number, octets: number, name: string): number[] | undefined => {
    const v = take(type);
    if (v === undefined) return undefined;
    if (v.length !== octets) return fail(`${name} TLV of ${v.length} octets, expected ${octets}`);
    return readBitmap(v, order);
  };
  const whole = <X>(type: number, name: string, dec: (b: Buffer, o: number) => Decoded<X>): X | undefined => {
    const v = take(type);
    if (v === undefined) return undefined;
    const d = dec(v, 0);
    if (!d.ok) return fail(`${name}: ${d.error.message}`);
    if (d.bytes !== v.length) return fail(`${name} TLV has ${v.length - d.bytes} octets too many`);
    return d.value;
  };
  const lists = () => ({
    ...optional('eventList', bits(T.EventList, 4, 'MIH event list')),
    ...optional('commandList', bits(T.CommandList, 4, 'MIH command list')),
    ...optional('transportList', bits(T.TransportList, 2, 'transport option list')),
  });
  let body: MihBody;
  switch (kind) {
    case 'capability-discover-request':
      body = { kind, ...lists() };
      break;
    case 'capability-discover-response':
      body = { kind, status: need(fixed(T.Status, 1, 'Status'), 'Status'), ...lists() };
      break;
    case 'register-request':
      body = {
        kind,
        linkIdentifiers: need(
          whole(T.LinkIdentifierList, 'link identifier list', (b, o) => readList(b, o, readLinkId)),
          'Link identifier list',
        ),
        // ODTONE leaves it out; read as a registration (0), not a re-registration (1).
        requestCode: fixed(T.RegisterRequestCode, 1, 'Register request code') ?? 0,
      };
      break;
    case 'register-response':
      body = {
        kind,
        status: need(fixed(T.Status, 1, 'Status'), 'Status'),
        ...optional('validTimeInterval', fixed(T.ValidTimeInterval, 4, 'Valid time interval')),
      };
      break;
    case 'event-subscribe-request':
      body = {
        kind,
        linkIdentifier: need(whole(T.LinkIdentifier, 'link identifier', readLinkTupleId), 'Link identifier'),
        eventList: need(bits(T.EventList, 4, 'MIH event list'), 'MIH event list'),
      };
      break;
    case 'event-subscribe-response':
      body = {
        kind,
        status: need(fixed(T.Status, 1, 'Status'), 'Status'),
        linkIdentifier: need(whole(T.LinkIdentifier, 'link identifier', readLinkTupleId), 'Link identifier'),
        ...optional('eventList', bits(T.EventList, 4, 'MIH event list')),
      };
      break;
    case 'link-going-down-indication':
      body = {
        kind,
        linkIdentifier: need(whole(T.LinkIdentifier, 'link identifier', readLinkTupleId), 'Link identifier'),
        timeInterval: need(fixed(T.TimeInterval, 2, 'Time interval'), 'Time interval'),
        reason: need(fixed(T.LinkGoingDownReason, 1, 'Link going down reason'), 'Link going down reason'),
      };
      break;
    case 'get-information-request':
      body = {
        kind,
        queries: need(
          whole(T.InfoQueryBinaryDataList, 'info query binary data list', (b, o) => readList(b, o, readIqBinData)),
          'Info query binary data list',
        ),
        ...optional('maxResponseSize', fixed(T.MaxResponseSize, 2, 'Max response size')),
      };
      break;
    case 'get-information-response':
      body = {
        kind,
        status: need(fixed(T.Status, 1, 'Status'), 'Status'),
        ...optional(
          'responses',
          whole(T.InfoResponseBinaryDataList, 'info response binary data list', (b, o) =>
            readList(b, o, readOctetString),
          ),
        ),
      };
      break;
    case 'link-up-indication': {
      const renewal = fixed(T.IpRenewalFlag, 1, 'IP renewal flag');
      body = {
        kind,
        linkIdentifier: need(whole(T.LinkIdentifier, 'link identifier', readLinkTupleId), 'Link identifier'),
        ...optional('oldAccessRouter', whole(T.OldAccessRouter, 'old access router', readLinkAddr)),
        ...optional('newAccessRouter', whole(T.NewAccessRouter, 'new access router', readLinkAddr)),
        ...optional('ipRenewal', renewal === undefined ? undefined : renewal !== 0),
        ...optional('mobilityManagement', bits(T.MobilityManagementSupport, 2, 'mobility management support')),
      };
      break;
    }
  }
  if (failure !== undefined) return decodeFail('bad-value', 0, failure);
  return decodeOk({ body, extra: tlvs.filter((t) => !used.has(t)) }, 0);
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}
