// The MIH Information Service's binary data (IEEE 802.21 MIH_Get_Information): information elements
// (IEs) as Type (UNSIGNED_INT(4), the IE identifiers Wireshark's packet-mih.c lists) | Length (the TLV
// length coding) | Value, where a container IE's value is more IEs. The query is an IQ_BIN_DATA whose
// report template names the IE types wanted; the answer is one IR_BIN_DATA, an OCTET_STRING holding
// the list-of-networks container. docs/mih.md, "Information Service", says which parts of IQ_BIN_DATA
// are read and why the layout of the other CHOICEs is the lab's reading.
import { bytesToIpv6, ipv6ToBytes } from '../address.js';
import { type Decoded, decodeFail, decodeOk } from '../result.js';
import { lengthLength, readLength, writeLength } from './tlv.js';
import { type LinkAddr, linkAddr, octetString, readLinkAddr, readOctetString } from './types.js';

/** Information element identifiers. */
export const IeType = {
  NetworkType: 0x10000000,
  OperatorId: 0x10000001,
  NetworkId: 0x10000100,
  NetMobilityManagementProtocols: 0x1000010c,
  PoaLinkAddress: 0x10000200,
  PoaSubnetInfo: 0x10000204,
  PoaIpAddress: 0x10000205,
  ListOfNetworks: 0x10000300,
  Network: 0x10000301,
  Poa: 0x10000302,
} as const;

const CONTAINERS = new Set<number>([IeType.ListOfNetworks, IeType.Network, IeType.Poa]);

/** An IE: a container holds IEs, any other its value's bytes. */
export type Ie = { type: number; ies: Ie[] } | { type: number; value: Buffer };

/** Nesting deeper than list-of-networks › network › PoA › IE is refused (bounds the decoder's recursion). */
const MAX_DEPTH = 4;

export function encodeIes(ies: readonly Ie[]): Buffer {
  return Buffer.concat(
    ies.map((ie) => {
      const value = 'ies' in ie ? encodeIes(ie.ies) : ie.value;
      const head = Buffer.alloc(4 + lengthLength(value.length));
      head.writeUInt32BE(ie.type >>> 0);
      writeLength(value.length, head, 4);
      return Buffer.concat([head, value]);
    }),
  );
}

export function decodeIes(buf: Buffer, depth = 0): Decoded<Ie[]> {
  if (depth >= MAX_DEPTH) return decodeFail('bad-value', 0, `IE containers nested deeper than ${MAX_DEPTH}`);
  const out: Ie[] = [];
  let p = 0;
  while (p < buf.length) {
    if (p + 4 > buf.length) return decodeFail('truncated', p, 'IE type cut short');
    const type = buf.readUInt32BE(p);
    const len = readLength(buf, p + 4);
    if (!len.ok) return len;
    const start = p + 4 + len.bytes;
    if (start + len.value > buf.length)
      return decodeFail('truncated', p, `IE 0x${type.toString(16)} runs past its container`);
    const value = buf.subarray(start, start + len.value);
    if (CONTAINERS.has(type)) {
      const inner = decodeIes(value, depth + 1);
      if (!inner.ok) return decodeFail(inner.error.code, start + inner.error.offset, inner.error.message);
      out.push({ type, ies: inner.value });
    } else out.push({ type, value: Buffer.from(value) });
    p = start + len.value;
  }
  return decodeOk(out, p);
}

/** A point of attachment as the IS describes it: the AP's link address, its subnet, its access router. */
export interface IsPoa {
  linkAddress: LinkAddr;
  /** "2001:db8:1::/64" */
  prefix?: string;
  routerAddress?: string;
}

export interface IsNetwork {
  /** NETWORK_ID, an OCTET_STRING. */
  networkId?: string;
  /** IE_NET_MOB_MGMT_PROT, a BITMAP(16) (bit 5: FMIPv6), LSB-first like every bitmap here. */
  mobilityManagement?: number;
  poas: IsPoa[];
}

/** IP_ADDR: address family (2 octets, IANA: 2 is IPv6) and an OCTET_STRING. */
function ipAddr(a: string): Buffer {
  return Buffer.concat([Buffer.from([0, 2]), octetString(ipv6ToBytes(a))]);
}

function readIpAddr(b: Buffer, o: number): Decoded<string> {
  if (o + 2 > b.length) return decodeFail('truncated', o, 'IP_ADDR address family missing');
  const s = readOctetString(b, o + 2);
  if (!s.ok) return s;
  if (b.readUInt16BE(o) !== 2 || s.value.length !== 16) return decodeFail('bad-value', o, 'IP_ADDR is not IPv6');
  return decodeOk(bytesToIpv6(s.value), 2 + s.bytes);
}

