// Hierarchical Mobile IPv6 (RFC 5380): the Mobility Anchor Point and the mobile node's side.
export * from './map.js';
export * from './map-selection.js';
export * from './mobile-node-map.js';
