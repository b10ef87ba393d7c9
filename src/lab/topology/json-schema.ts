// schemas/lab.schema.json, generated from the zod schema so editors (yaml-language-server) check and
// complete lab files as the loader does. Run `npm run schema` after changing schema.ts.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { labSchema } from './schema.js';

/** Where the committed schema lives: <repo>/schemas/lab.schema.json (same depth from src/ and dist/). */
export const LAB_SCHEMA_PATH = fileURLToPath(new URL('../../../schemas/lab.schema.json', import.meta.url));

/** The JSON Schema of lab YAML as written (the input side: "20ms", not 20). */
export function labJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(labSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'mipshop-lab lab',
    description: 'A lab for mipshop-lab: nodes, links, access points, scenario, traffic (docs/topology.md).',
  };
}

/** The file's exact text: two-space JSON and a final newline. */
export function labJsonSchemaText(): string {
  return `${JSON.stringify(labJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(LAB_SCHEMA_PATH, labJsonSchemaText());
  console.log(`wrote ${LAB_SCHEMA_PATH}`);
}