/** The IEs of the lab's networks, keeping only the types `template` names (containers always). */
export function networksToIes(networks: readonly IsNetwork[], template: readonly number[]): Ie[] {
  const want = new Set(template);
  const leaf = (type: number, value: Buffer | undefined): Ie[] =>
    value !== undefined && want.has(type) ? [{ type, value }] : [];
  return [
    {
      type: IeType.ListOfNetworks,
      ies: networks.map((n) => ({
        type: IeType.Network,
        ies: [
          ...leaf(IeType.NetworkId, n.networkId !== undefined ? octetString(Buffer.from(n.networkId)) : undefined),
          ...leaf(
            IeType.NetMobilityManagementProtocols,
            n.mobilityManagement !== undefined
              ? Buffer.from([n.mobilityManagement >> 8, n.mobilityManagement & 0xff])
              : undefined,
          ),
          ...n.poas.map(
            (p): Ie => ({
              type: IeType.Poa,
              ies: [
                ...leaf(IeType.PoaLinkAddress, linkAddr(p.linkAddress)),
                // IP_SUBNET_INFO list: prefix length (1 octet) and the prefix as IP_ADDR.
                ...leaf(
                  IeType.PoaSubnetInfo,
                  p.prefix !== undefined
                    ? Buffer.concat([Buffer.from([1, Number(p.prefix.split('/')[1])]), ipAddr(p.prefix.split('/')[0]!)])
                    : undefined,
                ),
                ...leaf(
                  IeType.PoaIpAddress,
                  p.routerAddress !== undefined
                    ? Buffer.concat([Buffer.from([1]), ipAddr(p.routerAddress)])
                    : undefined,
                ),
              ],
            }),
          ),
        ],
      })),
    },
  ];
}

/** The networks an IS answer describes; IEs not known here are skipped. */
export function iesToNetworks(ies: readonly Ie[]): Decoded<IsNetwork[]> {
  const list = ies.find((i) => i.type === IeType.ListOfNetworks);
  if (!list || !('ies' in list)) return decodeFail('bad-value', 0, 'no list-of-networks container');
  const out: IsNetwork[] = [];
  for (const n of list.ies) {
    if (n.type !== IeType.Network || !('ies' in n)) continue;
    const net: IsNetwork = { poas: [] };
    for (const ie of n.ies) {
      if ('ies' in ie) {
        if (ie.type !== IeType.Poa) continue;
        const poa: Partial<IsPoa> = {};
        for (const x of ie.ies) {
          if ('ies' in x) continue;
          if (x.type === IeType.PoaLinkAddress) {
            const a = readLinkAddr(x.value, 0);
            if (!a.ok) return a;
            poa.linkAddress = a.value;
          } else if (x.type === IeType.PoaSubnetInfo) {
            if (x.value[0] !== 1 || x.value.length < 2) continue;
            const a = readIpAddr(x.value, 2);
            if (!a.ok) return a;
            poa.prefix = `${a.value}/${x.value[1]}`;
          } else if (x.type === IeType.PoaIpAddress) {
            if (x.value[0] !== 1) continue;
            const a = readIpAddr(x.value, 1);
            if (!a.ok) return a;
            poa.routerAddress = a.value;
          }
        }
        if (poa.linkAddress) net.poas.push(poa as IsPoa);
      } else if (ie.type === IeType.NetworkId) {
        const s = readOctetString(ie.value, 0);
        if (s.ok) net.networkId = s.value.toString('utf8');
      } else if (ie.type === IeType.NetMobilityManagementProtocols && ie.value.length === 2) {
        net.mobilityManagement = ie.value.readUInt16BE(0);
      }
    }
    out.push(net);
  }
  return decodeOk(out, 0);
}

/**
 * IQ_BIN_DATA as the lab sends it: every CHOICE NULL (selector 0) but the report template, a
 * LIST(UNSIGNED_INT(4)) of IE types (selector 1). Order: querier location, network type inclusion,
 * network inclusion, report template, report limit, current preference.
 */
export function iqBinData(template: readonly number[]): Buffer {
  const n = Buffer.alloc(lengthLength(template.length));
  writeLength(template.length, n, 0);
  const types = Buffer.alloc(4 * template.length);
  for (const [i, t] of template.entries()) types.writeUInt32BE(t >>> 0, 4 * i);
  return Buffer.concat([Buffer.from([0, 0, 0, 1]), n, types, Buffer.from([0, 0])]);
}

/** The report template of an IQ_BIN_DATA; other CHOICEs must be NULL (a query the lab cannot answer is refused). */
export function readIqBinData(b: Buffer, o: number): Decoded<number[]> {
  if (o + 4 > b.length) return decodeFail('truncated', o, 'IQ_BIN_DATA cut short');
  if (b[o] !== 0 || b[o + 1] !== 0 || b[o + 2] !== 0)
    return decodeFail('unsupported', o, 'IQ_BIN_DATA with a querier location or network filter');
  let p = o + 3;
  let template: number[] = [];
  if (b[p] === 1) {
    const n = readLength(b, p + 1);
    if (!n.ok) return n;
    p += 1 + n.bytes;
    if (p + 4 * n.value > b.length) return decodeFail('truncated', p, 'report template runs past its TLV');
    template = Array.from({ length: n.value }, (_, i) => b.readUInt32BE(p + 4 * i));
    p += 4 * n.value;
  } else if (b[p] === 0) p += 1;
  else return decodeFail('bad-value', p, `report template selector ${b[p]}`);
  if (p + 2 > b.length) return decodeFail('truncated', p, 'IQ_BIN_DATA cut short');
  if (b[p] !== 0 || b[p + 1] !== 0)
    return decodeFail('unsupported', p, 'IQ_BIN_DATA with a report limit or preference');
  return decodeOk(template, p + 2 - o);
}
