// Ethernet II header (IEEE 802.3 / RFC 894): destination, source, EtherType. IPv6 = 0x86dd (RFC 2464).

import { bytesToMac, macToBytes } from './address.js';
import { decodeFail, decodeOk, type Decoded } from './result.js';

export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERNET_HEADER_LENGTH = 14;

export interface EthernetHeader {
  dst: string;
  src: string;
  ethertype: number;
}

export function encodingLength(_h: EthernetHeader): number {
  return ETHERNET_HEADER_LENGTH;
}

export function encode(h: EthernetHeader, buf?: Buffer, offset = 0): Buffer {
  const out = buf ?? Buffer.alloc(ETHERNET_HEADER_LENGTH);
  macToBytes(h.dst).copy(out, offset);
  macToBytes(h.src).copy(out, offset + 6);
  out.writeUInt16BE(h.ethertype, offset + 12);
  return out;
}

export function decode(buf: Buffer, offset = 0): Decoded<EthernetHeader> {
  if (buf.length - offset < ETHERNET_HEADER_LENGTH) {
    return decodeFail('truncated', offset, 'Ethernet header needs 14 bytes');
  }
  return decodeOk(
    { dst: bytesToMac(buf, offset), src: bytesToMac(buf, offset + 6), ethertype: buf.readUInt16BE(offset + 12) },
    ETHERNET_HEADER_LENGTH,
  );
}
