// What every mobility protocol machine shares (Mobile IPv6, FMIPv6, HMIPv6, PMIPv6): the tick, the
// machine interface, and the vocabulary of messages in and out.
export * from './tick.js';
export type { Machine } from './machine.js';
export type * from './inputs.js';
export * from './actions.js';
export * from './peer-auth.js';
