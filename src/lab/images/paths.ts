// Where the image inputs live: the package root holds images/, dist/, build/ and node_modules/.
import { fileURLToPath } from 'node:url';

/** src/lab/images/ and dist/lab/images/ are both three levels below the package root. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

export const LABEL_IMAGE = 'org.mipshop-lab.image';
export const LABEL_INPUTS = 'org.mipshop-lab.inputs';

export const BASE_REPO = 'mipshop-lab/base';
export const NODE_REPO = 'mipshop-lab/node';
export const AGENT_REPO = 'mipshop-lab/agent';
