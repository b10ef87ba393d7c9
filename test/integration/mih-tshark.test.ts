// tshark's IEEE 802.21 dissector reads every MIH frame we encode, over UDP and over TCP (one frame
// per segment: tshark 4.0 neither splits nor reassembles MIH on TCP), with no malformed packet, and
// shows the fields we encoded. Bitmaps are checked in both bit orders: Wireshark reads MSB-first, so
// it names the bits we send LSB-first differently (docs/mih.md).
import { describe, expect, it } from 'vitest';
import { encodeIes, IeType, networksToIes } from '../../src/wire/mih/information.js';
import { encode, type MihFrame } from '../../src/wire/mih/message.js';
import { buildIpv6Packet } from '../../src/wire/packet.js';
import { checkPrereqs } from '../support/prereq.js';
import { FRAME_CHECK_FIELDS, frameErrors, tsharkFields } from '../support/tshark.js';

const missing = checkPrereqs({ tools: ['tshark'] });
const MN = '2001:db8:1::10';
const MOS = '2001:db8:2::5';
const mac = (m: string) => ({ kind: 'mac' as const, mac: m });
const link = { linkType: 19, address: mac('02:00:00:00:00:10'), poa: mac('02:00:00:00:00:aa') };
const ids = { source: 'mn.mih.example', destination: 'mos1.mih.example' };
const INFO_TEMPLATE = [
  IeType.NetworkId,
  IeType.NetMobilityManagementProtocols,
  IeType.PoaLinkAddress,
  IeType.PoaSubnetInfo,
  IeType.PoaIpAddress,
];

const FRAMES: { frame: MihFrame; mid: number }[] = [
  {
    mid: 0x1401,
    frame: { ackReq: true, ackRsp: false, transactionId: 1, ...ids, body: { kind: 'capability-discover-request' } },
  },
  {
    mid: 0x1401,
    frame: { ackReq: false, ackRsp: true, transactionId: 1, ...ids, body: { kind: 'ack', sid: 1, opcode: 1, aid: 1 } },
  },
  {
    mid: 0x1801,
    frame: {
      ackReq: false,
      ackRsp: true,
      transactionId: 1,
      ...ids,
      body: {
        kind: 'capability-discover-response',
        status: 0,
        eventList: [1, 4],
        commandList: [0, 2],
        transportList: [0, 1],
      },
    },
  },
  {
    mid: 0x1402,
    frame: {
      ackReq: true,
      ackRsp: false,
      transactionId: 2,
      ...ids,
      body: {
        kind: 'register-request',
        linkIdentifiers: [{ linkType: 19, address: mac('02:00:00:00:00:10') }],
        requestCode: 0,
      },
    },
  },
  {
    mid: 0x1802,
    frame: {
      ackReq: false,
      ackRsp: false,
      transactionId: 2,
      ...ids,
      body: { kind: 'register-response', status: 0, validTimeInterval: 3600 },
    },
  },
  {
    mid: 0x1404,
    frame: {
      ackReq: false,
      ackRsp: false,
      transactionId: 3,
      ...ids,
      body: { kind: 'event-subscribe-request', linkIdentifier: link, eventList: [4] },
    },
  },
  {
    mid: 0x1804,
    frame: {
      ackReq: false,
      ackRsp: false,
      transactionId: 3,
      ...ids,
      body: { kind: 'event-subscribe-response', status: 0, linkIdentifier: link, eventList: [4] },
    },
  },
  {
    mid: 0x2c06,
    frame: {
      ackReq: true,
      ackRsp: false,
      transactionId: 0x123,
      ...ids,
      body: { kind: 'link-going-down-indication', linkIdentifier: link, timeInterval: 500, reason: 1 },
    },
  },
  {
    mid: 0x2c02,
    frame: {
      ackReq: true,
      ackRsp: false,
      transactionId: 0x124,
      ...ids,
      body: {
        kind: 'link-up-indication',
        linkIdentifier: link,
        newAccessRouter: mac('02:00:00:00:00:bb'),
        ipRenewal: true,
        mobilityManagement: [2],
      },
    },
  },
  {
    mid: 0x4401,
    frame: {
      ackReq: false,
      ackRsp: false,
      transactionId: 0x125,
      ...ids,
      body: { kind: 'get-information-request', queries: [INFO_TEMPLATE], maxResponseSize: 4000 },
    },
  },
  {
    mid: 0x4801,
    frame: {
      ackReq: false,
      ackRsp: false,
      transactionId: 0x125,
      ...ids,
      body: {
        kind: 'get-information-response',
        status: 0,
        responses: [
          encodeIes(
            networksToIes(
              [
                {
                  networkId: 'ar1',
                  mobilityManagement: 0x20,
                  poas: [
                    {
                      linkAddress: mac('02:00:00:00:00:aa'),
                      prefix: '2001:db8:a1::/64',
                      routerAddress: '2001:db8:a1::1',
                    },
                  ],
                },
              ],
              INFO_TEMPLATE,
            ),
          ),
        ],
      },
    },
  },
];

