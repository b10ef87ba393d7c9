// Mobile IPv6 (RFC 6275) home agent and mobile node machines with RFC 4283/4285 authentication.
export * from './constants.js';
export * from './sequence.js';
export * from './binding-cache.js';
export * from './auth.js';
export { HomeAgent, HOME_AGENT_COUNTERS } from './home-agent.js';
export type {
  HomeAgentAction,
  HomeAgentConfig,
  HomeAgentCounter,
  HomeAgentEvent,
  HomeAgentInput,
} from './home-agent.js';
export { MobileNode, MOBILE_NODE_COUNTERS } from './mobile-node.js';
export type {
  MobileNodeAction,
  MobileNodeConfig,
  MobileNodeCounter,
  MobileNodeEvent,
  MobileNodeInput,
  PrefixInformation,
} from './mobile-node.js';
export { MovementDetection } from './movement-detection.js';
export type {
  CareOfAddress,
  Location,
  Movement,
  MovementDetectionAction,
  MovementDetectionConfig,
  MovementEvent,
  RouterAdvertisementInput,
} from './movement-detection.js';
export * from './return-routability.js';
export { Correspondent, CORRESPONDENT_COUNTERS, RrStatus } from './correspondent.js';
export type {
  CorrespondentAction,
  CorrespondentConfig,
  CorrespondentCounter,
  CorrespondentEvent,
  CorrespondentInput,
} from './correspondent.js';
export { RouteOptimisation, ROUTE_OPTIMISATION_COUNTERS } from './route-optimisation.js';
export type {
  RouteOptimisationAction,
  RouteOptimisationConfig,
  RouteOptimisationCounter,
  RouteOptimisationEvent,
  RouteOptimisationInput,
} from './route-optimisation.js';
