// IEEE 802.21 MIH protocol frames over IP (RFC 5677).
export * as header from './header.js';
export * as message from './message.js';
export * as tlv from './tlv.js';
export * as types from './types.js';
export { MIH_PORT } from './port.js';
export type { MihBody, MihFrame } from './message.js';
