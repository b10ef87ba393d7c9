// What a lab could leave behind: the tests of teardown expect this list to be empty. The check is
// src/lab/leftovers.ts, which `make soak` uses too.
export { leftovers } from '../../src/lab/leftovers.js';
