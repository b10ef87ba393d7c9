export * from './constants.js';
export * from './lma.js';
export * from './mag.js';
export * from './timestamp.js';
export * from './prefixes.js';
