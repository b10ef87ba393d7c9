// Every command's registration, loaded by main.ts once it knows it needs the parser.
export { registerCapture } from './capture.js';
export { registerCompare } from './compare.js';
export { registerDoctor } from './doctor.js';
export { registerDown } from './down.js';
export { registerExec } from './exec.js';
export { registerImages } from './images.js';
export { registerImpair } from './impair.js';
export { registerL2 } from './l2.js';
export { registerLs } from './ls.js';
export { registerReport } from './report.js';
export { registerRun } from './run.js';
export { registerUp } from './up.js';
