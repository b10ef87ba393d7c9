// Mobile IPv6 Fast Handovers (RFC 5568) machines: PAR, NAR and the mobile node's side, with the
// RFC 4260 layer-2 triggers and the point-to-point per-MN prefix variant. See docs/fmipv6.md.
export * from './constants.js';
export * from './neighbour-map.js';
export { PreviousAccessRouter } from './par.js';
export { PAR_COUNTERS, DEFAULT_PAR_LIMITS } from './par-interface.js';
export * from './nar-limits.js';
export type { ParConfig, ParLimits, ParInput, ParAction, ParEvent, ParCounter, HandoverMode } from './par-interface.js';
export { NewAccessRouter, NAR_COUNTERS } from './nar.js';
export type { NarConfig, NarInput, NarAction, NarEvent, NarCounter } from './nar.js';
export { FmipMobileNode, FMIP_MOBILE_NODE_COUNTERS } from './mobile-node.js';
export { FMIP_MN_TRANSITIONS } from './mobile-node-state.js';
export type { FmipMobileNodeState, FmipMobileNodeStateName, FmipMobileNodeTransition } from './mobile-node-state.js';
export type {
  FmipMobileNodeConfig,
  FmipMobileNodeInput,
  FmipMobileNodeAction,
  FmipMobileNodeEvent,
  FmipMobileNodeCounter,
  FallbackReason,
} from './mobile-node.js';
