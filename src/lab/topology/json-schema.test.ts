import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LAB_SCHEMA_PATH, labJsonSchema, labJsonSchemaText } from './json-schema.js';

describe('schemas/lab.schema.json', () => {
  it('is the committed output of the generator (run `npm run schema` after changing schema.ts)', async () => {
    expect(await readFile(LAB_SCHEMA_PATH, 'utf8')).toBe(labJsonSchemaText());
  });

  it('describes lab YAML as written: durations are strings with a unit, unknown keys are refused', () => {
    const s = labJsonSchema() as {
      properties: Record<string, { type?: string; pattern?: string }>;
      additionalProperties: boolean;
      required: string[];
    };
    expect(s.properties.duration).toMatchObject({ type: 'string' });
    expect(new RegExp(s.properties.duration!.pattern!).test('20ms')).toBe(true);
    expect(new RegExp(s.properties.duration!.pattern!).test('20')).toBe(false);
    expect(s.additionalProperties).toBe(false);
    expect(s.required.sort()).toEqual(['duration', 'name', 'nodes']);
  });
});
