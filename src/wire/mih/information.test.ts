import { describe, expect, it } from 'vitest';
import {
  decodeIes,
  encodeIes,
  IeType,
  iesToNetworks,
  type IsNetwork,
  iqBinData,
  networksToIes,
  readIqBinData,
} from './information.js';
import { decode, encode, type MihFrame } from './message.js';

const NETS: IsNetwork[] = [
  {
    networkId: 'ar1',
    mobilityManagement: 0x0020,
    poas: [
      { linkAddress: { kind: 'mac', mac: '02:00:00:00:0a:01' }, prefix: 'fd00:1::/64', routerAddress: 'fd00:1::1' },
      { linkAddress: { kind: 'mac', mac: '02:00:00:00:0a:02' }, prefix: 'fd00:2::/64', routerAddress: 'fd00:2::1' },
    ],
  },
  { networkId: 'ar2', poas: [{ linkAddress: { kind: 'mac', mac: '02:00:00:00:0b:01' }, prefix: 'fd00:3::/48' }] },
];
const ALL = [
  IeType.NetworkId,
  IeType.NetMobilityManagementProtocols,
  IeType.PoaLinkAddress,
  IeType.PoaSubnetInfo,
  IeType.PoaIpAddress,
];

describe('Information Service binary data', () => {
  it('networks → IEs → bytes → IEs → networks', () => {
    const bytes = encodeIes(networksToIes(NETS, ALL));
    // The outer container: type 0x10000300, then its length.
    expect(bytes.subarray(0, 4).toString('hex')).toBe('10000300');
    const ies = decodeIes(bytes);
    expect(ies.ok && iesToNetworks(ies.value)).toEqual({ ok: true, value: NETS, bytes: 0 });
  });
  it('keeps only the IE types the template names', () => {
    const ies = decodeIes(encodeIes(networksToIes(NETS, [IeType.PoaLinkAddress])));
    expect(ies.ok && iesToNetworks(ies.value)).toMatchObject({
      ok: true,
      value: [
        { poas: [{ linkAddress: { mac: '02:00:00:00:0a:01' } }, { linkAddress: { mac: '02:00:00:00:0a:02' } }] },
        { poas: [{ linkAddress: { mac: '02:00:00:00:0b:01' } }] },
      ],
    });
    const n = (ies as { value: unknown }).value as never;
    expect(JSON.stringify(n)).not.toContain('fd00');
  });
  it('refuses IEs cut short and nesting deeper than list › network › PoA', () => {
    const bytes = encodeIes(networksToIes(NETS, ALL));
    for (let cut = 1; cut < bytes.length; cut += 7) expect(decodeIes(bytes.subarray(0, cut)).ok).toBe(false);
    const deep = encodeIes([
      {
        type: IeType.ListOfNetworks,
        ies: [{ type: IeType.Network, ies: [{ type: IeType.Poa, ies: [{ type: IeType.Poa, ies: [] }] }] }],
      },
    ]);
    expect(decodeIes(deep)).toMatchObject({ ok: false, error: { code: 'bad-value' } });
  });
  it('IQ_BIN_DATA: NULL choices around a report template of IE types', () => {
    const b = iqBinData([IeType.PoaLinkAddress, IeType.PoaIpAddress]);
    expect(b.toString('hex')).toBe(`0000000102${'10000200'}${'10000205'}0000`);
    expect(readIqBinData(b, 0)).toEqual({
      ok: true,
      value: [IeType.PoaLinkAddress, IeType.PoaIpAddress],
      bytes: b.length,
    });
    // A querier location (first CHOICE set) is not something the lab can answer.
    expect(readIqBinData(Buffer.from('01000000000000', 'hex'), 0)).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
    expect(readIqBinData(b.subarray(0, 9), 0).ok).toBe(false);
  });
  it('MIH_Get_Information request and response round-trip (MID 0x4401 / 0x4801)', () => {
    const req: MihFrame = {
      ackReq: false,
      ackRsp: false,
      transactionId: 7,
      source: 'mn.lab.mih',
      destination: 'mos.lab.mih',
      body: { kind: 'get-information-request', queries: [ALL], maxResponseSize: 2000 },
    };
    const rb = encode(req);
    expect(rb.readUInt16BE(2)).toBe(0x4401);
    expect(decode(rb)).toMatchObject({ ok: true, value: { body: req.body } });
    const ir = encodeIes(networksToIes(NETS, ALL));
    const rsp: MihFrame = {
      ...req,
      source: req.destination,
      destination: req.source,
      body: { kind: 'get-information-response', status: 0, responses: [ir] },
    };
    const sb = encode(rsp);
    expect(sb.readUInt16BE(2)).toBe(0x4801);
    expect(decode(sb)).toMatchObject({ ok: true, value: { body: { status: 0, responses: [ir] } } });
  });
});
