// MIH frames built by hand from the layouts of IEEE 802.21 §8 as Wireshark's dissector reads them,
// each read by tshark 4.0.17 (UDP port 4551) without error. Bitmaps here are MSB-first (Wireshark's
// reading); test/integration/mih-tshark.test.ts checks what tshark makes of our own frames.
const MN = '01100f6d6e312e6578616d706c652e636f6d'; // Source MIHF ID "mn1.example.com"
const POS = '021110706f73312e6578616d706c652e636f6d'; // Destination MIHF ID "pos1.example.com"
const POS_SRC = '011110706f73312e6578616d706c652e636f6d';
const MN_DST = '02100f6d6e312e6578616d706c652e636f6d';
// LINK_TUPLE_ID: 802.11, MAC 02:00:00:00:00:10, PoA MAC 02:00:00:00:00:aa.
const LINK = '0d16 13 00 0006 06 020000000010 01 00 0006 06 0200000000aa';

export const MIH_VECTORS = {
  /** Capability_Discover request, ACK-Req, TID 1, from mn1 to pos1. */
  capabilityDiscoverRequest: `18 00 1401 0001 0025 ${MN} ${POS}`,
  /** Its stand-alone ACK: ACK-Rsp, same MID and TID, the IDs swapped. */
  capabilityDiscoverAck: `14 00 1401 0001 0025 ${POS_SRC} ${MN_DST}`,
  /** Register request: one 802.11 LINK_ID (MAC 02:00:00:00:00:10), request code 0. */
  registerRequest: `10 00 1402 0002 0036 ${MN} ${POS} 190c 01 13 00 0006 06 020000000010 0b0100`,
  /** Register response: Success, valid for 3600 s. */
  registerResponse: `10 00 1802 0002 002e ${POS_SRC} ${MN_DST} 030100 0c0400000e10`,
  /** Event_Subscribe request for Link_Going_Down, MSB-first (0x08000000). */
  eventSubscribeRequestMsb0: `10 00 1404 0003 0043 ${MN} ${POS} ${LINK} 050408000000`,
  /** Link_Going_Down indication, ACK-Req, TID 0x123: 500 ms, reason 1 (link parameter degrading). */
  linkGoingDown: `18 00 2c06 0123 0044 ${POS_SRC} ${MN_DST} ${LINK} 150201f4 160101`,
} as const;

export function mihVector(name: keyof typeof MIH_VECTORS): Buffer {
  return Buffer.from(MIH_VECTORS[name].replace(/\s/g, ''), 'hex');
}
