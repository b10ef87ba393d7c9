// Every command's registration, loaded by main.ts once it knows it needs the parser.
export { registerCompare } from './compare.js';
export { registerDoctor } from './doctor.js';
export { registerDown } from './down.js';
export { registerExec } from './exec.js';
export { registerImages } from './images.js';
export { registerLs } from './ls.js';
export { registerReport } from './report.js';
export { registerRun } from './run.js';
export { registerUp } from './up.js';