function udp(payload: Buffer): Buffer {
  const d = Buffer.alloc(8 + payload.length);
  d.writeUInt16BE(4551, 0);
  d.writeUInt16BE(4551, 2);
  d.writeUInt16BE(d.length, 4);
  payload.copy(d, 8);
  return buildIpv6Packet({ src: MN, dst: MOS, upper: { nextHeader: 17, encode: () => d } });
}

function tcp(payload: Buffer, seq: number): Buffer {
  const t = Buffer.alloc(20 + payload.length);
  t.writeUInt16BE(40000, 0);
  t.writeUInt16BE(4551, 2);
  t.writeUInt32BE(seq, 4);
  t.writeUInt32BE(1, 8);
  t[12] = 5 << 4;
  t[13] = 0x18; // PSH, ACK
  t.writeUInt16BE(65535, 14);
  payload.copy(t, 20);
  return buildIpv6Packet({ src: MN, dst: MOS, upper: { nextHeader: 6, encode: () => t } });
}

const FIELDS = [
  ...FRAME_CHECK_FIELDS,
  'mih.mid',
  'mih.tid',
  'mih.acq_req',
  'mih.acq_resp',
  'mih.pay_len',
  'mih.mihf_id',
  'mih.status',
  'mih.event_list',
  'mih.event_list.link_gd',
  'mih.event_list.link_up',
  'mih.trans_list.udp',
  'mih.trans_list.tcp',
  'mih.valid_time_interval',
  'mih.reg_request_code',
  'mih.time_interval',
  'mih.link_gdn_reason',
  'mih.mac_addr',
  'mih.link_type',
];

describe.skipIf(missing)("tshark's IEEE 802.21 dissector reads our MIH frames", () => {
  for (const bitOrder of ['lsb0', 'msb0'] as const) {
    it(`every frame over UDP and over TCP, no malformed packet (bitmaps ${bitOrder})`, () => {
      const payloads = FRAMES.map((f) => encode(f.frame, undefined, 0, { bitOrder }));
      const seqs = payloads.map((_, i) => 1 + payloads.slice(0, i).reduce((n, p) => n + p.length, 0));
      const packets = [...payloads.map(udp), ...payloads.map((p, i) => tcp(p, seqs[i]!))];
      const shown = tsharkFields(packets, FIELDS);
      expect(shown).toHaveLength(packets.length);
      shown.forEach((s, i) => {
        const f = FRAMES[i % FRAMES.length]!;
        const where = `${i < FRAMES.length ? 'udp' : 'tcp'} ${f.frame.body.kind}`;
        expect(frameErrors(s), where).toEqual([]);
        expect(Number(s['mih.mid']![0]), where).toBe(f.mid);
        expect(Number(s['mih.tid']![0]), where).toBe(f.frame.transactionId);
        expect(s['mih.acq_req'], where).toEqual([f.frame.ackReq ? '1' : '0']);
        expect(s['mih.acq_resp'], where).toEqual([f.frame.ackRsp ? '1' : '0']);
        expect(Number(s['mih.pay_len']![0]), where).toBe(payloads[i % FRAMES.length]!.length - 8);
        expect(s['mih.mihf_id'], where).toEqual([ids.source, ids.destination]);
      });
      const byMid = (mid: number, n = 0) => shown.filter((_, i) => FRAMES[i % FRAMES.length]!.mid === mid)[n]!;
      expect(byMid(0x1802)['mih.valid_time_interval']).toEqual(['3600']);
      expect(byMid(0x1802)['mih.status']).toEqual(['0']);
      expect(byMid(0x1402)['mih.reg_request_code']).toEqual(['0']);
      expect(byMid(0x1402)['mih.mac_addr']).toEqual(['02:00:00:00:00:10']);
      const gd = byMid(0x2c06);
      expect(gd['mih.time_interval']).toEqual(['500']);
      expect(gd['mih.link_gdn_reason']).toEqual(['1']);
      expect(gd['mih.link_type']).toEqual(['19']);
      expect(gd['mih.mac_addr']?.[0]).toBe('02:00:00:00:00:10');
      // The bit order: Link_Going_Down is bit 4 of MIH_EVT_LIST.
      const sub = byMid(0x1404);
      const caps = byMid(0x1801);
      if (bitOrder === 'msb0') {
        expect(Number(sub['mih.event_list']![0])).toBe(0x08000000);
        expect(sub['mih.event_list.link_gd']).toEqual(['1']);
        expect(caps['mih.event_list.link_up']).toEqual(['1']);
        expect(caps['mih.trans_list.udp']).toEqual(['1']);
        expect(caps['mih.trans_list.tcp']).toEqual(['1']);
      } else {
        // Wireshark reads bit 0 as the first octet's MSB: our LSB-first bit 4 is its bit 27.
        expect(Number(sub['mih.event_list']![0])).toBe(0x00000010);
        expect(sub['mih.event_list.link_gd']).toEqual(['0']);
        expect(caps['mih.trans_list.udp']).toEqual(['0']);
      }
    }, 60_000);
  }
});
