// Mobility Header codecs: `mh.encode / mh.decode / mh.encodingLength` over every message.
export * from './header.js';
export * from './binding.js';
export * from './return-routability.js';
export * from './fmipv6.js';
export * from './pmipv6.js';
export * from './options/types.js';
export * from './options/locate.js';
export * as mobilityOption from './options/codec.js';
